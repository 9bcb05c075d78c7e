/**
 * Tracking of 3D people over time (STYLE.md §2: PoseObservation → PersonCandidate → Track).
 * `stepTracks` is the only place that creates, confirms and ends tracks: it ages tracks in event-time
 * ms, matches candidates to tracks by the distance of their torso centres (constant-velocity
 * prediction), spawns tentative tracks, confirms them after a few hits, and stitches a new person to
 * a recently lost track when its motion explains the gap. Ids come from the tracker state, so two
 * replays in one process hand out the same ids. Pure: no clock, no randomness; mutates its state.
 */
import { middleOfSorted } from '../median.js';
import type { Vec3 } from './camera.js';

/** A 3D person seen at one instant, from triangulated poses or an external tracker. */
export interface PersonCandidate {
  /** Event time (ms). */
  t: number;
  /** Joints 17 × 3 (m, store frame). */
  joints: Float64Array;
  /** Bit j set when joint j was placed. */
  mask: number;
  /** Torso centre (m). */
  centre: Vec3;
  /** The track whose prediction claimed the poses, if any (a strong hint, still gated by distance). */
  trackHint: string | null;
  /** Identity of the source when it has one (external tracker `trackerId/personId`). */
  sourceKey: string | null;
}

/** A person followed over time. */
export interface Track {
  readonly id: string;
  confirmed: boolean;
  hits: number;
  bornAt: number;
  bornPlace: Vec3;
  /** Event time of the last candidate that updated it (ms). */
  lastSeenAt: number;
  /** Torso centre at centreT (m). */
  centre: Float64Array;
  /**
   * Event time of the last candidate that showed the torso (ms). A candidate of limbs alone (legs
   * seen under a shelf, a lone arm) updates the joints but not the centre: a centre taken from the
   * feet is off by a stride and would throw the velocity.
   */
  centreT: number;
  /** Centre velocity (m/s). */
  velocity: Float64Array;
  /**
   * Where the torso centre was about a second ago: [x, y, t] of two samples at least REF_MS apart,
   * the older first (the birth place until the track is that old). Tells a track that has stood on
   * its spot from one that has just arrived there.
   */
  ref: Float64Array;
  /** Joints 17 × 3 at their last placement (m). */
  joints: Float64Array;
  /** Event time each joint was last placed (ms; −Infinity: never). */
  jointT: Float64Array;
  /** Source key of the last candidate (external trackers). */
  sourceKey: string | null;
}

/** Tunables of tracking, all in event time or metres. */
export interface TrackingOptions {
  /**
   * A candidate matches a track when its centre lies within this distance of the track's predicted
   * centre (m). Default 0.5. Too small splits a fast walker into new tracks; too large swaps
   * neighbours.
   */
  gateM: number;
  /** Hits before a track is confirmed (gets reported). Default 3. 1 reports every ghost. */
  confirmHits: number;
  /** A tentative track unseen for this long ends (ms). Default 400. */
  tentativeMaxGapMs: number;
  /** A confirmed track unseen for this long is lost (ms). Default 3000. */
  confirmedMaxGapMs: number;
  /**
   * A lost confirmed track can be revived by a new person within this long (ms). Default 0 (off):
   * telling a broken track's person is the identity's work (`TrackIdentity`), which knows the
   * visits, the doors and every lost person's stature; on the simulator's standard scenario the
   * tracker's own revival gave newcomers at the entry the tracks of people who had walked on.
   */
  stitchMs: number;
  /** Speed assumed to bound how far a lost person wandered (m/s); stitching gate grows with it. Default 1.2. */
  stitchSpeed: number;
  /** Fastest plausible walking speed (m/s); velocities are clamped to it. Default 2.5. */
  maxSpeed: number;
  /**
   * Time constant of the velocity estimate (ms). Default 300. Instants from unsynchronised cameras
   * come tens of milliseconds apart, where centimetres of triangulation noise read as metres per
   * second: the velocity follows each measurement with weight 1 − exp(−dt / this).
   */
  velocityTauMs: number;
  /**
   * An unmatched candidate this close to a live track's predicted centre (m) is a fragment of that
   * person (a pose split in two, a group the association could not merge) and starts nothing.
   * Default 0.45. Too large delays a new person who enters right beside another.
   */
  spawnClearanceM: number;
  /**
   * Two live tracks whose centres come this close (m, on the floor) are one person followed twice
   * (a split the association made at some instant, or a ghost that drifted onto someone); the
   * younger ends. Default 0.38: torso centres of two people stay about half a metre apart, and a
   * ghost left to live on beside its person takes over their identity when the real track breaks
   * (standard scenario, seeds 1-6: F1 0.874 without merging, 0.899 with). Too large merges two
   * people who stand shoulder to shoulder.
   */
  mergeM: number;
  /** ...for at least this long (ms). Default 500. */
  mergeAfterMs: number;
  /** Time constant of coasting (ms): an unseen track moves on at most its speed × this. Default 500. */
  coastTauMs: number;
}

