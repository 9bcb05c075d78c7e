/**
 * What a 2D pose detector on each store camera would report for the simulated people: COCO-17
 * keypoints in raw (distorted) pixels with detector-like confidences, pixel noise, joints lost at
 * the image border, behind other people or simply missed, whole people missed, false detections,
 * left/right swaps, dropped frames and per-camera clock offsets. Poses carry no identity and come
 * in random order, as from a real detector.
 *
 * Deliberately harsher than a good detector on a good day: the benchmarks built on it must not
 * flatter the perception code. Pure: all randomness comes from the caller's seeded `rng`.
 *
 * Speed: the large scenario renders 40 cameras × 15 fps × 50 people; people far outside a camera's
 * view are culled with one sphere test, and all per-joint work runs on flat typed buffers reused
 * between calls. The only allocations are the output keypoints themselves.
 */
import { COCO_JOINTS, type JointName } from '../../protocol/ids.js';
import type { CameraPoses } from '../../protocol/messages.js';
import type { Camera } from '../../protocol/store.js';
import {
  compileCamera,
  projectInto,
  rayDirectionInto,
  undistortInto,
  type CameraModel,
} from '../../perception/vision/camera.js';
import { skeletonInto } from '../people/skeleton.js';
import { FLAT_SKELETON_SIZE, type Rng, type Vec3 } from '../people/types.js';
import { hashSeed } from '../random.js';

/** How imperfect the simulated cameras and their pose detector are. Every field has a unit. */
export interface CameraNoise {
  /**
   * Standard deviation of a well-seen joint's pixel error (px) on a person 400 px tall; it scales
   * with the person's size in the image and grows as confidence falls. 0 = exact projections.
   */
  pixelNoisePx: number;
  /** Probability that a visible joint is not reported (wrists and ankles: twice this). */
  missJointProb: number;
  /** Probability that a visible person is not detected at all (more when mostly occluded). */
  missPersonProb: number;
  /** Probability that a joint hidden behind a nearer person is dropped; otherwise it is guessed, badly. */
  occludedDropProb: number;
  /** Mean number of false detections (plausible but nobody there) per camera frame. */
  falsePerFrame: number;
  /** Probability that a camera's frame never arrives. */
  dropFrameProb: number;
  /** Largest constant clock offset of a camera (ms); each camera gets a fixed one in ±this. */
  clockOffsetMs: number;
  /** Standard deviation of per-frame timestamp jitter (ms). */
  clockJitterMs: number;
  /** Seed for the per-camera clock offsets (give the scenario seed so offsets differ per seed). */
  clockSeed: number;
  /** Probability per pose that the detector swaps every left and right keypoint. */
  swapProb: number;
  /** Probability per joint of a gross error (tens of pixels). */
  outlierProb: number;
  /** Poses with fewer reported joints than this are not reported at all. */
  minJoints: number;
  /** Probability that the nose and eyes of a person facing away from the camera are not reported. */
  faceAwayMissProb: number;
}

/** A typical modern detector on overhead cameras. */
export const DEFAULT_CAMERA_NOISE: Readonly<CameraNoise> = Object.freeze({
  pixelNoisePx: 2,
  missJointProb: 0.03,
  missPersonProb: 0.02,
  occludedDropProb: 0.75,
  falsePerFrame: 0.02,
  dropFrameProb: 0.005,
  clockOffsetMs: 30,
  clockJitterMs: 2,
  clockSeed: 0,
  swapProb: 0.005,
  outlierProb: 0.005,
  minJoints: 3,
  faceAwayMissProb: 0.5,
});

/** For the `crowded` and `adversarial` scenarios: a worse detector, a busier scene, a lossy network. */
export const HARD_CAMERA_NOISE: Readonly<CameraNoise> = Object.freeze({
  pixelNoisePx: 4,
  missJointProb: 0.08,
  missPersonProb: 0.06,
  occludedDropProb: 0.9,
  falsePerFrame: 0.15,
  dropFrameProb: 0.03,
  clockOffsetMs: 30,
  clockJitterMs: 6,
  clockSeed: 0,
  swapProb: 0.03,
  outlierProb: 0.02,
  minJoints: 4,
  faceAwayMissProb: 0.7,
});

