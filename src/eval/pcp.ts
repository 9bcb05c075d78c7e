/**
 * Limb PCP (percentage of correct parts) of estimated 3D people against labelled truth, as the Shelf
 * dataset README defines it: for each truth frame, each actor is matched to the estimated person at
 * the nearest time step (within 20 ms) with the lowest mean error over shoulders, elbows, wrists,
 * hips, knees and ankles; a limb (upper and lower arms and legs, 8) is correct when the mean distance
 * of its two end joints from the truth is at most half the true limb length.
 */
import { z } from 'zod';
import { COCO_JOINTS } from '../protocol/ids.js';
import type { PeopleFrame } from '../protocol/results.js';

const Point = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);

/** A truth file of 3D people (`truth-people.json`). */
export const TruthPeople = z.object({
  frames: z.array(
    z.object({
      t: z.number().finite(),
      frame: z.number().optional(),
      people: z.array(
        z.object({ actor: z.union([z.number(), z.string()]), joints: z.record(z.string(), Point) }),
      ),
    }),
  ),
});
export type TruthPeople = z.infer<typeof TruthPeople>;

/** Parses a truth-people file, throwing an error that names the misfit field. */
export function parseTruthPeople(input: unknown): TruthPeople {
  const r = TruthPeople.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`truth-people rejected at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

/** The 8 limbs of PCP: [name, proximal joint, distal joint]. */
export const LIMBS = [
  ['left_upper_arm', 'left_shoulder', 'left_elbow'],
  ['right_upper_arm', 'right_shoulder', 'right_elbow'],
  ['left_lower_arm', 'left_elbow', 'left_wrist'],
  ['right_lower_arm', 'right_elbow', 'right_wrist'],
  ['left_upper_leg', 'left_hip', 'left_knee'],
  ['right_upper_leg', 'right_hip', 'right_knee'],
  ['left_lower_leg', 'left_knee', 'left_ankle'],
  ['right_lower_leg', 'right_knee', 'right_ankle'],
] as const;

/** Shoulders to ankles: the joints the README's matching uses (COCO-17 without the head). */
const MATCH_JOINTS = COCO_JOINTS.slice(5);

/** PCP of one actor. */
export interface ActorPcp {
  actor: string;
  /** Percent of limbs correct over all the actor's truth frames (0–100). */
  pcp: number;
  correct: number;
  total: number;
  /** Truth frames of the actor, and how many found an estimated person at all. */
  frames: number;
  matched: number;
  /** Percent correct per limb. */
  perLimb: Record<string, number>;
}

type P3 = readonly [number, number, number];

function dist(a: P3, b: P3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** Tunables of PCP. */
export interface PcpOptions {
  /** Largest time difference between a truth frame and the estimate step matched to it (ms). Default 20. */
  maxDtMs: number;
  /** Limb correct when the mean end-joint error ≤ alpha × true limb length. Default 0.5. */
  alpha: number;
}

/** Computes limb PCP per actor (sorted by actor). A missing estimate or joint makes its limbs wrong. */
export function pcpPerActor(
  truth: TruthPeople,
  estimates: readonly PeopleFrame[],
  options: Partial<PcpOptions> = {},
): ActorPcp[] {
  const o: PcpOptions = { maxDtMs: 20, alpha: 0.5, ...options };
  const sorted = [...estimates].sort((a, b) => a.t - b.t);
  const times = sorted.map((f) => f.t);
  const acc = new Map<
    string,
    { correct: number; total: number; frames: number; matched: number; limb: number[]; limbTotal: number[] }
  >();
  for (const frame of truth.frames) {
    const est = nearest(sorted, times, frame.t, o.maxDtMs);
    for (const person of frame.people) {
      const key = String(person.actor);
      let a = acc.get(key);
      if (!a) {
        a = {
          correct: 0,
          total: 0,
          frames: 0,
          matched: 0,
          limb: LIMBS.map(() => 0),
          limbTotal: LIMBS.map(() => 0),
        };
        acc.set(key, a);
      }
      a.frames++;
      // The estimated person with the lowest mean error over the matching joints.
      let best: Record<string, P3> | null = null;
      let bestErr = Infinity;
      for (const p of est?.people ?? []) {
        let s = 0;
        let n = 0;
        for (const j of MATCH_JOINTS) {
          const tj = person.joints[j];
          const ej = p.joints[j];
          if (!tj || !ej) continue;
          s += dist(tj, ej);
          n++;
        }
        if (n > 0 && s / n < bestErr) {
          bestErr = s / n;
          best = p.joints;
        }
      }
      if (best) a.matched++;
      LIMBS.forEach(([, pj, dj], i) => {
        const t1 = person.joints[pj];
        const t2 = person.joints[dj];
        if (!t1 || !t2) return; // the truth lacks this limb: not scored
        a.total++;
        a.limbTotal[i]!++;
        const e1 = best?.[pj];
        const e2 = best?.[dj];
        if (!e1 || !e2) return;
        if ((dist(e1, t1) + dist(e2, t2)) / 2 <= o.alpha * dist(t1, t2)) {
          a.correct++;
          a.limb[i]!++;
        }
      });
    }
  }
  return [...acc.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([actor, a]) => ({
      actor,
      pcp: a.total === 0 ? 0 : (100 * a.correct) / a.total,
      correct: a.correct,
      total: a.total,
      frames: a.frames,
      matched: a.matched,
      perLimb: Object.fromEntries(
        LIMBS.map(([name], i) => [name, a.limbTotal[i]! === 0 ? 0 : (100 * a.limb[i]!) / a.limbTotal[i]!]),
      ),
    }));
}

function nearest(
  frames: readonly PeopleFrame[],
  times: readonly number[],
  t: number,
  maxDt: number,
): PeopleFrame | null {
  // Binary search for the first time ≥ t, then compare with its predecessor.
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  let best: PeopleFrame | null = null;
  let bestDt = Infinity;
  for (const i of [lo - 1, lo]) {
    if (i < 0 || i >= times.length) continue;
    const dt = Math.abs(times[i]! - t);
    if (dt <= maxDt && dt < bestDt) {
      bestDt = dt;
      best = frames[i]!;
    }
  }
  return best;
}
