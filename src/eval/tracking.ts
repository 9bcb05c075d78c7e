import type { PeopleFrame } from '../protocol/results.js';

/** Where a true person stood at one moment (floor, m). */
export interface TruePosition {
  id: string;
  x: number;
  y: number;
}

/** Multi-object tracking quality on the floor plane (CLEAR MOT and IDF1). */
export interface TrackingScore {
  mota: number;
  idf1: number;
  idSwitches: number;
  frames: number;
  truePositions: number;
}

/** Floor position of an estimated person: the mean of hips and shoulders, else of any joints. */
function floorOf(joints: Record<string, readonly number[]>): [number, number] | null {
  const core = ['left_hip', 'right_hip', 'left_shoulder', 'right_shoulder']
    .map((j) => joints[j])
    .filter((p) => p !== undefined);
  const pts = core.length > 0 ? core : Object.values(joints);
  if (pts.length === 0) return null;
  return [pts.reduce((s, p) => s + p[0]!, 0) / pts.length, pts.reduce((s, p) => s + p[1]!, 0) / pts.length];
}

/**
 * Scores estimated people against the truth, one frame at a time (a long recording's frames need
 * not be kept): per frame, greedy matching within `maxM` metres; MOTA = 1 − (misses + false
 * positives + identity switches) / true positions; IDF1 from the best one-to-one pairing of true
 * and estimated identities over the whole recording.
 */
export class TrackingScorer {
  private misses = 0;
  private falsePositives = 0;
  private switches = 0;
  private gt = 0;
  private predicted = 0;
  private frames = 0;
  private readonly lastMatch = new Map<string, string>();
  private readonly pairs = new Map<string, number>();

  constructor(private readonly maxM = 0.5) {}

  /** Adds one frame of estimates with the truth at its time. */
  add(frame: PeopleFrame, truth: readonly TruePosition[]): void {
    this.frames += 1;
    const est = frame.people.flatMap((p) => {
      const f = floorOf(p.joints);
      return f ? [{ id: p.id, x: f[0], y: f[1] }] : [];
    });
    this.gt += truth.length;
    this.predicted += est.length;
    const cand: { d: number; ti: number; ei: number }[] = [];
    truth.forEach((tp, ti) =>
      est.forEach((ep, ei) => {
        const d = Math.hypot(tp.x - ep.x, tp.y - ep.y);
        if (d <= this.maxM) cand.push({ d, ti, ei });
      }),
    );
    cand.sort((a, b) => a.d - b.d || a.ti - b.ti || a.ei - b.ei);
    const tUsed = new Set<number>();
    const eUsed = new Set<number>();
    for (const c of cand) {
      if (tUsed.has(c.ti) || eUsed.has(c.ei)) continue;
      tUsed.add(c.ti);
      eUsed.add(c.ei);
      const tid = truth[c.ti]!.id;
      const eid = est[c.ei]!.id;
      const prev = this.lastMatch.get(tid);
      if (prev !== undefined && prev !== eid) this.switches += 1;
      this.lastMatch.set(tid, eid);
      const key = `${tid}\u0000${eid}`;
      this.pairs.set(key, (this.pairs.get(key) ?? 0) + 1);
    }
    this.misses += truth.length - tUsed.size;
    this.falsePositives += est.length - eUsed.size;
  }

  /** The scores so far. */
  result(): TrackingScore {
    // IDF1: pair identities greedily by how many frames they matched.
    const sorted = [...this.pairs].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const tTaken = new Set<string>();
    const eTaken = new Set<string>();
    let idtp = 0;
    for (const [key, n] of sorted) {
      const [tid, eid] = key.split('\u0000') as [string, string];
      if (tTaken.has(tid) || eTaken.has(eid)) continue;
      tTaken.add(tid);
      eTaken.add(eid);
      idtp += n;
    }
    const gt = this.gt;
    return {
      mota: gt === 0 ? 1 : 1 - (this.misses + this.falsePositives + this.switches) / gt,
      idf1: gt + this.predicted === 0 ? 1 : (2 * idtp) / (gt + this.predicted),
      idSwitches: this.switches,
      frames: this.frames,
      truePositions: gt,
    };
  }
}

/** Scores a whole list of frames (see TrackingScorer). */
export function trackingScore(
  frames: readonly PeopleFrame[],
  truthAt: (t: number) => TruePosition[],
  maxM = 0.5,
): TrackingScore {
  const scorer = new TrackingScorer(maxM);
  for (const frame of frames) scorer.add(frame, truthAt(frame.t));
  return scorer.result();
}