/** No noise at all except occlusion and the image border: for tests and for debugging perception. */
export const IDEAL_CAMERA_NOISE: Readonly<CameraNoise> = Object.freeze({
  pixelNoisePx: 0,
  missJointProb: 0,
  missPersonProb: 0,
  occludedDropProb: 1,
  falsePerFrame: 0,
  dropFrameProb: 0,
  clockOffsetMs: 0,
  clockJitterMs: 0,
  clockSeed: 0,
  swapProb: 0,
  outlierProb: 0,
  minJoints: 1,
  faceAwayMissProb: 0,
});

/** Presets by name, for scenario definitions and the command line. */
export const CAMERA_NOISE_PRESETS = {
  default: DEFAULT_CAMERA_NOISE,
  hard: HARD_CAMERA_NOISE,
  ideal: IDEAL_CAMERA_NOISE,
} as const;

/** One camera's message for one frame: topic `cameras/{cameraId}/poses`. */
export interface CameraFrame {
  cameraId: string;
  payload: CameraPoses;
}

/** A simulated person as the renderer needs them: the 3D joints (store frame, metres). */
export interface RenderedPerson {
  joints: Record<JointName, readonly [number, number, number] | Vec3>;
}

const J = COCO_JOINTS.length; // 17
const MAX_POSES = 200; // the CameraPoses contract's limit

/** The constant clock offset (ms) of this camera under these noise settings, in ±clockOffsetMs. */
export function cameraClockOffsetMs(cameraId: string, noise: Partial<CameraNoise> = {}): number {
  const max = noise.clockOffsetMs ?? DEFAULT_CAMERA_NOISE.clockOffsetMs;
  const seed = noise.clockSeed ?? DEFAULT_CAMERA_NOISE.clockSeed;
  return (2 * (hashSeed('camera-clock', seed, cameraId) / 4294967296) - 1) * max;
}

/**
 * Renders the frame that each camera's detector reports at true capture time `t` (ms) for these
 * people. Dropped frames are left out of the result. `noise` fields not given take the defaults.
 */
export function renderCameraFrames(
  cameras: readonly Camera[],
  people: readonly RenderedPerson[],
  t: number,
  frame: number,
  rng: Rng,
  noise: Partial<CameraNoise> = DEFAULT_CAMERA_NOISE,
): CameraFrame[] {
  const flat = ensure('joints', people.length * FLAT_SKELETON_SIZE);
  for (let i = 0; i < people.length; i++) {
    const joints = people[i]?.joints;
    if (!joints || typeof joints !== 'object') {
      throw new RangeError(`people[${i}].joints: expected a record of the 17 COCO joints`);
    }
    for (let j = 0; j < J; j++) {
      const p = joints[COCO_JOINTS[j]!];
      if (!p || !Number.isFinite(p[0]) || !Number.isFinite(p[1]) || !Number.isFinite(p[2])) {
        throw new RangeError(`people[${i}].joints.${COCO_JOINTS[j]}: expected [x, y, z], finite metres`);
      }
      const o = i * FLAT_SKELETON_SIZE + j * 3;
      flat[o] = p[0];
      flat[o + 1] = p[1];
      flat[o + 2] = p[2];
    }
  }
  return renderCameraFramesFlat(cameras, flat, people.length, t, frame, rng, noise);
}

// ---------------------------------------------------------------------------------------------
// Flat, allocation-light core.

/** Growable module-level buffers (the simulator is single-threaded). */
const buffers = new Map<string, Float64Array>();
function ensure(name: string, size: number): Float64Array {
  let b = buffers.get(name);
  if (!b || b.length < size) {
    b = new Float64Array(Math.max(size, (b?.length ?? 0) * 2, 64));
    buffers.set(name, b);
  }
  return b;
}

