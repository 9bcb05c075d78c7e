import { median } from '../median.js';

/** A confirmed step in one plate's weight: the plate went from one stable level to another. */
export interface PlateChange {
  plateId: string;
  /** Event time of the first block that left the old level (ms). */
  startT: number;
  /** Event time at which the new level began to hold (ms). */
  endT: number;
  /** Event time at which the new level was confirmed stable (ms); the change is known from then. */
  confirmT: number;
  deltaGrams: number;
  /** Standard deviation of the delta from the plate's own noise (g). */
  stdGrams: number;
}

/** Tunables of the plate detector; defaults fit the real AutoCheckout plates. */
export interface PlateDetectorOptions {
  /** Block length (ms): samples are reduced to one median per block, which removes spikes. */
  blockMs: number;
  /** Blocks that must agree for a level to count as stable (3 × 200 ms: a hand is gone by then). */
  stableBlocks: number;
  /** Smallest step (g) reported as a change, whatever the noise. */
  minDeltaGrams: number;
  /** Step size in noise standard deviations needed to leave the stable state. */
  triggerSigmas: number;
  /** A change that never settles within this (ms) marks the plate unreliable. */
  maxChangeMs: number;
  /** Block history kept for shelf-level measurements (ms). */
  historyMs: number;
}

export const DEFAULT_PLATE_OPTIONS: PlateDetectorOptions = {
  blockMs: 200,
  stableBlocks: 3,
  minDeltaGrams: 8,
  triggerSigmas: 5,
  maxChangeMs: 20_000,
  historyMs: 30_000,
};

const MIN_SIGMA = 0.15;

/**
 * Change detection on one plate's 60 Hz stream. Pure: samples in, changes out.
 * Spikes die in per-block medians; slow drift is followed by the baseline while stable;
 * the noise level is learnt per plate (they differ by an order of magnitude).
 */
export class PlateDetector {
  private readonly buf: number[] = [];
  private bufT0 = 0;
  private hz = 60;
  private blockSize = 12;
  // Block history (times and medians), for levels at any past moment.
  private readonly histT: number[] = [];
  private readonly histV: number[] = [];
  private state: 'warmup' | 'stable' | 'changing' = 'warmup';
  private baseline = 0;
  private sigma = 1;
  private lastBlock = NaN;
  private changeStart = 0;
  private reliable = true;
  private unreliableAt = 0;
  private lastSampleT = -Infinity;
  private lastRaw = NaN;
  /** Slow wander of the level over a couple of seconds (g): a step smaller than a few of these is not an item. */
  private wander = 0;
  private wanderRef = NaN;
  private wanderBlocks = 0;
  private identicalRun = 0;

  constructor(
    readonly plateId: string,
    private readonly opts: PlateDetectorOptions = DEFAULT_PLATE_OPTIONS,
  ) {}

  /** Per-block noise level (g), learnt from the stable periods. */
  get noise(): number {
    return this.sigma;
  }

  /** The plate is in the middle of a change that began at this time, or null. */
  get changingSince(): number | null {
    return this.state === 'changing' ? this.changeStart : null;
  }

  /** False once the plate's readings stopped settling; its changes are then doubtful. */
  get isReliable(): boolean {
    return this.reliable;
  }

  /** Event time of the newest sample seen. */
  get lastT(): number {
    return this.lastSampleT;
  }

  /**
   * How the plate's sensor is doing at event time `now`: `silent` when no sample came for
   * `silentMs`, `stuck` when the same raw value repeats for a second or more (a saturated or
   * frozen load cell; real quantized plates repeat at most about 12 samples), `wild` when it never
   * settles or its noise is far beyond a load cell's.
   */
  health(now: number, silentMs = 3000): 'ok' | 'silent' | 'stuck' | 'wild' {
    if (now - this.lastSampleT > silentMs) return 'silent';
    if (this.identicalRun >= this.hz) return 'stuck';
    if (!this.reliable || this.sigma > 60) return 'wild';
    return 'ok';
  }

  /** Feeds one packet of samples (in event-time order of packets); returns confirmed changes. */
  push(t: number, hz: number, grams: readonly number[]): PlateChange[] {
    if (hz !== this.hz || this.buf.length === 0) {
      if (hz !== this.hz) {
        this.hz = hz;
        this.blockSize = Math.max(3, Math.round((hz * this.opts.blockMs) / 1000));
        this.buf.length = 0;
      }
    }
    const out: PlateChange[] = [];
    const dt = 1000 / hz;
    for (let i = 0; i < grams.length; i++) {
      const st = t + i * dt;
      // Overlapping packets repeat moments already seen: keep the stream monotone.
      if (st <= this.lastSampleT - dt / 2) continue;
      this.lastSampleT = st;
      const g = grams[i]!;
      this.identicalRun = g === this.lastRaw ? this.identicalRun + 1 : 0;
      this.lastRaw = g;
      if (this.buf.length === 0) this.bufT0 = st;
      this.buf.push(grams[i]!);
      if (this.buf.length >= this.blockSize) {
        const change = this.onBlock(this.bufT0, median(this.buf));
        this.buf.length = 0;
        if (change) out.push(change);
      }
    }
    return out;
  }

