import type { ShelfEvent } from '../store/events.js';

/** A true item movement (the simulator's truth events). */
export interface TrueShelfMove {
  t: number;
  action: 'pick' | 'return';
  sku: string;
  plates: { plate: string }[];
}

/** How right the shelves were, whoever the shopper: errors in units, and calibration. */
export interface ShelfAccuracy {
  /** True item movements (units). */
  moves: number;
  /** Units picked or returned that the shelves got wrong: Σ |predicted − true| per sku and direction. */
  errors: number;
  /** Expected calibration error of the best hypotheses' probabilities (10 bins), 0 when perfect. */
  calibrationError: number;
  events: number;
}

/** Scores shelf events against the true movements: gross units per sku and direction, and calibration. */
export function shelfAccuracy(events: readonly ShelfEvent[], truth: readonly TrueShelfMove[]): ShelfAccuracy {
  const count = new Map<string, number>();
  const add = (key: string, n: number) => count.set(key, (count.get(key) ?? 0) + n);
  for (const m of truth) add(`${m.action}/${m.sku}`, 1);
  for (const e of events) {
    const best = e.hypotheses[0];
    if (!best || best.sku === null || best.quantity === 0) continue;
    add(`${best.quantity > 0 ? 'pick' : 'return'}/${best.sku}`, -Math.abs(best.quantity));
  }
  let errors = 0;
  for (const v of count.values()) errors += Math.abs(v);
  // Calibration: is the best hypothesis right? Right = the true moves near it, on its plates, say the same.
  const used = new Set<number>();
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, right: 0 }));
  for (const e of events) {
    const best = e.hypotheses[0];
    if (!best) continue;
    const plates = new Set(e.plates.map((p) => p.plateId));
    const near = truth
      .map((m, i) => ({ m, i }))
      .filter(
        ({ m, i }) =>
          !used.has(i) && Math.abs(m.t - e.startT) < 4000 && m.plates.some((p) => plates.has(p.plate)),
      )
      .sort((a, b) => Math.abs(a.m.t - e.startT) - Math.abs(b.m.t - e.startT));
    const want = Math.max(1, Math.abs(best.quantity));
    const taken = near.slice(0, want);
    taken.forEach(({ i }) => used.add(i));
    const right =
      best.sku === null
        ? taken.length === 0
        : taken.length === want &&
          taken.every(({ m }) => m.sku === best.sku && (m.action === 'pick') === best.quantity > 0);
    const bin = bins[Math.min(9, Math.floor(best.probability * 10))]!;
    bin.n += 1;
    bin.conf += best.probability;
    bin.right += right ? 1 : 0;
  }
  const n = bins.reduce((s, b) => s + b.n, 0);
  const calibrationError =
    n === 0 ? 0 : bins.reduce((s, b) => s + (b.n === 0 ? 0 : Math.abs(b.conf - b.right)), 0) / n;
  return { moves: truth.length, errors, calibrationError, events: events.length };
}
