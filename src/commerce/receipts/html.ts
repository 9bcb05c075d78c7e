import type { Receipt } from '../types.js';
import { formatMoney } from './receipt.js';

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A receipt as a self-contained HTML page (web view and e-mail body). Pure. */
export function receiptHtml(r: Receipt, history: Receipt[] = []): string {
  const m = (v: number) => esc(formatMoney(v, r.currency));
  const t = (ms: number) => esc(new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');
  const rows = r.lines
    .map(
      (l) =>
        `<tr><td>${esc(l.name)}${l.grams !== undefined ? ` <small>${l.grams} g</small>` : ''}</td><td class="n">${l.quantity}</td><td class="n">${m(l.unitPrice)}</td><td class="n">${m(l.amount)}</td></tr>`,
    )
    .join('');
  const refunds = r.refunds
    .map(
      (f) =>
        `<tr class="refund"><td>Refund: ${esc(f.sku)}</td><td class="n">${f.quantity}</td><td></td><td class="n">−${m(f.amount)}</td></tr>`,
    )
    .join('');
  const versions =
    history.length > 1
      ? `<h2>History</h2><ol>${history.map((h) => `<li>version ${h.version} (${esc(h.reason)}): ${m(h.net)}</li>`).join('')}</ol>`
      : '';
  const pay = r.payment.method ? ` — ${esc(r.payment.method.brand)} •••• ${esc(r.payment.method.last4)}` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Receipt ${esc(r.id)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto}table{width:100%;border-collapse:collapse}td{padding:.2rem 0}.n{text-align:right}.refund{color:#0a6}</style></head>
<body><h1>${esc(r.store.name)}</h1>
<p>Receipt <b>${esc(r.id)}</b> (version ${r.version})<br>Entered ${t(r.enteredAt)}<br>Left ${t(r.exitedAt)}<br>Issued ${t(r.issuedAt)}</p>
${r.lines.length === 0 ? '<p>Nothing was taken; nothing was charged.</p>' : ''}
<table><thead><tr><th align="left">Item</th><th class="n">Qty</th><th class="n">Price</th><th class="n">Amount</th></tr></thead>
<tbody>${rows}</tbody><tfoot><tr><td colspan="3">Subtotal</td><td class="n">${m(r.subtotal)}</td></tr>
<tr><td colspan="3">Tax</td><td class="n">${m(r.tax)}</td></tr><tr><td colspan="3"><b>Total</b></td><td class="n"><b>${m(r.total)}</b></td></tr>
${refunds}${r.refunds.length ? `<tr><td colspan="3"><b>You pay</b></td><td class="n"><b>${m(r.net)}</b></td></tr>` : ''}</tfoot></table>
<p>Payment: ${esc(r.payment.status)}${pay}</p>${r.reviewed ? '<p>Part of this visit was checked by a person.</p>' : ''}${versions}
</body></html>`;
}
