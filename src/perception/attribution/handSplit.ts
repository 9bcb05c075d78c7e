import type { ProductHypothesis, ShopperCandidate } from '../../store/events.js';
import type { MeasuredShelfChange } from '../weight/shelfEvents.js';

/** A shelf change with the products that could explain it, likeliest first. */
export interface ExplainedChange {
  change: MeasuredShelfChange;
  hypotheses: ProductHypothesis[];
}

/** What splitting a change needs from the engine: the part on some plates, its products, who made it. */
export interface SplitTools {
  restrict: (change: MeasuredShelfChange, plateIds: string[]) => MeasuredShelfChange;
  explain: (change: MeasuredShelfChange) => ProductHypothesis[];
  who: (change: MeasuredShelfChange) => ShopperCandidate[];
}

/**
 * Two shoppers taking the same product from neighbouring plates at once make one change of two
 * units, whose hands sit at different plates. Splits such a change at the border between plates
 * where each side is clearly one shopper's (each at least `sure` likely) and each side is a whole
 * number of that product adding up to the change; the change itself when no border does.
 */
export function splitByHands(part: ExplainedChange, tools: SplitTools, sure: number): ExplainedChange[] {
  const whole = part.hypotheses[0];
  const ids = part.change.plates.map((p) => p.plateId);
  if (!whole || whole.sku === null || Math.abs(whole.quantity) < 2 || ids.length < 2) return [part];
  let best: { score: number; parts: ExplainedChange[] } | null = null;
  for (let k = 1; k < ids.length; k++) {
    const sides = [tools.restrict(part.change, ids.slice(0, k)), tools.restrict(part.change, ids.slice(k))];
    const whos = sides.map((side) => tools.who(side)[0]);
    if (whos.some((w) => !w || w.probability < sure) || whos[0]!.visitId === whos[1]!.visitId) continue;
    const explained = sides.map((side) => ({ change: side, hypotheses: tools.explain(side) }));
    const tops = explained.map((e) => e.hypotheses[0]);
    if (tops.some((h) => h?.sku !== whole.sku || Math.sign(h.quantity) !== Math.sign(whole.quantity)))
      continue;
    if (tops[0]!.quantity + tops[1]!.quantity !== whole.quantity) continue;
    const score = whos[0]!.probability * whos[1]!.probability;
    if (!best || score > best.score) best = { score, parts: explained };
  }
  return best ? best.parts : [part];
}
