import type { ProductHypothesis } from '../../store/events.js';
import type { ShelfLayout } from './layout.js';
import type { MeasuredShelfChange } from './shelfEvents.js';

/** Tunables of the product model. */
export interface HypothesisOptions {
  /** Share of a change's size allowed as mechanical coupling and load-cell non-linearity. */
  relativeSlack: number;
  /** Position spread as a share of the plate width: how far from its plates a product's weight may seem to leave. */
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
  positionSpread: 0.2,
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
  const sign = change.deltaGrams < 0 ? 1 : -1; // taken: positive quantity
  const size = Math.abs(change.deltaGrams);
  const main = layout.plates.get(change.mainPlateId)!;
  const spread = Math.max(0.02, opts.positionSpread * main.width);
  const shelfSkus = new Set<string>();
  for (const info of layout.shelves.get(change.shelfId) ?? []) for (const sku of info.skus) shelfSkus.add(sku);
  // Takes come from this shelf; put-backs may be any product of the store.
  const candidates = sign > 0 ? [...shelfSkus] : [...layout.products.keys()];
  const scored: { sku: string | null; quantity: number; score: number }[] = [];
  for (const sku of candidates) {
    const product = layout.products.get(sku);
    if (!product || product.soldBy === 'weight') continue;
    let pos = opts.offShelfPrior;
    const span = layout.productSpans.get(sku)?.find((s) => s.shelfId === change.shelfId);
    if (span) {
      const d = change.along < span.from ? span.from - change.along : change.along > span.to ? change.along - span.to : 0;
      pos = Math.exp((-d * d) / (2 * spread * spread));
    }
    if (pos < 1e-9) continue;
    for (let q = 1; q <= MAX_UNITS; q++) {
      const expected = q * product.weight.mean;
      if (expected > size * 1.5 + 50) break;
      const variance =
        q * product.weight.std ** 2 + change.stdGrams ** 2 + (opts.relativeSlack * size) ** 2 + 1;
      const z = (size - expected) / Math.sqrt(variance);
      const density = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI * variance);
      const prior = opts.extraUnitOdds ** (q - 1);
      scored.push({ sku, quantity: sign * q, score: density * pos * prior });
    }
  }
  // "Unknown": a flat density over the plausible range of changes.
  scored.push({ sku: null, quantity: 0, score: opts.unknownPrior / 4000 });
  const total = scored.reduce((s, h) => s + h.score, 0);
  return scored
    .map((h) => ({ sku: h.sku, quantity: h.quantity, probability: h.score / total }))
    .sort((a, b) => b.probability - a.probability || ((a.sku ?? '') < (b.sku ?? '') ? -1 : 1))
    .slice(0, 5);
}
