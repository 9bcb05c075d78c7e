import type { ProductHypothesis } from '../../store/events.js';
import type { ShelfLayout } from './layout.js';
import type { MeasuredShelfChange } from './shelfEvents.js';

/** Tunables of the product model. */
export interface HypothesisOptions {
  /** Share of a change's size allowed as mechanical coupling and load-cell non-linearity. */
  relativeSlack: number;
  /**
   * Error of the change's centre along the shelf, as a share of the plate width. The centre of a
   * straddling item's weight falls on the side of a plate border where the item mainly rests, so
   * this can be small.
   */
  positionSpread: number;
  /** Prior odds of each extra unit in one grab. */
  extraUnitOdds: number;
  /** Prior weight of "no product fits" against the products. */
  unknownPrior: number;
  /** Prior weight of a product that does not stand on this shelf (a misplaced put-back). */
  offShelfPrior: number;
}

export const DEFAULT_HYPOTHESIS_OPTIONS: HypothesisOptions = {
  relativeSlack: 0.04,
  positionSpread: 0.04,
  extraUnitOdds: 0.3,
  unknownPrior: 0.02,
  offShelfPrior: 0.02,
};

const MAX_UNITS = 12;

/**
 * Which products, how many, how likely: Bayes over (product, quantity) from the weight change and
 * where on the shelf it happened, with an explicit "unknown" for changes that fit nothing.
 */
export function productHypotheses(
  change: MeasuredShelfChange,
  layout: ShelfLayout,
  opts: HypothesisOptions = DEFAULT_HYPOTHESIS_OPTIONS,
): ProductHypothesis[] {
  return explainChange(change, layout, opts).hypotheses;
}

/** Hypotheses with the evidence (marginal likelihood) of the change, to compare ways of splitting it. */
export function explainChange(
  change: MeasuredShelfChange,
  layout: ShelfLayout,
  opts: HypothesisOptions = DEFAULT_HYPOTHESIS_OPTIONS,
  context: ChangeContext = {},
): { hypotheses: ProductHypothesis[]; evidence: number } {
  const sign = change.deltaGrams < 0 ? 1 : -1; // taken: positive quantity
  const size = Math.abs(change.deltaGrams);
  const main = layout.plates.get(change.mainPlateId)!;
  const spread = Math.max(0.005, opts.positionSpread * main.width);
  const shelfSkus = new Set<string>();
  for (const info of layout.shelves.get(change.shelfId) ?? [])
    for (const sku of info.skus) shelfSkus.add(sku);
  // Takes come from this shelf (or are strays put there before); put-backs may be any product.
  const misplaced = context.misplacedHere ?? new Map<string, number>();
  const candidates =
    sign > 0 ? [...new Set([...shelfSkus, ...misplaced.keys()])] : [...layout.products.keys()];
  const carried = new Set(context.carried ?? []);
  const scored: { sku: string | null; quantity: number; score: number }[] = [];
  for (const sku of candidates) {
    const product = layout.products.get(sku);
    if (!product || product.soldBy === 'weight') continue;
    const span = layout.productSpans.get(sku)?.find((s) => s.shelfId === change.shelfId);
    // On its own shelf: the chance that the item's centre lies within the product's span.
    // Put-backs may land anywhere (a misplaced item), takes only where the product stands.
    let pos = span
      ? normalCdf((change.along - span.from) / spread) * normalCdf((span.to - change.along) / spread)
      : 0;
    if (sign < 0) pos = Math.max(pos, opts.offShelfPrior);
    // A take of strays where the product does not stand: no more than were put there.
    let maxUnits = MAX_UNITS;
    const strays = misplaced.get(sku);
    if (strays !== undefined && pos < 0.5) {
      pos = 0.5;
      if (sign > 0) maxUnits = strays;
    }
    // Weight taken from plates where the product does not stand: one item may straddle a border,
    // more than that means another product was involved (two items in one event). Put-backs may
    // land anywhere.
    let outside = 0;
    if (span && sign > 0) {
      for (const p of change.plates) {
        const info = layout.plates.get(p.plateId);
        if (info && !info.skus.includes(sku)) outside += Math.abs(p.deltaGrams);
      }
    }
    // What is put back was most likely carried: products in the shoppers' carts are the likely ones.
    if (sign < 0 && carried.size > 0) pos *= carried.has(sku) ? 1 : opts.offShelfPrior;
    if (pos < 1e-9) continue;
    for (let q = 1; q <= maxUnits; q++) {
      const expected = q * product.weight.mean;
      if (expected > size * 1.5 + 50) break;
      const variance =
        q * product.weight.std ** 2 + change.stdGrams ** 2 + (opts.relativeSlack * size) ** 2 + 1;
      const z = (size - expected) / Math.sqrt(variance);
      const density = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI * variance);
      const prior = opts.extraUnitOdds ** (q - 1);
      const excess = Math.max(0, outside - 0.5 * product.weight.mean);
      const consistency = Math.exp(-0.5 * (excess / (0.05 * size + 5)) ** 2);
      scored.push({ sku, quantity: sign * q, score: density * pos * prior * consistency });
    }
  }
  // "Unknown": a flat density over the plausible range of changes.
  scored.push({ sku: null, quantity: 0, score: opts.unknownPrior / 4000 });
  const total = scored.reduce((s, h) => s + h.score, 0);
  const hypotheses = scored
    .map((h) => ({ sku: h.sku, quantity: h.quantity, probability: h.score / total }))
    .sort((a, b) => b.probability - a.probability || ((a.sku ?? '') < (b.sku ?? '') ? -1 : 1))
    .slice(0, 5);
  return { hypotheses, evidence: total };
}

