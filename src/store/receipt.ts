import type { Product } from '../protocol/store.js';
import type { ReceiptLine } from '../protocol/results.js';
import type { VisitEvent } from './events.js';
import type { Visit } from './visit.js';

/** Prices a visit's cart: lines sorted by sku, quantities that netted to zero or less dropped. */
export function priceCart(
  visit: Visit,
  products: ReadonlyMap<string, Product>,
): { lines: ReceiptLine[]; total: number; tax: number } {
  const lines: ReceiptLine[] = [];
  let total = 0;
  let tax = 0;
  for (const line of Object.values(visit.cart).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))) {
    const product = products.get(line.sku);
    if (!product) continue;
    if (product.soldBy === 'weight') {
      if (line.grams <= 0) continue;
      const price = Math.round(((product.pricePerKg ?? 0) * line.grams) / 1000);
      lines.push({ sku: line.sku, quantity: 1, unitPrice: price, grams: Math.round(line.grams) });
      total += price;
      tax += Math.round(price * product.taxRate);
    } else {
      if (line.quantity <= 0) continue;
      const unitPrice = product.price ?? 0;
      lines.push({ sku: line.sku, quantity: line.quantity, unitPrice });
      total += unitPrice * line.quantity;
      tax += Math.round(unitPrice * line.quantity * product.taxRate);
    }
  }
  return { lines, total: total + tax, tax };
}

/** The ReceiptIssued event that closes a settling visit, or the next version of a closed visit's receipt. */
export function issueReceipt(
  visit: Visit & { status: 'settling' | 'closed' },
  products: ReadonlyMap<string, Product>,
  currency: string,
  t: number,
): VisitEvent {
  const { lines, total, tax } = priceCart(visit, products);
  return {
    type: 'ReceiptIssued',
    visitId: visit.visitId,
    t,
    version: visit.status === 'closed' ? visit.receiptVersion + 1 : 1,
    token: visit.token,
    enteredAt: visit.enteredAt,
    exitedAt: visit.exitedAt,
    lines,
    total,
    tax,
    currency,
    reviewed: visit.reviewed,
  };
}