/** Per-camera constants, computed once per camera object. */
interface CameraView {
  model: CameraModel;
  /** The image's extent in undistorted normalised coordinates (x/z, y/z), slightly widened. */
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  /** 1/‖plane normal‖ of each frustum side plane (x = xMax·z and so on), for sphere culling. */
  nxMin: number;
  nxMax: number;
  nyMin: number;
  nyMax: number;
  /** Mean focal length (px), for metre-to-pixel sizes. */
  focal: number;
  /** The camera's clock offset (ms), cached for the noise settings it was computed with. */
  clockOffset: number;
  clockSeed: number;
  clockMax: number;
}
const views = new WeakMap<Camera, CameraView>();

function cameraView(camera: Camera): CameraView {
  const hit = views.get(camera);
  if (hit) return hit;
  const model = compileCamera(camera);
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  const n = new Float64Array(2);
  const steps = 8;
  for (let k = 0; k <= steps; k++) {
    const a = (k / steps) * model.width;
    const b = (k / steps) * model.height;
    for (const [u, v] of [
      [a, 0],
      [a, model.height],
      [0, b],
      [model.width, b],
    ] as const) {
      undistortInto(model, u, v, n);
      xMin = Math.min(xMin, n[0]!);
      xMax = Math.max(xMax, n[0]!);
      yMin = Math.min(yMin, n[1]!);
      yMax = Math.max(yMax, n[1]!);
    }
  }
  // Culling must never drop a visible person: widen by 10 %, and give up on odd distortions.
  const ok = [xMin, xMax, yMin, yMax].every(Number.isFinite);
  const wx = (xMax - xMin) * 0.1;
  const wy = (yMax - yMin) * 0.1;
  const bx0 = ok ? xMin - wx : -Infinity;
  const bx1 = ok ? xMax + wx : Infinity;
  const by0 = ok ? yMin - wy : -Infinity;
  const by1 = ok ? yMax + wy : Infinity;
  // With infinite bounds the plane test must never cull: a zero factor makes every side test 0 > r false.
  const inv = (b: number) => (Number.isFinite(b) ? 1 / Math.sqrt(1 + b * b) : 0);
  const view: CameraView = {
    model,
    xMin: bx0,
    xMax: bx1,
    yMin: by0,
    yMax: by1,
    nxMin: inv(bx0),
    nxMax: inv(bx1),
    nyMin: inv(by0),
    nyMax: inv(by1),
    focal: (model.fx + model.fy) / 2,
    clockOffset: 0,
    clockSeed: NaN,
    clockMax: NaN,
  };
  views.set(camera, view);
  return view;
}

// Joint classes (COCO order): baseline confidence and relative pixel error of a detector.
const CONF_BASE = [
  0.9, 0.9, 0.9, 0.84, 0.84, 0.88, 0.88, 0.8, 0.8, 0.72, 0.72, 0.78, 0.78, 0.78, 0.78, 0.72, 0.72,
];
const SIGMA_REL = [0.7, 0.7, 0.7, 0.9, 0.9, 1, 1, 1.2, 1.2, 1.5, 1.5, 1.3, 1.3, 1.2, 1.2, 1.4, 1.4];
const EXTREMITY = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1];
/** Left/right partner of each joint. */
const MIRROR = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15];
/** Body parts that hide what is behind them: joint pairs and their half-thickness (m). */
const LIMBS: readonly (readonly [number, number, number])[] = [
  [5, 7, 0.06],
  [7, 9, 0.05],
  [6, 8, 0.06],
  [8, 10, 0.05],
  [11, 13, 0.08],
  [13, 15, 0.06],
  [12, 14, 0.08],
  [14, 16, 0.06],
  [5, 6, 0.08],
  [11, 12, 0.1],
];
/** Depth margin (m): a person must be this much nearer to the camera to hide another. */
const OCCLUSION_DEPTH_MARGIN = 0.15;
const NEAR = 0.1;

/**
 * The same as `renderCameraFrames`, for people given as one flat buffer: `count` skeletons of 51
 * numbers (17 joints × xyz, COCO order), as `skeletonInto` writes them.
 */
