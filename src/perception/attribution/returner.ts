import type { ShopperCandidate } from '../../store/events.js';
import type { Visit } from '../../store/visit.js';

/**
 * What the shopper who put something back carries, when the hands say clearly whose put-back it
 * was (at least `sure` likely): a put-back is one of their products, not any shopper's present.
 * Empty when nobody is that clear or they carry nothing (then every present cart counts).
 */
export function carriedByReturner(
  who: ShopperCandidate | undefined,
  present: readonly Visit[],
  sure: number,
): string[] {
  if (!who || who.probability < sure) return [];
  const visit = present.find((v) => v.visitId === who.visitId);
  return Object.values(visit?.cart ?? {})
    .filter((l) => l.quantity > 0)
    .map((l) => l.sku);
}
