/**
 * Multi-view association: groups the 2D poses that different cameras saw at about the same instant
 * into people. Poses carry no identity, so two cues decide:
 *  1. prior tracks: each track's predicted joints are projected into every camera and the pose that
 *     lands on them (metric reprojection miss) is claimed for that track;
 *  2. geometry: between poses of different cameras, the rays of corresponding joints must (nearly)
 *     meet; pairs are merged greedily, closest first, one pose per camera and person.
 * Pure and deterministic: ties break by input order.
 */
import { projectInto, rayDirectionInto, undistortInto, type CameraModel } from './camera.js';

/** What one camera frame saw of one person (a detection; STYLE.md §2). */
export interface PoseObservation {
  /** Index of the camera in the vision's camera list. */
  camera: number;
  /** Event time of the frame (ms). */
  t: number;
  /** Raw pixels and confidence, 17 × (u, v, c). */
  keypoints: Float64Array;
  /** Normalised undistorted coordinates, 17 × (x, y). */
  xn: Float64Array;
  /** Unit store-frame ray directions, 17 × 3. */
  dir: Float64Array;
  /** Bit j set when joint j is usable (confidence ≥ the minimum). */
  mask: number;
  /** Mean pixel of the usable joints (a cheap gate before joint-by-joint costs). */
  cu: number;
  cv: number;
}

/**
 * Builds an observation from 17 keypoint rows [u, v, c]; null when fewer than `minJoints` joints reach
 * `minConfidence` (such a pose cannot be placed in 3D reliably). `reuse` is filled instead of a new
 * object (pools across instants).
 */
export function makeObservation(
  model: CameraModel,
  camera: number,
  t: number,
  keypoints: readonly (readonly number[])[],
  minConfidence: number,
  minJoints = 4,
  reuse?: PoseObservation,
): PoseObservation | null {
  // Count first: most rejected poses then cost no allocation.
  let count = 0;
  for (let j = 0; j < 17; j++) {
    const c = keypoints[j]![2]!;
    if (c >= minConfidence && c > 0) count++;
  }
  if (count < minJoints) return null;
  const o: PoseObservation = reuse ?? {
    camera,
    t,
    keypoints: new Float64Array(51),
    xn: new Float64Array(34),
    dir: new Float64Array(51),
    mask: 0,
    cu: 0,
    cv: 0,
  };
  const kp = o.keypoints;
  const xn = o.xn;
  const dir = o.dir;
  let mask = 0;
  let su = 0;
  let sv = 0;
  for (let j = 0; j < 17; j++) {
    const row = keypoints[j]!;
    const u = row[0]!,
      v = row[1]!,
      c = row[2]!;
    kp[j * 3] = u;
    kp[j * 3 + 1] = v;
    kp[j * 3 + 2] = c;
    if (!(c >= minConfidence) || c <= 0) continue;
    undistortInto(model, u, v, n2);
    xn[j * 2] = n2[0]!;
    xn[j * 2 + 1] = n2[1]!;
    rayDirectionInto(model, n2[0]!, n2[1]!, d3);
    dir[j * 3] = d3[0]!;
    dir[j * 3 + 1] = d3[1]!;
    dir[j * 3 + 2] = d3[2]!;
    mask |= 1 << j;
    su += u;
    sv += v;
  }
  o.camera = camera;
  o.t = t;
  o.mask = mask;
  o.cu = su / count;
  o.cv = sv / count;
  return o;
}

const n2 = new Float64Array(2);
const d3 = new Float64Array(3);

/** Tunables of association. */
export interface AssociationOptions {
  /**
   * Two poses are the same person when the rays of their shared joints miss each other by at most
   * this much on (trimmed) average (m). Default 0.2. Too small splits a person seen from far or with
   * noisy joints; too large merges people standing close.
   */
  pairMaxM: number;
  /** Fewest shared joints for a pair of poses to be compared at all. Default 4. */
  minSharedJoints: number;
  /** Fraction of the worst joint distances ignored in a pair's cost (merged limbs). Default 0.3. */
  trimFraction: number;
  /**
   * A pose belongs to a track when its joints land within this (metric, at the joint's depth) of the
   * track's predicted joints on (trimmed) average (m). Default 0.25. Too large steals neighbours'
   * poses; too small loses fast movers to geometry alone.
   */
  trackMaxM: number;
  /** The floor and ceiling of where joints can be (m); a ray meeting outside is no match. Default [-0.5, 2.6]. */
  zRange: readonly [number, number];
}