export const DEFAULT_TRACKING: TrackingOptions = {
  gateM: 0.5,
  confirmHits: 3,
  tentativeMaxGapMs: 400,
  confirmedMaxGapMs: 3000,
  stitchMs: 0,
  stitchSpeed: 1.2,
  maxSpeed: 2.5,
  velocityTauMs: 300,
  spawnClearanceM: 0.45,
  mergeM: 0.38,
  mergeAfterMs: 500,
  coastTauMs: 500,
};

/** How long two live tracks have been close, and how often both were seen at once meanwhile. */
export interface ClosePair {
  since: number;
  steps: number;
  bothSeen: number;
}

/**
 * Two close tracks that were each fed a candidate of their own in at least this share of the steps
 * they were close are two people side by side, not one person followed twice: the association saw
 * two. A duplicate lives on fragments (a pose split in two now and then). On the simulator's crowded
 * scenario half the merges ended a real person's track; not merging those lifted F1 0.257 → 0.274
 * (standard 0.9539 → 0.9556, adversarial 0.6033 → 0.6050).
 */
const BOTH_SEEN_SHARE = 0.5;

/** Tracker state; create with `createTrackerState`. */
export interface TrackerState {
  /** Live tracks, in order of birth. */
  tracks: Track[];
  /** Confirmed tracks lost recently (stitching candidates), in order of loss. */
  lost: Track[];
  nextId: number;
  options: TrackingOptions;
  /**
   * Each pair of live tracks ("idA|idB") within `mergeM`: since when (ms), over how many steps, and
   * in how many of them both were fed a candidate of their own.
   */
  closePairs: Map<string, ClosePair>;
  /**
   * What the tracker cannot know: whether a lost track may be revived by this candidate (the store
   * knows its doors, and the person's stature). Absent: any may.
   */
  mayRevive?: (lost: Track, cand: PersonCandidate) => boolean;
  /**
   * Extra distance (m) between a track and a candidate from what positions do not show (stature);
   * Infinity rules the pair out. Absent: none.
   */
  matchPenalty?: (track: Track, cand: PersonCandidate) => number;
}

/** What one step changed. */
export interface TrackStep {
  born: Track[];
  confirmed: Track[];
  revived: Track[];
  /** Tracks that ended (tentative ones dropped, confirmed ones lost). */
  ended: Track[];
  /** Each candidate's track, or null when it started nothing (never: every unmatched candidate spawns). */
  assignment: (Track | null)[];
}

/** A fresh tracker state. */
export function createTrackerState(options: Partial<TrackingOptions> = {}): TrackerState {
  const o = { ...DEFAULT_TRACKING, ...options };
  if (!(o.gateM > 0)) throw new Error(`tracking.gateM must be > 0 m, got ${o.gateM}`);
  if (!(o.confirmHits >= 1)) throw new Error(`tracking.confirmHits must be ≥ 1, got ${o.confirmHits}`);
  if (!(o.velocityTauMs > 0))
    throw new Error(`tracking.velocityTauMs must be > 0 ms, got ${o.velocityTauMs}`);
  if (!(o.coastTauMs > 0)) throw new Error(`tracking.coastTauMs must be > 0 ms, got ${o.coastTauMs}`);
  if (!(o.mergeM >= 0)) throw new Error(`tracking.mergeM must be ≥ 0 m, got ${o.mergeM}`);
  if (o.tentativeMaxGapMs < 0 || o.confirmedMaxGapMs < 0 || o.stitchMs < 0)
    throw new Error('tracking gaps (tentativeMaxGapMs, confirmedMaxGapMs, stitchMs) must be ≥ 0 ms');
  return { tracks: [], lost: [], nextId: 1, options: o, closePairs: new Map() };
}

/**
 * How far (s of constant velocity) a track coasts after dt seconds unseen: dt at first, then less
 * and less, to at most `tau`. People stop (to reach, to look) far more often than they walk on
 * blind, so an unseen track should not run away from where it was last seen.
 */
