/** Review queue items and the settle actions offered for each: pure, shared by buttons and shortcuts. */
import type { PeopleFrame } from '../../protocol/results.js';
import type { ProductHypothesis, ReviewReason, ShelfEvent, ShopperCandidate } from '../../store/events.js';

/** A review as `GET /api/reviews` returns it. */
export interface ReviewItem {
  eventId: string;
  visitIds: string[];
  t: number;
  reason: ReviewReason;
  sku: string | null;
  products: ProductHypothesis[];
  shoppers: ShopperCandidate[];
  shelf: ShelfEvent | null;
  people: PeopleFrame | null;
  trace: { plateId: string; t: number[]; grams: number[] }[];
}

/** One settle action: its button label and the decision it posts. */
export interface ReviewChoice {
  label: string;
  decision: { visitId: string | null; sku: string | null; quantity: number };
}

/**
 * The actions a reviewer gets: charge the likeliest shoppers for the likeliest products (best
 * pairs first, at most four), and "nobody" (the change was not a take by a shopper).
 */
export function reviewChoices(item: ReviewItem, max = 4): ReviewChoice[] {
  const shoppers =
    item.shoppers.length > 0
      ? [...item.shoppers]
      : item.visitIds.map((visitId) => ({ visitId, probability: 1 / item.visitIds.length }));
  const products = item.products.filter((p) => p.sku !== null && p.quantity !== 0);
  const pairs: (ReviewChoice & { p: number })[] = [];
  for (const s of shoppers)
    for (const p of products)
      pairs.push({
        p: s.probability * p.probability,
        // Visit ids share their time prefix; the tail tells them apart.
        label: `${p.quantity > 0 ? 'charge' : 'credit'} …${s.visitId.slice(-7)} ${Math.abs(p.quantity)} × ${p.sku}`,
        decision: { visitId: s.visitId, sku: p.sku, quantity: p.quantity },
      });
  pairs.sort((a, b) => b.p - a.p || a.label.localeCompare(b.label));
  return [
    ...pairs.slice(0, max).map(({ label, decision }) => ({ label, decision })),
    { label: 'nobody', decision: { visitId: null, sku: null, quantity: 0 } },
  ];
}