export const DEFAULT_ASSOCIATION: AssociationOptions = {
  pairMaxM: 0.2,
  minSharedJoints: 4,
  trimFraction: 0.3,
  trackMaxM: 0.25,
  zRange: [-0.5, 2.6],
};

/** A track's prediction at the instant, as association sees it. */
export interface TrackPrior {
  trackId: string;
  /** Predicted joints, 17 × 3 (m). */
  joints: Float64Array;
  /** Bit j set when joint j is predicted. */
  mask: number;
}

/** Poses judged to be one person (at most one per camera), with the track that claimed them if any. */
export interface PoseGroup {
  observations: PoseObservation[];
  trackId: string | null;
}

const costBuf = new Float64Array(17);

/** Trimmed mean of the first n values of costBuf (sorted in place; insertion sort, n ≤ 17). */
function trimmedMean(n: number, trim: number): number {
  const a = costBuf;
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let k = i - 1;
    while (k >= 0 && a[k]! > v) {
      a[k + 1] = a[k]!;
      k--;
    }
    a[k + 1] = v;
  }
  const keep = Math.max(1, n - Math.floor(n * trim));
  let s = 0;
  for (let i = 0; i < keep; i++) s += a[i]!;
  return s / keep;
}

/**
 * Cost (m) of two poses from different cameras being one person: trimmed mean over shared joints of
 * the closest distance between their rays. Infinity when they share too few joints, or rays meet
 * behind a camera or outside the height range.
 */
export function pairCost(
  a: PoseObservation,
  b: PoseObservation,
  ca: CameraModel,
  cb: CameraModel,
  opts: AssociationOptions = DEFAULT_ASSOCIATION,
): number {
  const shared = a.mask & b.mask;
  let n = 0;
  const oa = ca.centre,
    ob = cb.centre;
  const wx = oa[0]! - ob[0]!,
    wy = oa[1]! - ob[1]!,
    wz = oa[2]! - ob[2]!;
  for (let j = 0; j < 17; j++) {
    if (!(shared & (1 << j))) continue;
    const k = j * 3;
    const d1x = a.dir[k]!,
      d1y = a.dir[k + 1]!,
      d1z = a.dir[k + 2]!;
    const d2x = b.dir[k]!,
      d2y = b.dir[k + 1]!,
      d2z = b.dir[k + 2]!;
    const bb = d1x * d2x + d1y * d2y + d1z * d2z;
    const d1w = d1x * wx + d1y * wy + d1z * wz;
    const d2w = d2x * wx + d2y * wy + d2z * wz;
    const denom = 1 - bb * bb;
    let dist: number;
    if (denom < 1e-6) {
      // Parallel rays: their distance is that of the centres across the ray.
      const cx = wy * d1z - wz * d1y,
        cy = wz * d1x - wx * d1z,
        cz = wx * d1y - wy * d1x;
      dist = Math.sqrt(cx * cx + cy * cy + cz * cz);
    } else {
      const s = (bb * d2w - d1w) / denom;
      const t = (d2w - bb * d1w) / denom;
      if (s <= 0 || t <= 0) {
        dist = 10; // meet behind a camera: not this joint
      } else {
        const px = oa[0]! + s * d1x,
          py = oa[1]! + s * d1y,
          pz = oa[2]! + s * d1z;
        const qx = ob[0]! + t * d2x,
          qy = ob[1]! + t * d2y,
          qz = ob[2]! + t * d2z;
        const mz = (pz + qz) / 2;
        dist = Math.sqrt((px - qx) ** 2 + (py - qy) ** 2 + (pz - qz) ** 2);
        if (mz < opts.zRange[0] || mz > opts.zRange[1]) dist = Math.max(dist, 1);
      }
    }
    costBuf[n++] = dist;
  }
  if (n < opts.minSharedJoints) return Infinity;
  return trimmedMean(n, opts.trimFraction);
}

const proj = new Float64Array(2);

/**
 * Cost (m) of a pose being the projection of a track's predicted joints: trimmed mean over shared
 * joints of the pixel miss scaled to metres at the joint's depth. Infinity when too few joints.
 */
