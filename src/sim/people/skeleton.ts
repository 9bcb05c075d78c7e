/**
 * 3D COCO-17 skeletons of simulated shoppers: proportions scaled by height, a walking gait,
 * reaching to a point (two-bone inverse kinematics with the trunk bending and twisting to help)
 * and leaning on a shelf.
 *
 * Every limb is built from fixed-length segments, so bone lengths never change with the pose: a
 * tracker that assumes rigid bones is not helped or hurt by the simulator. Pure and allocation-free
 * on the hot path (`skeletonInto` writes into a caller buffer).
 */
import { COCO_JOINTS, type JointName } from '../../protocol/ids.js';
import { FLAT_SKELETON_SIZE, type BodyState, type Skeleton, type Vec3 } from './types.js';

/** Segment lengths and offsets of a body of a given height (metres). */
export interface BodyDimensions {
  height: number;
  /** Height of the ankle joint above the floor when standing. */
  ankleHeight: number;
  thigh: number;
  shank: number;
  upperArm: number;
  forearm: number;
  /** Half the distance between the two COCO hip points. */
  hipHalfWidth: number;
  /** Half the distance between the two COCO shoulder points. */
  shoulderHalfWidth: number;
  /** Shoulder height above the pelvis centre (upright). */
  shoulderRise: number;
}

// Fractions of standing height, after Drillis & Contini's segment table, with the hip and shoulder
// widths moved to where COCO annotators put those keypoints (inside the body outline).
const F_ANKLE = 0.039;
const F_THIGH = 0.245;
const F_SHANK = 0.246;
const F_UPPER_ARM = 0.186;
const F_FOREARM = 0.146;
const F_HIP_HALF = 0.085;
const F_SHOULDER_HALF = 0.11;
const F_PELVIS = F_ANKLE + F_THIGH + F_SHANK; // 0.53
const F_SHOULDER = 0.818;
// Face points relative to the pelvis centre: [forward, left, up] as fractions of height.
const FACE: readonly (readonly [number, number, number])[] = [
  [0.057, 0, 0.92 - F_PELVIS], // nose
  [0.046, 0.018, 0.936 - F_PELVIS], // left eye
  [0.046, -0.018, 0.936 - F_PELVIS], // right eye
  [0.0, 0.043, 0.928 - F_PELVIS], // left ear
  [0.0, -0.043, 0.928 - F_PELVIS], // right ear
];

/** Gait amplitudes, radians. */
const HIP_SWING = 0.36;
const KNEE_STANCE = 0.06;
const KNEE_SWING = 0.8;
const ARM_SWING = 0.3;
const ELBOW_REST = 0.2;
const ARM_ABDUCTION = 0.1;

const DEFAULT_HEIGHT = 1.75;

/** Segment lengths for a body of this height. */
export function bodyDimensions(height = DEFAULT_HEIGHT): BodyDimensions {
  checkHeight(height, 'height');
  return {
    height,
    ankleHeight: F_ANKLE * height,
    thigh: F_THIGH * height,
    shank: F_SHANK * height,
    upperArm: F_UPPER_ARM * height,
    forearm: F_FOREARM * height,
    hipHalfWidth: F_HIP_HALF * height,
    shoulderHalfWidth: F_SHOULDER_HALF * height,
    shoulderRise: (F_SHOULDER - F_PELVIS) * height,
  };
}

/**
 * Floor distance covered by one gait cycle (2π of `walkPhase`) for this height, so that feet do
 * not slide: advance `walkPhase` by `2π · distance / strideLength(height)`.
 */
export function strideLength(height = DEFAULT_HEIGHT): number {
  checkHeight(height, 'height');
  // Two steps; each step spans the feet at ± the hip swing.
  return 4 * (F_THIGH + F_SHANK) * height * Math.sin(HIP_SWING);
}

/** COCO index of each joint name. */
export const JOINT_INDEX: Readonly<Record<JointName, number>> = Object.fromEntries(
  COCO_JOINTS.map((name, i) => [name, i]),
) as Record<JointName, number>;

/** The rigid bones of the skeleton (COCO indices): their lengths never change with the pose. */
export const RIGID_BONES: readonly (readonly [number, number])[] = [
  [5, 7], // left upper arm
  [7, 9], // left forearm
  [6, 8],
  [8, 10],
  [11, 13], // left thigh
  [13, 15], // left shank
  [12, 14],
  [14, 16],
  [5, 6], // shoulders
  [11, 12], // hips
  [0, 5], // head and trunk move as one
  [0, 3],
  [1, 2],
];

