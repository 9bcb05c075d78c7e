/**
 * The vision stage of the engine: 2D camera poses (and external 3D trackers) in, 3D tracked people
 * out. `createVision(store)` returns one stateful but pure object: no clock, no I/O, no randomness;
 * the same inputs in the same order give the same frames byte for byte.
 *
 * Flow per instant: camera frames within `syncWindowMs` of each other form an instant (cameras are
 * not in sync and frames drop) → PoseObservations → association (tracks claim poses, geometry groups
 * the rest) → robust triangulation per joint, skeleton check → PersonCandidates → `stepTracks`.
 * Frames are emitted `frameLagMs` behind the watermark so that a track confirmed after a few hits
 * is reported from its first instant on.
 */
import { COCO_JOINTS } from '../../protocol/ids.js';
import { StatureEstimate, statureOf } from './stature.js';
import { distanceToPolygon } from '../geometry.js';

/** A single sighting's stature may differ this much (m) from a lost track's and still be that person. */
const STATURE_REVIVE_M = 0.2;
/** Metres of matching distance per metre of stature difference (a tall and a short person crossing). */
const STATURE_WEIGHT = 4;
/** Sightings before a track's stature is trusted for matching. */
const STATURE_MATCH_SAMPLES = 10;
import type { CameraPoses, TrackerPeople } from '../../protocol/messages.js';
import type { PeopleFrame } from '../../protocol/results.js';
import type { Box, StoreDefinition } from '../../protocol/store.js';
import { compileCamera, projectInto, type CameraModel, type Vec3 } from './camera.js';
import {
  associate,
  DEFAULT_ASSOCIATION,
  makeObservation,
  type AssociationOptions,
  type PoseGroup,
  type PoseObservation,
  type TrackPrior,
} from './associate.js';
import {
  checkSkeleton,
  DEFAULT_TRIANGULATION,
  triangulatePlain,
  triangulateRobust,
  ViewSet,
  type TriangulationOptions,
} from './triangulate.js';
import {
  createTrackerState,
  predictJoints,
  stepTracks,
  torsoCentre,
  type PersonCandidate,
  type Track,
  type TrackerState,
  type TrackingOptions,
} from './tracks.js';

/** Tunables of the vision stage; every one has a default. */
export interface VisionOptions {
  /**
   * 'full' (default): tracks help association, robust triangulation, single-view joints placed
   * against the track's prediction, skeleton check. 'naive': the baseline: geometry-only
   * association, plain weighted DLT, no single-view joints, no hold of missing joints.
   */
  mode: 'full' | 'naive';
  /**
   * Cameras that must agree on a person, of those that have the spot in view (fewer where fewer
   * cameras look). Default 3: two cameras' rays of two different people cross somewhere by chance,
   * and a track must not live on one camera's rays alone where others look too.
   */
  minViews: number;
  /** The same for poses a live track claimed (it vouches for them). Default 2. */
  minViewsTracked: number;
  /** Keypoints below this confidence are ignored. Default 0.1. */
  minConfidence: number;
  /**
   * Camera frames whose times differ by at most this form one instant (ms). Default: half the frame
   * period of the fastest camera. Too large puts two frames of one camera in reach (the later one
   * waits for the next instant); too small splits an instant's views.
   */
  syncWindowMs: number | null;
  /**
   * Frames are emitted this long behind the watermark (ms), so tracks confirmed within it are
   * reported from birth. Default 300. 0 emits at once, and a new person then shows only once confirmed.
   */
  frameLagMs: number;
  /** A track unseen for up to this long still appears in frames at its last place (ms). Default 200. */
  coastMs: number;
  /** A joint not placed for up to this long keeps its last place in frames (ms). Default 400. */
  jointHoldMs: number;
  /**
   * A joint seen by one camera only is placed on its ray, at the point nearest the track's prediction,
   * when that point is within this distance of it (m). Default 0.15.
   */
  singleViewMaxM: number;
  /**
   * Failing that, a joint seen by one camera is placed where its ray crosses the predicted joint's
   * height, if that is within this distance of the prediction on the floor (m). Default 0 (off): on the
   * simulator it kept more tracks alive but added as many false ones; 0.5 is a reasonable trial value.
   */
  singleViewJumpM: number;
  /**
   * An elbow or knee whose distances to its neighbours miss the person's bone lengths by more than
   * this in sum (m) is re-placed from the bone lengths along one of its rays. Default 0.08.
   */
  boneToleranceM: number;
  /**
   * Weight w of each neighbouring instant in the [w, 1−2w, w] smoothing of emitted joints. Default
   * 0.15; 0 turns smoothing off. Wrist history for `handsNear` stays unsmoothed.
   */
  smoothing: number;
  /** How long wrist history is kept for `handsNear` (ms). Default 120000. */
  historyMs: number;
  association: AssociationOptions;
  triangulation: TriangulationOptions;
  tracking: Partial<TrackingOptions>;
}

