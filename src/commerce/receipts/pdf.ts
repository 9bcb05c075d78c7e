import type { Receipt } from '../types.js';
import { formatMoney } from './receipt.js';

/** A receipt as a one-page PDF. Creation date fixed to the issue time, so the same receipt gives the same bytes. */
export async function receiptPdf(r: Receipt): Promise<Buffer> {
  // Loaded on first use: pdfkit is heavy, and processes that never render a PDF should not pay for it.
  const { default: PDFDocument } = await import('pdfkit');
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A5',
      margin: 36,
      info: { Title: `Receipt ${r.id}`, CreationDate: new Date(r.issuedAt) },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const m = (v: number) => formatMoney(v, r.currency);
    const t = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    doc.fontSize(16).text(r.store.name);
    doc.fontSize(9).text(`Receipt ${r.id} (version ${r.version})`);
    doc.text(`Entered ${t(r.enteredAt)}   Left ${t(r.exitedAt)}`);
    doc.moveDown();
    if (r.lines.length === 0) doc.text('Nothing was taken; nothing was charged.');
    for (const l of r.lines) {
      doc.text(
        `${l.quantity} x ${l.name}${l.grams !== undefined ? ` (${l.grams} g)` : ''}  @ ${m(l.unitPrice)}  = ${m(l.amount)}`,
      );
    }
    doc.moveDown();
    doc
      .text(`Subtotal ${m(r.subtotal)}`)
      .text(`Tax ${m(r.tax)}`)
      .text(`Total ${m(r.total)}`);
    for (const f of r.refunds) doc.text(`Refund ${f.quantity} x ${f.sku}  -${m(f.amount)}`);
    if (r.refunds.length) doc.text(`You pay ${m(r.net)}`);
    doc
      .moveDown()
      .text(
        `Payment: ${r.payment.status}${r.payment.method ? ` (${r.payment.method.brand} ${r.payment.method.last4})` : ''}`,
      );
    doc.end();
  });
}