function coast(dt: number, tau: number): number {
  return dt <= 0 ? 0 : tau * (1 - Math.exp(-dt / tau));
}

/** Predicted centre of a track at time t (ms), written to out. */
export function predictCentre(track: Track, t: number, out: Float64Array | number[], tauS = 0.5): void {
  const h = coast((t - track.centreT) / 1000, tauS);
  out[0] = track.centre[0]! + track.velocity[0]! * h;
  out[1] = track.centre[1]! + track.velocity[1]! * h;
  out[2] = track.centre[2]!;
}

/**
 * Predicted joints at time t (ms): each joint placed within `maxAgeMs` moves with the centre.
 * Writes 17 × 3 into out and returns the mask of predicted joints.
 */
export function predictJoints(track: Track, t: number, out: Float64Array, maxAgeMs = 1000): number {
  let mask = 0;
  for (let j = 0; j < 17; j++) {
    const jt = track.jointT[j]!;
    if (!(t - jt <= maxAgeMs)) continue;
    const h = coast((t - jt) / 1000, 0.5);
    out[j * 3] = track.joints[j * 3]! + track.velocity[0]! * h;
    out[j * 3 + 1] = track.joints[j * 3 + 1]! + track.velocity[1]! * h;
    out[j * 3 + 2] = track.joints[j * 3 + 2]!;
    mask |= 1 << j;
  }
  return mask;
}

const pred = new Float64Array(3);

/** A track fed only limbs for longer than this (ms) has lost sight of where its torso is. */
const TORSO_STALE_MS = 150;
/** Joints placed within this long (ms) say where the person is now. */
const RECENT_JOINT_MS = 200;
const jointGaps = new Float64Array(17);

/**
 * Distance (m, on the floor) from a candidate to a track whose torso has not been seen for a while
 * although the person has (legs under a shelf, an arm): the median gap between the candidate's
 * joints and the same joints of the track placed just now. The torso centre is then stale by a
 * walk, and the torso's return half a metre from it must not start a second track beside the
 * person. Infinity when the torso is fresh or fewer than two joints compare.
 */
function recentJointDistance(tr: Track, cand: PersonCandidate): number {
  if (tr.lastSeenAt - tr.centreT < TORSO_STALE_MS) return Infinity;
  let n = 0;
  for (let j = 0; j < 17; j++) {
    if (!(cand.mask & (1 << j)) || !(cand.t - tr.jointT[j]! <= RECENT_JOINT_MS)) continue;
    jointGaps[n++] = Math.hypot(
      cand.joints[j * 3]! - tr.joints[j * 3]!,
      cand.joints[j * 3 + 1]! - tr.joints[j * 3 + 1]!,
    );
  }
  return n < 2 ? Infinity : middleOfSorted(jointGaps.subarray(0, n).sort());
}
/** A track unseen for longer than this (ms) claims candidates less… */
const STALE_AFTER_MS = 250;
/** …by this much distance (m) per second unseen. */
const STALE_M_PER_S = 0.6;
/** How much nearer (m) a candidate whose poses the association gave to a track counts for that track. */
const HINT_BONUS_M = 0.1;

/**
 * Advances the tracker to time t with the candidates seen at t: ages, matches, updates, spawns,
 * confirms, stitches and ends tracks. The only function that creates or ends a track.
 */