// Scratch state, reused between calls (the simulator is single-threaded).
const sh = new Float64Array(3);
const el = new Float64Array(3);
const wr = new Float64Array(3);
const goal = new Float64Array(3);

/** Where a body's trunk frame sits: pelvis centre, heading axes, twist and lean. */
interface Frame {
  px: number;
  py: number;
  pz: number;
  fx: number; // heading forward (unit, on the floor)
  fy: number;
  ct: number; // cos/sin of the trunk twist
  st: number;
  cl: number; // cos/sin of the lean
  sl: number;
}
const frame: Frame = { px: 0, py: 0, pz: 0, fx: 1, fy: 0, ct: 1, st: 0, cl: 1, sl: 0 };

/** Writes the store-frame position of trunk-local point (forward f, left l, up u) into out[o..o+2]. */
function placeTrunk(fr: Frame, f: number, l: number, u: number, out: Float64Array, o: number): void {
  const f1 = f * fr.ct - l * fr.st; // twist about the trunk axis
  const l1 = f * fr.st + l * fr.ct;
  const f2 = f1 * fr.cl + u * fr.sl; // then bend forward at the hips
  const u2 = u * fr.cl - f1 * fr.sl;
  out[o] = fr.px + f2 * fr.fx - l1 * fr.fy;
  out[o + 1] = fr.py + f2 * fr.fy + l1 * fr.fx;
  out[o + 2] = fr.pz + u2;
}

function setFrame(
  fr: Frame,
  px: number,
  py: number,
  pz: number,
  heading: number,
  twist: number,
  lean: number,
): void {
  fr.px = px;
  fr.py = py;
  fr.pz = pz;
  fr.fx = Math.cos(heading);
  fr.fy = Math.sin(heading);
  fr.ct = Math.cos(twist);
  fr.st = Math.sin(twist);
  fr.cl = Math.cos(lean);
  fr.sl = Math.sin(lean);
}

/**
 * Rest arm (hanging, swinging with the gait) from shoulder s: writes elbow and wrist. `side` is +1
 * for left, −1 for right; the arm hangs along gravity in the twisted trunk's heading.
 */
function restArm(
  fr: Frame,
  d: BodyDimensions,
  side: number,
  swing: number,
  elbowFlex: number,
  s: Float64Array,
  e: Float64Array,
  w: Float64Array,
): void {
  // Twisted forward (ax, ay) and outward (ox, oy) on the floor.
  const ax = fr.fx * fr.ct - fr.fy * fr.st;
  const ay = fr.fy * fr.ct + fr.fx * fr.st;
  const ox = -ay * side;
  const oy = ax * side;
  const cb = Math.cos(ARM_ABDUCTION);
  const sb = Math.sin(ARM_ABDUCTION);
  let fwd = cb * Math.sin(swing);
  let down = cb * Math.cos(swing);
  e[0] = s[0]! + d.upperArm * (fwd * ax + sb * ox);
  e[1] = s[1]! + d.upperArm * (fwd * ay + sb * oy);
  e[2] = s[2]! - d.upperArm * down;
  fwd = cb * Math.sin(swing + elbowFlex);
  down = cb * Math.cos(swing + elbowFlex);
  w[0] = e[0]! + d.forearm * (fwd * ax + sb * ox);
  w[1] = e[1]! + d.forearm * (fwd * ay + sb * oy);
  w[2] = e[2]! - d.forearm * down;
}

/**
 * Two-bone inverse kinematics: places elbow e and wrist w for shoulder s reaching toward g, with
 * the elbow bent toward `pole` (any vector not along s→g). When g is out of reach the arm points
 * straight at it.
 */
