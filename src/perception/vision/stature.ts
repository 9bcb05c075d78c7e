/**
 * A person's stature from the lengths of their bones: pose changes joint heights (a shopper bends
 * to a low shelf) but not bone lengths, so bones tell people apart where positions cross. The
 * fractions of standing height are textbook anthropometry (Drillis & Contini), with the shoulder and
 * hip widths where COCO annotators put those keypoints.
 */

import { median, middleOfSorted } from '../median.js';

/** [joint a, joint b, length as a fraction of stature] for COCO-17 joint indices. */
const BONES: readonly (readonly [number, number, number])[] = [
  [5, 6, 0.22], // shoulders
  [11, 12, 0.17], // hips
  [5, 7, 0.186], // upper arms
  [6, 8, 0.186],
  [7, 9, 0.146], // forearms
  [8, 10, 0.146],
  [11, 13, 0.245], // thighs
  [12, 14, 0.245],
  [13, 15, 0.246], // shanks
  [14, 16, 0.246],
];

/** At least this many bones make an estimate; fewer is too easily one bad joint. */
const MIN_BONES = 4;

/** Stature (m) from one instant's joints (17 × 3, mask bit j: joint j placed), or null. */
export function statureOf(joints: Float64Array, mask: number): number | null {
  const estimates: number[] = [];
  for (const [a, b, f] of BONES) {
    if (!(mask & (1 << a)) || !(mask & (1 << b))) continue;
    const len = Math.hypot(
      joints[a * 3]! - joints[b * 3]!,
      joints[a * 3 + 1]! - joints[b * 3 + 1]!,
      joints[a * 3 + 2]! - joints[b * 3 + 2]!,
    );
    estimates.push(len / f);
  }
  if (estimates.length < MIN_BONES) return null;
  return median(estimates);
}

/** Samples kept per person: the whole estimate and the recent one are medians of these. */
const KEEP = 200;
const RECENT = 20;

/** A track's stature over time: the median of all its samples, and of its recent ones. */
export class StatureEstimate {
  /** Samples in arrival order, and the same kept sorted: the tracker asks for the median every frame. */
  private readonly samples: number[] = [];
  private readonly sorted: number[] = [];
  // The tracker asks for the recent median once per nearby candidate and instant: keep it until the next sample.
  private latest: number | null = null;

  /** Adds one instant's estimate. */
  add(stature: number): void {
    this.samples.push(stature);
    this.sorted.splice(insertionPoint(this.sorted, stature), 0, stature);
    if (this.samples.length > KEEP) {
      const oldest = this.samples.shift()!;
      this.sorted.splice(insertionPoint(this.sorted, oldest) - 1, 1);
    }
    this.latest = null;
  }

  /** The median of every sample kept, or null before `min` samples. */
  value(min = 5): number | null {
    if (this.samples.length < min) return null;
    return middleOfSorted(this.sorted);
  }

  /** Robust sd of the samples kept (interquartile range / 1.35), or null before `min` samples. */
  spread(min = 8): number | null {
    const s = this.sorted;
    if (s.length < min) return null;
    return (s[Math.floor(0.75 * (s.length - 1))]! - s[Math.floor(0.25 * (s.length - 1))]!) / 1.35;
  }

  /** The median of the newest samples, or null before `min` of them. */
  recent(min = 5): number | null {
    if (this.samples.length < min) return null;
    return (this.latest ??= median(this.samples.slice(-RECENT)));
  }
}

/** Index after the last element ≤ x in an ascending array. */
function insertionPoint(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
