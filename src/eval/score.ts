/**
 * Scoring of replay results against ground truth (contract section 5). Pure: documents in,
 * numbers out.
 *
 * Items are counted per (shopper, sku). TP = Σ min(predicted, true) and F1 = 2·TP / (ΣP + ΣT),
 * the metric of the AutoCheckout competition (CPS-IoT Week 2020). An item on the wrong shopper
 * is one false positive (on the receipt it landed on) and one false negative (on the true
 * shopper); a receipt for a token that is no true shopper is all false positives.
 */
import type { ReplayResult, Truth } from '../protocol/results.js';

/** The score of one recording, with the counts that suites pool. */
export interface RecordingScore {
  f1: number;
  /** Σ min(predicted, true) over (shopper, sku). */
  tp: number;
  /** Σ predicted quantities, over every receipt. */
  predicted: number;
  /** Σ true quantities. */
  truth: number;
  /** Number of true shoppers. */
  shoppers: number;
  /** True shoppers whose receipt matches exactly. */
  exactShoppers: number;
  /** True shoppers sent to review (listed under `reviews` or a receipt marked `reviewed`). */
  reviewedShoppers: number;
  /** Share of true shoppers with an exact receipt (1 when there are no true shoppers). */
  exact: number;
  /** Share of true shoppers sent to review (0 when there are no true shoppers). */
  reviewRate: number;
  /** `issuedAt − exitedAt` of every receipt, ms, ascending. */
  latenciesMs: number[];
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

/** The score of a suite of recordings. */
export interface SuiteScore {
  recordings: number;
  /** Mean over recordings of per-recording F1 (1 for an empty suite: nothing was got wrong). */
  f1: number;
  /** Pooled: exact receipts over all true shoppers of all recordings. */
  exact: number;
  /** Pooled: reviewed true shoppers over all true shoppers. */
  reviewRate: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  tp: number;
  predicted: number;
  truth: number;
  shoppers: number;
}

type Counts = Map<string, Map<string, number>>;

function add(counts: Counts, shopper: string, sku: string, quantity: number): void {
  let bySku = counts.get(shopper);
  if (!bySku) {
    bySku = new Map();
    counts.set(shopper, bySku);
  }
  bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
}

function total(counts: Counts): number {
  let n = 0;
  for (const bySku of counts.values()) for (const q of bySku.values()) n += q;
  return n;
}

function sameItems(a: Map<string, number> | undefined, b: Map<string, number> | undefined): boolean {
  const entries = (m: Map<string, number> | undefined) =>
    [...(m ?? new Map<string, number>())].filter(([, q]) => q !== 0);
  const ea = entries(a);
  const eb = new Map(entries(b));
  return ea.length === eb.size && ea.every(([sku, q]) => eb.get(sku) === q);
}

/**
 * The p-th percentile (p in [0, 1]) of ascending values, interpolating linearly between ranks:
 * rank = p·(n−1). Null when there are no values.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(Math.max(p, 0), 1) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

/** Scores one recording's replay result against its ground truth (contract section 5). */
export function scoreRecording(truth: Truth, result: ReplayResult): RecordingScore {
  const trueCounts: Counts = new Map();
  for (const s of truth.shoppers) {
    if (!trueCounts.has(s.shopper)) trueCounts.set(s.shopper, new Map());
    for (const item of s.items) add(trueCounts, s.shopper, item.sku, item.quantity);
  }
  const predCounts: Counts = new Map();
  const hasReceipt = new Set<string>();
  const reviewed = new Set<string>();
  for (const receipt of result.receipts) {
    hasReceipt.add(receipt.shopper);
    if (receipt.reviewed) reviewed.add(receipt.shopper);
    for (const line of receipt.lines) add(predCounts, receipt.shopper, line.sku, line.quantity);
  }
  for (const review of result.reviews ?? []) reviewed.add(review.shopper);

  // Receipts of tokens that are no true shopper find no true counts, so they add only to ΣP.
  let tp = 0;
  for (const [shopper, bySku] of predCounts) {
    const trueBySku = trueCounts.get(shopper);
    if (!trueBySku) continue;
    for (const [sku, q] of bySku) tp += Math.min(q, trueBySku.get(sku) ?? 0);
  }
  const predicted = total(predCounts);
  const trueTotal = total(trueCounts);
  const f1 = predicted + trueTotal === 0 ? 1 : (2 * tp) / (predicted + trueTotal);

  const shoppers = [...trueCounts.keys()];
  // A shopper with no receipt at all did not get the exact receipt, even when they took nothing:
  // every visit must get a receipt, an empty one too.
  const exactShoppers = shoppers.filter(
    (s) => hasReceipt.has(s) && sameItems(predCounts.get(s), trueCounts.get(s)),
  ).length;
  const reviewedShoppers = shoppers.filter((s) => reviewed.has(s)).length;

  const latenciesMs = result.receipts.map((r) => r.issuedAt - r.exitedAt).sort((a, b) => a - b);
  return {
    f1,
    tp,
    predicted,
    truth: trueTotal,
    shoppers: shoppers.length,
    exactShoppers,
    reviewedShoppers,
    exact: shoppers.length === 0 ? 1 : exactShoppers / shoppers.length,
    reviewRate: shoppers.length === 0 ? 0 : reviewedShoppers / shoppers.length,
    latenciesMs,
    latencyP50Ms: percentile(latenciesMs, 0.5),
    latencyP99Ms: percentile(latenciesMs, 0.99),
  };
}

/** A suite's score: mean per-recording F1; exact share, review rate and latencies pooled. */
export function aggregateSuite(scores: readonly RecordingScore[]): SuiteScore {
  const sum = (f: (s: RecordingScore) => number) => scores.reduce((n, s) => n + f(s), 0);
  const shoppers = sum((s) => s.shoppers);
  const latencies = scores.flatMap((s) => s.latenciesMs).sort((a, b) => a - b);
  return {
    recordings: scores.length,
    f1: scores.length === 0 ? 1 : sum((s) => s.f1) / scores.length,
    exact: shoppers === 0 ? 1 : sum((s) => s.exactShoppers) / shoppers,
    reviewRate: shoppers === 0 ? 0 : sum((s) => s.reviewedShoppers) / shoppers,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    tp: sum((s) => s.tp),
    predicted: sum((s) => s.predicted),
    truth: sum((s) => s.truth),
    shoppers,
  };
}

/** The one-object JSON form printed by `walkout score --json`. */
export function scoreJson(score: RecordingScore): {
  f1: number;
  exact: number;
  reviewRate: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  tp: number;
  predicted: number;
  truth: number;
} {
  return {
    f1: score.f1,
    exact: score.exact,
    reviewRate: score.reviewRate,
    latencyP50Ms: score.latencyP50Ms,
    latencyP99Ms: score.latencyP99Ms,
    tp: score.tp,
    predicted: score.predicted,
    truth: score.truth,
  };
}
