import { describe, expect, it } from 'vitest';
import type { DeviceMessage } from '../protocol/messages.js';
import { parseStoreDefinition } from '../protocol/store.js';
import type { ShelfEvent, VisitEvent } from '../store/events.js';
import { shelfPlate as plate, shelfStream, shopperAtGates, type PlateStep } from '../testing/shelfStream.js';
import { createEngine } from './engine.js';

const store = parseStoreDefinition({
  id: 's1',
  name: 'Shelf test',
  currency: 'USD',
  floor: [
    [0, 0],
    [6, 0],
    [6, 4],
    [0, 4],
  ],
  gates: [{ id: 'gate-in' }, { id: 'gate-out' }],
  fixtures: [
    {
      id: 'g1',
      shelves: [
        { id: 'g1-s1', plates: ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((id, i) => plate(id, 1 + i * 0.3)) },
      ],
    },
  ],
  products: [
    // Three look-alikes side by side, as on the real AutoCheckout shelf 2_5.
    { sku: 'diablo', name: 'Diablo', price: 299, weight: { mean: 103.9, std: 1.5 } },
    { sku: 'fire', name: 'Fire', price: 299, weight: { mean: 105.5, std: 1.5 } },
    { sku: 'mild', name: 'Mild', price: 299, weight: { mean: 103.6, std: 1.5 } },
    { sku: 'fiji', name: 'FIJI', price: 249, weight: { mean: 538, std: 4 } },
    { sku: 'soap', name: 'Soap', price: 199, weight: { mean: 320, std: 3 } },
  ],
  planogram: [
    { plate: 'p1', sku: 'diablo', count: 8 },
    { plate: 'p2', sku: 'fire', count: 8 },
    { plate: 'p3', sku: 'mild', count: 8 },
    { plate: 'p4', sku: 'fiji', count: 6 },
    { plate: 'p5', sku: 'fiji', count: 6 },
    { plate: 'p6', sku: 'soap', count: 6 },
  ],
});
const T0 = 1_700_000_000_000;
const levels = { p1: 900, p2: 950, p3: 880, p4: 3300, p5: 3250, p6: 1900 };

function visit(steps: PlateStep[], seconds = 40): { events: VisitEvent[]; shelf: ShelfEvent[] } {
  const msgs: DeviceMessage[] = [
    ...shopperAtGates({ storeId: 's1', t0: T0, seconds }),
    ...shelfStream({ storeId: 's1', plates: levels, steps, t0: T0, seconds }),
  ].sort((a, b) => a.payload.t - b.payload.t);
  const engine = createEngine(store);
  const out = [...msgs.flatMap((m) => engine.ingest(m).outputs), ...engine.finish()];
  return {
    events: out.flatMap((o) => (o.type === 'visit' ? [o.event] : [])),
    shelf: out.flatMap((o) => (o.type === 'shelf' ? [o.event] : [])),
  };
}
const receipt = (events: VisitEvent[]) =>
  events.find((e) => e.type === 'ReceiptIssued') as Extract<VisitEvent, { type: 'ReceiptIssued' }>;
const lines = (events: VisitEvent[]) => receipt(events).lines.map((l) => `${l.quantity}×${l.sku}`);

describe('the engine, given one shopper at a weight-sensing shelf', () => {
  it('tells look-alike chips apart by where the weight left: a Fire bag lying across p1–p3', () => {
    const { events } = visit([
      { plateId: 'p1', at: T0 + 10_000, grams: -20 },
      { plateId: 'p2', at: T0 + 10_000, grams: -60 },
      { plateId: 'p3', at: T0 + 10_000, grams: -25.5 },
    ]);
    expect(lines(events)).toEqual(['1×fire']);
  });

  it('separates two FIJI taken from one plate a second apart', () => {
    const { events } = visit([
      { plateId: 'p4', at: T0 + 10_000, grams: -538 },
      { plateId: 'p4', at: T0 + 11_000, grams: -537 },
    ]);
    expect(lines(events)).toEqual(['2×fiji']);
  });

  it('sees two different products in one grab as two events', () => {
    const { events, shelf } = visit([
      { plateId: 'p4', at: T0 + 10_000, grams: -538 },
      { plateId: 'p6', at: T0 + 10_000, grams: -321 },
    ]);
    expect(lines(events)).toEqual(['1×fiji', '1×soap']);
    expect(shelf).toHaveLength(2);
  });

  it('takes a put-back off the receipt, even on the wrong plate', () => {
    const { events, shelf } = visit([
      { plateId: 'p4', at: T0 + 8000, grams: -538 },
      { plateId: 'p6', at: T0 + 20_000, grams: 539 },
    ]);
    expect(lines(events)).toEqual([]);
    expect(shelf[1]!.hypotheses[0]).toMatchObject({ sku: 'fiji', quantity: -1 });
  });

  it('sends a change that fits no product to review instead of charging the nearest one', () => {
    const { events } = visit([{ plateId: 'p6', at: T0 + 10_000, grams: -212 }]);
    expect(lines(events)).toEqual([]);
    expect(events.find((e) => e.type === 'ReviewRequested')).toMatchObject({
      reason: { kind: 'unknown-change' },
    });
  });

  it('issues the receipt 3.5 s after the exit (settle 1.5 s + lateness 2 s), an empty one too', () => {
    const { events } = visit([]);
    const r = receipt(events);
    expect(r.lines).toEqual([]);
    expect(r.t - r.exitedAt).toBe(3500);
  });
});

describe('the engine on the separation of picks', () => {
  it('reports two picks from one plate a second apart as two shelf events', () => {
    const { shelf } = visit([
      { plateId: 'p6', at: T0 + 10_000, grams: -320 },
      { plateId: 'p6', at: T0 + 11_000, grams: -320 },
    ]);
    expect(shelf.map((s) => s.hypotheses[0]).map((h) => `${h!.quantity}×${h!.sku}`)).toEqual([
      '1×soap',
      '1×soap',
    ]);
  });
});