export function renderCameraFramesFlat(
  cameras: readonly Camera[],
  joints: Float64Array,
  count: number,
  t: number,
  frame: number,
  rng: Rng,
  noiseIn: Partial<CameraNoise> = DEFAULT_CAMERA_NOISE,
): CameraFrame[] {
  const noise = resolveNoise(noiseIn);
  if (!Number.isFinite(t) || t < 0) throw new RangeError(`t: expected event time in ms ≥ 0, got ${t}`);
  if (!Number.isInteger(frame) || frame < 0)
    throw new RangeError(`frame: expected an integer ≥ 0, got ${frame}`);
  if (!Number.isInteger(count) || count < 0 || joints.length < count * FLAT_SKELETON_SIZE) {
    throw new RangeError(`count: expected ${FLAT_SKELETON_SIZE}·count ≤ joints.length, got count ${count}`);
  }

  // Bounding sphere of each person, for culling.
  const spheres = ensure('spheres', count * 4);
  for (let i = 0; i < count; i++) {
    const o = i * FLAT_SKELETON_SIZE;
    let cx = 0;
    let cy = 0;
    let cz = 0;
    for (let j = 0; j < J; j++) {
      cx += joints[o + j * 3]!;
      cy += joints[o + j * 3 + 1]!;
      cz += joints[o + j * 3 + 2]!;
    }
    cx /= J;
    cy /= J;
    cz /= J;
    let r2 = 0;
    for (let j = 0; j < J; j++) {
      const dx = joints[o + j * 3]! - cx;
      const dy = joints[o + j * 3 + 1]! - cy;
      const dz = joints[o + j * 3 + 2]! - cz;
      r2 = Math.max(r2, dx * dx + dy * dy + dz * dz);
    }
    spheres[i * 4] = cx;
    spheres[i * 4 + 1] = cy;
    spheres[i * 4 + 2] = cz;
    spheres[i * 4 + 3] = Math.sqrt(r2) + 0.15; // plus body thickness
  }

  const out: CameraFrame[] = [];
  for (const camera of cameras) {
    if (noise.dropFrameProb > 0 && rng.next() < noise.dropFrameProb) continue;
    const view = cameraView(camera);
    const poses = renderOneCamera(view, joints, count, spheres, rng, noise);
    if (view.clockSeed !== noise.clockSeed || view.clockMax !== noise.clockOffsetMs) {
      view.clockSeed = noise.clockSeed;
      view.clockMax = noise.clockOffsetMs;
      view.clockOffset = cameraClockOffsetMs(camera.id, noise);
    }
    let stamp = t + view.clockOffset;
    if (noise.clockJitterMs > 0) stamp += rng.normal(0, noise.clockJitterMs);
    out.push({
      cameraId: camera.id,
      payload: { t: Math.max(0, Math.round(stamp * 1000) / 1000), frame, poses },
    });
  }
  return out;
}

type Keypoint = [number, number, number];
type Pose = { keypoints: Keypoint[] };

const tmp = new Float64Array(2);
const ray = new Float64Array(3);
const fakeSkeleton = new Float64Array(FLAT_SKELETON_SIZE);