  /** The plate's level (median of block medians) over an event-time window, or null without data. */
  levelBetween(from: number, to: number): { level: number; n: number } | null {
    const vals: number[] = [];
    for (let i = this.histT.length - 1; i >= 0; i--) {
      const bt = this.histT[i]!;
      if (bt < from) break;
      if (bt <= to) vals.push(this.histV[i]!);
    }
    return vals.length === 0 ? null : { level: median(vals), n: vals.length };
  }

  /** Every 2 s of calm, compares the level with the one 2 s before: the plate's slow wander. */
  private trackWander(): void {
    this.wanderBlocks += 1;
    if (this.wanderBlocks < 10) return;
    this.wanderBlocks = 0;
    if (!Number.isNaN(this.wanderRef)) {
      const d = Math.min(Math.abs(this.baseline - this.wanderRef), 10 * Math.max(this.wander, this.sigma));
      this.wander = this.wander === 0 ? d : 0.9 * this.wander + 0.1 * d * 1.2533;
    }
    this.wanderRef = this.baseline;
  }

  private onBlock(t: number, value: number): PlateChange | null {
    this.histT.push(t);
    this.histV.push(value);
    const keepFrom = t - this.opts.historyMs;
    let drop = 0;
    while (drop < this.histT.length && this.histT[drop]! < keepFrom) drop++;
    if (drop > 64) {
      this.histT.splice(0, drop);
      this.histV.splice(0, drop);
    }
    const prev = this.lastBlock;
    this.lastBlock = value;
    const n = this.histV.length;
    if (this.state === 'warmup') {
      if (n >= 5) {
        const recent = this.histV.slice(-5);
        this.baseline = median(recent);
        const diffs = recent.slice(1).map((v, i) => Math.abs(v - recent[i]!));
        this.sigma = Math.max(MIN_SIGMA, (median(diffs) * 1.4826) / Math.SQRT2);
        this.state = 'stable';
      }
      return null;
    }
    if (this.state === 'stable') {
      const trigger = Math.max(this.opts.minDeltaGrams / 2, this.opts.triggerSigmas * this.sigma);
      if (Math.abs(value - this.baseline) > trigger) {
        this.state = 'changing';
        this.changeStart = t;
        return null;
      }
      // A plate that was wild earns trust back after half a minute of calm.
      if (!this.reliable && t - this.unreliableAt > 30_000) this.reliable = true;
      // Learn noise and follow drift only while nothing happens.
      if (!Number.isNaN(prev)) {
        const d = Math.min(Math.abs(value - prev), 5 * this.sigma);
        this.sigma = Math.max(MIN_SIGMA, 0.97 * this.sigma + 0.03 * ((d * 1.2533) / Math.SQRT2));
      }
      this.baseline += 0.1 * (value - this.baseline);
      this.trackWander();
      return null;
    }
    // Changing: wait until the last few blocks agree on a level.
    const k = this.opts.stableBlocks;
    if (n >= k) {
      const lastT = this.histT[n - k]!;
      if (lastT >= this.changeStart) {
        const recent = this.histV.slice(-k);
        const range = Math.max(...recent) - Math.min(...recent);
        if (range <= Math.max(4 * this.sigma, 1.0)) {
          const level = median(recent);
          const delta = level - this.baseline;
          const std = this.sigma * Math.sqrt(2 / k + 0.1);
          const pre = this.baseline;
          this.baseline = level;
          this.state = 'stable';
          const threshold = Math.max(this.opts.minDeltaGrams, this.opts.triggerSigmas * std, 4 * this.wander);
          this.wanderRef = NaN;
          void pre;
          if (Math.abs(delta) >= threshold) {
            return {
              plateId: this.plateId,
              startT: this.changeStart,
              endT: lastT,
              confirmT: t + this.opts.blockMs,
              deltaGrams: delta,
              stdGrams: std,
            };
          }
          return null;
        }
      }
    }
    if (t - this.changeStart > this.opts.maxChangeMs) {
      // Never settled: take the current level as the new baseline, and stop trusting the plate.
      this.reliable = false;
      this.unreliableAt = t;
      this.baseline = value;
      this.state = 'stable';
    }
    return null;
  }
}
