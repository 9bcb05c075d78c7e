import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { skeletonInto } from '../../sim/people/skeleton.js';
import type { BodyState } from '../../sim/people/types.js';
import { StatureEstimate, statureOf } from './stature.js';

const ALL = (1 << 17) - 1;
const body = (height: number, over: Partial<BodyState> = {}): Float64Array => {
  const out = new Float64Array(51);
  skeletonInto({ position: [3, 2], heading: 0.4, height, walkPhase: 1.1, walking: true, ...over }, out);
  return out;
};

describe('stature from bone lengths', () => {
  it('reads the height of a walking person to within a centimetre, tall or short', () => {
    for (const h of [1.55, 1.72, 1.92]) expect(statureOf(body(h), ALL)).toBeCloseTo(h, 2);
  });

  it('is the same whether the person walks upright or leans over a low shelf', () => {
    const upright = statureOf(body(1.8), ALL)!;
    const leaning = statureOf(body(1.8, { walking: false, lean: 0.5 }), ALL)!;
    expect(Math.abs(upright - leaning)).toBeLessThan(0.01);
  });

  it('needs at least four bones: a head and one arm say nothing', () => {
    const someJoints = (1 << 0) | (1 << 5) | (1 << 7) | (1 << 9);
    expect(statureOf(body(1.8), someJoints)).toBeNull();
  });

  it('keeps the median: a few bad triangulations do not move the estimate', () => {
    const est = new StatureEstimate();
    expect(est.value()).toBeNull();
    for (let i = 0; i < 30; i++) est.add(i % 10 === 0 ? 2.4 : 1.7 + (i % 3) * 0.005);
    expect(est.value()).toBeCloseTo(1.705, 2);
    for (let i = 0; i < 20; i++) est.add(1.9);
    // The recent window shows the jump to another person; the whole history does not yet.
    expect(est.recent()).toBeCloseTo(1.9, 5);
    expect(est.value()!).toBeLessThan(1.75);
  });

  it('is the median of the last 200 samples however many came before', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1.4, max: 2.1, noNaN: true }), { maxLength: 500 }), (xs) => {
        const est = new StatureEstimate();
        for (const x of xs) est.add(x);
        const kept = xs.slice(-200).sort((a, b) => a - b);
        const m = kept.length >> 1;
        const want = kept.length % 2 === 1 ? kept[m]! : (kept[m - 1]! + kept[m]!) / 2;
        expect(est.value(1)).toBe(kept.length === 0 ? null : want);
      }),
    );
  });
});