function solveArm(
  s: Float64Array,
  g: Float64Array,
  pole: Vec3,
  upper: number,
  fore: number,
  e: Float64Array,
  w: Float64Array,
): void {
  let ux = g[0]! - s[0]!;
  let uy = g[1]! - s[1]!;
  let uz = g[2]! - s[2]!;
  let dist = Math.hypot(ux, uy, uz);
  if (dist < 1e-9) {
    ux = 0;
    uy = 0;
    uz = -1;
    dist = 1e-9;
  } else {
    ux /= dist;
    uy /= dist;
    uz /= dist;
  }
  const reach = Math.min(Math.max(dist, Math.abs(upper - fore) + 1e-6), upper + fore);
  const along = (upper * upper - fore * fore + reach * reach) / (2 * reach);
  const across = Math.sqrt(Math.max(0, upper * upper - along * along));
  // Pole direction, made perpendicular to the arm axis.
  let dot = pole[0] * ux + pole[1] * uy + pole[2] * uz;
  let px = pole[0] - dot * ux;
  let py = pole[1] - dot * uy;
  let pz = pole[2] - dot * uz;
  let pn = Math.hypot(px, py, pz);
  if (pn < 1e-9) {
    // Pole along the arm: bend downward, or sideways when the arm itself is vertical.
    const alt: Vec3 = Math.abs(uz) > 0.9 ? [1, 0, 0] : [0, 0, -1];
    dot = alt[0] * ux + alt[1] * uy + alt[2] * uz;
    px = alt[0] - dot * ux;
    py = alt[1] - dot * uy;
    pz = alt[2] - dot * uz;
    pn = Math.hypot(px, py, pz);
  }
  px /= pn;
  py /= pn;
  pz /= pn;
  e[0] = s[0]! + along * ux + across * px;
  e[1] = s[1]! + along * uy + across * py;
  e[2] = s[2]! + along * uz + across * pz;
  w[0] = s[0]! + reach * ux;
  w[1] = s[1]! + reach * uy;
  w[2] = s[2]! + reach * uz;
}

const probe = new Float64Array(3);
const probeFrame: Frame = { ...frame };
const probeLegs = new Float64Array(8);
const legs = new Float64Array(8);
const LEAN_STEPS = 18;
const MAX_REACH_LEAN = 0.9;
const CROUCH_STEPS = 13;
const MAX_CROUCH = 1.3;

/**
 * Leg geometry for the gait and a crouch (radians of thigh flexion, knees bending twice as much so
 * the feet stay under the hips). Writes [kneeF, kneeD, ankleF, ankleD] for left then right, as
 * forward and downward offsets from the hip point.
 */
function legGeometry(
  d: BodyDimensions,
  gait: number,
  phase: number,
  crouch: number,
  out: Float64Array,
): void {
  for (let s = 0; s < 2; s++) {
    const ph = phase + (s === 0 ? 0 : Math.PI);
    // Knee bent in swing (while the thigh moves forward), nearly straight in stance.
    const thigh = gait * HIP_SWING * Math.sin(ph) + crouch;
    const swing = Math.max(0, Math.cos(ph));
    const knee = KNEE_STANCE + gait * KNEE_SWING * swing * swing + 2 * crouch;
    const kneeF = d.thigh * Math.sin(thigh);
    const kneeD = d.thigh * Math.cos(thigh);
    out[s * 4] = kneeF;
    out[s * 4 + 1] = kneeD;
    out[s * 4 + 2] = kneeF + d.shank * Math.sin(thigh - knee);
    out[s * 4 + 3] = kneeD + d.shank * Math.cos(thigh - knee);
  }
}

/** Pelvis height for leg geometry `g`: the lower foot stands on the floor (the gait's natural bob). */
function pelvisHeight(d: BodyDimensions, g: Float64Array): number {
  return d.ankleHeight + Math.max(g[3]!, g[7]!);
}

/** Trunk posture added by a reach at amount 1. */
interface Posture {
  twist: number;
  lean: number;
  crouch: number;
  rise: number;
}

/**
 * The trunk posture that brings the reaching shoulder within arm's length of the target: a twist
 * that brings that shoulder forward and toward the target, then the least crouch and forward bend
 * that make the target reachable (crouching is preferred for low shelves, bending for middle
 * ones), or a rise onto the toes for targets just overhead.
 */
