import { describe, expect, it } from 'vitest';
import type { DeviceMessage } from '../protocol/messages.js';
import { parseStoreDefinition } from '../protocol/store.js';
import type { VisitEvent } from '../store/events.js';
import { gridCameras } from '../perception/vision/synthetic.js';
import { shelfPlate as plate, shelfStream, shopperAtGates, type PlateStep } from '../testing/shelfStream.js';
import { createEngine } from './engine.js';

const T0 = 1_700_000_000_000;

/** A shelf of soap and water, watched by cameras or not. */
function storeWith(cameras: boolean) {
  return parseStoreDefinition({
    id: 's1',
    name: 'Untouched test',
    currency: 'USD',
    floor: [
      [0, 0],
      [6, 0],
      [6, 4],
      [0, 4],
    ],
    gates: [{ id: 'gate-in' }, { id: 'gate-out' }],
    cameras: cameras ? gridCameras(6, 4, 2, 2) : [],
    fixtures: [{ id: 'g1', shelves: [{ id: 'g1-s1', plates: [plate('p1', 1), plate('p2', 1.3)] }] }],
    products: [
      { sku: 'soap', name: 'Soap', price: 199, weight: { mean: 320, std: 3 } },
      { sku: 'fiji', name: 'FIJI', price: 249, weight: { mean: 538, std: 4 } },
    ],
    planogram: [
      { plate: 'p1', sku: 'soap', count: 6 },
      { plate: 'p2', sku: 'fiji', count: 6 },
    ],
  });
}

/** Every camera's frames of an empty floor, at 15 fps for `seconds`: the cameras watch and see no one. */
function emptyFrames(store: ReturnType<typeof storeWith>, seconds: number): DeviceMessage[] {
  return store.cameras.flatMap((c) =>
    Array.from({ length: seconds * 15 }, (_, frame) => ({
      kind: 'camera-poses' as const,
      storeId: 's1',
      deviceId: c.id,
      payload: { t: T0 + Math.round((frame * 1000) / 15), frame, poses: [] },
    })),
  );
}

/** One shopper's 40 s visit with these plate changes; the ledger it gives. */
function run(cameras: boolean, steps: PlateStep[], cameraSeconds = 40): VisitEvent[] {
  const store = storeWith(cameras);
  const msgs: DeviceMessage[] = [
    ...emptyFrames(store, cameraSeconds),
    ...shopperAtGates({ storeId: 's1', t0: T0, seconds: 40 }),
    ...shelfStream({ storeId: 's1', plates: { p1: 1900, p2: 3300 }, steps, t0: T0, seconds: 40 }),
  ].sort((a, b) => a.payload.t - b.payload.t);
  const engine = createEngine(store);
  const out = [...msgs.flatMap((m) => engine.ingest(m).outputs), ...engine.finish()];
  return out.flatMap((o) => (o.type === 'visit' ? [o.event] : []));
}

const reviews = (events: VisitEvent[]) => events.filter((e) => e.type === 'ReviewRequested');
const receipt = (events: VisitEvent[]) =>
  events.find((e) => e.type === 'ReceiptIssued') as Extract<VisitEvent, { type: 'ReceiptIssued' }>;

describe('a change that fits no product', () => {
  // 212 g fits neither soap (320 g) nor water, and is less than three quarters of the soap.
  const wander = [{ plateId: 'p1', at: T0 + 10_000, grams: -212 }];

  it('is nobody’s when the cameras saw no hand near it and it is lighter than any item', () => {
    const events = run(true, wander);
    expect(reviews(events)).toEqual([]);
    expect(receipt(events).reviewed).toBe(false);
    expect(receipt(events).lines).toEqual([]);
  });

  it('still goes to review when the store has no cameras to tell', () => {
    const events = run(false, wander);
    expect(reviews(events).map((e) => e.type === 'ReviewRequested' && e.reason.kind)).toEqual([
      'unknown-change',
    ]);
    expect(receipt(events).reviewed).toBe(true);
  });

  it('still goes to review when the cameras had gone quiet before it: they saw nothing either way', () => {
    const events = run(true, wander, 5);
    expect(reviews(events).map((e) => e.type === 'ReviewRequested' && e.reason.kind)).toEqual([
      'unknown-change',
    ]);
  });

  it('still goes to review when it weighs nearly an item: a mismeasured take', () => {
    const events = run(true, [{ plateId: 'p1', at: T0 + 10_000, grams: -260 }]);
    expect(reviews(events).map((e) => e.type === 'ReviewRequested' && e.reason.kind)).toEqual([
      'unknown-change',
    ]);
  });
});