export function trackCost(
  obs: PoseObservation,
  cam: CameraModel,
  prior: TrackPrior,
  opts: AssociationOptions = DEFAULT_ASSOCIATION,
): number {
  const shared = obs.mask & prior.mask;
  let n = 0;
  const R = cam.R;
  const tz = cam.t[2]!;
  const f = (cam.fx + cam.fy) / 2;
  for (let j = 0; j < 17; j++) {
    if (!(shared & (1 << j))) continue;
    const x = prior.joints[j * 3]!,
      y = prior.joints[j * 3 + 1]!,
      z = prior.joints[j * 3 + 2]!;
    if (!projectInto(cam, x, y, z, proj)) continue;
    const depth = R[6]! * x + R[7]! * y + R[8]! * z + tz;
    const du = proj[0]! - obs.keypoints[j * 3]!;
    const dv = proj[1]! - obs.keypoints[j * 3 + 1]!;
    costBuf[n++] = (Math.sqrt(du * du + dv * dv) * depth) / f;
  }
  const min = Math.min(opts.minSharedJoints, popcount(prior.mask));
  if (n < Math.max(min, 3)) return Infinity;
  return trimmedMean(n, opts.trimFraction);
}

function popcount(m: number): number {
  let c = 0;
  while (m) {
    m &= m - 1;
    c++;
  }
  return c;
}

interface Pair {
  cost: number;
  a: number;
  b: number;
}

/**
 * Groups the observations of one instant into people. Tracks first claim the poses that land on
 * their predicted joints (at most one pose per camera and track, closest first); then pose pairs that
 * geometrically agree merge groups, closest first, as long as a group keeps one pose per camera, two
 * tracks never merge, and the mean cost between the merged groups stays within `pairMaxM`.
 */
