/**
 * Triangulation of one joint from several calibrated views, and the plausibility check of a 3D skeleton.
 *
 * Views are given in normalised (undistorted) image coordinates with the camera's [R|t] as projection
 * matrix. The DLT rows `x·P3 − P1` then measure `z·(x − x̂)`: the lateral miss of the ray in metres at
 * the point's depth, so the linear least squares is (to first order) a metric least squares and the
 * outlier threshold is in metres, whatever the lens. Pure; the hot path writes into caller buffers.
 */
import type { Camera } from '../../protocol/store.js';
import { middleOfSorted } from '../median.js';
import { compileCamera, undistortInto, type Vec3 } from './camera.js';

/** Reusable set of views of one joint (struct of arrays, no per-call allocation). */
export class ViewSet {
  n = 0;
  readonly P: Float64Array[];
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  /** Opaque tag per view (caller's observation index). */
  readonly tag: Int32Array;
  readonly active: Uint8Array;
  constructor(readonly capacity: number) {
    this.P = new Array<Float64Array>(capacity);
    this.x = new Float64Array(capacity);
    this.y = new Float64Array(capacity);
    this.w = new Float64Array(capacity);
    this.tag = new Int32Array(capacity);
    this.active = new Uint8Array(capacity);
  }
  clear(): void {
    this.n = 0;
  }
  /** Adds a view: Pn = [R|t] row-major 3×4, (x, y) normalised coordinates, w ≥ 0 weight. */
  add(P: Float64Array, x: number, y: number, w: number, tag = 0): void {
    if (this.n >= this.capacity) return; // more views than the capacity add nothing the first ones lack
    const i = this.n++;
    this.P[i] = P;
    this.x[i] = x;
    this.y[i] = y;
    this.w[i] = w;
    this.tag[i] = tag;
    this.active[i] = 1;
  }
}

/** Weighted DLT over the active views; writes the point to out[0..2]. False when degenerate. */
export function dlt(v: ViewSet, out: Float64Array | number[]): boolean {
  // Normal equations of the inhomogeneous DLT (X4 = 1): A·X = b, A symmetric 3×3.
  let a00 = 0,
    a01 = 0,
    a02 = 0,
    a11 = 0,
    a12 = 0,
    a22 = 0,
    b0 = 0,
    b1 = 0,
    b2 = 0;
  let used = 0;
  for (let i = 0; i < v.n; i++) {
    if (!v.active[i]) continue;
    const P = v.P[i]!;
    const w2 = v.w[i]! * v.w[i]!;
    if (!(w2 > 0)) continue;
    used++;
    for (let r = 0; r < 2; r++) {
      const c = r === 0 ? v.x[i]! : v.y[i]!;
      const o = r * 4;
      const r0 = c * P[8]! - P[o]!;
      const r1 = c * P[9]! - P[o + 1]!;
      const r2 = c * P[10]! - P[o + 2]!;
      const r3 = c * P[11]! - P[o + 3]!;
      a00 += w2 * r0 * r0;
      a01 += w2 * r0 * r1;
      a02 += w2 * r0 * r2;
      a11 += w2 * r1 * r1;
      a12 += w2 * r1 * r2;
      a22 += w2 * r2 * r2;
      b0 -= w2 * r0 * r3;
      b1 -= w2 * r1 * r3;
      b2 -= w2 * r2 * r3;
    }
  }
  if (used < 2) return false;
  const c00 = a11 * a22 - a12 * a12;
  const c01 = a02 * a12 - a01 * a22;
  const c02 = a01 * a12 - a02 * a11;
  const det = a00 * c00 + a01 * c01 + a02 * c02;
  const scale = a00 + a11 + a22;
  // Rays (nearly) parallel: the depth is unknown.
  if (!(Math.abs(det) > 1e-10 * scale * scale * scale)) return false;
  const c11 = a00 * a22 - a02 * a02;
  const c12 = a01 * a02 - a00 * a12;
  const c22 = a00 * a11 - a01 * a01;
  out[0] = (c00 * b0 + c01 * b1 + c02 * b2) / det;
  out[1] = (c01 * b0 + c11 * b1 + c12 * b2) / det;
  out[2] = (c02 * b0 + c12 * b1 + c22 * b2) / det;
  return true;
}

