import { z } from 'zod';
import type { Dispute, Receipt } from '../types.js';
import { DisputeExample, disputeExamples, POLICY_LABELLER } from './policy.js';

/**
 * How accurate the store's charges were, as its shoppers' disputes tell it. Pure: the export of
 * `GET /operator/disputes/examples` in, figures out; the accuracy route and `walkout score
 * --disputes` both use it.
 *
 * Units. A *charged line* is one line (visit, sku) of a visit's newest receipt version; a line
 * refunded later still counts, it was charged. A *disputed line* is a charged line with at least
 * one dispute (a line can be disputed again after a rejection or a partial refund, so disputes ≥
 * disputed lines). Labels are counted per dispute, rates per line.
 */

/** The charged lines the rates are per: every visit's newest receipt, in total, on reviewed receipts, by sku. */
export const ChargedLines = z
  .object({
    lines: z.number().int().nonnegative(),
    /** Lines on receipts the engine marked `reviewed`. */
    reviewedLines: z.number().int().nonnegative(),
    /** Skus with at least one charged line. */
    bySku: z.array(z.object({ sku: z.string(), lines: z.number().int().positive() })),
  })
  .refine((c) => c.reviewedLines <= c.lines, {
    path: ['reviewedLines'],
    message: 'expected at most `lines`',
  })
  .refine((c) => c.bySku.reduce((sum, s) => sum + s.lines, 0) === c.lines, {
    path: ['bySku'],
    message: 'expected the lines of all skus to add up to `lines`',
  });
export type ChargedLines = z.infer<typeof ChargedLines>;

/**
 * One example as an exported file may hold it: `kind` was added later, so older exports still
 * score (their disputes count under reason `unknown`). The checks catch hand-edited files whose
 * figures would mean nothing.
 */
export const ExportedExample = DisputeExample.partial({ kind: true })
  .refine((e) => e.claimedQuantity < e.chargedQuantity, {
    path: ['claimedQuantity'],
    message: 'expected less than chargedQuantity (a dispute claims fewer items than were charged)',
  })
  .refine((e) => (e.label === 'pending') === (e.labelledBy === null), {
    path: ['labelledBy'],
    message: 'expected null exactly when label is "pending"',
  });
export type ExportedExample = z.infer<typeof ExportedExample>;

/** What `GET /operator/disputes/examples` serves: every field present. */
export const DisputeExamplesView = z.object({ examples: z.array(DisputeExample), charged: ChargedLines });
export type DisputeExamplesView = z.infer<typeof DisputeExamplesView>;

/** What `walkout score --disputes` reads: the examples route's answer, or an older export of it. */
export const DisputeExport = z.object({
  examples: z.array(ExportedExample),
  /** Absent in older exports: then every rate per 1000 charged lines is null. */
  charged: ChargedLines.optional(),
});
export type DisputeExport = z.infer<typeof DisputeExport>;

const count = z.number().int().nonnegative();
const Figures = z.object({
  /**
   * The denominator of the rates: all charged lines (total, by reason), the sku's, or those on
   * (not) reviewed receipts; null if unknown. Rates are null when it is null or 0.
   */
  chargedLines: count.nullable(),
  /** Disputes, pending ones included. */
  disputes: count,
  /** Distinct charged lines with at least one dispute. */
  disputedLines: count,
  /** Disputes refunded: by the policy (the shopper's word, under the monthly limit) or approved by an operator. */
  storeWrong: count,
  storeWrongByPolicy: count,
  storeWrongByOperator: count,
  /** Distinct lines with at least one `store-wrong` dispute: the store's confirmed errors. */
  wrongLines: count,
  /** Disputes an operator rejected: the charge stood. */
  storeRight: count,
  /** Disputes still queued: counted in `disputes` and `disputedLines`, neither wrong nor right. */
  pending: count,
  /** 1000 · disputedLines / chargedLines: how often shoppers object. */
  disputedPer1000: z.number().nullable(),
  /** 1000 · wrongLines / chargedLines: a lower bound on the error rate (not every wrong line is disputed). */
  wrongPer1000: z.number().nullable(),
  /** storeRight / (storeRight + storeWrong): of decided disputes, the share where the charge stood. */
  storeRightShare: z.number().nullable(),
  /**
   * storeRight / (storeRight + storeWrongByOperator): the same among disputes a person decided,
   * leaving out automatic refunds, which take the shopper's word. Operators only see disputes above
   * the monthly limit, so this leans toward large and repeated claims.
   */
  operatorStoreRightShare: z.number().nullable(),
});
export type Figures = z.infer<typeof Figures>;