function renderOneCamera(
  view: CameraView,
  joints: Float64Array,
  count: number,
  spheres: Float64Array,
  rng: Rng,
  noise: CameraNoise,
): Pose[] {
  const m = view.model;
  const R = m.R;
  const T = m.t;
  const W = m.width;
  const H = m.height;
  const uv = ensure('uv', count * J * 2);
  const depth = ensure('depth', count * J);
  const flags = ensure('flags', count * J); // 1 = in front of the camera, 2 = also inside the image
  const personDepth = ensure('personDepth', count);
  const visible = ensure('visible', count);
  const boxes = ensure('boxes', count * 4);
  const occluders = ensure('occluders', count);
  let nVisible = 0;

  for (let i = 0; i < count; i++) {
    const cx = spheres[i * 4]!;
    const cy = spheres[i * 4 + 1]!;
    const cz = spheres[i * 4 + 2]!;
    const r = spheres[i * 4 + 3]!;
    const zc = R[6]! * cx + R[7]! * cy + R[8]! * cz + T[2]!;
    if (zc + r < NEAR) continue; // wholly behind the camera
    // Sphere against the four side planes of the view frustum (they pass through the camera centre).
    const xc = R[0]! * cx + R[1]! * cy + R[2]! * cz + T[0]!;
    const yc = R[3]! * cx + R[4]! * cy + R[5]! * cz + T[1]!;
    if (
      (xc - view.xMax * zc) * view.nxMax > r ||
      (view.xMin * zc - xc) * view.nxMin > r ||
      (yc - view.yMax * zc) * view.nyMax > r ||
      (view.yMin * zc - yc) * view.nyMin > r
    ) {
      continue;
    }
    let inImage = 0;
    const o = i * FLAT_SKELETON_SIZE;
    for (let j = 0; j < J; j++) {
      const x = joints[o + j * 3]!;
      const y = joints[o + j * 3 + 1]!;
      const z = joints[o + j * 3 + 2]!;
      const k = i * J + j;
      depth[k] = R[6]! * x + R[7]! * y + R[8]! * z + T[2]!;
      flags[k] = 0;
      if (depth[k]! > NEAR && projectInto(m, x, y, z, tmp)) {
        uv[k * 2] = tmp[0]!;
        uv[k * 2 + 1] = tmp[1]!;
        flags[k] = 1;
        if (tmp[0]! >= 0 && tmp[0]! < W && tmp[1]! >= 0 && tmp[1]! < H) {
          flags[k] = 3;
          inImage++;
        }
      }
    }
    if (inImage === 0) continue;
    personDepth[i] = zc;
    // Pixel box of everything projected, padded by the thickest body part: the occlusion prefilter.
    let u0 = Infinity;
    let v0 = Infinity;
    let u1 = -Infinity;
    let v1 = -Infinity;
    for (let j = 0; j < J; j++) {
      const k = i * J + j;
      if (flags[k] === 0) continue;
      const u = uv[k * 2]!;
      const v = uv[k * 2 + 1]!;
      if (u < u0) u0 = u;
      if (u > u1) u1 = u;
      if (v < v0) v0 = v;
      if (v > v1) v1 = v;
    }
    const pad = (0.16 * view.focal) / Math.max(zc - r, NEAR);
    boxes[i * 4] = u0 - pad;
    boxes[i * 4 + 1] = v0 - pad;
    boxes[i * 4 + 2] = u1 + pad;
    boxes[i * 4 + 3] = v1 + pad;
    // Insertion by depth, nearest first: occluders come before the people they hide.
    let pos = nVisible++;
    while (pos > 0 && personDepth[visible[pos - 1]!]! > zc) {
      visible[pos] = visible[pos - 1]!;
      pos--;
    }
    visible[pos] = i;
  }

  const poses: Pose[] = [];
  const cam = m.centre;
  for (let k = 0; k < nVisible; k++) {
    const i = visible[k]!;
    const zc = personDepth[i]!;
    const pxPerM = view.focal / Math.max(zc, NEAR);
    const personPx = 1.7 * pxPerM;
    const o = i * FLAT_SKELETON_SIZE;

    // Joints hidden behind nearer people: first the people whose boxes overlap this one's.
    let nOccluders = 0;
    for (let n = 0; n < k; n++) {
      const p = visible[n]!;
      if (
        boxes[p * 4]! < boxes[i * 4 + 2]! &&
        boxes[p * 4 + 2]! > boxes[i * 4]! &&
        boxes[p * 4 + 1]! < boxes[i * 4 + 3]! &&
        boxes[p * 4 + 3]! > boxes[i * 4 + 1]!
      ) {
        occluders[nOccluders++] = p;
      }
    }
    let inImage = 0;
    let hidden = 0;
    for (let j = 0; j < J; j++) {
      const q = i * J + j;
      if (flags[q] !== 3) continue;
      inImage++;
      const u = uv[q * 2]!;
      const v = uv[q * 2 + 1]!;
      for (let n = 0; n < nOccluders; n++) {
        const p = occluders[n]!;
        if (personDepth[p]! > depth[q]! - OCCLUSION_DEPTH_MARGIN) continue;
        if (u < boxes[p * 4]! || u > boxes[p * 4 + 2]! || v < boxes[p * 4 + 1]! || v > boxes[p * 4 + 3]!)
          continue;
        if (covers(p, u, v, uv, flags, view.focal / Math.max(personDepth[p]!, NEAR))) {
          flags[q] = 7; // 4 = occluded
          hidden++;
          break;
        }
      }
    }
    const hiddenShare = inImage > 0 ? hidden / inImage : 1;
    const missP = noise.missPersonProb + Math.max(0, hiddenShare - 0.4);
    if (missP > 0 && rng.next() < missP) continue;

    // Seen from behind, a detector is unsure of the face.
    const nx = joints[o]!;
    const ny = joints[o + 1]!;
    const nz = joints[o + 2]!;
    const fx = nx - (joints[o + 9]! + joints[o + 12]!) / 2;
    const fy = ny - (joints[o + 10]! + joints[o + 13]!) / 2;
    const fz = nz - (joints[o + 11]! + joints[o + 14]!) / 2;
    const faceAway = fx * (cam[0]! - nx) + fy * (cam[1]! - ny) + fz * (cam[2]! - nz) < 0;
    const sizeFactor = clamp(personPx / 400, 0.5, 2.5);
    const smallPenalty = 0.6 + 0.4 * clamp((personPx - 60) / 240, 0, 1);
    const sigmaBase = noise.pixelNoisePx * sizeFactor;

    const keypoints: Keypoint[] = new Array<Keypoint>(J);
    let reported = 0;
    for (let j = 0; j < J; j++) {
      const q = i * J + j;
      const f = flags[q]!;
      if ((f & 2) === 0) {
        keypoints[j] = [0, 0, 0];
        continue;
      }
      let conf = CONF_BASE[j]! * smallPenalty;
      let sigma = sigmaBase * SIGMA_REL[j]!;
      if (f & 4) {
        if (rng.next() < noise.occludedDropProb) {
          keypoints[j] = [0, 0, 0];
          continue;
        }
        conf *= 0.35;
        sigma *= 3;
      }
      let miss = noise.missJointProb * (EXTREMITY[j] ? 2 : 1);
      if (faceAway && j <= 2) {
        conf *= 0.4;
        miss = miss + noise.faceAwayMissProb * (1 - miss);
      }
      // Self-occlusion: the far one of a left/right pair is less certain.
      const mirrorDepth = depth[i * J + MIRROR[j]!]!;
      if (depth[q]! > mirrorDepth + 0.1) {
        conf *= 0.75;
        sigma *= 1.4;
      }
      if (miss > 0 && rng.next() < miss) {
        keypoints[j] = [0, 0, 0];
        continue;
      }
      const kp = noisyKeypoint(uv[q * 2]!, uv[q * 2 + 1]!, conf, sigma, sigmaBase, W, H, rng, noise);
      keypoints[j] = kp;
      if (kp[2] > 0) reported++;
    }
    if (reported < noise.minJoints) continue;
    if (noise.swapProb > 0 && rng.next() < noise.swapProb) swapSides(keypoints);
    poses.push({ keypoints });
  }

  // False detections: a plausible person standing where nobody is.
  if (noise.falsePerFrame > 0) {
    const n = poisson(rng, noise.falsePerFrame);
    for (let k = 0; k < n; k++) {
      const pose = falseDetection(view, rng, noise);
      if (pose) poses.push(pose);
    }
  }

  // A detector lists people in no meaningful order.
  for (let a = poses.length - 1; a > 0; a--) {
    const b = Math.floor(rng.next() * (a + 1));
    const tmpPose = poses[a]!;
    poses[a] = poses[b]!;
    poses[b] = tmpPose;
  }
  if (poses.length > MAX_POSES) poses.length = MAX_POSES;
  return poses;
}