/** Lateral miss (metres at the point's depth) of view i for point X; Infinity when X is behind it. */
export function viewError(v: ViewSet, i: number, X: Float64Array | number[]): number {
  const P = v.P[i]!;
  const x = X[0]!,
    y = X[1]!,
    z = X[2]!;
  const zc = P[8]! * x + P[9]! * y + P[10]! * z + P[11]!;
  if (!(zc > 0.05)) return Infinity;
  const xc = P[0]! * x + P[1]! * y + P[2]! * z + P[3]!;
  const yc = P[4]! * x + P[5]! * y + P[6]! * z + P[7]!;
  const ex = v.x[i]! * zc - xc;
  const ey = v.y[i]! * zc - yc;
  return Math.sqrt(ex * ex + ey * ey);
}

/** Tunables of the robust triangulation. */
export interface TriangulationOptions {
  /**
   * A view whose ray misses the point by more than this (metres, lateral, at the point's depth) is an
   * outlier. Default 0.15. Too small drops good views of fast limbs; too large lets a merged limb or
   * another person's joint bend the point.
   */
  outlierM: number;
  /** Above this many views, drop-the-worst replaces the exhaustive pair search. Default 8. */
  maxPairSearch: number;
}

export const DEFAULT_TRIANGULATION: TriangulationOptions = { outlierM: 0.15, maxPairSearch: 8 };

const hyp = new Float64Array(3);
const bestActive = new Uint8Array(256);

/**
 * Robust weighted DLT: picks the pair of views whose point most other views agree with (within
 * `outlierM`), refits on those inliers, and marks them `active`. Writes the point to out and returns
 * the number of inlier views (0 when no two views agree). With more than `maxPairSearch` views it
 * drops the worst view until all agree instead.
 */
export function triangulateRobust(
  v: ViewSet,
  out: Float64Array | number[],
  opts: TriangulationOptions = DEFAULT_TRIANGULATION,
): number {
  const n = v.n;
  if (n < 2) return 0;
  const thr = opts.outlierM;
  if (n > opts.maxPairSearch || n > bestActive.length) return dropWorst(v, out, thr);
  let bestCount = 0;
  let bestScore = Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      v.active.fill(0, 0, n);
      v.active[i] = 1;
      v.active[j] = 1;
      if (!dlt(v, hyp)) continue;
      let count = 0;
      let score = 0;
      for (let k = 0; k < n; k++) {
        const e = viewError(v, k, hyp);
        if (e <= thr) {
          count++;
          score += e * v.w[k]!;
        }
      }
      if (count < 2) continue; // the pair itself disagrees
      // More agreeing views win; among equals, the one with the more confident, tighter fit.
      let wsum = 0;
      for (let k = 0; k < n; k++) if (viewError(v, k, hyp) <= thr) wsum += v.w[k]!;
      const s = score / Math.max(wsum, 1e-9) - wsum * 1e-3;
      if (count > bestCount || (count === bestCount && s < bestScore)) {
        bestCount = count;
        bestScore = s;
        for (let k = 0; k < n; k++) bestActive[k] = viewError(v, k, hyp) <= thr ? 1 : 0;
      }
    }
  }
  if (bestCount < 2) {
    v.active.fill(0, 0, n);
    return 0;
  }
  for (let k = 0; k < n; k++) v.active[k] = bestActive[k]!;
  if (!dlt(v, out)) return 0;
  // The refit may push a borderline view out; one pass of pruning keeps the result consistent.
  let kept = 0;
  for (let k = 0; k < n; k++) {
    if (!v.active[k]) continue;
    if (viewError(v, k, out) > thr * 1.5) v.active[k] = 0;
    else kept++;
  }
  if (kept < 2) return 0;
  if (kept < bestCount && !dlt(v, out)) return 0;
  return kept;
}

