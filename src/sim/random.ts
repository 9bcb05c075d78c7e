/**
 * Seeded randomness for the simulator. Every random choice in `src/sim` goes through an `Rng`
 * built from a seed, so the same seed gives the same recording byte for byte.
 *
 * The generator is mulberry32: 32 bits of state, fast, and good enough for simulation (it is not
 * for cryptography). Streams that must not disturb each other (one per plate, one per camera)
 * come from `fork(label)`, so adding a camera does not change every plate's noise.
 */

/** A seeded source of random numbers; all helpers draw from the same stream. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo?: number, hi?: number): number;
  /** Normal with the given mean and standard deviation (Box–Muller). */
  normal(mean?: number, std?: number): number;
  /** Integer uniform in [lo, hi] (both included). */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** One element chosen with the given non-negative weights. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** Exponential with the given mean (waiting times between Poisson events). */
  exponential(mean: number): number;
  /** An independent generator whose seed derives from this one's seed and the label. */
  fork(label: string | number): Rng;
}

/** Mixes a string or number into 32 bits (FNV-1a, then a finaliser), for seeds and forks. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = typeof part === 'number' ? `#${part}` : `$${part}`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Builds a seeded generator (mulberry32). Equal seeds give equal streams. */
export function createRng(seed: number | string): Rng {
  const root = typeof seed === 'number' && Number.isInteger(seed) ? seed >>> 0 : hashSeed(seed);
  let state = root;
  // A cached second Box–Muller value would make a draw depend on the parity of earlier
  // normal() calls; we throw it away so that streams stay easy to reason about.
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    uniform: (lo = 0, hi = 1) => lo + (hi - lo) * next(),
    normal: (mean = 0, std = 1) => {
      let u = next();
      while (u <= 1e-12) u = next();
      const v = next();
      return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    int: (lo, hi) => {
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) {
        throw new RangeError(`int(lo, hi): expected finite lo ≤ hi, got ${lo}, ${hi}`);
      }
      return Math.floor(lo) + Math.floor(next() * (Math.floor(hi) - Math.floor(lo) + 1));
    },
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick(items): expected a non-empty array');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: <T>(items: readonly T[], weights: readonly number[]): T => {
      if (items.length === 0 || items.length !== weights.length) {
        throw new RangeError('weighted(items, weights): expected equally long, non-empty arrays');
      }
      const total = weights.reduce((a, w) => a + Math.max(0, w), 0);
      if (!(total > 0)) return items[Math.floor(next() * items.length)]!;
      let r = next() * total;
      for (let i = 0; i < items.length; i++) {
        r -= Math.max(0, weights[i]!);
        if (r < 0) return items[i]!;
      }
      return items[items.length - 1]!;
    },
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = out[i]!;
        out[i] = out[j]!;
        out[j] = tmp;
      }
      return out;
    },
    exponential: (mean) => {
      let u = next();
      while (u <= 1e-12) u = next();
      return -mean * Math.log(u);
    },
    fork: (label) => createRng(hashSeed(root, label)),
  };
  return rng;
}
