import type { VisitEvent } from '../store/events.js';
import type { Catalog, Clock } from './types.js';

/** Test helpers shared by the commerce specs, the kill-test worker and the e2e test. */

/** A clock the test moves by hand. */
export function manualClock(
  start = Date.UTC(2026, 10, 25, 12, 0, 0),
): Clock & { advance(ms: number): void; set(t: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (v) => void (t = v) };
}

export const demoCatalog: Catalog = {
  storeId: 'demo-1',
  storeName: 'Demo Market',
  products: new Map([
    ['fiji-500', { name: 'FIJI Water 0.5 L', taxRate: 0 }],
    ['choc-bar', { name: 'Dark Chocolate 100 g', taxRate: 0.1 }],
    ['apples', { name: 'Apples (loose)', taxRate: 0 }],
  ]),
};

/** The engine's ShopperEntered for a visit. */
export function entered(visitId: string, token: string, t: number, method: string | null = 'qr'): VisitEvent {
  return { type: 'ShopperEntered', visitId, t, token, method, gateId: 'gate-in', channel: 'gate' };
}

/** The engine's ReceiptIssued for a visit, priced like src/store/receipt.ts. */
export function receiptIssued(
  visitId: string,
  token: string,
  enteredAt: number,
  exitedAt: number,
  lines: { sku: string; quantity: number; unitPrice: number; grams?: number }[],
  catalog: Catalog = demoCatalog,
  version = 1,
): VisitEvent {
  let total = 0;
  let tax = 0;
  for (const l of lines) {
    const pre = l.unitPrice * l.quantity;
    total += pre;
    tax += Math.round(pre * (catalog.products.get(l.sku)?.taxRate ?? 0));
  }
  return {
    type: 'ReceiptIssued',
    visitId,
    t: exitedAt + 1500,
    version,
    token,
    enteredAt,
    exitedAt,
    lines,
    total: total + tax,
    tax,
    currency: 'USD',
    reviewed: false,
  };
}
