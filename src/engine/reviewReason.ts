import type { ProductHypothesis, ReviewReason, ShopperCandidate } from '../store/events.js';

/**
 * Why a shelf event needs a person: no product fits, the plate is unreliable, or whichever of the
 * shopper and the product the store is less sure of. The change's grams come rounded as shown.
 */
export function reviewReason(
  best: ProductHypothesis,
  who: ShopperCandidate,
  candidates: number,
  change: { deltaGrams: number; reliable: boolean; plateId: string },
): ReviewReason {
  if (best.sku === null)
    return { kind: 'unknown-change', detail: `a change of ${change.deltaGrams} g fits no product` };
  if (!change.reliable)
    return { kind: 'unreliable-plate', detail: `plate readings unreliable on ${change.plateId}` };
  if (who.probability < Math.min(1, best.probability))
    return { kind: 'shopper', detail: `${candidates} shoppers could have made this change` };
  return {
    kind: 'product',
    detail: `best product guess only ${(best.probability * 100).toFixed(0)}% likely`,
  };
}
