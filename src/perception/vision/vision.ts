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
import type { CameraPoses, TrackerPeople } from '../../protocol/messages.js';
import type { PeopleFrame } from '../../protocol/results.js';
import type { Box, StoreDefinition } from '../../protocol/store.js';
import { compileCamera, type CameraModel, type Vec3 } from './camera.js';
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
  /** How long wrist history is kept for `handsNear` (ms). Default 120000. */
  historyMs: number;
  association: AssociationOptions;
  triangulation: TriangulationOptions;
  tracking: Partial<TrackingOptions>;
}

export const DEFAULT_VISION: VisionOptions = {
  mode: 'full',
  minConfidence: 0.1,
  syncWindowMs: null,
  frameLagMs: 300,
  coastMs: 200,
  jointHoldMs: 400,
  singleViewMaxM: 0.15,
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
}

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
}

/** Wrist samples of one track: 7 numbers each (t, left xyz, right xyz); NaN where not placed. */
interface WristHistory {
  track: Track;
  buf: Float64Array;
  n: number;
}

const JOINT_INDEX = new Map<string, number>(COCO_JOINTS.map((name, i) => [name, i]));
const LW = 9;
const RW = 10;

/** Builds the vision stage for a store (its cameras). */
export function createVision(store: StoreDefinition, options: Partial<VisionOptions> = {}): Vision {
  const o: VisionOptions = { ...DEFAULT_VISION, ...options };
  if (!(o.minConfidence >= 0 && o.minConfidence <= 1)) throw new Error(`vision.minConfidence must be in [0, 1], got ${o.minConfidence}`);
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
  const history = new Map<string, WristHistory>();
  const stats: VisionStats = { instants: 0, observations: 0, groups: 0, candidates: 0, rejectedCandidates: 0, unknownCamera: 0, late: 0 };

  const views = new ViewSet(Math.max(2, models.length));
  const point = new Float64Array(3);
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
      candidates.push({ t: p.t, joints, mask, centre, trackHint: null, sourceKey: `${p.trackerId}/${person.id}` });
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
        const obs = makeObservation(model, m.camera, m.t, pose.keypoints, o.minConfidence);
        if (obs) observations.push(obs);
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
    const groups = associate(observations, models, priors, o.association);
    stats.groups += groups.length;
    const candidates: PersonCandidate[] = [];
    for (const g of groups) {
      const prior = g.trackId === null ? null : (priors.find((p) => p.trackId === g.trackId) ?? null);
      const cand = triangulateGroup(g, t, prior);
      if (cand) candidates.push(cand);
      else stats.rejectedCandidates++;
    }
    stats.candidates += candidates.length;
    finishInstant(t, candidates);
  }

  function triangulateGroup(g: PoseGroup, t: number, prior: TrackPrior | null): PersonCandidate | null {
    const joints = new Float64Array(51);
    let mask = 0;
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
        joints[j * 3] = point[0]!;
        joints[j * 3 + 1] = point[1]!;
        joints[j * 3 + 2] = point[2]!;
        mask |= 1 << j;
        continue;
      }
      if (naive || !prior || !(prior.mask & (1 << j))) continue;
      // One view (or views that disagree): the point on a ray nearest the prediction, if near enough.
      const px = prior.joints[j * 3]!, py = prior.joints[j * 3 + 1]!, pz = prior.joints[j * 3 + 2]!;
      let bestD = o.singleViewMaxM;
      for (let i = 0; i < views.n; i++) {
        const ob = g.observations[views.tag[i]!]!;
        const c = models[ob.camera]!.centre;
        const dx = ob.dir[j * 3]!, dy = ob.dir[j * 3 + 1]!, dz = ob.dir[j * 3 + 2]!;
        const s = (px - c[0]!) * dx + (py - c[1]!) * dy + (pz - c[2]!) * dz;
        if (s <= 0) continue;
        const qx = c[0]! + s * dx, qy = c[1]! + s * dy, qz = c[2]! + s * dz;
        const d = Math.hypot(qx - px, qy - py, qz - pz);
        if (d <= bestD) {
          bestD = d;
          joints[j * 3] = qx;
          joints[j * 3 + 1] = qy;
          joints[j * 3 + 2] = qz;
          mask |= 1 << j;
        }
      }
    }
    if (mask === 0) return null;
    if (!naive) {
      const check = checkSkeleton(joints, mask);
      if (!check.ok) return null;
      mask &= ~check.dropMask;
    }
    const centre = torsoCentre(joints, mask);
    if (!centre) return null;
    return { t, joints, mask, centre, trackHint: g.trackId, sourceKey: null };
  }

  function finishInstant(t: number, candidates: PersonCandidate[]): void {
    processedUpTo = Math.max(processedUpTo, t);
    stepTracks(tracker, candidates, t);
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
    held.push({ t, entries });
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
    while (count < held.length && held[count]!.t <= limit && held[count]!.t <= processedUpTo) count++;
    const out: PeopleFrame[] = [];
    for (const f of held.splice(0, count)) {
      const people: PeopleFrame['people'] = [];
      for (const e of f.entries) {
        if (!e.track.confirmed) continue;
        const joints: Record<string, [number, number, number]> = {};
        for (let j = 0; j < 17; j++) {
          if (!(e.mask & (1 << j))) continue;
          joints[COCO_JOINTS[j]!] = [mm(e.joints[j * 3]!), mm(e.joints[j * 3 + 1]!), mm(e.joints[j * 3 + 2]!)];
        }
        people.push({ id: e.track.id, session: null, joints });
      }
      out.push({ t: f.t, people });
    }
    // Forget the wrist history of tracks gone longer than the history span.
    for (const [id, h] of history) {
      if (processedUpTo - h.track.lastSeenAt > o.historyMs) history.delete(id);
    }
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
        bornAt: tr.bornAt,
        bornPlace: [...tr.bornPlace],
        lastSeenAt: tr.lastSeenAt,
        hits: tr.hits,
      }));
  }

  function handsNear(box: Box, facing: readonly [number, number, number], t0: number, t1: number): HandsNear[] {
    const face = frontFace(box, facing);
    const out: HandsNear[] = [];
    for (const h of history.values()) {
      if (!h.track.confirmed) continue;
      let best: HandsNear | null = null;
      let samples = 0;
      for (let i = 0; i < h.n; i++) {
        const k = i * 7;
        const t = h.buf[k]!;
        if (t < t0 || t > t1) continue;
        samples++;
        for (let s = 0; s < 2; s++) {
          const x = h.buf[k + 1 + s * 3]!;
          if (Number.isNaN(x)) continue;
          const p: Vec3 = [x, h.buf[k + 2 + s * 3]!, h.buf[k + 3 + s * 3]!];
          const d = faceDistance(face, p);
          if (!best || d < best.minDistanceM) {
            best = { trackId: h.track.id, minDistanceM: d, atT: t, wrist: s === 0 ? 'left' : 'right', point: p, samples: 0 };
          }
        }
      }
      if (best) out.push({ ...best, samples });
    }
    return out.sort((a, b) => a.minDistanceM - b.minDistanceM || (a.trackId < b.trackId ? -1 : 1));
  }

  return { ingestPoses, ingestTrackerPeople, advance, tracks, handsNear, stats: () => ({ ...stats }) };
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
