import { median } from '../median.js';

/** A settled change of a cart's basket weight. */
export interface BasketStep {
  cartId: string;
  startT: number;
  /** When the new weight had held long enough to be trusted (ms). */
  t: number;
  deltaGrams: number;
  stdGrams: number;
}

/** Tunables of the basket scale. */
export interface BasketScaleOptions {
  /** Readings that must agree for the basket to count as settled. */
  settleReadings: number;
  /** Settled readings may differ by this much (g) plus a share of the basket's weight (items shift). */
  toleranceGrams: number;
  /**
   * The share of the basket's weight added to the tolerance. Kept small: with 0.5% a full basket's
   * tolerance let the last swings of a landing bag pass for settled, and the rest came as a phantom step.
   */
  toleranceShare: number;
  /** Steps smaller than this (g) are the scale's noise, not an item. */
  minStepGrams: number;
}

export const DEFAULT_BASKET_OPTIONS: BasketScaleOptions = {
  settleReadings: 4,
  toleranceGrams: 6,
  toleranceShare: 0.002,
  minStepGrams: 12,
};

/**
 * A cart's basket scale: readings in, settled weight steps out. A cart rolls and items settle, so
 * a step is only trusted once several readings agree.
 */
export class BasketScale {
  private readonly recentT: number[] = [];
  private readonly recentV: number[] = [];
  private settled: number | null = null;
  private moving: number | null = null;

  constructor(
    readonly cartId: string,
    private readonly opts: BasketScaleOptions = DEFAULT_BASKET_OPTIONS,
  ) {}

  /** The last settled basket weight (g), or null before the first. */
  get weight(): number | null {
    return this.settled;
  }

  /** Feeds one reading; returns a step once the basket settled at a new weight. */
  push(t: number, grams: number): BasketStep | null {
    this.recentT.push(t);
    this.recentV.push(grams);
    const k = this.opts.settleReadings;
    if (this.recentV.length > k) {
      this.recentT.shift();
      this.recentV.shift();
    }
    if (this.recentV.length < k) return null;
    const level = median(this.recentV);
    const tolerance = this.opts.toleranceGrams + this.opts.toleranceShare * Math.abs(level);
    const range = Math.max(...this.recentV) - Math.min(...this.recentV);
    if (this.settled === null) {
      if (range <= tolerance) this.settled = level;
      return null;
    }
    if (range > tolerance) {
      if (this.moving === null) this.moving = this.recentT[0]!;
      return null;
    }
    const delta = level - this.settled;
    const startT = this.moving ?? this.recentT[0]!;
    this.moving = null;
    if (Math.abs(delta) < this.opts.minStepGrams) {
      // Drift or an item shifting: follow it slowly.
      this.settled += 0.2 * delta;
      return null;
    }
    this.settled = level;
    return { cartId: this.cartId, startT, t, deltaGrams: delta, stdGrams: tolerance / 2 };
  }
}
