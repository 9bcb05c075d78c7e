import { z } from 'zod';
import type { Dispute, DisputeKind, Receipt } from '../types.js';

/** The store's dispute policy. */
export interface DisputePolicy {
  /**
   * Refunds a shopper may get without a person per calendar month (UTC), in minor units.
   * Too high invites abuse; too low sends honest complaints to a queue and makes shoppers wait.
   */
  autoRefundLimitPerMonth: number;
}

export const DEFAULT_DISPUTE_POLICY: DisputePolicy = { autoRefundLimitPerMonth: 2_000 };

/** Start and end (exclusive) of the UTC calendar month holding `t`. */
export function monthOf(t: number): { from: number; to: number } {
  const d = new Date(t);
  return {
    from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    to: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

/** The quantity a shopper says they really took: 0 for "not taken", else their figure (must be lower). */
export function claimedQuantity(kind: DisputeKind, charged: number, quantity: number | undefined): number {
  if (kind === 'not-taken') return 0;
  if (quantity === undefined || !Number.isInteger(quantity) || quantity < 0 || quantity >= charged) {
    throw new Error(
      `quantity: expected an integer from 0 to ${charged - 1} (what was really taken), got ${String(quantity)}`,
    );
  }
  return quantity;
}

/** Refund at once, or queue for an operator: at once while this month's automatic refunds stay within the limit. */
export function decideDispute(
  policy: DisputePolicy,
  amount: number,
  refundedThisMonth: number,
): 'refund' | 'queue' {
  return refundedThisMonth + amount <= policy.autoRefundLimitPerMonth ? 'refund' : 'queue';
}

/** Who labelled an example `store-wrong` without a person: the automatic refund, i.e. the shopper's word. */
export const POLICY_LABELLER = 'policy';

/** A dispute as a labelled example for measuring accuracy: what the store charged vs what the shopper says. */
export const DisputeExample = z.object({
  visitId: z.string(),
  sku: z.string(),
  /** What the shopper said: `not-taken` (none of it) or `wrong-quantity` (fewer than charged). */
  kind: z.enum(['not-taken', 'wrong-quantity']),
  chargedQuantity: z.number().int().nonnegative(),
  claimedQuantity: z.number().int().nonnegative(),
  /** `store-wrong`: refund granted (by policy or operator); `store-right`: rejected; `pending`: still queued. */
  label: z.enum(['store-wrong', 'store-right', 'pending']),
  /** `policy` for an automatic refund, else the operator who decided; null while pending. */
  labelledBy: z.string().nullable(),
  /**
   * The evidence the receipt carries about the line: whether the engine marked the visit's receipt
   * `reviewed` (it was unsure of something and a review or its best guess settled it). Receipts hold
   * no per-line confidence. Absent when the receipt was not at hand.
   */
  reviewed: z.boolean().optional(),
});
export type DisputeExample = z.infer<typeof DisputeExample>;

/** Turns disputes into labelled examples, with the review flag of each visit's newest receipt when given. Pure. */
export function disputeExamples(
  disputes: readonly Dispute[],
  receipts: readonly Pick<Receipt, 'visitId' | 'version' | 'reviewed'>[] = [],
): DisputeExample[] {
  const newest = new Map<string, Pick<Receipt, 'version' | 'reviewed'>>();
  for (const r of receipts) {
    const seen = newest.get(r.visitId);
    if (!seen || seen.version < r.version) newest.set(r.visitId, r);
  }
  return disputes.map((d) => {
    const receipt = newest.get(d.visitId);
    return {
      visitId: d.visitId,
      sku: d.sku,
      kind: d.kind,
      chargedQuantity: d.chargedQuantity,
      claimedQuantity: d.claimedQuantity,
      label: d.status === 'queued' ? 'pending' : d.status === 'rejected' ? 'store-right' : 'store-wrong',
      labelledBy: d.decidedBy,
      ...(receipt ? { reviewed: receipt.reviewed } : {}),
    };
  });
}
