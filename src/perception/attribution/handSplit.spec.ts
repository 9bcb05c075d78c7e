import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProductHypothesis, ShopperCandidate } from '../../store/events.js';
import type { MeasuredShelfChange } from '../weight/shelfEvents.js';
import { splitByHands, type ExplainedChange, type SplitTools } from './handSplit.js';

const UNIT = 123; // grams of one toothpaste

function change(deltas: Record<string, number>): MeasuredShelfChange {
  const plates = Object.entries(deltas).map(([plateId, deltaGrams]) => ({
    plateId,
    deltaGrams,
    stdGrams: 1,
  }));
  const deltaGrams = plates.reduce((s, p) => s + p.deltaGrams, 0);
  return {
    shelfId: 's1',
    startT: 1000,
    endT: 2000,
    confirmT: 2500,
    plates,
    deltaGrams,
    stdGrams: 1,
    along: 0,
    mainPlateId: plates[0]!.plateId,
  };
}

const restrict = (c: MeasuredShelfChange, ids: string[]) =>
  change(
    Object.fromEntries(c.plates.filter((p) => ids.includes(p.plateId)).map((p) => [p.plateId, p.deltaGrams])),
  );

/** Whole toothpastes when the grams are near a multiple of one, else nothing fits. */
const explain = (c: MeasuredShelfChange): ProductHypothesis[] => {
  const units = -c.deltaGrams / UNIT;
  const n = Math.round(units);
  return n !== 0 && Math.abs(units - n) < 0.25
    ? [{ sku: 'toothpaste', quantity: n, probability: 0.99 }]
    : [{ sku: null, quantity: 0, probability: 0.9 }];
};

/** Hands: each plate is held by one visit; a side is that visit's when all its plates are. */
const handsAt =
  (holder: Record<string, string>, p = 0.97) =>
  (c: MeasuredShelfChange): ShopperCandidate[] => {
    const visits = new Set(c.plates.map((x) => holder[x.plateId]!));
    if (visits.size > 1) return [...visits].map((visitId) => ({ visitId, probability: 1 / visits.size }));
    return [{ visitId: [...visits][0]!, probability: p }];
  };

const part = (c: MeasuredShelfChange): ExplainedChange => ({ change: c, hypotheses: explain(c) });
const tools = (who: SplitTools['who']): SplitTools => ({ restrict, explain, who });

describe('splitting a change between two shoppers by their hands', () => {
  it('gives one toothpaste each to two shoppers whose hands held neighbouring plates', () => {
    const c = change({ p3: -UNIT, p4: -UNIT });
    const parts = splitByHands(part(c), tools(handsAt({ p3: 'v19', p4: 'v18' })), 0.8);
    expect(parts.map((x) => x.change.plates.map((p) => p.plateId))).toEqual([['p3'], ['p4']]);
    expect(parts.map((x) => x.hypotheses[0]!.quantity)).toEqual([1, 1]);
  });

  it('splits where an item lying across plates leaves whole units on each side', () => {
    // Two mints of 47 g: one on p6 and half of p7, the other on p8 and the rest of p7.
    const c = change({ p6: -18, p7: -11, p8: -18 });
    const mint = (x: MeasuredShelfChange): ProductHypothesis[] => {
      const n = Math.round(-x.deltaGrams / 23.5);
      return [{ sku: 'mints', quantity: n, probability: 0.9 }];
    };
    const wholeMints: ExplainedChange = { change: c, hypotheses: mint(c) };
    const who = handsAt({ p6: 'a', p7: 'a', p8: 'b' });
    const parts = splitByHands(wholeMints, { restrict, explain: mint, who }, 0.8);
    expect(parts.map((x) => x.hypotheses[0]!.quantity)).toEqual([1, 1]);
  });

  it('keeps the change whole when one shopper held both plates', () => {
    const c = change({ p3: -UNIT, p4: -UNIT });
    expect(splitByHands(part(c), tools(handsAt({ p3: 'v18', p4: 'v18' })), 0.8)).toHaveLength(1);
  });

  it('keeps the change whole when a side is not clearly anyone’s', () => {
    const c = change({ p3: -UNIT, p4: -UNIT });
    expect(splitByHands(part(c), tools(handsAt({ p3: 'v19', p4: 'v18' }, 0.6)), 0.8)).toHaveLength(1);
  });

  it('keeps the change whole when the sides are not whole units of the product', () => {
    const c = change({ p3: -UNIT / 2, p4: -1.5 * UNIT });
    expect(splitByHands(part(c), tools(handsAt({ p3: 'v19', p4: 'v18' })), 0.8)).toHaveLength(1);
  });

  it('never splits a single unit', () => {
    const c = change({ p3: -UNIT / 2, p4: -UNIT / 2 });
    expect(splitByHands(part(c), tools(handsAt({ p3: 'v19', p4: 'v18' })), 0.8)).toHaveLength(1);
  });

  it('splits into parts that share the plates out and add up to the whole, whoever holds what', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ units: fc.integer({ min: 0, max: 3 }), holder: fc.constantFrom('a', 'b', 'c') }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        (plates) => {
          const deltas = Object.fromEntries(plates.map((p, i) => [`p${i}`, -p.units * UNIT - 0.5]));
          const holder = Object.fromEntries(plates.map((p, i) => [`p${i}`, p.holder]));
          const c = change(deltas);
          const whole = part(c);
          const parts = splitByHands(whole, tools(handsAt(holder)), 0.8);
          expect(parts.flatMap((x) => x.change.plates.map((p) => p.plateId))).toEqual(
            c.plates.map((p) => p.plateId),
          );
          if (parts.length > 1)
            expect(parts.reduce((s, x) => s + x.hypotheses[0]!.quantity, 0)).toBe(
              whole.hypotheses[0]!.quantity,
            );
        },
      ),
    );
  });
});
