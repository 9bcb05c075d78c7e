/**
 * Noise statistics of shelf-plate weight traces, the same for real and simulated plates, so the
 * simulator's sensor model can be checked against the real AutoCheckout recording.
 *
 * Every statistic is robust to the few pick events a trace may hold (a step counts as one large
 * first difference, which the median ignores), so traces with a shopper in them can be used too.
 */

/** One plate's samples at a fixed rate. */
export interface PlateTrace {
  id: string;
  hz: number;
  grams: ArrayLike<number>;
}

/** Noise statistics of one plate. */
export interface PlateNoiseStats {
  id: string;
  /** Robust standard deviation of sample-to-sample noise: 1.4826·MAD(first differences)/√2 (g). */
  noise: number;
  /** |median of the last 2 s − median of the first 2 s| over the first 30 s (or the whole trace) (g). */
  drift30s: number;
  /** Range of the 1 s medians over the trace: slow wander with nobody touching (g). */
  wander: number;
  /** Single-sample spikes per minute: a sample 10 noise levels off both neighbours, which agree. */
  spikesPerMin: number;
  /** Quantization step: the typical smallest non-zero change between samples (g). */
  step: number;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Percentile with linear interpolation between ranks (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const r = (p / 100) * (s.length - 1);
  const lo = Math.floor(r);
  const hi = Math.ceil(r);
  return s[lo]! + (s[hi]! - s[lo]!) * (r - lo);
}

/** Computes the noise statistics of one plate trace (needs at least 4 s of samples). */
export function plateNoiseStats(trace: PlateTrace): PlateNoiseStats {
  const w = trace.grams;
  const n = w.length;
  const hz = trace.hz;
  if (!(hz > 0))
    throw new RangeError(`plateNoiseStats: hz must be positive, got ${hz} for plate ${trace.id}`);
  if (n < 4 * hz)
    throw new RangeError(`plateNoiseStats: plate ${trace.id} needs at least ${4 * hz} samples, got ${n}`);
  const diffs: number[] = new Array<number>(n - 1);
  for (let i = 1; i < n; i++) diffs[i - 1] = w[i]! - w[i - 1]!;
  const absDiffs = diffs.map(Math.abs);
  const noise = (1.4826 * median(absDiffs)) / Math.SQRT2;

  const positive = absDiffs.filter((d) => d > 1e-6);
  let step = 0;
  if (positive.length > 0) {
    const min = Math.min(...positive);
    step = Math.round(median(positive.filter((d) => d <= 1.5 * min)) * 1e4) / 1e4;
  }

  const win = Math.round(2 * hz);
  const end = Math.min(n, Math.round(30 * hz));
  const head: number[] = [];
  const tail: number[] = [];
  for (let i = 0; i < win; i++) head.push(w[i]!);
  for (let i = end - win; i < end; i++) tail.push(w[i]!);
  const drift30s = Math.abs(median(tail) - median(head));

  const sec = Math.round(hz);
  const secondMedians: number[] = [];
  for (let i = 0; i + sec <= n; i += sec) {
    const chunk: number[] = [];
    for (let k = i; k < i + sec; k++) chunk.push(w[k]!);
    secondMedians.push(median(chunk));
  }
  const wander = Math.max(...secondMedians) - Math.min(...secondMedians);

  // The floor keeps a perfectly quiet (quantized-constant) plate from calling every flip a spike.
  const level = Math.max(noise, step, 0.05);
  let spikes = 0;
  for (let i = 1; i < n - 1; i++) {
    const a = w[i - 1]!;
    const b = w[i + 1]!;
    const dev = Math.abs(w[i]! - (a + b) / 2);
    if (dev > 10 * level && Math.abs(a - b) < 3 * level) spikes += 1;
  }
  const spikesPerMin = spikes / (n / hz / 60);
  return { id: trace.id, noise, drift30s, wander, spikesPerMin, step };
}

/** Percentiles over plates of each statistic. */
export interface NoiseSummary {
  plates: number;
  noise: number[];
  drift30s: number[];
  wander: number[];
  spikesPerMin: number[];
  step: number[];
}

/** The percentiles reported in summaries: min, p10, p25, p50, p75, p90, max. */
export const SUMMARY_PERCENTILES = [0, 10, 25, 50, 75, 90, 100] as const;

/** Summarises per-plate statistics as percentiles over plates (`SUMMARY_PERCENTILES`). */
export function summarizeNoise(stats: readonly PlateNoiseStats[]): NoiseSummary {
  const of = (f: (s: PlateNoiseStats) => number) =>
    SUMMARY_PERCENTILES.map((p) => round4(percentile(stats.map(f), p)));
  return {
    plates: stats.length,
    noise: of((s) => s.noise),
    drift30s: of((s) => s.drift30s),
    wander: of((s) => s.wander),
    spikesPerMin: of((s) => s.spikesPerMin),
    step: of((s) => s.step),
  };
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Parses one AutoCheckout plate CSV (`timestamp_unix_s,weight_g`), naming the line of a misfit row. */
export function parsePlateCsv(id: string, text: string): PlateTrace & { t: number[] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0 || !/^timestamp_unix_s\s*,\s*weight_g$/.test(lines[0]!.trim())) {
    throw new Error(`plate ${id}: expected the header "timestamp_unix_s,weight_g"`);
  }
  const t: number[] = [];
  const grams: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const parts = lines[i]!.split(',');
    const ts = Number(parts[0]);
    const g = Number(parts[1]);
    if (parts.length !== 2 || !Number.isFinite(ts) || !Number.isFinite(g)) {
      throw new Error(`plate ${id}: line ${i + 1}: expected two numbers "timestamp_unix_s,weight_g"`);
    }
    t.push(ts * 1000);
    grams.push(g);
  }
  const span = t.length > 1 ? (t[t.length - 1]! - t[0]!) / 1000 : 0;
  const hz = span > 0 ? Math.round((t.length - 1) / span) : 60;
  return { id, hz, grams, t };
}
