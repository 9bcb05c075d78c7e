import type { Dispute, DisputeKind } from '../types.js';

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

/** A dispute as a labelled example for measuring accuracy: what the store charged vs what the shopper says. */
export interface DisputeExample {
  visitId: string;
  sku: string;
  chargedQuantity: number;
  claimedQuantity: number;
  /** `store-wrong`: refund granted (by policy or operator); `store-right`: rejected; `pending`: still queued. */
  label: 'store-wrong' | 'store-right' | 'pending';
  labelledBy: string | null;
}

/** Turns disputes into labelled examples. Pure. */
export function disputeExamples(disputes: Dispute[]): DisputeExample[] {
  return disputes.map((d) => ({
    visitId: d.visitId,
    sku: d.sku,
    chargedQuantity: d.chargedQuantity,
    claimedQuantity: d.claimedQuantity,
    label: d.status === 'queued' ? 'pending' : d.status === 'rejected' ? 'store-right' : 'store-wrong',
    labelledBy: d.decidedBy,
  }));
}