/** The figures in total and split three ways; skus without disputes are left out. */
export const DisputeAccuracy = z.object({
  total: Figures,
  /** Disputed skus, most disputes first. */
  bySku: z.array(z.object({ sku: z.string(), ...Figures.shape })),
  /** What the shopper said; `unknown` only for examples exported without `kind`. */
  byReason: z.array(
    z.object({ reason: z.enum(['not-taken', 'wrong-quantity', 'unknown']), ...Figures.shape }),
  ),
  /** Whether the disputed line's receipt was marked `reviewed`; `unknown` only for examples without the flag. */
  byReceipt: z.array(
    z.object({ receipt: z.enum(['reviewed', 'not-reviewed', 'unknown']), ...Figures.shape }),
  ),
});
export type DisputeAccuracy = z.infer<typeof DisputeAccuracy>;

/** Counts the charged lines of the newest receipt versions (one per visit, as `latestReceipts` gives them). */
export function countChargedLines(receipts: readonly Pick<Receipt, 'lines' | 'reviewed'>[]): ChargedLines {
  const bySku = new Map<string, number>();
  let lines = 0;
  let reviewedLines = 0;
  for (const r of receipts) {
    lines += r.lines.length;
    if (r.reviewed) reviewedLines += r.lines.length;
    for (const l of r.lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + 1);
  }
  return {
    lines,
    reviewedLines,
    bySku: [...bySku].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sku, n]) => ({ sku, lines: n })),
  };
}

/** What the examples route serves: every dispute as an example, and the charged lines to measure them by. */
export function exportDisputes(
  disputes: readonly Dispute[],
  latestReceipts: readonly Receipt[],
): DisputeExamplesView {
  return {
    examples: disputeExamples(disputes, latestReceipts),
    charged: countChargedLines(latestReceipts),
  };
}

/** The figures of one group of examples against its charged lines (null: unknown). */
function figures(examples: readonly ExportedExample[], chargedLines: number | null): Figures {
  const disputed = new Set<string>();
  const wrong = new Set<string>();
  let byPolicy = 0;
  let byOperator = 0;
  let right = 0;
  let pending = 0;
  for (const e of examples) {
    const line = JSON.stringify([e.visitId, e.sku]);
    disputed.add(line);
    if (e.label === 'store-wrong') {
      wrong.add(line);
      if (e.labelledBy === POLICY_LABELLER) byPolicy++;
      else byOperator++;
    } else if (e.label === 'store-right') right++;
    else pending++;
  }
  const per1000 = (n: number) => (chargedLines ? (1000 * n) / chargedLines : null);
  const share = (n: number, of: number) => (of > 0 ? n / of : null);
  return {
    chargedLines,
    disputes: examples.length,
    disputedLines: disputed.size,
    storeWrong: byPolicy + byOperator,
    storeWrongByPolicy: byPolicy,
    storeWrongByOperator: byOperator,
    wrongLines: wrong.size,
    storeRight: right,
    pending,
    disputedPer1000: per1000(disputed.size),
    wrongPer1000: per1000(wrong.size),
    storeRightShare: share(right, right + byPolicy + byOperator),
    operatorStoreRightShare: share(right, right + byOperator),
  };
}

function groupBy<K extends string>(examples: readonly ExportedExample[], key: (e: ExportedExample) => K) {
  const groups = new Map<K, ExportedExample[]>();
  for (const e of examples) {
    const k = key(e);
    const group = groups.get(k);
    if (group) group.push(e);
    else groups.set(k, [e]);
  }
  return groups;
}

/** Turns an export of labelled disputes into accuracy figures an operator can act on. Pure. */
export function disputeAccuracy(input: DisputeExport): DisputeAccuracy {
  const { examples, charged } = input;
  const skuLines = new Map(charged?.bySku.map((s) => [s.sku, s.lines]));
  const all = charged?.lines ?? null;

  const bySku = [...groupBy(examples, (e) => e.sku)]
    .map(([sku, group]) => ({ sku, ...figures(group, charged ? (skuLines.get(sku) ?? 0) : null) }))
    .sort((a, b) => b.disputes - a.disputes || (a.sku < b.sku ? -1 : 1));

  const reasons = groupBy(examples, (e) => e.kind ?? 'unknown');
  const byReason = (['not-taken', 'wrong-quantity', 'unknown'] as const)
    .filter((reason) => reason !== 'unknown' || reasons.has(reason))
    .map((reason) => ({ reason, ...figures(reasons.get(reason) ?? [], all) }));

  const receipts = groupBy(examples, (e) =>
    e.reviewed === undefined ? 'unknown' : e.reviewed ? 'reviewed' : 'not-reviewed',
  );
  const receiptLines = {
    reviewed: charged?.reviewedLines ?? null,
    'not-reviewed': charged ? charged.lines - charged.reviewedLines : null,
    unknown: null,
  };
  const byReceipt = (['reviewed', 'not-reviewed', 'unknown'] as const)
    .filter((receipt) => receipt !== 'unknown' || receipts.has(receipt))
    .map((receipt) => ({ receipt, ...figures(receipts.get(receipt) ?? [], receiptLines[receipt]) }));

  return { total: figures(examples, all), bySku, byReason, byReceipt };
}