/** Whether person p's projected body (limb capsules, trunk, head) covers pixel (u, v). */
function covers(
  p: number,
  u: number,
  v: number,
  uv: Float64Array,
  flags: Float64Array,
  pxPerM: number,
): boolean {
  const b = p * J;
  for (let l = 0; l < LIMBS.length; l++) {
    const limb = LIMBS[l]!;
    const a = limb[0];
    const c = limb[1];
    const thick = limb[2];
    if ((flags[b + a]! & 1) === 0 || (flags[b + c]! & 1) === 0) continue;
    if (
      segmentDist2(u, v, uv[(b + a) * 2]!, uv[(b + a) * 2 + 1]!, uv[(b + c) * 2]!, uv[(b + c) * 2 + 1]!) <
      (thick * pxPerM) ** 2
    ) {
      return true;
    }
  }
  // Trunk: from mid-shoulders to mid-hips, as wide as the shoulders.
  if ((flags[b + 5]! & flags[b + 6]! & flags[b + 11]! & flags[b + 12]! & 1) === 1) {
    const sx = (uv[(b + 5) * 2]! + uv[(b + 6) * 2]!) / 2;
    const sy = (uv[(b + 5) * 2 + 1]! + uv[(b + 6) * 2 + 1]!) / 2;
    const hx = (uv[(b + 11) * 2]! + uv[(b + 12) * 2]!) / 2;
    const hy = (uv[(b + 11) * 2 + 1]! + uv[(b + 12) * 2 + 1]!) / 2;
    if (segmentDist2(u, v, sx, sy, hx, hy) < (0.16 * pxPerM) ** 2) return true;
  }
  // Head: around the ears' midpoint.
  if ((flags[b + 3]! & flags[b + 4]! & 1) === 1) {
    const hx = (uv[(b + 3) * 2]! + uv[(b + 4) * 2]!) / 2;
    const hy = (uv[(b + 3) * 2 + 1]! + uv[(b + 4) * 2 + 1]!) / 2;
    if ((u - hx) ** 2 + (v - hy) ** 2 < (0.11 * pxPerM) ** 2) return true;
  }
  return false;
}

