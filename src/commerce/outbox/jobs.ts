/** Outbox jobs: every payment call and every receipt delivery is one row, committed with its cause. */
import type { IssuedVisit } from '../types.js';

export type DeliveryChannel = 'email' | 'webhook' | 'live';

export type OutboxJob =
  | { kind: 'hold'; visitId: string }
  | { kind: 'settle'; visitId: string; round: number }
  | { kind: 'refund'; disputeId: string }
  | { kind: 'revise'; visitId: string; version: number; issued: IssuedVisit }
  | { kind: 'deliver'; receiptId: string; channel: DeliveryChannel; target: string };

export type OutboxKind = OutboxJob['kind'];

/** The idempotency key of a job: the same cause always gives the same key, so it is queued once. */
export function jobKey(job: OutboxJob): string {
  switch (job.kind) {
    case 'hold':
      return `hold:${job.visitId}`;
    case 'settle':
      return `settle:${job.visitId}:${job.round}`;
    case 'refund':
      return `refund:${job.disputeId}`;
    case 'revise':
      return `revise:${job.visitId}:${job.version}`;
    case 'deliver':
      return `deliver:${job.channel}:${job.target}:${job.receiptId}`;
    default: {
      const never: never = job;
      return never;
    }
  }
}

/** Retry policy of the outbox: exponential backoff with a deterministic jitter per key. */
export interface BackoffPolicy {
  /** First retry delay (ms). Too low hammers a sick gateway; too high delays receipts. */
  baseMs: number;
  /** Upper bound of one delay (ms). */
  maxMs: number;
  /** Attempts before a job is given up (payments: account becomes payment_due; deliveries: dead letter). */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 60_000, maxAttempts: 6 };

/** Delay before attempt `attempt + 1` (attempt counts from 1), jittered ±25% by a hash of the key. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, key: string): number {
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  h = Math.imul(h ^ attempt, 16777619) >>> 0;
  const jitter = 0.75 + (h / 0xffffffff) * 0.5;
  return Math.round(raw * jitter);
}