export const DEFAULT_VISION: VisionOptions = {
  mode: 'full',
  minViews: 3,
  minViewsTracked: 2,
  minConfidence: 0.1,
  syncWindowMs: null,
  frameLagMs: 300,
  coastMs: 200,
  jointHoldMs: 400,
  singleViewMaxM: 0.15,
  singleViewJumpM: 0,
  boneToleranceM: 0.08,
  smoothing: 0.15,
  historyMs: 120_000,
  association: DEFAULT_ASSOCIATION,
  triangulation: DEFAULT_TRIANGULATION,
  tracking: {},
};

/** A track as the rest of the engine sees it. */
export interface TrackView {
  id: string;
  confirmed: boolean;
  /** Torso centre at the last sighting (m). */
  position: Vec3;
  /** Centre velocity (m/s; z is 0). */
  velocity: Vec3;
  leftWrist: Vec3 | null;
  rightWrist: Vec3 | null;
  /** Stature from bone lengths over the track's life (m), or null before enough sightings. */
  stature: number | null;
  /** The same over the last couple of seconds: a track that jumped to another person shows it here. */
  recentStature: number | null;
  /** How much one sighting's stature scatters on this track (m, robust sd), or null before enough. */
  statureSpread: number | null;
  bornAt: number;
  bornPlace: Vec3;
  lastSeenAt: number;
  hits: number;
}

/** How near one track's hands came to a plate during a window. */
export interface HandsNear {
  trackId: string;
  /** Smallest distance of either wrist to the plate's front face (0 when inside the box) (m). */
  minDistanceM: number;
  /** When that happened (ms). */
  atT: number;
  wrist: 'left' | 'right';
  /** Where the wrist was then (m). */
  point: Vec3;
  /** Wrist samples of this track in the window. */
  samples: number;
  /**
   * Distance (m) the nearer wrist stayed within for a moment (`HELD_MS`): a hand that only brushed
   * past, or one noisy sample, does not come near by it. The largest distance seen when the window
   * holds too few samples to tell.
   */
  heldDistanceM: number;
}

/** How long a wrist has to stay near a plate to count as held there (ms), and the least span that tells. */
const HELD_MS = 250;
const HELD_MIN_SPAN_MS = 150;

/** Counters for diagnostics (returned, never printed). */
export interface VisionStats {
  instants: number;
  observations: number;
  groups: number;
  candidates: number;
  rejectedCandidates: number;
  unknownCamera: number;
  late: number;
}

/** The vision stage. Inputs must come in event-time order (the engine merges them behind a watermark). */
export interface Vision {
  /** Queues one camera frame of 2D poses; false when the camera is unknown or the frame is late. */
  ingestPoses(cameraId: string, payload: CameraPoses): boolean;
  /** Queues 3D people from an external tracker; false when the message is late. */
  ingestTrackerPeople(trackerId: string, payload: TrackerPeople): boolean;
  /**
   * Processes every instant complete before `watermark` (all its camera frames are in) and returns
   * the frames that are now final. `advance(Infinity)` flushes everything (end of a recording).
   */
  advance(watermark: number): { frames: PeopleFrame[] };
  /** The live tracks (confirmed ones unless asked otherwise). */
  tracks(opts?: { includeTentative?: boolean }): TrackView[];
  /**
   * How near each confirmed track's wrists came to a plate's front face (the face of `box` toward
   * `facing`) between t0 and t1 (ms, inclusive), closest first. Tracks without wrist samples in the
   * window are left out.
   */
  handsNear(box: Box, facing: readonly [number, number, number], t0: number, t1: number): HandsNear[];
  stats(): VisionStats;
}

interface PendingCamera {
  kind: 'camera';
  t: number;
  seq: number;
  camera: number;
  payload: CameraPoses;
}
interface PendingTracker {
  kind: 'tracker';
  t: number;
  seq: number;
  trackerId: string;
  payload: TrackerPeople;
}
type Pending = PendingCamera | PendingTracker;

interface FrameEntry {
  track: Track;
  joints: Float64Array;
  mask: number;
}
interface HeldFrame {
  t: number;
  entries: FrameEntry[];
  /** Entries by track, built when smoothing first needs it. */
  byTrack?: Map<Track, FrameEntry>;
}

/** Wrist samples of one track: 7 numbers each (t, left xyz, right xyz); NaN where not placed. */
interface WristHistory {
  track: Track;
  buf: Float64Array;
  n: number;
}

/** Limb chains [proximal, middle, distal, kind]: kind 0 arm, 1 leg (bones of a kind pooled over sides). */
const CHAINS: readonly (readonly [number, number, number, number])[] = [
  [5, 7, 9, 0],
  [6, 8, 10, 0],
  [11, 13, 15, 1],
  [12, 14, 16, 1],
];
/** Typical adult bone lengths (m): upper arm, forearm (to the wrist), thigh, shin. */
const DEFAULT_BONES = [0.28, 0.25, 0.42, 0.42];