function segmentDist2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let s = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  s = s < 0 ? 0 : s > 1 ? 1 : s;
  const ex = ax + s * dx - px;
  const ey = ay + s * dy - py;
  return ex * ex + ey * ey;
}

/** A detected keypoint: noisy pixel, detector-like confidence; [0,0,0] when it falls off the image. */
function noisyKeypoint(
  u: number,
  v: number,
  conf: number,
  sigma: number,
  sigmaBase: number,
  W: number,
  H: number,
  rng: Rng,
  noise: CameraNoise,
): Keypoint {
  let c = conf;
  if (noise.pixelNoisePx > 0) {
    c += rng.normal(0, 0.05);
    c = clamp(c, 0.05, 0.99);
    // Less certain joints are placed worse.
    const s = sigma * (1.6 - 0.6 * c);
    u += rng.normal(0, s);
    v += rng.normal(0, s);
  }
  if (noise.outlierProb > 0 && rng.next() < noise.outlierProb) {
    const s = 8 * sigmaBase + 15;
    u += rng.normal(0, s);
    v += rng.normal(0, s);
  }
  // A tenth of a pixel and a hundredth of confidence is finer than any detector: it keeps recordings small.
  u = Math.round(u * 10) / 10;
  v = Math.round(v * 10) / 10;
  if (!(u >= 0 && u < W && v >= 0 && v < H)) return [0, 0, 0];
  return [u, v, Math.round(clamp(c, 0.01, 1) * 100) / 100];
}

function swapSides(keypoints: Keypoint[]): void {
  for (let j = 1; j < J; j += 2) {
    const a = keypoints[j]!;
    keypoints[j] = keypoints[j + 1]!;
    keypoints[j + 1] = a;
  }
}

