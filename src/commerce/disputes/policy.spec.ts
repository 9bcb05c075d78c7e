import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Dispute, DisputeStatus } from '../types.js';
import {
  claimedQuantity,
  decideDispute,
  DEFAULT_DISPUTE_POLICY,
  DisputeExample,
  disputeExamples,
  monthOf,
  type DisputePolicy,
} from './policy.js';

const policy: DisputePolicy = { autoRefundLimitPerMonth: 1_000 };

/** A dispute as commerce stores it, with the fields a test cares about. */
function dispute(status: DisputeStatus, decidedBy: string | null, over: Partial<Dispute> = {}): Dispute {
  return {
    id: `dsp_${status}`,
    visitId: 'v1',
    accountId: 'acc_a',
    sku: 'choc-bar',
    kind: 'not-taken',
    chargedQuantity: 2,
    claimedQuantity: 0,
    amount: 660,
    status,
    decidedBy,
    note: null,
    createdAt: Date.UTC(2026, 10, 25),
    decidedAt: null,
    ...over,
  };
}

/**
 * What commerce does with a run of claims: each asks the policy with the sum of that shopper's
 * automatic refunds in the claim's UTC month so far (repo.autoRefundedBetween).
 */
function runPolicy(claims: readonly { account: string; t: number; amount: number }[], p: DisputePolicy) {
  const refunded: { account: string; month: number; amount: number }[] = [];
  const verdicts = claims.map((c) => {
    const month = monthOf(c.t).from;
    const already = refunded
      .filter((r) => r.account === c.account && r.month === month)
      .reduce((sum, r) => sum + r.amount, 0);
    const verdict = decideDispute(p, c.amount, already);
    if (verdict === 'refund') refunded.push({ account: c.account, month, amount: c.amount });
    return { ...c, month, already, verdict };
  });
  return { verdicts, refunded };
}

