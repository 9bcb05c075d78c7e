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
  /**
   * Standard normal from a table of 65 536 quantiles: one draw, no logarithm, tails cut at ±4.3.
   * For bulk sensor noise, where speed matters and the far tails are modelled separately.
   */
  fastNormal(): number;
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

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile(p): expected 0 < p < 1, got ${p}`);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo || p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(p < lo ? p : 1 - p));
    const x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
    return p < lo ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

const NORMAL_TABLE_BITS = 16;
let normalTable: Float64Array | null = null;
function getNormalTable(): Float64Array {
  if (!normalTable) {
    const n = 1 << NORMAL_TABLE_BITS;
    normalTable = new Float64Array(n);
    for (let k = 0; k < n; k++) normalTable[k] = normalQuantile((k + 0.5) / n);
  }
  return normalTable;
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
    fastNormal: () => {
      const table = normalTable ?? getNormalTable();
      return table[(next() * 65536) | 0]!;
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