function reachPosture(
  d: BodyDimensions,
  px: number,
  py: number,
  heading: number,
  gait: number,
  phase: number,
  baseTwist: number,
  baseLean: number,
  target: Vec3,
  side: number,
): Posture {
  const toward = Math.atan2(target[1] - py, target[0] - px) - heading;
  const bearing = Math.atan2(Math.sin(toward), Math.cos(toward));
  const twist = clamp(0.5 * bearing - side * 0.2, -0.7, 0.7);
  const arm = 0.97 * (d.upperArm + d.forearm);
  // The head must stay out of the shelf: no further toward the target than 8 cm short of it.
  const gx = target[0] - px;
  const gy = target[1] - py;
  const gn = Math.hypot(gx, gy) || 1;
  const headLimit = gn - 0.08;
  const nose = FACE[0]!;
  let best: Posture = { twist, lean: 0, crouch: 0, rise: 0 };
  let bestCost = Infinity;
  let bestDist = Infinity;
  let bestPz = 0;
  let found = false;
  for (let c = 0; c < CROUCH_STEPS; c++) {
    const crouch = (MAX_CROUCH * c) / (CROUCH_STEPS - 1);
    legGeometry(d, gait, phase, crouch, probeLegs);
    const pz = pelvisHeight(d, probeLegs);
    for (let i = 0; i <= LEAN_STEPS; i++) {
      const extra = (MAX_REACH_LEAN * i) / LEAN_STEPS;
      // Bending is cheaper than crouching for a short way, dearer the deeper it goes.
      const cost = crouch + 1.5 * extra * extra + 0.3 * extra;
      if (cost >= bestCost) continue;
      setFrame(probeFrame, px, py, pz, heading, baseTwist + twist, baseLean + extra);
      placeTrunk(probeFrame, 0, side * d.shoulderHalfWidth, d.shoulderRise, probe, 0);
      const dist = Math.hypot(target[0] - probe[0]!, target[1] - probe[1]!, target[2] - probe[2]!);
      if (dist <= arm) {
        placeTrunk(probeFrame, nose[0] * d.height, nose[1] * d.height, nose[2] * d.height, probe, 0);
        const ahead = ((probe[0]! - px) * gx + (probe[1]! - py) * gy) / gn;
        if (ahead <= headLimit || (extra === 0 && crouch === 0)) {
          found = true;
          bestCost = cost;
          best = { twist, lean: extra, crouch, rise: 0 };
        }
      } else if (!found && dist < bestDist - 1e-9) {
        bestDist = dist;
        best = { twist, lean: extra, crouch, rise: 0 };
        bestPz = pz;
      }
    }
    // Crouching only helps when the target is below the shoulder.
    if (c === 0 && target[2] > probe[2]!) break;
  }
  if (found) return best;
  // Out of reach: rise onto the toes (up to ~8 cm) if that closes the vertical gap.
  setFrame(probeFrame, px, py, bestPz, heading, baseTwist + twist, baseLean + best.lean);
  placeTrunk(probeFrame, 0, side * d.shoulderHalfWidth, d.shoulderRise, probe, 0);
  const horizontal = Math.hypot(target[0] - probe[0]!, target[1] - probe[1]!);
  const dz = target[2] - probe[2]!;
  if (dz > 0 && horizontal < arm) {
    best.rise = clamp(dz - Math.sqrt(arm * arm - horizontal * horizontal), 0, 0.045 * d.height);
  }
  return best;
}

/**
 * Writes the skeleton of `state` into out[offset .. offset+51) as x,y,z per COCO joint.
 * The hot-path form of `skeletonAt`: no allocation per call apart from the reach posture.
 */