export function associate(
  observations: readonly PoseObservation[],
  cameras: readonly CameraModel[],
  priors: readonly TrackPrior[],
  opts: AssociationOptions = DEFAULT_ASSOCIATION,
): PoseGroup[] {
  const n = observations.length;
  const groupOf = new Int32Array(n).fill(-1);
  const groups: { members: number[]; camMask: Set<number>; trackId: string | null }[] = [];

  // 1. Tracks claim poses.
  if (priors.length > 0) {
    const claims: Pair[] = [];
    // Cheap gate first: the track's projected centre against the pose's mean pixel, per camera.
    const nc = cameras.length;
    const centreU = new Float64Array(priors.length * nc);
    const centreV = new Float64Array(priors.length * nc);
    const scale = new Float64Array(priors.length * nc).fill(NaN); // metres per pixel at the track; NaN: not in view
    const used = new Uint8Array(nc);
    for (const o of observations) used[o.camera] = 1;
    for (let p = 0; p < priors.length; p++) {
      const pr = priors[p]!;
      let x = 0,
        y = 0,
        z = 0,
        k = 0;
      for (let j = 0; j < 17; j++) {
        if (!(pr.mask & (1 << j))) continue;
        x += pr.joints[j * 3]!;
        y += pr.joints[j * 3 + 1]!;
        z += pr.joints[j * 3 + 2]!;
        k++;
      }
      if (k === 0) continue;
      x /= k;
      y /= k;
      z /= k;
      for (let c = 0; c < nc; c++) {
        if (!used[c]) continue;
        const cam = cameras[c]!;
        if (!projectInto(cam, x, y, z, proj)) continue;
        const depth = cam.R[6]! * x + cam.R[7]! * y + cam.R[8]! * z + cam.t[2]!;
        centreU[p * nc + c] = proj[0]!;
        centreV[p * nc + c] = proj[1]!;
        scale[p * nc + c] = (depth * 2) / (cam.fx + cam.fy);
      }
    }
    for (let p = 0; p < priors.length; p++) {
      for (let i = 0; i < n; i++) {
        const o = observations[i]!;
        const k = p * nc + o.camera;
        const sc = scale[k]!;
        if (
          Number.isNaN(sc) ||
          Math.sqrt((centreU[k]! - o.cu) ** 2 + (centreV[k]! - o.cv) ** 2) * sc > opts.trackMaxM + 0.6
        )
          continue;
        const c = trackCost(o, cameras[o.camera]!, priors[p]!, opts);
        if (c <= opts.trackMaxM) claims.push({ cost: c, a: p, b: i });
      }
    }
    claims.sort(byCost);
    const groupOfPrior = new Int32Array(priors.length).fill(-1);
    for (const { a: p, b: i } of claims) {
      if (groupOf[i] !== -1) continue;
      const cam = observations[i]!.camera;
      let g = groupOfPrior[p]!;
      if (g === -1) {
        g = groups.length;
        groups.push({ members: [], camMask: new Set(), trackId: priors[p]!.trackId });
        groupOfPrior[p] = g;
      }
      const group = groups[g]!;
      if (group.camMask.has(cam)) continue;
      group.members.push(i);
      group.camMask.add(cam);
      groupOf[i] = g;
    }
    // A claimed pose that disagrees with the rest of its track's group geometrically is released.
    for (const group of groups) {
      if (group.members.length < 3) continue;
      const keep: number[] = [];
      for (const i of group.members) {
        let s = 0;
        let k = 0;
        for (const j of group.members) {
          if (j === i) continue;
          const oi = observations[i]!,
            oj = observations[j]!;
          s += Math.min(pairCost(oi, oj, cameras[oi.camera]!, cameras[oj.camera]!, opts), 2);
          k++;
        }
        if (s / k <= opts.pairMaxM * 2) keep.push(i);
        else groupOf[i] = -1;
      }
      group.members = keep;
      group.camMask = new Set(keep.map((i) => observations[i]!.camera));
    }
  }

  // 2. Geometry: pairwise costs between poses of different cameras.
  const pairs: Pair[] = [];
  for (let a = 0; a < n; a++) {
    const oa = observations[a]!;
    for (let b = a + 1; b < n; b++) {
      const ob = observations[b]!;
      if (oa.camera === ob.camera) continue;
      if (groupOf[a] !== -1 && groupOf[a] === groupOf[b]) continue;
      // Two poses already claimed by tracks can never merge (different tracks never do).
      if (groupOf[a] !== -1 && groupOf[b] !== -1) continue;
      const c = pairCost(oa, ob, cameras[oa.camera]!, cameras[ob.camera]!, opts);
      if (c <= opts.pairMaxM) pairs.push({ cost: c, a, b });
    }
  }
  pairs.sort(byCost);
  const costOf = new Map<number, number>();
  for (const p of pairs) costOf.set(p.a * n + p.b, p.cost);
  const cost = (i: number, j: number): number => {
    const key = i < j ? i * n + j : j * n + i;
    return costOf.get(key) ?? opts.pairMaxM * 3;
  };
  for (const { a, b } of pairs) {
    let ga = groupOf[a]!;
    let gb = groupOf[b]!;
    if (ga !== -1 && ga === gb) continue;
    if (ga === -1) {
      ga = groups.length;
      groups.push({ members: [a], camMask: new Set([observations[a]!.camera]), trackId: null });
      groupOf[a] = ga;
    }
    if (gb === -1) {
      gb = groups.length;
      groups.push({ members: [b], camMask: new Set([observations[b]!.camera]), trackId: null });
      groupOf[b] = gb;
    }
    const A = groups[ga]!,
      B = groups[gb]!;
    if (A.trackId !== null && B.trackId !== null) continue;
    let clash = false;
    for (const c of B.camMask) if (A.camMask.has(c)) clash = true;
    if (clash) continue;
    let s = 0;
    for (const i of A.members) for (const j of B.members) s += cost(i, j);
    if (s / (A.members.length * B.members.length) > opts.pairMaxM) continue;
    // Merge B into A (keeping a track id if either has one).
    for (const j of B.members) {
      A.members.push(j);
      groupOf[j] = ga;
    }
    for (const c of B.camMask) A.camMask.add(c);
    if (A.trackId === null) A.trackId = B.trackId;
    B.members = [];
    B.camMask.clear();
  }

  const out: PoseGroup[] = [];
  for (const g of groups) {
    if (g.members.length === 0) continue;
    if (g.members.length < 2 && g.trackId === null) continue;
    g.members.sort((x, y) => x - y);
    out.push({ observations: g.members.map((i) => observations[i]!), trackId: g.trackId });
  }
  return out;
}

/**
 * Naive baseline: geometry only, the same greedy merging with no help from tracks (no claims, no
 * release of disagreeing poses). Kept so that `associate` has something to beat.
 */
export function associateNaive(
  observations: readonly PoseObservation[],
  cameras: readonly CameraModel[],
  opts: AssociationOptions = DEFAULT_ASSOCIATION,
): PoseGroup[] {
  return associate(observations, cameras, [], opts);
}

function byCost(x: Pair, y: Pair): number {
  return x.cost - y.cost || x.a - y.a || x.b - y.b;
}