function dropWorst(v: ViewSet, out: Float64Array | number[], thr: number): number {
  const n = v.n;
  v.active.fill(1, 0, n);
  let count = n;
  while (count >= 2) {
    if (!dlt(v, out)) return 0;
    let worst = -1;
    let worstE = thr;
    for (let k = 0; k < n; k++) {
      if (!v.active[k]) continue;
      const e = viewError(v, k, out);
      if (e > worstE) {
        worstE = e;
        worst = k;
      }
    }
    if (worst < 0) return count;
    v.active[worst] = 0;
    count--;
  }
  return 0;
}

/** Plain weighted DLT over every view, no outlier rejection (the naive baseline). Returns views used or 0. */
export function triangulatePlain(v: ViewSet, out: Float64Array | number[]): number {
  v.active.fill(1, 0, v.n);
  return v.n >= 2 && dlt(v, out) ? v.n : 0;
}

/**
 * Convenience form for callers outside the hot path: triangulates one store point from raw pixels
 * seen by several cameras, with confidences as weights. Null when fewer than two views agree.
 */
export function triangulatePoint(
  cameras: readonly Camera[],
  pixels: readonly (readonly [number, number])[],
  weights?: readonly number[],
  opts: TriangulationOptions = DEFAULT_TRIANGULATION,
): { point: Vec3; inliers: number[] } | null {
  if (cameras.length !== pixels.length)
    throw new Error('triangulatePoint: cameras and pixels must have the same length');
  if (weights && weights.length !== pixels.length)
    throw new Error('triangulatePoint: weights must match pixels');
  const v = new ViewSet(cameras.length);
  const n = new Float64Array(2);
  cameras.forEach((c, i) => {
    const m = compileCamera(c);
    undistortInto(m, pixels[i]![0], pixels[i]![1], n);
    v.add(m.Pn, n[0]!, n[1]!, weights ? weights[i]! : 1, i);
  });
  const out = new Float64Array(3);
  if (triangulateRobust(v, out, opts) < 2) return null;
  const inliers: number[] = [];
  for (let i = 0; i < v.n; i++) if (v.active[i]) inliers.push(i);
  return { point: [out[0]!, out[1]!, out[2]!], inliers };
}

// ---------------------------------------------------------------------------------------------
// Skeleton plausibility

/** COCO-17 indices used below. */
export const J = {
  nose: 0,
  leftEye: 1,
  rightEye: 2,
  leftEar: 3,
  rightEar: 4,
  leftShoulder: 5,
  rightShoulder: 6,
  leftElbow: 7,
  rightElbow: 8,
  leftWrist: 9,
  rightWrist: 10,
  leftHip: 11,
  rightHip: 12,
  leftKnee: 13,
  rightKnee: 14,
  leftAnkle: 15,
  rightAnkle: 16,
} as const;

/** A bone: [proximal, distal, min length m, max length m]. The distal joint is the one dropped when it fails. */
export type Bone = readonly [number, number, number, number];

/** Adult bone length ranges (metres), generous so that children and pose noise still pass. */
export const BONES: readonly Bone[] = [
  [J.leftShoulder, J.leftElbow, 0.15, 0.45],
  [J.rightShoulder, J.rightElbow, 0.15, 0.45],
  [J.leftElbow, J.leftWrist, 0.12, 0.42],
  [J.rightElbow, J.rightWrist, 0.12, 0.42],
  [J.leftHip, J.leftKnee, 0.25, 0.62],
  [J.rightHip, J.rightKnee, 0.25, 0.62],
  [J.leftKnee, J.leftAnkle, 0.25, 0.62],
  [J.rightKnee, J.rightAnkle, 0.25, 0.62],
  [J.leftShoulder, J.rightShoulder, 0.18, 0.6],
  [J.leftHip, J.rightHip, 0.08, 0.5],
  [J.leftShoulder, J.leftHip, 0.3, 0.85],
  [J.rightShoulder, J.rightHip, 0.3, 0.85],
];

/**
 * How far on the floor (m) each joint can be from the middle of the body, whatever the pose: a
 * wrist reaching into a shelf, a head bent over a low one, a foot mid-stride. Generous.
 */