export function skeletonInto(state: BodyState, out: Float64Array, offset = 0): void {
  const height = state.height ?? DEFAULT_HEIGHT;
  checkHeight(height, 'state.height');
  const position: unknown = state.position;
  const x = Array.isArray(position) ? (position[0] as number) : NaN;
  const y = Array.isArray(position) ? (position[1] as number) : NaN;
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    throw new RangeError(`state.position: expected two finite numbers (metres), got ${show(state.position)}`);
  }
  if (!Number.isFinite(state.heading))
    throw new RangeError(`state.heading: expected finite radians, got ${state.heading}`);
  if (!Number.isFinite(state.walkPhase)) {
    throw new RangeError(`state.walkPhase: expected finite radians, got ${state.walkPhase}`);
  }
  const baseLean = state.lean ?? 0;
  if (!Number.isFinite(baseLean) || baseLean < -0.5 || baseLean > 1.5) {
    throw new RangeError(`state.lean: expected radians in [-0.5, 1.5], got ${baseLean}`);
  }
  if (out.length < offset + FLAT_SKELETON_SIZE) {
    throw new RangeError(`out: expected room for ${FLAT_SKELETON_SIZE} numbers at offset ${offset}`);
  }
  const d = bodyDimensions(height);
  const gait = state.walking ? 1 : 0;
  const phase = state.walkPhase;
  const ch = Math.cos(state.heading);
  const shh = Math.sin(state.heading);

  // Shoulders counter-rotate a little against the pelvis while walking.
  const walkTwist = gait * 0.06 * Math.sin(phase);
  let twist = walkTwist;
  let lean = baseLean;
  let crouch = 0;
  let rise = 0;
  const reach = state.reach;
  let reachSide = 0;
  let amount = 0;
  if (reach) {
    amount = reach.amount;
    if (!Number.isFinite(amount))
      throw new RangeError(`state.reach.amount: expected a number in [0, 1], got ${amount}`);
    amount = clamp(amount, 0, 1);
    const tg = reach.target;
    if (!Array.isArray(tg) || tg.length !== 3 || !tg.every(Number.isFinite)) {
      throw new RangeError(`state.reach.target: expected [x, y, z] finite metres, got ${show(tg)}`);
    }
    if (reach.side !== 'left' && reach.side !== 'right') {
      throw new RangeError(`state.reach.side: expected "left" or "right", got ${show(reach.side)}`);
    }
    reachSide = reach.side === 'left' ? 1 : -1;
    if (amount > 0) {
      const posture = reachPosture(d, x, y, state.heading, gait, phase, walkTwist, baseLean, tg, reachSide);
      twist += amount * posture.twist;
      lean += amount * posture.lean;
      crouch = amount * posture.crouch;
      rise = amount * posture.rise;
    }
  }
  legGeometry(d, gait, phase, crouch, legs);
  const pz = pelvisHeight(d, legs) + rise;

  // Legs hang from hip points on the (untwisted) pelvis, in the heading's vertical plane.
  const lx = -shh; // left axis
  const ly = ch;
  for (let s = 0; s < 2; s++) {
    const side = s === 0 ? 1 : -1;
    const hx = x + side * d.hipHalfWidth * lx;
    const hy = y + side * d.hipHalfWidth * ly;
    const o = offset + (11 + s) * 3;
    const kneeF = legs[s * 4]!;
    const ankF = legs[s * 4 + 2]!;
    out[o] = hx;
    out[o + 1] = hy;
    out[o + 2] = pz;
    out[o + 6] = hx + kneeF * ch; // knee: two joints after the hip
    out[o + 7] = hy + kneeF * shh;
    out[o + 8] = pz - legs[s * 4 + 1]!;
    out[o + 12] = hx + ankF * ch; // ankle
    out[o + 13] = hy + ankF * shh;
    out[o + 14] = pz - legs[s * 4 + 3]!;
  }

  // Trunk and head move as one rigid piece.
  setFrame(frame, x, y, pz, state.heading, twist, lean);
  for (let j = 0; j < 5; j++) {
    const p = FACE[j]!;
    placeTrunk(frame, p[0] * height, p[1] * height, p[2] * height, out, offset + j * 3);
  }
  placeTrunk(frame, 0, d.shoulderHalfWidth, d.shoulderRise, out, offset + 15);
  placeTrunk(frame, 0, -d.shoulderHalfWidth, d.shoulderRise, out, offset + 18);

  // Arms: rest pose from the gait; the reaching arm blends to the target by inverse kinematics.
  for (let s = 0; s < 2; s++) {
    const side = s === 0 ? 1 : -1;
    const ph = phase + (s === 0 ? 0 : Math.PI);
    const swing = -gait * ARM_SWING * Math.sin(ph);
    // Crouched or bent over, the free hand comes up toward the knee instead of hanging to the floor.
    const elbowFlex =
      ELBOW_REST + gait * 0.3 * Math.max(0, swing / ARM_SWING) + 0.9 * crouch + 0.6 * Math.max(0, lean);
    const so = offset + (5 + s) * 3;
    sh[0] = out[so]!;
    sh[1] = out[so + 1]!;
    sh[2] = out[so + 2]!;
    restArm(frame, d, side, swing, elbowFlex, sh, el, wr);
    // Crouched low, a hanging arm would go through the floor: bring it forward onto the knee instead.
    for (let lift = 1; lift <= 5 && Math.min(el[2]!, wr[2]!) < 0.03; lift++) {
      restArm(frame, d, side, swing + 0.3 * lift, elbowFlex, sh, el, wr);
    }
    if (reach && side === reachSide && amount > 0) {
      const tg = reach.target;
      goal[0] = wr[0]! + amount * (tg[0] - wr[0]!);
      goal[1] = wr[1]! + amount * (tg[1] - wr[1]!);
      goal[2] = wr[2]! + amount * (tg[2] - wr[2]!);
      const pole = blendPole(frame, side, amount, sh, el, wr);
      solveArm(sh, goal, pole, d.upperArm, d.forearm, el, wr);
    }
    const eo = offset + (7 + s) * 3;
    out[eo] = el[0]!;
    out[eo + 1] = el[1]!;
    out[eo + 2] = el[2]!;
    const wo = offset + (9 + s) * 3;
    out[wo] = wr[0]!;
    out[wo + 1] = wr[1]!;
    out[wo + 2] = wr[2]!;
  }
}

