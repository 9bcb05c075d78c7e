import { describe, expect, it } from 'vitest';
import { parseStoreDefinition } from '../protocol/store.js';
import type { VisitEvent } from './events.js';
import { issueReceipt } from './receipt.js';
import { foldVisit, type Visit } from './visit.js';

const store = parseStoreDefinition({
  id: 'demo',
  name: 'Demo',
  currency: 'USD',
  floor: [
    [0, 0],
    [4, 0],
    [4, 4],
  ],
  products: [
    { sku: 'fiji-500', name: 'FIJI', price: 249, taxRate: 0.1, weight: { mean: 538, std: 4 } },
    { sku: 'apples', name: 'Apples', soldBy: 'weight', pricePerKg: 300, weight: { mean: 180, std: 30 } },
  ],
});
const products = new Map(store.products.map((p) => [p.sku, p]));
const t = (ms: number) => 1_700_000_000_000 + ms;
const entered = (): VisitEvent => ({
  type: 'ShopperEntered',
  visitId: 'v1',
  t: t(0),
  token: 'tok',
  method: 'qr',
  gateId: 'gate-in',
  channel: 'gate',
});
const picked = (sku: string, quantity: number, grams?: number): VisitEvent => ({
  type: 'ItemPicked',
  visitId: 'v1',
  t: t(10_000),
  eventId: `e-${sku}-${quantity}`,
  sku,
  quantity,
  grams,
  confidence: 0.99,
  source: 'shelf',
});
const returned = (sku: string, quantity: number): VisitEvent => ({
  type: 'ItemReturned',
  visitId: 'v1',
  t: t(20_000),
  eventId: `r-${sku}`,
  sku,
  quantity,
  confidence: 0.9,
  source: 'shelf',
});
const exited = (): VisitEvent => ({ type: 'ShopperExited', visitId: 'v1', t: t(40_000) });

function receiptFor(events: VisitEvent[]) {
  const visit = foldVisit(events) as Visit & { status: 'settling' };
  expect(visit.status).toBe('settling');
  return issueReceipt(visit, products, 'USD', t(42_000));
}

describe('a visit', () => {
  it('given a shopper entered and picked two FIJI, when they exit, then the receipt has two FIJI with tax', () => {
    const receipt = receiptFor([entered(), picked('fiji-500', 2), exited()]);
    expect(receipt).toMatchObject({
      type: 'ReceiptIssued',
      lines: [{ sku: 'fiji-500', quantity: 2, unitPrice: 249 }],
      tax: 50,
      total: 548,
    });
  });

  it('given a pick and a put-back of the same product, then the receipt is empty and says so', () => {
    const receipt = receiptFor([entered(), picked('fiji-500', 1), returned('fiji-500', 1), exited()]);
    expect(receipt).toMatchObject({ lines: [], total: 0 });
  });

  it('prices produce by the grams taken', () => {
    const receipt = receiptFor([entered(), picked('apples', 1, 500), exited()]);
    expect(receipt).toMatchObject({ lines: [{ sku: 'apples', quantity: 1, unitPrice: 150, grams: 500 }] });
  });

  it('ignores events before it began, and a second entry of the same visit', () => {
    expect(foldVisit([picked('fiji-500', 1)])).toBeNull();
    const v = foldVisit([entered(), { ...entered(), t: t(5) }]);
    expect(v?.enteredAt).toBe(t(0));
  });

  it('is marked reviewed once one of its events went to review', () => {
    const v = foldVisit([
      entered(),
      {
        type: 'ReviewRequested',
        visitId: 'v1',
        t: t(1),
        eventId: 'e1',
        reason: { kind: 'product', detail: 'x' },
        sku: 'fiji-500',
        products: [],
        shoppers: [],
      },
    ]);
    expect(v?.reviewed).toBe(true);
  });
});