/** What the shelf's history says beyond the change itself. */
export interface ChangeContext {
  /** Products the shoppers present carry (their carts): a put-back is likely one of them. */
  carried?: readonly string[];
  /** Products put back onto these plates where they do not belong, and how many, so they can be taken again. */
  misplacedHere?: ReadonlyMap<string, number>;
}

/** Standard normal cumulative distribution (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/** Prior odds that one shelf change is two different items taken or put back together. */
const SPLIT_PRIOR = 0.006;

/**
 * Explains a shelf change as one item group, or as two (two products in one grab), whichever the
 * evidence favours. Splits are contiguous: the plates left of a border and those right of it.
 */
export function explainWithSplits(
  change: MeasuredShelfChange,
  layout: ShelfLayout,
  restrict: (change: MeasuredShelfChange, plateIds: string[]) => MeasuredShelfChange,
  context: ChangeContext = {},
  opts: HypothesisOptions = DEFAULT_HYPOTHESIS_OPTIONS,
): { change: MeasuredShelfChange; hypotheses: ProductHypothesis[] }[] {
  const whole = explainChange(change, layout, opts, context);
  let best: { evidence: number; parts: { change: MeasuredShelfChange; hypotheses: ProductHypothesis[] }[] } =
    {
      evidence: whole.evidence,
      parts: [{ change, hypotheses: whole.hypotheses }],
    };
  const ids = change.plates.map((p) => p.plateId);
  for (let k = 1; k < ids.length; k++) {
    const left = restrict(change, ids.slice(0, k));
    const right = restrict(change, ids.slice(k));
    const l = explainChange(left, layout, opts, context);
    const r = explainChange(right, layout, opts, context);
    // Both sides must be real items: a split that leaves an unexplained crumb is no better.
    if (l.hypotheses[0]?.sku === null || r.hypotheses[0]?.sku === null) continue;
    // A split also explains how the change divides between its sides (a density per gram more than
    // the whole's); the whole is taken as flat over that, 1/|Δ|, so the two compare in like units.
    const evidence = l.evidence * r.evidence * SPLIT_PRIOR * Math.abs(change.deltaGrams);
    if (evidence > best.evidence) {
      best = {
        evidence,
        parts: [
          { change: left, hypotheses: l.hypotheses },
          { change: right, hypotheses: r.hypotheses },
        ],
      };
    }
  }
  return best.parts;
}