const JOINT_INDEX = new Map<string, number>(COCO_JOINTS.map((name, i) => [name, i]));
const LW = 9;
const RW = 10;

/** Builds the vision stage for a store (its cameras). */
export function createVision(store: StoreDefinition, options: Partial<VisionOptions> = {}): Vision {
  const o: VisionOptions = { ...DEFAULT_VISION, ...options };
  if (!(o.minConfidence >= 0 && o.minConfidence <= 1))
    throw new Error(`vision.minConfidence must be in [0, 1], got ${o.minConfidence}`);
  if (!(o.frameLagMs >= 0)) throw new Error(`vision.frameLagMs must be ≥ 0 ms, got ${o.frameLagMs}`);
  const naive = o.mode === 'naive';
  const models: CameraModel[] = store.cameras.map((c) => compileCamera(c));
  const cameraIndex = new Map<string, number>(models.map((m, i) => [m.id, i]));
  const maxFps = models.reduce((m, c) => Math.max(m, c.fps), 0);
  const syncWindowMs = o.syncWindowMs ?? (maxFps > 0 ? 500 / maxFps : 20);
  if (!(syncWindowMs >= 0)) throw new Error(`vision.syncWindowMs must be ≥ 0 ms, got ${syncWindowMs}`);
  const tracker: TrackerState = createTrackerState(o.tracking);

  let pending: Pending[] = [];
  let seq = 0;
  let processedUpTo = -Infinity; // event time of the last processed instant
  const held: HeldFrame[] = [];
  let lastEmitted: HeldFrame | null = null;
  const smoothW = naive ? 0 : o.smoothing;
  if (!(smoothW >= 0 && smoothW < 0.5))
    throw new Error(`vision.smoothing must be in [0, 0.5), got ${o.smoothing}`);
  const history = new Map<string, WristHistory>();
  const stats: VisionStats = {
    instants: 0,
    observations: 0,
    groups: 0,
    candidates: 0,
    rejectedCandidates: 0,
    unknownCamera: 0,
    late: 0,
  };

  const views = new ViewSet(Math.max(2, models.length));
  const usedViews = new Int32Array(17);
  // Observations live for one instant only, so their buffers are pooled across instants.
  const obsPool: PoseObservation[] = [];
  const boneLengths = new Map<string, Float64Array>();
  const statures = new Map<string, StatureEstimate>();
  const exits = store.zones.filter((z) => z.kind === 'exit').map((z) => z.polygon);
  const entries = store.zones.filter((z) => z.kind === 'entry').map((z) => z.polygon);
  const near = (zones: [number, number][][], p: ArrayLike<number>, m: number) =>
    zones.some((z) => distanceToPolygon([p[0]!, p[1]!], z) <= m);
  const candStature = new WeakMap<PersonCandidate, number | null>();
  const statureOfCand = (cand: PersonCandidate) => {
    let h = candStature.get(cand);
    if (h === undefined) candStature.set(cand, (h = statureOf(cand.joints, cand.mask)));
    return h;
  };
  tracker.matchPenalty = (tr, cand) => {
    const was = statures.get(tr.id)?.value(STATURE_MATCH_SAMPLES);
    const now = statureOfCand(cand);
    if (was === null || was === undefined || now === null) return 0;
    const dh = Math.abs(was - now);
    return dh > STATURE_REVIVE_M ? Infinity : STATURE_WEIGHT * dh;
  };
  tracker.mayRevive = (lost, cand) => {
    // Someone lost at an exit left; someone appearing at the entry came in.
    if (near(exits, lost.centre, 0.8) || near(entries, cand.centre, 0.3)) return false;
    // Bones do not change: a candidate of another stature is another person.
    const was = statures.get(lost.id)?.value();
    const now = statureOfCand(cand);
    return was === null || was === undefined || now === null || Math.abs(was - now) <= STATURE_REVIVE_M;
  };
  const point = new Float64Array(3);
  const pixel = new Float64Array(2);
  const priorBuf: Float64Array[] = [];

  function ingestPoses(cameraId: string, payload: CameraPoses): boolean {
    const camera = cameraIndex.get(cameraId);
    if (camera === undefined) {
      stats.unknownCamera++;
      return false;
    }
    if (payload.t < processedUpTo) {
      stats.late++;
      return false;
    }
    pending.push({ kind: 'camera', t: payload.t, seq: seq++, camera, payload });
    return true;
  }

  function ingestTrackerPeople(trackerId: string, payload: TrackerPeople): boolean {
    if (payload.t < processedUpTo) {
      stats.late++;
      return false;
    }
    pending.push({ kind: 'tracker', t: payload.t, seq: seq++, trackerId, payload });
    return true;
  }

  function advance(watermark: number): { frames: PeopleFrame[] } {
    if (Number.isNaN(watermark)) throw new Error('vision.advance: watermark must be a number (ms), got NaN');
    pending.sort((a, b) => a.t - b.t || a.seq - b.seq);
    let start = 0;
    while (start < pending.length) {
      const first = pending[start]!;
      if (first.kind === 'tracker') {
        if (!(first.t < watermark)) break;
        processTracker(first);
        start++;
        continue;
      }
      const end = first.t + syncWindowMs;
      if (!(end < watermark)) break;
      // One frame per camera: the earliest within the window; a second frame of a camera waits.
      const members: PendingCamera[] = [];
      const taken = new Set<number>();
      const rest: Pending[] = [];
      let k = start;
      for (; k < pending.length && pending[k]!.t <= end; k++) {
        const p = pending[k]!;
        if (p.kind === 'camera' && !taken.has(p.camera)) {
          taken.add(p.camera);
          members.push(p);
        } else rest.push(p);
      }
      processInstant(members);
      // Put back what this instant did not take, in order, just before the unread tail.
      if (rest.length > 0) {
        pending.splice(start, k - start, ...rest);
      } else start = k;
    }
    pending = pending.slice(start);
    return { frames: emit(watermark) };
  }

  function processTracker(p: PendingTracker): void {
    const candidates: PersonCandidate[] = [];
    for (const person of p.payload.people) {
      const joints = new Float64Array(51);
      let mask = 0;
      for (const [name, xyz] of Object.entries(person.joints)) {
        const j = JOINT_INDEX.get(name);
        if (j === undefined || !xyz) continue;
        joints[j * 3] = xyz[0];
        joints[j * 3 + 1] = xyz[1];
        joints[j * 3 + 2] = xyz[2];
        mask |= 1 << j;
      }
      const centre = torsoCentre(joints, mask);
      if (!centre) continue;
      candidates.push({
        t: p.t,
        joints,
        mask,
        centre,
        trackHint: null,
        sourceKey: `${p.trackerId}/${person.id}`,
      });
    }
    finishInstant(p.t, candidates);
  }

  function processInstant(members: PendingCamera[]): void {
    stats.instants++;
    let tSum = 0;
    const observations: PoseObservation[] = [];
    for (const m of members) {
      tSum += m.t;
      const model = models[m.camera]!;
      for (const pose of m.payload.poses) {
        if (pose.keypoints.length !== 17) continue; // the contract's schema rejects these before us
        const obs = makeObservation(
          model,
          m.camera,
          m.t,
          pose.keypoints,
          o.minConfidence,
          4,
          obsPool[observations.length],
        );
        if (obs) {
          obsPool[observations.length] = obs;
          observations.push(obs);
        }
      }
    }
    const t = tSum / members.length;
    stats.observations += observations.length;

    const priors: TrackPrior[] = [];
    if (!naive) {
      tracker.tracks.forEach((tr, i) => {
        const buf = (priorBuf[i] ??= new Float64Array(51));
        const mask = predictJoints(tr, t, buf, 500);
        if (mask !== 0) priors.push({ trackId: tr.id, joints: buf, mask });
      });
    }
    const priorById = new Map(priors.map((p) => [p.trackId, p]));
    const groups = associate(observations, models, priors, o.association);
    stats.groups += groups.length;
    const candidates: PersonCandidate[] = [];
    for (const g of groups) {
      const prior = g.trackId === null ? null : (priorById.get(g.trackId) ?? null);
      let cand = triangulateGroup(g, t, prior);
      // Seen by fewer of the cameras that look at the spot than the agreement needed: two people's
      // rays crossing by chance (a ghost), or a track living on one camera's rays through someone else.
      // Counted among the instant's cameras: one whose frame fell into the next instant (clocks
      // differ) can neither agree nor disagree here.
      if (cand && !naive) {
        const need = g.trackId === null ? o.minViews : o.minViewsTracked;
        if (g.observations.length < Math.min(need, coverage(cand.centre, members))) cand = null;
      }
      if (cand) candidates.push(cand);
      else stats.rejectedCandidates++;
    }
    stats.candidates += candidates.length;
    finishInstant(t, candidates);
  }

  /** How many of the instant's cameras have a person standing at `p` whole in their image (head to feet). */
  function coverage(p: Vec3, members: readonly PendingCamera[]): number {
    let n = 0;
    for (const m of members) {
      const cam = models[m.camera]!;
      if (inImage(cam, p[0]!, p[1]!, 1.7) && inImage(cam, p[0]!, p[1]!, 0.1)) n++;
    }
    return n;
  }

  function inImage(cam: CameraModel, x: number, y: number, z: number): boolean {
    if (!projectInto(cam, x, y, z, pixel)) return false;
    return pixel[0]! >= 0 && pixel[0]! <= cam.width && pixel[1]! >= 0 && pixel[1]! <= cam.height;
  }

  function triangulateGroup(g: PoseGroup, t: number, prior: TrackPrior | null): PersonCandidate | null {
    const joints = new Float64Array(51);
    let mask = 0;
    usedViews.fill(0);
    for (let j = 0; j < 17; j++) {
      views.clear();
      for (let i = 0; i < g.observations.length; i++) {
        const ob = g.observations[i]!;
        if (!(ob.mask & (1 << j))) continue;
        views.add(models[ob.camera]!.Pn, ob.xn[j * 2]!, ob.xn[j * 2 + 1]!, ob.keypoints[j * 3 + 2]!, i);
      }
      if (views.n === 0) continue;
      const used = naive ? triangulatePlain(views, point) : triangulateRobust(views, point, o.triangulation);
      if (used >= 2) {
        usedViews[j] = used;
        joints[j * 3] = point[0]!;
        joints[j * 3 + 1] = point[1]!;
        joints[j * 3 + 2] = point[2]!;
        mask |= 1 << j;
        continue;
      }
      if (naive || !prior || !(prior.mask & (1 << j))) continue;
      // One view (or views that disagree): the point on a ray nearest the prediction, if near enough.
      const px = prior.joints[j * 3]!,
        py = prior.joints[j * 3 + 1]!,
        pz = prior.joints[j * 3 + 2]!;
      let bestD = o.singleViewMaxM;
      let placed = false;
      for (let i = 0; i < views.n; i++) {
        const ob = g.observations[views.tag[i]!]!;
        const c = models[ob.camera]!.centre;
        const dx = ob.dir[j * 3]!,
          dy = ob.dir[j * 3 + 1]!,
          dz = ob.dir[j * 3 + 2]!;
        const s = (px - c[0]!) * dx + (py - c[1]!) * dy + (pz - c[2]!) * dz;
        if (s <= 0) continue;
        const qx = c[0]! + s * dx,
          qy = c[1]! + s * dy,
          qz = c[2]! + s * dz;
        const d = Math.hypot(qx - px, qy - py, qz - pz);
        if (d <= bestD) {
          bestD = d;
          joints[j * 3] = qx;
          joints[j * 3 + 1] = qy;
          joints[j * 3 + 2] = qz;
          mask |= 1 << j;
          placed = true;
        }
      }
      if (placed || views.n !== 1 || !(o.singleViewJumpM > 0)) continue;
      // One view, off the prediction (the person moved on): the ray at the predicted joint's
      // height. Heights change little while the floor position changes fast, and cameras look down.
      const ob = g.observations[views.tag[0]!]!;
      const c = models[ob.camera]!.centre;
      const dz = ob.dir[j * 3 + 2]!;
      if (Math.abs(dz) < 0.2) continue; // a near-horizontal ray fixes no position at a height
      const s = (pz - c[2]!) / dz;
      if (s <= 0) continue;
      const qx = c[0]! + s * ob.dir[j * 3]!;
      const qy = c[1]! + s * ob.dir[j * 3 + 1]!;
      if (Math.hypot(qx - px, qy - py) > o.singleViewJumpM) continue;
      joints[j * 3] = qx;
      joints[j * 3 + 1] = qy;
      joints[j * 3 + 2] = pz;
      mask |= 1 << j;
    }
    if (mask === 0) return null;
    if (!naive) {
      const bones = g.trackId === null ? null : (boneLengths.get(g.trackId) ?? null);
      mask = refineMiddleJoints(g, joints, mask, bones);
      const check = checkSkeleton(joints, mask);
      if (!check.ok) return null;
      mask &= ~check.dropMask;
      if (g.trackId !== null) learnBones(g.trackId, joints, mask);
    }
    const centre = torsoCentre(joints, mask);
    if (!centre) return null;
    return { t, joints, mask, centre, trackHint: g.trackId, sourceKey: null };
  }

  /**
   * An elbow or knee whose views disagree (two views can agree on a wrong depth along their epipolar
   * line) is re-placed from the bone lengths: on each view's ray, the point whose distances to the
   * well-seen shoulder and wrist (hip and ankle) best match the person's bone lengths.
   */
  function refineMiddleJoints(
    g: PoseGroup,
    joints: Float64Array,
    mask: number,
    bones: Float64Array | null,
  ): number {
    for (let c = 0; c < CHAINS.length; c++) {
      const [a, m, b, kind] = CHAINS[c]!;
      if (!(mask & (1 << a)) || !(mask & (1 << b)) || usedViews[a]! < 2 || usedViews[b]! < 2) continue;
      if (usedViews[m]! >= 3) continue; // three views agree: trust them
      const La = bones ? bones[kind * 2]! : DEFAULT_BONES[kind * 2]!;
      const Lb = bones ? bones[kind * 2 + 1]! : DEFAULT_BONES[kind * 2 + 1]!;
      const ax = joints[a * 3]!,
        ay = joints[a * 3 + 1]!,
        az = joints[a * 3 + 2]!;
      const bx = joints[b * 3]!,
        by = joints[b * 3 + 1]!,
        bz = joints[b * 3 + 2]!;
      const residual = (x: number, y: number, z: number) =>
        Math.abs(Math.hypot(x - ax, y - ay, z - az) - La) + Math.abs(Math.hypot(x - bx, y - by, z - bz) - Lb);
      const r0 =
        mask & (1 << m) ? residual(joints[m * 3]!, joints[m * 3 + 1]!, joints[m * 3 + 2]!) : Infinity;
      if (r0 <= o.boneToleranceM) continue;
      let best = r0 - o.boneToleranceM / 2;
      let bx2 = 0,
        by2 = 0,
        bz2 = 0;
      for (const ob of g.observations) {
        if (!(ob.mask & (1 << m))) continue;
        const cc = models[ob.camera]!.centre;
        const dx = ob.dir[m * 3]!,
          dy = ob.dir[m * 3 + 1]!,
          dz = ob.dir[m * 3 + 2]!;
        const s0 = (ax - cc[0]!) * dx + (ay - cc[1]!) * dy + (az - cc[2]!) * dz;
        for (let s = Math.max(0.1, s0 - 0.8); s <= s0 + 0.8; s += 0.01) {
          const x = cc[0]! + s * dx,
            y = cc[1]! + s * dy,
            z = cc[2]! + s * dz;
          const r = residual(x, y, z);
          if (r < best) {
            best = r;
            bx2 = x;
            by2 = y;
            bz2 = z;
          }
        }
      }
      if (best < r0 - o.boneToleranceM / 2 && best <= o.boneToleranceM) {
        joints[m * 3] = bx2;
        joints[m * 3 + 1] = by2;
        joints[m * 3 + 2] = bz2;
        mask |= 1 << m;
        usedViews[m] = 1;
      }
    }
    return mask;
  }

  /** Learns a track's bone lengths from limbs whose three joints were all seen by ≥ 3 agreeing views. */
  function learnBones(trackId: string, joints: Float64Array, mask: number): void {
    let bones = boneLengths.get(trackId);
    for (const [a, m, b, kind] of CHAINS) {
      if (!(mask & (1 << a)) || !(mask & (1 << m)) || !(mask & (1 << b))) continue;
      if (usedViews[a]! < 3 || usedViews[m]! < 3 || usedViews[b]! < 3) continue;
      if (!bones) {
        bones = Float64Array.from(DEFAULT_BONES);
        boneLengths.set(trackId, bones);
      }
      const la = Math.hypot(
        joints[a * 3]! - joints[m * 3]!,
        joints[a * 3 + 1]! - joints[m * 3 + 1]!,
        joints[a * 3 + 2]! - joints[m * 3 + 2]!,
      );
      const lb = Math.hypot(
        joints[b * 3]! - joints[m * 3]!,
        joints[b * 3 + 1]! - joints[m * 3 + 1]!,
        joints[b * 3 + 2]! - joints[m * 3 + 2]!,
      );
      bones[kind * 2] = 0.8 * bones[kind * 2]! + 0.2 * la;
      bones[kind * 2 + 1] = 0.8 * bones[kind * 2 + 1]! + 0.2 * lb;
    }
  }

  function finishInstant(t: number, candidates: PersonCandidate[]): void {
    processedUpTo = Math.max(processedUpTo, t);
    const step = stepTracks(tracker, candidates, t);
    // One sample per sighting, from the joints seen in it (a merged track's joints are two people's).
    for (let c = 0; c < candidates.length; c++) {
      const tr = step.assignment[c];
      if (!tr) continue;
      const cand = candidates[c]!;
      const h = statureOf(cand.joints, cand.mask);
      if (h === null) continue;
      let est = statures.get(tr.id);
      if (!est) statures.set(tr.id, (est = new StatureEstimate()));
      est.add(h);
    }
    const entries: FrameEntry[] = [];
    const holdMs = naive ? 0 : o.jointHoldMs;
    for (const tr of tracker.tracks) {
      if (t - tr.lastSeenAt > (naive ? 0 : o.coastMs)) continue;
      let mask = 0;
      for (let j = 0; j < 17; j++) if (t - tr.jointT[j]! <= holdMs) mask |= 1 << j;
      if (mask === 0) continue;
      entries.push({ track: tr, joints: Float64Array.from(tr.joints), mask });
      recordWrists(tr, t, mask);
    }
    // Keep held frames in time order (a tracker message may land a few ms before the camera instant).
    let at = held.length;
    while (at > 0 && held[at - 1]!.t > t) at--;
    held.splice(at, 0, { t, entries });
  }

  function recordWrists(tr: Track, t: number, mask: number): void {
    if (!(mask & ((1 << LW) | (1 << RW)))) return;
    let h = history.get(tr.id);
    if (!h) {
      h = { track: tr, buf: new Float64Array(7 * 64), n: 0 };
      history.set(tr.id, h);
    }
    if (h.n > 0 && h.buf[(h.n - 1) * 7] === t) return;
    if ((h.n + 1) * 7 > h.buf.length) {
      // Drop samples older than the history span before growing.
      const cutoff = t - o.historyMs;
      let first = 0;
      while (first < h.n && h.buf[first * 7]! < cutoff) first++;
      if (first > 0) {
        h.buf.copyWithin(0, first * 7, h.n * 7);
        h.n -= first;
      }
      if ((h.n + 1) * 7 > h.buf.length) {
        const grown = new Float64Array(h.buf.length * 2);
        grown.set(h.buf.subarray(0, h.n * 7));
        h.buf = grown;
      }
    }
    const b = h.buf;
    const k = h.n * 7;
    b[k] = t;
    for (let s = 0; s < 2; s++) {
      const j = s === 0 ? LW : RW;
      const placed = (mask & (1 << j)) !== 0;
      b[k + 1 + s * 3] = placed ? tr.joints[j * 3]! : NaN;
      b[k + 2 + s * 3] = placed ? tr.joints[j * 3 + 1]! : NaN;
      b[k + 3 + s * 3] = placed ? tr.joints[j * 3 + 2]! : NaN;
    }
    h.n++;
  }

  function emit(watermark: number): PeopleFrame[] {
    const limit = watermark === Infinity ? Infinity : watermark - o.frameLagMs;
    let count = 0;
    while (count < held.length && held[count]!.t <= limit) count++;
    const out: PeopleFrame[] = [];
    for (let k = 0; k < count; k++) {
      const f = held[k]!;
      const before = k === 0 ? lastEmitted : held[k - 1]!;
      const after = k + 1 < held.length ? held[k + 1]! : null;
      const people: PeopleFrame['people'] = [];
      for (const e of f.entries) {
        if (!e.track.confirmed) continue;
        const prev = before ? neighbour(before, e.track, f.t) : null;
        const next = after ? neighbour(after, e.track, f.t) : null;
        const joints: Record<string, [number, number, number]> = {};
        for (let j = 0; j < 17; j++) {
          if (!(e.mask & (1 << j))) continue;
          const xyz: [number, number, number] = [0, 0, 0];
          for (let c = 0; c < 3; c++) {
            // A [w, 1−2w, w] kernel over the neighbouring instants where they placed the joint.
            let v = e.joints[j * 3 + c]!;
            if (smoothW > 0 && prev && next && prev.mask & next.mask & (1 << j)) {
              v = (1 - 2 * smoothW) * v + smoothW * (prev.joints[j * 3 + c]! + next.joints[j * 3 + c]!);
            }
            xyz[c] = mm(v);
          }
          joints[COCO_JOINTS[j]!] = xyz;
        }
        people.push({ id: e.track.id, session: null, joints });
      }
      out.push({ t: f.t, people });
    }
    if (count > 0) lastEmitted = held[count - 1]!;
    held.splice(0, count);
    // Forget the wrist history of tracks gone longer than the history span.
    for (const [id, h] of history) {
      if (processedUpTo - h.track.lastSeenAt > o.historyMs) history.delete(id);
    }
    for (const id of statures.keys())
      if (!tracker.tracks.some((tr) => tr.id === id) && !tracker.lost.some((tr) => tr.id === id))
        statures.delete(id);
    return out;
  }

  function tracks(opts: { includeTentative?: boolean } = {}): TrackView[] {
    return tracker.tracks
      .filter((tr) => tr.confirmed || opts.includeTentative === true)
      .map((tr) => ({
        id: tr.id,
        confirmed: tr.confirmed,
        position: vec(tr.centre, 0),
        velocity: vec(tr.velocity, 0),
        leftWrist: tr.jointT[LW]! > -Infinity ? vec(tr.joints, LW * 3) : null,
        rightWrist: tr.jointT[RW]! > -Infinity ? vec(tr.joints, RW * 3) : null,
        stature: statures.get(tr.id)?.value() ?? null,
        recentStature: statures.get(tr.id)?.recent() ?? null,
        statureSpread: statures.get(tr.id)?.spread() ?? null,
        bornAt: tr.bornAt,
        bornPlace: [...tr.bornPlace],
        lastSeenAt: tr.lastSeenAt,
        hits: tr.hits,
      }));
  }

  function handsNear(
    box: Box,
    facing: readonly [number, number, number],
    t0: number,
    t1: number,
  ): HandsNear[] {
    const face = frontFace(box, facing);
    const out: HandsNear[] = [];
    const ts: number[] = [];
    const ds: number[] = [];
    for (const h of history.values()) {
      if (!h.track.confirmed) continue;
      let best: Omit<HandsNear, 'samples' | 'heldDistanceM'> | null = null;
      ts.length = 0;
      ds.length = 0;
      for (let i = 0; i < h.n; i++) {
        const k = i * 7;
        const t = h.buf[k]!;
        if (t < t0 || t > t1) continue;
        let nearest = Infinity;
        for (let s = 0; s < 2; s++) {
          const x = h.buf[k + 1 + s * 3]!;
          if (Number.isNaN(x)) continue;
          const p: Vec3 = [x, h.buf[k + 2 + s * 3]!, h.buf[k + 3 + s * 3]!];
          const d = faceDistance(face, p);
          nearest = Math.min(nearest, d);
          if (!best || d < best.minDistanceM) {
            best = {
              trackId: h.track.id,
              minDistanceM: d,
              atT: t,
              wrist: s === 0 ? 'left' : 'right',
              point: p,
            };
          }
        }
        if (Number.isFinite(nearest)) {
          ts.push(t);
          ds.push(nearest);
        }
      }
      if (best) out.push({ ...best, samples: ts.length, heldDistanceM: heldDistance(ts, ds) });
    }
    return out.sort((a, b) => a.minDistanceM - b.minDistanceM || (a.trackId < b.trackId ? -1 : 1));
  }

  return { ingestPoses, ingestTrackerPeople, advance, tracks, handsNear, stats: () => ({ ...stats }) };
}

