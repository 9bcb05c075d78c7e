import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from './random.js';

describe('createRng', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xa);
  });

  it('forks independent, reproducible streams', () => {
    const f1 = createRng(7).fork('plate-1');
    const f2 = createRng(7).fork('plate-1');
    const f3 = createRng(7).fork('plate-2');
    expect(f1.next()).toBe(f2.next());
    expect(f1.next()).not.toBe(f3.next());
  });

  it('draws normals with the asked mean and spread', () => {
    const rng = createRng(1);
    const xs = Array.from({ length: 20000 }, () => rng.normal(5, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(5, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('keeps every helper within its range for any seed', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: 0, max: 50 }),
        (seed, lo, span) => {
          const rng = createRng(seed);
          const u = rng.next();
          const k = rng.int(lo, lo + span);
          const items = Array.from({ length: span + 1 }, (_, i) => i);
          const shuffled = rng.shuffle(items);
          return (
            u >= 0 &&
            u < 1 &&
            k >= lo &&
            k <= lo + span &&
            Number.isInteger(k) &&
            items.includes(rng.pick(items)) &&
            [...shuffled].sort((x, y) => x - y).join() === items.join()
          );
        },
      ),
    );
  });

  it('names the misfit argument on bad input', () => {
    const rng = createRng(1);
    expect(() => rng.int(3, 1)).toThrow(/lo ≤ hi/);
    expect(() => rng.pick([])).toThrow(/non-empty/);
  });
});