export function stepTracks(
  state: TrackerState,
  candidates: readonly PersonCandidate[],
  t: number,
): TrackStep {
  const o = state.options;
  const tau = o.coastTauMs / 1000;
  const step: TrackStep = {
    born: [],
    confirmed: [],
    revived: [],
    ended: [],
    assignment: candidates.map(() => null),
  };

  // Age: end tracks unseen for too long (before matching, so stale tracks steal nothing).
  const live: Track[] = [];
  for (const tr of state.tracks) {
    const gap = t - tr.lastSeenAt;
    if (gap > (tr.confirmed ? o.confirmedMaxGapMs : o.tentativeMaxGapMs)) {
      step.ended.push(tr);
      if (tr.confirmed && o.stitchMs > 0) state.lost.push(tr);
    } else live.push(tr);
  }
  state.tracks = live;
  state.lost = state.lost.filter((tr) => t - tr.lastSeenAt <= o.stitchMs);

  // Match: hinted pairs first (the association already checked the poses), then by distance.
  const used = new Uint8Array(live.length);
  const pairs: { d: number; c: number; k: number; hinted: number }[] = [];
  const torsoSeen = candidates.map((cand) => hasTorso(cand.mask));
  for (let c = 0; c < candidates.length; c++) {
    const cand = candidates[c]!;
    for (let k = 0; k < live.length; k++) {
      const tr = live[k]!;
      predictCentre(tr, cand.t, pred, tau);
      const centre = torsoSeen[c] ? cand.centre : impliedCentre(tr, cand);
      if (!centre) continue;
      const dx = centre[0]! - pred[0]!;
      const dy = centre[1]! - pred[1]!;
      if (dx > 2 * o.gateM || dx < -2 * o.gateM || dy > 2 * o.gateM || dy < -2 * o.gateM) continue;
      const dz = torsoSeen[c] ? (centre[2]! - pred[2]!) * 0.5 : 0;
      // Nearer of the prediction and the last sighting: the person may have stopped.
      const lx = centre[0]! - tr.centre[0]!;
      const ly = centre[1]! - tr.centre[1]!;
      // A track unseen for a while is a weaker claim than one following its person now: someone
      // walking through where a lost track was last seen is not that person back (a matching
      // cascade, as in DeepSORT, softened to distance).
      const stale = Math.max(0, cand.t - tr.lastSeenAt - STALE_AFTER_MS) / 1000;
      const d =
        Math.min(
          Math.sqrt(Math.min(dx * dx + dy * dy, lx * lx + ly * ly) + dz * dz),
          recentJointDistance(tr, cand),
        ) +
        STALE_M_PER_S * stale +
        (state.matchPenalty?.(tr, cand) ?? 0);
      const hinted =
        (cand.trackHint !== null && cand.trackHint === tr.id) ||
        (cand.sourceKey !== null && cand.sourceKey === tr.sourceKey)
          ? 1
          : 0;
      if (d <= o.gateM * (hinted ? 1.2 : 1)) pairs.push({ d: d - (hinted ? HINT_BONUS_M : 0), c, k, hinted });
    }
  }
  // Nearest first; the association's claim is worth a little distance, no more: poses mixed from
  // two people claim a track too, and taking them first would leave its own person to a new track.
  pairs.sort((x, y) => x.d - y.d || y.hinted - x.hinted || x.c - y.c || x.k - y.k);
  for (const p of pairs) {
    if (step.assignment[p.c] !== null || used[p.k]) continue;
    used[p.k] = 1;
    const tr = live[p.k]!;
    update(tr, candidates[p.c]!, o);
    step.assignment[p.c] = tr;
    if (!tr.confirmed && tr.hits >= o.confirmHits) {
      tr.confirmed = true;
      step.confirmed.push(tr);
    }
  }

  // Unmatched candidates: revive a lost track whose motion explains the gap, else spawn. Limbs
  // without a torso start nobody: too little of a person to tell a new one from a fragment.
  for (let c = 0; c < candidates.length; c++) {
    if (step.assignment[c] !== null || !torsoSeen[c]) continue;
    const cand = candidates[c]!;
    let fragment = false;
    for (const tr of state.tracks) {
      predictCentre(tr, cand.t, pred, tau);
      // Near the prediction or the last sighting: a track just thrown ahead by a bad candidate
      // still stands for the person behind it.
      const dp = Math.hypot(cand.centre[0] - pred[0]!, cand.centre[1] - pred[1]!);
      const dl = Math.hypot(cand.centre[0] - tr.centre[0]!, cand.centre[1] - tr.centre[1]!);
      if (Math.min(dp, dl, recentJointDistance(tr, cand)) < o.spawnClearanceM) fragment = true;
    }
    if (fragment) continue;
    let best = -1;
    let bestD = Infinity;
    for (let k = 0; k < state.lost.length; k++) {
      const tr = state.lost[k]!;
      const gap = (cand.t - tr.lastSeenAt) / 1000;
      predictCentre(tr, cand.t, pred, tau);
      const d = Math.hypot(cand.centre[0] - pred[0]!, cand.centre[1] - pred[1]!);
      const gate = o.gateM + o.stitchSpeed * gap;
      if (d <= gate && d < bestD && (state.mayRevive?.(tr, cand) ?? true)) {
        best = k;
        bestD = d;
      }
    }
    if (best >= 0) {
      const tr = state.lost.splice(best, 1)[0]!;
      // The gap's velocity estimate is stale; restart it.
      tr.velocity.fill(0);
      tr.ref = refAt(cand);
      tr.jointT.fill(-Infinity);
      update(tr, cand, o, true);
      state.tracks.push(tr);
      step.revived.push(tr);
      step.assignment[c] = tr;
      continue;
    }
    const tr: Track = {
      id: `track-${state.nextId++}`,
      confirmed: o.confirmHits <= 1,
      hits: 0,
      bornAt: cand.t,
      bornPlace: [cand.centre[0], cand.centre[1], cand.centre[2]],
      lastSeenAt: cand.t,
      centre: Float64Array.from(cand.centre),
      centreT: cand.t,
      velocity: new Float64Array(3),
      ref: refAt(cand),
      joints: new Float64Array(51),
      jointT: new Float64Array(17).fill(-Infinity),
      sourceKey: cand.sourceKey,
    };
    update(tr, cand, o, true);
    state.tracks.push(tr);
    step.born.push(tr);
    if (tr.confirmed) step.confirmed.push(tr);
    step.assignment[c] = tr;
  }
  // Merge duplicates: two tracks on one person; the older keeps the person, the younger ends.
  if (o.mergeM > 0 && state.tracks.length > 1) {
    const gone = new Set<Track>();
    const list = state.tracks;
    const close = new Map<string, ClosePair>();
    const fed = new Set(step.assignment);
    for (let a = 0; a < list.length; a++) {
      const A = list[a]!;
      if (gone.has(A)) continue;
      for (let b = a + 1; b < list.length; b++) {
        const B = list[b]!;
        if (gone.has(B)) continue;
        if (Math.abs(A.lastSeenAt - B.lastSeenAt) > 500) continue;
        const dx = A.centre[0]! - B.centre[0]!;
        const dy = A.centre[1]! - B.centre[1]!;
        if (dx * dx + dy * dy > o.mergeM * o.mergeM) continue;
        // Only a lasting closeness is a duplicate; two people passing in an aisle are close briefly.
        const key = `${A.id}|${B.id}`;
        const pair = state.closePairs.get(key) ?? { since: t, steps: 0, bothSeen: 0 };
        pair.steps++;
        if (fed.has(A) && fed.has(B)) pair.bothSeen++;
        close.set(key, pair);
        if (t - pair.since < o.mergeAfterMs) continue;
        if (pair.bothSeen >= BOTH_SEEN_SHARE * pair.steps) continue;
        // Confirmed beats tentative; then the track that has stood here over one that has just come
        // (pulled off its own person by a pose mixed from two, it would take this one's identity);
        // then the older, then the lower id.
        const movedA = movedSinceRef(A);
        const movedB = movedSinceRef(B);
        const keepA =
          A.confirmed !== B.confirmed
            ? A.confirmed
            : movedA <= SETTLED_M && movedB >= ARRIVED_M
              ? true
              : movedB <= SETTLED_M && movedA >= ARRIVED_M
                ? false
                : A.bornAt !== B.bornAt
                  ? A.bornAt < B.bornAt
                  : idNumber(A) < idNumber(B);
        const [keep, drop] = keepA ? [A, B] : [B, A];
        if (drop.lastSeenAt > keep.lastSeenAt) {
          // The survivor takes the newer sighting.
          keep.centre.set(drop.centre);
          keep.centreT = drop.centreT;
          for (let j = 0; j < 17; j++) {
            if (drop.jointT[j]! > keep.jointT[j]!) {
              keep.joints[j * 3] = drop.joints[j * 3]!;
              keep.joints[j * 3 + 1] = drop.joints[j * 3 + 1]!;
              keep.joints[j * 3 + 2] = drop.joints[j * 3 + 2]!;
              keep.jointT[j] = drop.jointT[j]!;
            }
          }
          keep.lastSeenAt = drop.lastSeenAt;
        }
        keep.hits += drop.hits;
        if (!keep.confirmed && keep.hits >= o.confirmHits) {
          keep.confirmed = true;
          step.confirmed.push(keep);
        }
        gone.add(drop);
        step.ended.push(drop);
        if (keep === B) break;
      }
    }
    state.closePairs = close;
    if (gone.size > 0) {
      state.tracks = list.filter((tr) => !gone.has(tr));
      step.assignment = step.assignment.map((tr) => (tr && gone.has(tr) ? null : tr));
    }
  }
  return step;
}

