import type {
  Catalog,
  CommerceVisit,
  IssuedVisit,
  PaymentMethod,
  Receipt,
  ReceiptLineView,
  ReceiptPayment,
  ReceiptRefund,
} from '../types.js';

/** A receipt version's id: stable, so deliveries of it can be deduplicated anywhere. */
export const receiptId = (visitId: string, version: number): string => `${visitId}.v${version}`;

/** Tax rate of a line: the catalog's, else the receipt's overall rate (tax / pre-tax total). */
function taxRateOf(catalog: Catalog, sku: string, issued: IssuedVisit): number {
  const known = catalog.products.get(sku)?.taxRate;
  if (known !== undefined) return known;
  const pre = issued.total - issued.tax;
  return pre > 0 ? issued.tax / pre : 0;
}

/** The first receipt of a visit, from what the engine issued and how the payment went. Pure. */
export function firstReceipt(
  visit: CommerceVisit & { issued: IssuedVisit },
  catalog: Catalog,
  payment: ReceiptPayment,
): Receipt {
  const { issued } = visit;
  const lines: ReceiptLineView[] = issued.lines.map((l) => ({
    sku: l.sku,
    name: catalog.products.get(l.sku)?.name ?? l.sku,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    ...(l.grams !== undefined ? { grams: l.grams } : {}),
    amount: l.unitPrice * l.quantity,
    taxRate: taxRateOf(catalog, l.sku, issued),
  }));
  return {
    id: receiptId(visit.visitId, 1),
    visitId: visit.visitId,
    version: 1,
    accountId: visit.accountId,
    store: { id: catalog.storeId, name: catalog.storeName },
    enteredAt: visit.enteredAt,
    exitedAt: issued.exitedAt,
    issuedAt: issued.issuedAt,
    lines,
    subtotal: issued.total - issued.tax,
    tax: issued.tax,
    total: issued.total,
    refunds: [],
    refunded: 0,
    net: issued.total,
    currency: issued.currency,
    payment,
    reviewed: issued.reviewed,
    reason: 'issued',
  };
}

/** The next version after a refund: same lines, the refund listed, the net lowered. Pure. */
export function refundedReceipt(prev: Receipt, refund: ReceiptRefund, payment: ReceiptPayment): Receipt {
  const refunds = [...prev.refunds, refund];
  const refunded = refunds.reduce((s, r) => s + r.amount, 0);
  return {
    ...prev,
    id: receiptId(prev.visitId, prev.version + 1),
    version: prev.version + 1,
    refunds,
    refunded,
    net: prev.total - refunded,
    payment,
    reason: 'refund',
  };
}

/** The next version after the engine revised the visit: new lines and totals, earlier refunds kept. Pure. */
export function revisedReceipt(prev: Receipt, revised: Receipt): Receipt {
  return {
    ...revised,
    id: receiptId(prev.visitId, prev.version + 1),
    version: prev.version + 1,
    refunds: prev.refunds,
    refunded: prev.refunded,
    net: revised.total - prev.refunded,
    reason: 'revised',
  };
}

/** The next version after a due payment was settled. Pure. */
export function settledReceipt(prev: Receipt, payment: ReceiptPayment): Receipt {
  return {
    ...prev,
    id: receiptId(prev.visitId, prev.version + 1),
    version: prev.version + 1,
    payment,
    reason: 'settled',
  };
}

/** How much a shopper was charged for `quantity` of a line, tax included (what a refund gives back). */
export function lineRefundAmount(line: ReceiptLineView, quantity: number): number {
  const pre = line.grams !== undefined ? line.amount : line.unitPrice * quantity;
  return Math.round(pre * (1 + line.taxRate));
}

/** Quantity of a sku still charged on a receipt (charged minus refunded). */
export function chargedQuantity(receipt: Receipt, sku: string): number {
  const line = receipt.lines.find((l) => l.sku === sku);
  if (!line) return 0;
  const refunded = receipt.refunds.filter((r) => r.sku === sku).reduce((s, r) => s + r.quantity, 0);
  return line.quantity - refunded;
}

/** The payment block for a receipt. */
export function paymentView(
  status: ReceiptPayment['status'],
  amount: number,
  method: PaymentMethod | undefined,
  reference: string | null,
): ReceiptPayment {
  return { status, amount, method: method ? { brand: method.brand, last4: method.last4 } : null, reference };
}

/** Money in minor units as text, e.g. 1249 USD → "12.49 USD". */
export function formatMoney(minor: number, currency: string): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${currency}`;
}

/** A receipt as plain text (e-mail body, logs). */
export function receiptText(r: Receipt): string {
  const t = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
  const out = [
    `${r.store.name} — receipt ${r.id} (version ${r.version})`,
    `Entered ${t(r.enteredAt)}, left ${t(r.exitedAt)}`,
    '',
    ...r.lines.map(
      (l) =>
        `${l.quantity} × ${l.name}${l.grams !== undefined ? ` (${l.grams} g)` : ''} @ ${formatMoney(l.unitPrice, r.currency)} = ${formatMoney(l.amount, r.currency)}`,
    ),
    '',
    `Subtotal ${formatMoney(r.subtotal, r.currency)}`,
    `Tax ${formatMoney(r.tax, r.currency)}`,
    `Total ${formatMoney(r.total, r.currency)}`,
    ...r.refunds.map((f) => `Refund: ${f.quantity} × ${f.sku} −${formatMoney(f.amount, r.currency)}`),
    ...(r.refunds.length ? [`You pay ${formatMoney(r.net, r.currency)}`] : []),
    `Payment: ${r.payment.status}${r.payment.method ? ` (${r.payment.method.brand} •••• ${r.payment.method.last4})` : ''}`,
  ];
  if (r.lines.length === 0) out.splice(3, 0, 'Nothing was taken; nothing was charged.');
  return out.join('\n');
}