describe('the engine on changes that are two things at once', () => {
  const best = (shelf: ShelfEvent[]) =>
    shelf.map((s) => s.hypotheses[0]).map((h) => `${h!.quantity}×${h!.sku}`);

  it('sees a take and a put-back on neighbouring plates at the same moment as two events', () => {
    // One shopper takes a FIJI from p4 while another puts a soap down on p5.
    const { shelf } = visit([
      { plateId: 'p4', at: T0 + 10_000, grams: -538 },
      { plateId: 'p5', at: T0 + 10_000, grams: 320 },
    ]);
    expect(best(shelf)).toEqual(['1×fiji', '-1×soap']);
  });

  it('sees an item taken from one plate and another put on the next even when the weights cancel', () => {
    // A Fire bag taken from p2 as one of the same weight lands on p3: the shelf's total is unchanged.
    const { shelf } = visit([
      { plateId: 'p2', at: T0 + 10_000, grams: -105.5 },
      { plateId: 'p3', at: T0 + 10_000, grams: 105.5 },
    ]);
    expect(shelf).toHaveLength(2);
    expect(shelf[0]!.hypotheses[0]).toMatchObject({ sku: 'fire', quantity: 1 });
    expect(shelf[1]!.hypotheses[0]!.quantity).toBe(-1);
  });

  it('splits a grab that no single product explains: one Mild and two FIJI', () => {
    const { events } = visit([
      { plateId: 'p3', at: T0 + 10_000, grams: -103.6 },
      { plateId: 'p4', at: T0 + 10_000, grams: -1076 },
    ]);
    expect(lines(events)).toEqual(['2×fiji', '1×mild']);
  });

  it('takes no more strays from a plate than were put there', () => {
    // One FIJI was put back on the soap plate; 1076 g leaving it is not two of that stray.
    const { shelf } = visit([
      { plateId: 'p4', at: T0 + 5000, grams: -538 },
      { plateId: 'p6', at: T0 + 10_000, grams: 538 },
      { plateId: 'p6', at: T0 + 20_000, grams: -1076 },
    ]);
    expect(best(shelf).slice(0, 2)).toEqual(['1×fiji', '-1×fiji']);
    expect(shelf[2]!.hypotheses.find((h) => h.sku === 'fiji' && h.quantity === 2)).toBeUndefined();
  });
});

describe('the engine, given two shoppers and no cameras', () => {
  function twoShoppers() {
    const msgs: DeviceMessage[] = [
      {
        kind: 'gate-scan',
        storeId: 's1',
        deviceId: 'gate-in',
        payload: { t: T0 + 500, token: 'alice' },
      } as const,
      {
        kind: 'gate-scan',
        storeId: 's1',
        deviceId: 'gate-in',
        payload: { t: T0 + 2500, token: 'bob' },
      } as const,
      ...shelfStream({
        storeId: 's1',
        plates: levels,
        steps: [{ plateId: 'p6', at: T0 + 10_000, grams: -320 }],
        t0: T0,
        seconds: 30,
      }),
      {
        kind: 'gate-pass',
        storeId: 's1',
        deviceId: 'gate-out',
        payload: { t: T0 + 25_000, direction: 'out' },
      } as const,
      {
        kind: 'gate-pass',
        storeId: 's1',
        deviceId: 'gate-out',
        payload: { t: T0 + 26_000, direction: 'out' },
      } as const,
    ].sort((a, b) => a.payload.t - b.payload.t);
    const engine = createEngine(store);
    const out = [...msgs.flatMap((m) => engine.ingest(m).outputs), ...engine.finish()];
    return { engine, events: out.flatMap((o) => (o.type === 'visit' ? [o.event] : [])) };
  }

  it('charges the best guess and sends the event to review with both candidates', () => {
    const { events } = twoShoppers();
    const review = events.find((e) => e.type === 'ReviewRequested') as Extract<
      VisitEvent,
      { type: 'ReviewRequested' }
    >;
    expect(review.reason.kind).toBe('shopper');
    expect(review.shoppers.map((s) => s.probability)).toEqual([0.5, 0.5]);
    const receipts = events.filter((e) => e.type === 'ReceiptIssued') as Extract<
      VisitEvent,
      { type: 'ReceiptIssued' }
    >[];
    expect(receipts.map((r) => [r.token, r.lines.length, r.reviewed])).toEqual([
      ['alice', 1, true],
      ['bob', 0, false],
    ]);
  });

  it('when a reviewer moves the item to the other shopper, both receipts are re-issued as version 2', () => {
    const { engine, events } = twoShoppers();
    const review = events.find((e) => e.type === 'ReviewRequested') as Extract<
      VisitEvent,
      { type: 'ReviewRequested' }
    >;
    const bob = events.find((e) => e.type === 'ShopperEntered' && e.token === 'bob')!.visitId;
    const out = engine.settleReview({
      eventId: review.eventId,
      visitId: bob,
      sku: 'soap',
      quantity: 1,
      by: 'reviewer-1',
      t: T0 + 60_000,
    });
    const receipts = out.flatMap((o) =>
      o.type === 'visit' && o.event.type === 'ReceiptIssued' ? [o.event] : [],
    );
    expect(receipts.map((r) => [r.token, r.version, r.lines.map((l) => `${l.quantity}×${l.sku}`)])).toEqual([
      ['alice', 2, []],
      ['bob', 2, ['1×soap']],
    ]);
    expect(engine.visits().every((v) => Object.keys(v.openReviews).length === 0)).toBe(true);
  });
});