/**
 * Elbow pole for a reach: at amount 0 the rest arm's own bend (so the pose is continuous), at 1
 * "down and outward, a little back", the way a hand reaches into a shelf.
 */
function blendPole(
  fr: Frame,
  side: number,
  amount: number,
  s: Float64Array,
  e: Float64Array,
  w: Float64Array,
): Vec3 {
  let ux = w[0]! - s[0]!;
  let uy = w[1]! - s[1]!;
  let uz = w[2]! - s[2]!;
  const n = Math.hypot(ux, uy, uz) || 1;
  ux /= n;
  uy /= n;
  uz /= n;
  const ex = e[0]! - s[0]!;
  const ey = e[1]! - s[1]!;
  const ez = e[2]! - s[2]!;
  const dot = ex * ux + ey * uy + ez * uz;
  let rx = ex - dot * ux;
  let ry = ey - dot * uy;
  let rz = ez - dot * uz;
  const rn = Math.hypot(rx, ry, rz) || 1;
  rx /= rn;
  ry /= rn;
  rz /= rn;
  const ax = fr.fx * fr.ct - fr.fy * fr.st;
  const ay = fr.fy * fr.ct + fr.fx * fr.st;
  const ox = -ay * side;
  const oy = ax * side;
  const qx = 0.7 * ox - 0.2 * ax;
  const qy = 0.7 * oy - 0.2 * ay;
  const qz = -1;
  const qn = Math.hypot(qx, qy, qz);
  return [
    (1 - amount) * rx + (amount * qx) / qn,
    (1 - amount) * ry + (amount * qy) / qn,
    (1 - amount) * rz + (amount * qz) / qn,
  ];
}

/** The 3D COCO-17 skeleton of a person in this body state (store frame, metres). */
export function skeletonAt(state: BodyState): Skeleton {
  const flat = new Float64Array(FLAT_SKELETON_SIZE);
  skeletonInto(state, flat, 0);
  return flatToSkeleton(flat, 0);
}

/** Converts a flat skeleton (17 × xyz, COCO order) into a joint record. */
export function flatToSkeleton(flat: ArrayLike<number>, offset = 0): Skeleton {
  const out = {} as Skeleton;
  for (let j = 0; j < COCO_JOINTS.length; j++) {
    const o = offset + j * 3;
    out[COCO_JOINTS[j]!] = [flat[o]!, flat[o + 1]!, flat[o + 2]!];
  }
  return out;
}

/**
 * Where to stand to reach `target` (e.g. a plate's front-face centre) on a shelf whose `facing`
 * points to the aisle: a floor point in front of it and a heading toward the shelf. Closer for
 * high targets, so that a short shopper still gets there on tiptoe.
 */
export function reachStance(
  target: Vec3,
  facing: Vec3,
  height = DEFAULT_HEIGHT,
): { position: [number, number]; heading: number } {
  checkHeight(height, 'height');
  const fn = Math.hypot(facing[0], facing[1]);
  if (!(fn > 1e-6))
    throw new RangeError('facing: expected a vector with a horizontal part (toward the aisle)');
  const fx = facing[0] / fn;
  const fy = facing[1] / fn;
  const d = bodyDimensions(height);
  const shoulderZ = d.ankleHeight + d.thigh + d.shank + d.shoulderRise;
  const arm = 0.9 * (d.upperArm + d.forearm);
  const dz = Math.abs(target[2] - shoulderZ);
  const room = dz < arm ? Math.sqrt(arm * arm - dz * dz) : 0;
  // The chest needs ~0.15 m from the shelf front; never stand further than 0.25·height. Below the
  // hips the shopper crouches and bends, which brings the shoulders forward: stand back for it.
  const low = target[2] < d.ankleHeight + d.thigh + d.shank;
  const distance = low ? 0.2 * height : clamp(room, 0.15 * (height / DEFAULT_HEIGHT) + 0.02, 0.25 * height);
  return { position: [target[0] + fx * distance, target[1] + fy * distance], heading: Math.atan2(-fy, -fx) };
}

function checkHeight(height: number, field: string): void {
  if (!Number.isFinite(height) || height < 1 || height > 2.3) {
    throw new RangeError(`${field}: expected a standing height in metres within [1, 2.3], got ${height}`);
  }
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
