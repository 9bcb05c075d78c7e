import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BasketScale, type BasketStep } from './basketScale.js';

/** Feeds readings every 250 ms from a load function; returns the steps. */
function run(load: (t: number) => number, noise: (k: number) => number, ms: number): BasketStep[] {
  const scale = new BasketScale('cart-1');
  const steps: BasketStep[] = [];
  for (let k = 0; k * 250 <= ms; k++) {
    const step = scale.push(k * 250, load(k * 250) + noise(k));
    if (step) steps.push(step);
  }
  return steps;
}

describe('BasketScale', () => {
  it('reports no step for a still basket, whatever its weight and noise of up to ±2 g', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 20_000, noNaN: true }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 8, maxLength: 8 }),
        (base, noise) => {
          expect(
            run(
              () => base,
              (k) => noise[k % noise.length]!,
              30_000,
            ),
          ).toEqual([]);
        },
      ),
    );
  });

  it('reports one step for a bag landing in a full basket, swinging on its way in', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 8000, noNaN: true }),
        fc.double({ min: 200, max: 2500, noNaN: true }),
        fc.integer({ min: 400, max: 1200 }),
        (base, bag, swingMs) => {
          const load = (t: number) => {
            const since = t - 5000;
            if (since < 0) return base;
            if (since >= swingMs) return base + bag;
            const frac = since / swingMs;
            return base + bag * frac + bag * 0.3 * Math.sin(since / 90) * (1 - frac);
          };
          const steps = run(load, (k) => ((k * 7) % 3) - 1, 15_000);
          expect(steps).toHaveLength(1);
          expect(Math.abs(steps[0]!.deltaGrams - bag)).toBeLessThan(5);
        },
      ),
    );
  });
});