describe('dispute policy', () => {
  it('refunds at once up to the monthly limit, the limit itself included, and queues beyond it', () => {
    expect(DEFAULT_DISPUTE_POLICY.autoRefundLimitPerMonth).toBe(2_000);
    expect(decideDispute(policy, 400, 0)).toBe('refund');
    expect(decideDispute(policy, 400, 600)).toBe('refund');
    expect(decideDispute(policy, 401, 600)).toBe('queue');
    expect(decideDispute(policy, 1_001, 0)).toBe('queue');
    expect(decideDispute({ autoRefundLimitPerMonth: 0 }, 1, 0)).toBe('queue');
  });

  it('counts each shopper on their own: one shopper at the limit does not queue another', () => {
    const t = Date.UTC(2026, 10, 3);
    const { verdicts } = runPolicy(
      [
        { account: 'a', t, amount: 1_000 },
        { account: 'a', t: t + 1, amount: 1 },
        { account: 'b', t: t + 2, amount: 1_000 },
      ],
      policy,
    );
    expect(verdicts.map((v) => v.verdict)).toEqual(['refund', 'queue', 'refund']);
  });

  it('starts a new allowance at midnight UTC on the first of the month, whatever the local time zone', () => {
    // Kiritimati is UTC+14: local dates there are already in the next month at 10:00 UTC on the last day.
    const tz = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    onTestFinished(() => {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    });
    expect(new Date(Date.UTC(2026, 0, 31, 12)).getDate()).toBe(1);
    const lastMs = Date.UTC(2026, 0, 31, 23, 59, 59, 999);
    const first = Date.UTC(2026, 1, 1);
    expect(monthOf(lastMs)).toEqual({ from: Date.UTC(2026, 0, 1), to: first });
    expect(monthOf(first)).toEqual({ from: first, to: Date.UTC(2026, 2, 1) });
    expect(monthOf(Date.UTC(2026, 11, 31, 23))).toEqual({
      from: Date.UTC(2026, 11, 1),
      to: Date.UTC(2027, 0, 1),
    });
    const { verdicts } = runPolicy(
      [
        { account: 'a', t: lastMs - 1, amount: 1_000 },
        { account: 'a', t: lastMs, amount: 1 },
        { account: 'a', t: first, amount: 1_000 },
      ],
      policy,
    );
    expect(verdicts.map((v) => v.verdict)).toEqual(['refund', 'queue', 'refund']);
  });

  it('a month holds its instant, and months follow one another without gap or overlap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) }), (t) => {
        const m = monthOf(t);
        expect(m.from).toBeLessThanOrEqual(t);
        expect(t).toBeLessThan(m.to);
        expect(new Date(m.from).getUTCDate()).toBe(1);
        expect(m.from % 86_400_000).toBe(0);
        expect(monthOf(m.to).from).toBe(m.to);
        expect(monthOf(m.from - 1).to).toBe(m.from);
      }),
    );
  });

  it('refunds granted to a shopper in a month never exceed the limit, and only a claim that would exceed it waits', () => {
    const start = Date.UTC(2026, 0, 20);
    const claim = fc.record({
      account: fc.constantFrom('a', 'b', 'c'),
      t: fc.integer({ min: start, max: start + 70 * 86_400_000 }),
      amount: fc.integer({ min: 1, max: 1_500 }),
    });
    fc.assert(
      fc.property(
        fc.array(claim, { maxLength: 40 }),
        fc.integer({ min: 0, max: 3_000 }),
        (unsorted, limit) => {
          const claims = [...unsorted].sort((x, y) => x.t - y.t);
          const { verdicts, refunded } = runPolicy(claims, { autoRefundLimitPerMonth: limit });
          const sums = new Map<string, number>();
          for (const r of refunded) {
            const key = `${r.account}@${r.month}`;
            sums.set(key, (sums.get(key) ?? 0) + r.amount);
          }
          for (const sum of sums.values()) expect(sum).toBeLessThanOrEqual(limit);
          for (const v of verdicts)
            expect(v.verdict).toBe(v.already + v.amount <= limit ? 'refund' : 'queue');
        },
      ),
    );
  });

  it('takes the shopper at their word for the quantity, and refuses one that is not less than charged', () => {
    expect(claimedQuantity('not-taken', 3, undefined)).toBe(0);
    expect(claimedQuantity('not-taken', 3, 2)).toBe(0);
    expect(claimedQuantity('wrong-quantity', 3, 0)).toBe(0);
    expect(claimedQuantity('wrong-quantity', 3, 2)).toBe(2);
    for (const q of [3, 4, -1, 1.5, undefined])
      expect(() => claimedQuantity('wrong-quantity', 3, q)).toThrow(
        /^quantity: expected an integer from 0 to 2/,
      );
  });
});

describe('disputes as labelled examples', () => {
  it('labels each outcome and says who labelled it', () => {
    const examples = disputeExamples([
      dispute('refunded', 'policy'),
      dispute('approved', 'op-1', { kind: 'wrong-quantity', claimedQuantity: 1 }),
      dispute('rejected', 'op-2', { sku: 'fiji-500' }),
      dispute('queued', null, { visitId: 'v2' }),
    ]);
    expect(examples.map((e) => [e.label, e.labelledBy])).toEqual([
      ['store-wrong', 'policy'],
      ['store-wrong', 'op-1'],
      ['store-right', 'op-2'],
      ['pending', null],
    ]);
    expect(examples[1]).toEqual({
      visitId: 'v1',
      sku: 'choc-bar',
      kind: 'wrong-quantity',
      chargedQuantity: 2,
      claimedQuantity: 1,
      label: 'store-wrong',
      labelledBy: 'op-1',
    });
    for (const e of examples) expect(DisputeExample.parse(e)).toEqual(e);
  });

  it('carries the review flag of the visit’s newest receipt, when the receipts are given', () => {
    const [v1, v2, v3] = disputeExamples(
      [
        dispute('refunded', 'policy'),
        dispute('queued', null, { visitId: 'v2' }),
        dispute('queued', null, { visitId: 'v3' }),
      ],
      [
        { visitId: 'v1', version: 2, reviewed: true },
        { visitId: 'v1', version: 1, reviewed: false },
        { visitId: 'v2', version: 1, reviewed: false },
      ],
    );
    expect(v1!.reviewed).toBe(true);
    expect(v2!.reviewed).toBe(false);
    expect(v3).not.toHaveProperty('reviewed');
  });
});