/**
 * The smallest, over spans of `HELD_MIN_SPAN_MS`..`HELD_MS` of samples, of the largest distance in
 * the span; the largest distance of all when no span is long enough. Samples are in time order.
 */
export function heldDistance(ts: readonly number[], ds: readonly number[]): number {
  let held = Infinity;
  let all = 0;
  let j = 0;
  for (let i = 0; i < ts.length; i++) {
    all = Math.max(all, ds[i]!);
    if (j < i) j = i;
    while (j + 1 < ts.length && ts[j + 1]! - ts[i]! <= HELD_MS) j++;
    if (ts[j]! - ts[i]! < HELD_MIN_SPAN_MS) continue;
    let worst = 0;
    for (let k = i; k <= j; k++) worst = Math.max(worst, ds[k]!);
    held = Math.min(held, worst);
  }
  return Number.isFinite(held) ? held : ts.length > 0 ? all : Infinity;
}

/** The entry of a track in a neighbouring held frame, if it is close enough in time to smooth with. */
function neighbour(frame: HeldFrame, track: Track, t: number): FrameEntry | null {
  if (Math.abs(frame.t - t) > 150) return null;
  if (!frame.byTrack) frame.byTrack = new Map(frame.entries.map((e) => [e.track, e]));
  return frame.byTrack.get(track) ?? null;
}