function idNumber(tr: Track): number {
  const n = Number(tr.id.slice(tr.id.lastIndexOf('-') + 1));
  return Number.isFinite(n) ? n : Infinity;
}

function update(tr: Track, cand: PersonCandidate, o: TrackingOptions, fresh = false): void {
  if (fresh || hasTorso(cand.mask)) {
    const dt = (cand.t - tr.centreT) / 1000;
    if (!fresh && dt > 1e-3) {
      const g = 1 - Math.exp((-dt * 1000) / o.velocityTauMs);
      for (let i = 0; i < 2; i++) {
        const v = (cand.centre[i]! - tr.centre[i]!) / dt;
        tr.velocity[i] = g * v + (1 - g) * tr.velocity[i]!;
      }
      tr.velocity[2] = 0;
      const s = Math.hypot(tr.velocity[0]!, tr.velocity[1]!);
      if (s > o.maxSpeed) {
        tr.velocity[0] = (tr.velocity[0]! * o.maxSpeed) / s;
        tr.velocity[1] = (tr.velocity[1]! * o.maxSpeed) / s;
      }
    }
    if (fresh || cand.t >= tr.centreT) {
      tr.centre[0] = cand.centre[0];
      tr.centre[1] = cand.centre[1];
      tr.centre[2] = cand.centre[2];
      tr.centreT = cand.t;
      if (cand.t - tr.ref[5]! >= REF_MS)
        tr.ref.set([tr.ref[3]!, tr.ref[4]!, tr.ref[5]!, cand.centre[0], cand.centre[1], cand.t]);
    }
  }
  for (let j = 0; j < 17; j++) {
    if (!(cand.mask & (1 << j))) continue;
    tr.joints[j * 3] = cand.joints[j * 3]!;
    tr.joints[j * 3 + 1] = cand.joints[j * 3 + 1]!;
    tr.joints[j * 3 + 2] = cand.joints[j * 3 + 2]!;
    tr.jointT[j] = cand.t;
  }
  tr.lastSeenAt = Math.max(tr.lastSeenAt, cand.t);
  tr.hits++;
  if (cand.sourceKey !== null) tr.sourceKey = cand.sourceKey;
}