/** A random plausible person somewhere on the floor in this camera's view, seen with low confidence. */
function falseDetection(view: CameraView, rng: Rng, noise: CameraNoise): Pose | null {
  const m = view.model;
  undistortInto(m, rng.next() * m.width, rng.next() * m.height, tmp);
  rayDirectionInto(m, tmp[0]!, tmp[1]!, ray);
  const c = m.centre;
  if (!(ray[2]! < -0.05)) return null; // the ray never reaches the floor
  const s = -c[2]! / ray[2]!;
  if (!(s > 0.3 && s < 20)) return null;
  const heading = rng.next() * 2 * Math.PI;
  const height = 1.5 + 0.45 * rng.next();
  const walking = rng.next() < 0.5;
  skeletonInto(
    {
      position: [c[0]! + s * ray[0]!, c[1]! + s * ray[1]!],
      heading,
      height,
      walkPhase: rng.next() * 2 * Math.PI,
      walking,
    },
    fakeSkeleton,
    0,
  );
  // Half of them are fragments: a torso and arms, or legs, as from a mirror or a poster.
  const part = rng.next();
  const keep = part < 0.5 ? 0x1ffff : part < 0.75 ? 0x007ff : 0x1f800;
  const conf = 0.25 + 0.4 * rng.next();
  const zc =
    m.R[6]! * fakeSkeleton[33]! + m.R[7]! * fakeSkeleton[34]! + m.R[8]! * fakeSkeleton[35]! + m.t[2]!;
  const sigmaBase =
    Math.max(noise.pixelNoisePx, 1) * clamp((1.7 * view.focal) / Math.max(zc, NEAR) / 400, 0.5, 2.5);
  const fakeNoise: CameraNoise = { ...noise, pixelNoisePx: Math.max(noise.pixelNoisePx, 1) };
  const keypoints: Keypoint[] = new Array<Keypoint>(J);
  let reported = 0;
  for (let j = 0; j < J; j++) {
    if (
      (keep & (1 << j)) === 0 ||
      !projectInto(m, fakeSkeleton[j * 3]!, fakeSkeleton[j * 3 + 1]!, fakeSkeleton[j * 3 + 2]!, tmp)
    ) {
      keypoints[j] = [0, 0, 0];
      continue;
    }
    const kp = noisyKeypoint(
      tmp[0]!,
      tmp[1]!,
      conf * CONF_BASE[j]!,
      sigmaBase * 2,
      sigmaBase,
      m.width,
      m.height,
      rng,
      fakeNoise,
    );
    keypoints[j] = kp;
    if (kp[2] > 0) reported++;
  }
  return reported >= Math.max(3, noise.minJoints) ? { keypoints } : null;
}

/** Knuth's Poisson sampler; fine for the small means used here. */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit && k < 1000) {
    k++;
    p *= rng.next();
  }
  return k;
}

const PROBABILITIES: readonly (keyof CameraNoise)[] = [
  'missJointProb',
  'missPersonProb',
  'occludedDropProb',
  'dropFrameProb',
  'swapProb',
  'outlierProb',
  'faceAwayMissProb',
];

/** Fills in defaults and checks every field, naming the one that is wrong. */
export function resolveNoise(noise: Partial<CameraNoise>): CameraNoise {
  const out: CameraNoise = { ...DEFAULT_CAMERA_NOISE, ...noise };
  for (const key of Object.keys(DEFAULT_CAMERA_NOISE) as (keyof CameraNoise)[]) {
    const v = out[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || (key !== 'clockSeed' && v < 0)) {
      throw new RangeError(
        `noise.${key}: expected a finite number${key === 'clockSeed' ? '' : ' ≥ 0'}, got ${show(v)}`,
      );
    }
    if (PROBABILITIES.includes(key) && v > 1)
      throw new RangeError(`noise.${key}: expected a probability in [0, 1], got ${v}`);
  }
  if (out.falsePerFrame > 50)
    throw new RangeError(`noise.falsePerFrame: expected a mean ≤ 50, got ${out.falsePerFrame}`);
  if (out.clockOffsetMs > 10_000)
    throw new RangeError(`noise.clockOffsetMs: expected ≤ 10000 ms, got ${out.clockOffsetMs}`);
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** A short, never-throwing rendering of a bad value for an error message. */
function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value);
  }
  try {
    const text = JSON.stringify(value);
    return text === undefined ? typeof value : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return typeof value;
  }
}