const REACH_M = [
  0.65, 0.65, 0.65, 0.65, 0.65, 0.5, 0.5, 0.8, 0.8, 1.05, 1.05, 0.45, 0.45, 0.6, 0.6, 0.75, 0.75,
];
/** Fewest joints whose median stands for the middle of the body. */
const STRAY_MIN_JOINTS = 5;

const xs = new Float64Array(17);
const ys = new Float64Array(17);

/**
 * Joints farther on the floor from the median of the placed joints than any pose puts them: a
 * joint triangulated from two people's views. The bones cannot tell which end of a bone is wrong
 * (a shoulder a metre off makes the other shoulder's bone too long), and a torso joint off by a metre
 * throws the person's centre by half that.
 */
function strayJoints(joints: Float64Array, mask: number, count: number): number {
  if (count < STRAY_MIN_JOINTS) return 0;
  let n = 0;
  for (let j = 0; j < 17; j++) {
    if (!(mask & (1 << j))) continue;
    xs[n] = joints[j * 3]!;
    ys[n] = joints[j * 3 + 1]!;
    n++;
  }
  const mx = middleOfSorted(xs.subarray(0, n).sort());
  const my = middleOfSorted(ys.subarray(0, n).sort());
  let drop = 0;
  for (let j = 0; j < 17; j++) {
    if (!(mask & (1 << j))) continue;
    if (Math.hypot(joints[j * 3]! - mx, joints[j * 3 + 1]! - my) > REACH_M[j]!) drop |= 1 << j;
  }
  return drop;
}

/** What `checkSkeleton` found. */
export interface SkeletonCheck {
  /** False when the person as a whole is implausible (height, floor, size). */
  ok: boolean;
  /** Bitmask of joints to drop: too far from the rest of the body, or at the end of an impossible bone. */
  dropMask: number;
  /** Vertical extent of the valid joints (m). */
  height: number;
  reason: string | null;
}

/**
 * Checks a triangulated skeleton (joints as 17×3 floats, `mask` bit j set when joint j is valid):
 * no joint farther from the body than a pose puts it, bone lengths within adult ranges, height at
 * most 2.3 m, no joint below −0.3 m or above 2.5 m, horizontal spread at most 2.2 m.
 */
export function checkSkeleton(joints: Float64Array, mask: number): SkeletonCheck {
  let zmin = Infinity,
    zmax = -Infinity,
    xmin = Infinity,
    xmax = -Infinity,
    ymin = Infinity,
    ymax = -Infinity;
  let count = 0;
  for (let j = 0; j < 17; j++) {
    if (!(mask & (1 << j))) continue;
    count++;
    const x = joints[j * 3]!,
      y = joints[j * 3 + 1]!,
      z = joints[j * 3 + 2]!;
    if (z < zmin) zmin = z;
    if (z > zmax) zmax = z;
    if (x < xmin) xmin = x;
    if (x > xmax) xmax = x;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
  if (count === 0) return { ok: false, dropMask: 0, height: 0, reason: 'no joints' };
  const height = zmax - zmin;
  let reason: string | null = null;
  if (height > 2.3) reason = `height ${height.toFixed(2)} m > 2.3 m`;
  else if (zmin < -0.3) reason = `joint ${zmin.toFixed(2)} m below the floor`;
  else if (zmax > 2.5) reason = `joint ${zmax.toFixed(2)} m above 2.5 m`;
  else if (Math.max(xmax - xmin, ymax - ymin) > 2.2) reason = 'wider than 2.2 m';
  let dropMask = strayJoints(joints, mask, count);
  for (const [a, b, lo, hi] of BONES) {
    if ((dropMask >> a) & 1 || (dropMask >> b) & 1) continue;
    if (!(mask & (1 << a)) || !(mask & (1 << b))) continue;
    const d = Math.hypot(
      joints[a * 3]! - joints[b * 3]!,
      joints[a * 3 + 1]! - joints[b * 3 + 1]!,
      joints[a * 3 + 2]! - joints[b * 3 + 2]!,
    );
    if (d < lo || d > hi) dropMask |= 1 << b;
  }
  return { ok: reason === null, dropMask, height, reason };
}
