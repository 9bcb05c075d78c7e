import { describe, expect, it } from 'vitest';
import { createEngine } from '../engine/engine.js';
import type { EngineOutput } from '../engine/types.js';
import type { DeviceMessage } from '../protocol/messages.js';
import { parseStoreDefinition } from '../protocol/store.js';

const store = parseStoreDefinition({
  id: 'cartstore',
  name: 'Cart store',
  currency: 'USD',
  floor: [
    [0, 0],
    [10, 0],
    [10, 8],
    [0, 8],
  ],
  products: [
    { sku: 'fiji-500', gtin: '00632565000012', name: 'FIJI', price: 249, weight: { mean: 538, std: 4 } },
    { sku: 'chips', gtin: '00071063437089', name: 'Chips', price: 399, weight: { mean: 105.5, std: 1.5 } },
    {
      sku: 'apples',
      gtin: '00000000004131',
      name: 'Apples',
      soldBy: 'weight',
      pricePerKg: 450,
      weight: { mean: 180, std: 40 },
    },
  ],
});
const T0 = 1_700_000_000_000;

/** A cart's messages: the basket scale reads every 200 ms; items land 1 s after their scan. */
function cartRun(
  actions: { at: number; scan?: string; action?: 'add' | 'remove'; grams?: number }[],
  endAt: number,
): DeviceMessage[] {
  const msgs: DeviceMessage[] = [
    { kind: 'cart-login', storeId: 'cartstore', deviceId: 'cart-7', payload: { t: T0, token: 'shopper-1' } },
  ];
  let basket = 0;
  const changes = actions
    .filter((a) => a.grams !== undefined)
    .map((a) => ({ at: a.at + 1000, grams: a.grams! }));
  for (let t = 0; t <= endAt; t += 200) {
    for (const c of changes) if (c.at === t) basket += c.grams;
    const noise = ((t * 7919) % 7) - 3;
    msgs.push({
      kind: 'cart-weight',
      storeId: 'cartstore',
      deviceId: 'cart-7',
      payload: { t: T0 + t + 50, grams: basket + noise * 0.5 },
    });
  }
  for (const a of actions) {
    if (a.scan)
      msgs.push({
        kind: 'cart-scan',
        storeId: 'cartstore',
        deviceId: 'cart-7',
        payload: { t: T0 + a.at, gtin: a.scan, action: a.action ?? 'add' },
      });
  }
  msgs.push({
    kind: 'cart-exit',
    storeId: 'cartstore',
    deviceId: 'cart-7',
    payload: { t: T0 + endAt + 100, gateId: 'gate-out' },
  });
  return msgs.sort((a, b) => a.payload.t - b.payload.t);
}

function run(msgs: DeviceMessage[]): EngineOutput[] {
  const engine = createEngine(store);
  const out = msgs.flatMap((m) => engine.ingest(m).outputs);
  return [...out, ...engine.finish()];
}
const receiptOf = (out: EngineOutput[]) =>
  out.flatMap((o) => (o.type === 'visit' && o.event.type === 'ReceiptIssued' ? [o.event] : []))[0]!;
const alertsOf = (out: EngineOutput[]) => out.flatMap((o) => (o.type === 'cart-alert' ? [o.alert] : []));

describe('a smart-cart visit', () => {
  it('given scans that the scale confirms, the receipt has them, produce priced by its grams', () => {
    const out = run(
      cartRun(
        [
          { at: 5000, scan: '00632565000012', grams: 538 },
          { at: 15_000, scan: '00071063437089', grams: 106 },
          { at: 25_000, scan: '00000000004131', grams: 812 },
        ],
        40_000,
      ),
    );
    const receipt = receiptOf(out);
    const apples = receipt.lines[0]!;
    expect(apples.sku).toBe('apples');
    expect(Math.abs(apples.grams! - 812)).toBeLessThanOrEqual(3);
    expect(apples.unitPrice).toBe(Math.round((450 * apples.grams!) / 1000));
    expect(receipt.lines.slice(1)).toEqual([
      { sku: 'chips', quantity: 1, unitPrice: 399 },
      { sku: 'fiji-500', quantity: 1, unitPrice: 249 },
    ]);
    expect(receipt.reviewed).toBe(false);
    expect(alertsOf(out)).toEqual([]);
  });

  it('an item slipped in without a scan raises an alert within seconds, and is charged by weight for review', () => {
    const out = run(
      cartRun(
        [
          { at: 5000, scan: '00071063437089', grams: 106 },
          { at: 12_000, grams: 539 },
        ],
        40_000,
      ),
    );
    const alerts = alertsOf(out);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'unscanned-item' });
    expect(alerts[0]!.t - (T0 + 13_000)).toBeLessThan(2000);
    const receipt = receiptOf(out);
    expect(receipt.lines.map((l) => l.sku)).toEqual(['chips', 'fiji-500']);
    expect(receipt.reviewed).toBe(true);
  });

  it("the next item's scan does not take an earlier unscanned step of the same weight", () => {
    const out = run(
      cartRun(
        [
          { at: 5000, grams: 106 },
          { at: 20_000, scan: '00071063437089', grams: 106 },
        ],
        40_000,
      ),
    );
    const raised = new Set(alertsOf(out).map((a) => a.alertId));
    expect(raised.size).toBe(1);
    expect(alertsOf(out)[0]).toMatchObject({ kind: 'unscanned-item' });
    expect(alertsOf(out)[0]!.t - (T0 + 6000)).toBeLessThan(2000);
  });

  it('a late scan of the flagged item resolves its alert and charges it without review', () => {
    const out = run(
      cartRun(
        [
          { at: 5000, grams: 106 },
          { at: 18_000, scan: '00071063437089' },
        ],
        40_000,
      ),
    );
    const alerts = alertsOf(out);
    expect(alerts.map((a) => [a.kind, a.resolved])).toEqual([
      ['unscanned-item', false],
      ['unscanned-item', true],
    ]);
    expect(receiptOf(out).lines).toEqual([{ sku: 'chips', quantity: 1, unitPrice: 399 }]);
    expect(receiptOf(out).reviewed).toBe(false);
  });

  it('a double scan of one item charges it once', () => {
    const out = run(
      cartRun(
        [
          { at: 5000, scan: '00071063437089', grams: 106 },
          { at: 5600, scan: '00071063437089' },
        ],
        30_000,
      ),
    );
    expect(receiptOf(out).lines).toEqual([{ sku: 'chips', quantity: 1, unitPrice: 399 }]);
    // The scanner read one item twice: nothing for the shopper or an operator to resolve.
    expect(alertsOf(out)).toEqual([]);
    expect(receiptOf(out).reviewed).toBe(false);
  });

  it('a scanned-out item that left the basket is not charged', () => {
    const out = run(
      cartRun(
        [
          { at: 5000, scan: '00632565000012', grams: 538 },
          { at: 20_000, scan: '00632565000012', action: 'remove', grams: -538 },
        ],
        30_000,
      ),
    );
    expect(receiptOf(out).lines).toEqual([]);
  });
});
