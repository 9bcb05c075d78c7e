import { describe, expect, it } from 'vitest';
import { parseStoreDefinition } from '../../protocol/store.js';
import type { Visit } from '../../store/visit.js';
import { shelfPlate as plate } from '../../testing/shelfStream.js';
import { explainChange } from '../weight/hypotheses.js';
import { buildShelfLayout } from '../weight/layout.js';
import type { MeasuredShelfChange } from '../weight/shelfEvents.js';
import { carriedByReturner } from './returner.js';

const visit = (visitId: string, skus: string[]): Visit => ({
  status: 'open',
  visitId,
  token: `tok-${visitId}`,
  channel: 'gate',
  enteredAt: 0,
  peopleInside: 1,
  groupSize: 1,
  cart: Object.fromEntries(skus.map((sku) => [sku, { sku, quantity: 1, grams: 540, confidence: 1 }])),
  openReviews: {},
  reviewed: false,
});

// Two waters of one weight on their own plates, and soap between them where one is put back.
const layout = buildShelfLayout(
  parseStoreDefinition({
    id: 's1',
    name: 'Look-alikes',
    currency: 'USD',
    floor: [
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
    ],
    fixtures: [
      { id: 'g1', shelves: [{ id: 'g1-s1', plates: [plate('p1', 1), plate('p2', 1.3), plate('p3', 1.6)] }] },
    ],
    products: [
      { sku: 'berry', name: 'Berry water', price: 129, weight: { mean: 540, std: 4 } },
      { sku: 'lime', name: 'Lime water', price: 129, weight: { mean: 540, std: 4 } },
      { sku: 'soap', name: 'Soap', price: 199, weight: { mean: 320, std: 3 } },
    ],
    planogram: [
      { plate: 'p1', sku: 'berry', count: 6 },
      { plate: 'p2', sku: 'soap', count: 6 },
      { plate: 'p3', sku: 'lime', count: 6 },
    ],
  }),
);
const putOnSoap: MeasuredShelfChange = {
  shelfId: 'g1-s1',
  startT: 1000,
  endT: 2000,
  confirmT: 2500,
  plates: [{ plateId: 'p2', deltaGrams: 539, stdGrams: 1 }],
  deltaGrams: 539,
  stdGrams: 1,
  along: layout.plates.get('p2')!.along,
  mainPlateId: 'p2',
};

describe('a put-back is what its shopper carried', () => {
  const present = [visit('a', ['berry']), visit('b', ['lime'])];

  it("names the returner's products when the hands are clear, nothing when they are not", () => {
    expect(carriedByReturner({ visitId: 'a', probability: 0.97 }, present, 0.8)).toEqual(['berry']);
    expect(carriedByReturner({ visitId: 'a', probability: 0.6 }, present, 0.8)).toEqual([]);
    expect(carriedByReturner(undefined, present, 0.8)).toEqual([]);
    expect(carriedByReturner({ visitId: 'c', probability: 1 }, [...present, visit('c', [])], 0.8)).toEqual(
      [],
    );
  });

  it("tells two look-alikes apart by the returner's cart, where every cart present could not", () => {
    const top = (carried: string[]) =>
      explainChange(putOnSoap, layout, undefined, { carried }).hypotheses[0]!;
    const everyone = top(['berry', 'lime']);
    expect(everyone.probability).toBeLessThan(0.6);
    const returner = top(carriedByReturner({ visitId: 'b', probability: 0.95 }, present, 0.8));
    expect(returner).toMatchObject({ sku: 'lime', quantity: -1 });
    expect(returner.probability).toBeGreaterThan(0.9);
  });
});
