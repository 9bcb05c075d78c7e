/**
 * A person's stature from the lengths of their bones: pose changes joint heights (a shopper bends
 * to a low shelf) but not bone lengths, so bones tell people apart where positions cross. The
 * fractions of standing height are textbook anthropometry (Drillis & Contini), with the shoulder and
 * hip widths where COCO annotators put those keypoints.
 */

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
  private readonly samples: number[] = [];
  // The tracker asks for the medians once per nearby candidate and instant: keep them until the next sample.
  private whole: number | null = null;
  private latest: number | null = null;

  /** Adds one instant's estimate. */
  add(stature: number): void {
    this.samples.push(stature);
    if (this.samples.length > KEEP) this.samples.shift();
    this.whole = null;
    this.latest = null;
  }

  /** The median of every sample kept, or null before `min` samples. */
  value(min = 5): number | null {
    if (this.samples.length < min) return null;
    return (this.whole ??= median(this.samples));
  }

  /** The median of the newest samples, or null before `min` of them. */
  recent(min = 5): number | null {
    if (this.samples.length < min) return null;
    return (this.latest ??= median(this.samples.slice(-RECENT)));
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