/** Spacing of a track's reference samples (ms): `ref` is 0.5–1 s old. */
const REF_MS = 500;

/** A track's reference samples when it starts (or restarts) at a candidate: both that sighting. */
function refAt(cand: PersonCandidate): Float64Array {
  const [x, y] = cand.centre;
  return Float64Array.of(x, y, cand.t, x, y, cand.t);
}

/** How far (m, on the floor) a track has moved since its older reference sample. */
function movedSinceRef(tr: Track): number {
  return Math.hypot(tr.centre[0]! - tr.ref[0]!, tr.centre[1]! - tr.ref[1]!);
}

/** A track this still (m over the last second) has been standing on its spot… */
const SETTLED_M = 0.2;
/** …and one this far away then has only just come there. */
const ARRIVED_M = 0.35;

const TORSO = [5, 6, 11, 12];

/** Whether a skeleton shows enough of the torso (two of shoulders and hips) to place the person. */
function hasTorso(mask: number): boolean {
  let n = 0;
  for (const j of TORSO) if (mask & (1 << j)) n++;
  return n >= 2;
}

const implied = new Float64Array(3);

/**
 * Where the torso of a limbs-only candidate would be if it were this track's person: each placed
 * joint, less where that joint sat relative to the track's centre (on the floor). Null when the track
 * knows none of its joints.
 */
function impliedCentre(tr: Track, cand: PersonCandidate): Float64Array | null {
  let x = 0;
  let y = 0;
  let n = 0;
  for (let j = 0; j < 17; j++) {
    if (!(cand.mask & (1 << j)) || tr.jointT[j] === -Infinity) continue;
    x += cand.joints[j * 3]! - (tr.joints[j * 3]! - tr.centre[0]!);
    y += cand.joints[j * 3 + 1]! - (tr.joints[j * 3 + 1]! - tr.centre[1]!);
    n++;
  }
  if (n === 0) return null;
  implied[0] = x / n;
  implied[1] = y / n;
  implied[2] = tr.centre[2]!;
  return implied;
}

/** Torso centre of a skeleton: mean of the placed shoulders and hips, else of all placed joints. Null when none. */
export function torsoCentre(joints: Float64Array, mask: number): Vec3 | null {
  const torso = (1 << 5) | (1 << 6) | (1 << 11) | (1 << 12);
  const use = mask & torso ? mask & torso : mask;
  let x = 0,
    y = 0,
    z = 0,
    n = 0;
  for (let j = 0; j < 17; j++) {
    if (!(use & (1 << j))) continue;
    x += joints[j * 3]!;
    y += joints[j * 3 + 1]!;
    z += joints[j * 3 + 2]!;
    n++;
  }
  return n === 0 ? null : [x / n, y / n, z / n];
}