function mm(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function vec(a: Float64Array, k: number): Vec3 {
  return [a[k]!, a[k + 1]!, a[k + 2]!];
}

/** A plate's front face: the box face toward `facing` (its dominant axis). */
interface FrontFace {
  axis: number;
  sign: number;
  /** Coordinate of the face plane on `axis`. */
  plane: number;
  /** Depth of the box along `axis` (m). */
  depth: number;
  min: Vec3;
  max: Vec3;
}

function frontFace(box: Box, facing: readonly [number, number, number]): FrontFace {
  let axis = 0;
  for (let i = 1; i < 3; i++) if (Math.abs(facing[i]!) > Math.abs(facing[axis]!)) axis = i;
  const sign = facing[axis]! >= 0 ? 1 : -1;
  const plane = sign > 0 ? box.max[axis]! : box.min[axis]!;
  return { axis, sign, plane, depth: box.max[axis]! - box.min[axis]!, min: [...box.min], max: [...box.max] };
}

/**
 * Distance (m) from a point to a plate's front face: lateral distance outside the face rectangle
 * combined with the distance in front of it; a point inside the box is at 0, one behind it is
 * measured to the back face.
 */
export function faceDistance(face: FrontFace, p: Vec3): number {
  let sq = 0;
  for (let i = 0; i < 3; i++) {
    if (i === face.axis) continue;
    const v = p[i]!;
    const d = v < face.min[i]! ? face.min[i]! - v : v > face.max[i]! ? v - face.max[i]! : 0;
    sq += d * d;
  }
  const s = (p[face.axis]! - face.plane) * face.sign; // > 0: in front (aisle side)
  const n = s >= 0 ? s : Math.max(0, -s - face.depth);
  return Math.sqrt(sq + n * n);
}

/** Distance (m) from a point to a plate's front face (see `faceDistance`). */
export function distanceToFrontFace(box: Box, facing: readonly [number, number, number], p: Vec3): number {
  return faceDistance(frontFace(box, facing), p);
}
