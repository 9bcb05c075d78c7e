import { describe, expect, it } from 'vitest';
import {
  createTrackerState,
  predictCentre,
  stepTracks,
  torsoCentre,
  type PersonCandidate,
  type TrackerState,
} from './tracks.js';

/** A candidate whose every joint sits at (x, y, 1). */
function at(t: number, x: number, y: number, extra: Partial<PersonCandidate> = {}): PersonCandidate {
  const joints = new Float64Array(51);
  for (let j = 0; j < 17; j++) {
    joints[j * 3] = x;
    joints[j * 3 + 1] = y;
    joints[j * 3 + 2] = 1;
  }
  return { t, joints, mask: (1 << 17) - 1, centre: [x, y, 1], trackHint: null, sourceKey: null, ...extra };
}

function walk(state: TrackerState, from: number, to: number, stepMs: number, x0: number, vx: number) {
  const steps = [];
  for (let t = from; t <= to; t += stepMs)
    steps.push(stepTracks(state, [at(t, x0 + (vx * (t - from)) / 1000, 2)], t));
  return steps;
}

describe('a track through its life', () => {
  it('is born tentative, confirmed on the third hit, keeps its id while the person walks', () => {
    const s = createTrackerState();
    const steps = walk(s, 0, 2000, 66, 1, 1.2);
    expect(steps[0]!.born.map((t) => t.id)).toEqual(['track-1']);
    expect(steps[0]!.confirmed).toEqual([]);
    expect(steps[1]!.confirmed).toEqual([]);
    expect(steps[2]!.confirmed.map((t) => t.id)).toEqual(['track-1']);
    expect(s.tracks.map((t) => t.id)).toEqual(['track-1']);
    expect(s.tracks[0]!.velocity[0]).toBeCloseTo(1.2, 1);
    expect(s.tracks[0]!.bornPlace).toEqual([1, 2, 1]);
  });

  it('ages in event time, not frames: a slow camera keeps its track, a long gap ends it', () => {
    const s = createTrackerState({ stitchMs: 8000 });
    walk(s, 0, 1000, 250, 1, 0); // 4 fps
    expect(s.tracks[0]!.confirmed).toBe(true);
    const later = stepTracks(s, [], 1000 + 2900);
    expect(later.ended).toEqual([]);
    const gone = stepTracks(s, [], 1000 + 3100);
    expect(gone.ended.map((t) => t.id)).toEqual(['track-1']);
    expect(s.tracks).toEqual([]);
    expect(s.lost.map((t) => t.id)).toEqual(['track-1']);
  });

  it('drops a tentative ghost quickly and never confirms it', () => {
    const s = createTrackerState();
    stepTracks(s, [at(0, 5, 5)], 0);
    const r = stepTracks(s, [], 500);
    expect(r.ended.map((t) => [t.id, t.confirmed])).toEqual([['track-1', false]]);
    expect(s.lost).toEqual([]);
  });

  it('stitches a person who reappears where their motion leads, under the old id (when asked to)', () => {
    const s = createTrackerState({ stitchMs: 8000 });
    walk(s, 0, 1000, 100, 1, 1); // ends at x = 2 moving +x at 1 m/s
    stepTracks(s, [], 4100); // lost
    expect(s.tracks).toEqual([]);
    const back = stepTracks(s, [at(4500, 3.6, 2)], 4500);
    expect(back.revived.map((t) => t.id)).toEqual(['track-1']);
    expect(back.born).toEqual([]);
  });

  it('does not stitch someone the store says is someone else (mayRevive)', () => {
    const s = createTrackerState();
    s.mayRevive = (_lost, cand) => cand.centre[0] < 3;
    walk(s, 0, 1000, 100, 1, 1);
    stepTracks(s, [], 4100);
    const other = stepTracks(s, [at(4500, 3.6, 2)], 4500);
    expect(other.revived).toEqual([]);
    expect(other.born.map((t) => t.id)).toEqual(['track-2']);
  });

  it('weighs what positions do not show when two people are near (matchPenalty)', () => {
    // Two people 0.3 m apart; the candidate sits nearer track-1 but the penalty says it is track-2.
    const s = createTrackerState({ spawnClearanceM: 0.1, mergeM: 0 });
    for (let t = 0; t <= 500; t += 100) stepTracks(s, [at(t, 1, 2), at(t, 1.3, 2)], t);
    const [one, two] = s.tracks;
    s.matchPenalty = (track, cand) => (cand.sourceKey === 'tall' && track === one ? Infinity : 0);
    const step = stepTracks(s, [at(600, 1.1, 2, { sourceKey: 'tall' })], 600);
    expect(step.assignment[0]).toBe(two);
  });

  it('does not stitch someone far from where the lost person could be', () => {
    const s = createTrackerState();
    walk(s, 0, 1000, 100, 1, 0);
    stepTracks(s, [], 4100);
    const other = stepTracks(s, [at(4500, 9, 7)], 4500);
    expect(other.revived).toEqual([]);
    expect(other.born.map((t) => t.id)).toEqual(['track-2']);
  });

  it('keeps two people apart and treats a fragment beside a track as no one new', () => {
    const s = createTrackerState();
    for (let t = 0; t <= 500; t += 100) stepTracks(s, [at(t, 1, 1), at(t, 3, 1)], t);
    expect(s.tracks.map((t) => t.id)).toEqual(['track-1', 'track-2']);
    const r = stepTracks(s, [at(600, 1, 1), at(600, 3, 1), at(600, 1.2, 1.1)], 600);
    expect(r.born).toEqual([]);
    expect(r.assignment.map((t) => t?.id ?? null)).toEqual(['track-1', 'track-2', null]);
  });

  it('follows an association hint between candidates centimetres apart, never over a nearer one', () => {
    const s = createTrackerState({ mergeM: 0 }); // the two end up close: no duplicate merging here
    for (let t = 0; t <= 300; t += 100) stepTracks(s, [at(t, 1, 1), at(t, 1.6, 1)], t);
    // Both candidates are a little nearer the other track, but the hints say who is who.
    const r = stepTracks(
      s,
      [at(400, 1.33, 1, { trackHint: 'track-1' }), at(400, 1.27, 1, { trackHint: 'track-2' })],
      400,
    );
    expect(r.assignment.map((t) => t!.id)).toEqual(['track-1', 'track-2']);
    // Poses mixed from two people, claimed for track-1 0.4 m ahead of it, do not take it from its
    // own person standing where it is.
    const mixed = stepTracks(
      s,
      [
        at(500, 1.73, 1, { trackHint: 'track-1' }),
        at(500, 1.34, 1),
        at(500, 1.28, 1, { trackHint: 'track-2' }),
      ],
      500,
    );
    expect(mixed.assignment[1]?.id).toBe('track-1');
  });

  it('merges two tracks that follow one person, keeping the older id', () => {
    const s = createTrackerState({ mergeM: 0.3, mergeAfterMs: 1000 });
    for (let t = 0; t <= 300; t += 100) stepTracks(s, [at(t, 1, 1), at(t, 2, 1)], t);
    // Close for less than mergeAfterMs: two people passing, both kept. The second track lives on
    // fragments of the first one's person (a pose split in two at every third instant).
    for (let t = 400; t <= 1300; t += 100) {
      const fragment = (t / 100) % 3 === 1 ? [at(t, 1.6, 1)] : [];
      expect(stepTracks(s, [at(t, 1.4, 1), ...fragment], t).ended).toEqual([]);
    }
    const r = stepTracks(s, [at(1400, 1.4, 1), at(1400, 1.6, 1)], 1400);
    expect(r.ended.map((t) => t.id)).toEqual(['track-2']);
    expect(s.tracks.map((t) => t.id)).toEqual(['track-1']);
    expect(s.tracks[0]!.lastSeenAt).toBe(1400);
  });

  it('keeps two close tracks that are each seen at most instants: two people side by side', () => {
    const s = createTrackerState({ mergeM: 0.3, mergeAfterMs: 500 });
    for (let t = 0; t <= 300; t += 100) stepTracks(s, [at(t, 1, 1), at(t, 2, 1)], t);
    for (let t = 400; t <= 3000; t += 100) {
      // The second comes up beside the first; one of the two is missed now and then.
      const x = Math.max(1.25, 2 - (t - 300) / 1000);
      const second = (t / 100) % 4 === 0 ? [] : [at(t, x, 1)];
      expect(stepTracks(s, [at(t, 1, 1), ...second], t).ended).toEqual([]);
    }
    expect(s.tracks.map((t) => t.id)).toEqual(['track-1', 'track-2']);
  });

  it('merges a track pulled onto someone standing into theirs, not theirs into it', () => {
    const s = createTrackerState({ mergeM: 0.3, mergeAfterMs: 300 });
    // track-1 (older) follows a walker passing 0.6 m from someone standing at (3, 2): track-2.
    for (let t = 0; t <= 1000; t += 100) stepTracks(s, [at(t, 1 + t / 1000, 2.6), at(t, 3, 2)], t);
    // Poses mixed from the two drag track-1 onto the stander (the walker is not seen meanwhile)…
    const drag: [number, number][] = [
      [2.4, 2.4],
      [2.7, 2.2],
      [2.9, 2.05],
    ];
    let ended: string[] = [];
    drag.forEach(([x, y], k) => {
      const t = 1100 + 100 * k;
      ended = ended.concat(stepTracks(s, [at(t, x, y), at(t, 3, 2)], t).ended.map((e) => e.id));
    });
    // …and both then follow the stander: track-1 has just come, track-2 has stood here all along.
    for (let t = 1400; t <= 2200; t += 100) {
      const fragment = (t / 100) % 3 === 1 ? [at(t, 3.02, 2.02)] : [];
      ended = ended.concat(stepTracks(s, [at(t, 3, 2), ...fragment], t).ended.map((e) => e.id));
    }
    expect(ended).toEqual(['track-1']);
    expect(s.tracks.map((t) => t.id)).toEqual(['track-2']);
  });

  it('gives a candidate to the track that follows its person now, not to one lost there a while ago', () => {
    const s = createTrackerState();
    // track-1 stood at (2, 2) and has not been seen since 0.5 s; track-2 walks up, seen all along.
    for (let t = 0; t <= 500; t += 100) stepTracks(s, [at(t, 2, 2)], t);
    for (let t = 600; t <= 2500; t += 100) stepTracks(s, [at(t, 1.3 + (t - 600) / 3000, 2)], t);
    expect(s.tracks.map((t) => t.id)).toEqual(['track-1', 'track-2']);
    // The walker reaches the spot where track-1 was last seen: nearer it than track-2's prediction.
    const r = stepTracks(s, [at(2600, 1.99, 2)], 2600);
    expect(r.assignment[0]?.id).toBe('track-2');
  });

  it('coasts an unseen track a little, not on and on', () => {
    const s = createTrackerState();
    walk(s, 0, 1000, 100, 1, 1.2);
    const p = [0, 0, 0];
    predictCentre(s.tracks[0]!, 1000 + 1400, p, 0.5);
    expect(p[0]).toBeGreaterThan(2.2 + 0.4);
    expect(p[0]).toBeLessThan(2.2 + 0.6);
  });

  it('hands out the same ids in two independent runs (ids come from state)', () => {
    const run = () => {
      const s = createTrackerState();
      walk(s, 0, 500, 100, 1, 0);
      return s.tracks.map((t) => t.id);
    };
    expect(run()).toEqual(run());
    expect(run()).toEqual(['track-1']);
  });

  it('keeps the centre of a person seen a moment by the legs alone, and starts nobody from them', () => {
    const s = createTrackerState();
    walk(s, 0, 1000, 66, 3, 1);
    const before = s.tracks[0]!;
    const x = before.centre[0]!;
    // Ankles and a knee 0.3 m behind the torso (a stride), placed alone: no centre, no new track.
    const legs = at(1050, x - 0.3, 2, { mask: (1 << 13) | (1 << 15) | (1 << 16) });
    const r = stepTracks(s, [legs], 1050);
    expect(r.born).toEqual([]);
    expect(r.assignment[0]?.id).toBe('track-1');
    expect(s.tracks[0]!.centre[0]).toBe(x);
    expect(s.tracks[0]!.velocity[0]).toBeGreaterThan(0.5);
    const alone = stepTracks(s, [at(1100, 8, 6, { mask: (1 << 13) | (1 << 15) })], 1100);
    expect(alone.born).toEqual([]);
  });

  it('follows a person whose legs walked on while the torso was hidden, and starts no second track', () => {
    const s = createTrackerState();
    walk(s, 0, 1000, 66, 3, 0); // standing at x = 3: the prediction stays there
    const legs = (1 << 13) | (1 << 14) | (1 << 15) | (1 << 16);
    for (let t = 1066; t <= 1600; t += 66)
      stepTracks(s, [at(t, 3 + (1.2 * (t - 1000)) / 1000, 2, { mask: legs })], t);
    expect(s.tracks[0]!.centre[0]).toBe(3);
    // The torso is back 0.78 m from where it was last seen, beside the legs seen just now.
    const back = stepTracks(s, [at(1650, 3.78, 2)], 1650);
    expect(back.born).toEqual([]);
    expect(back.assignment[0]?.id).toBe('track-1');
    expect(s.tracks[0]!.centre[0]).toBeCloseTo(3.78, 6);
    // Someone else 0.7 m to the side of those legs is someone new.
    for (let t = 1700; t <= 2300; t += 66) stepTracks(s, [at(t, 3.8, 2, { mask: legs })], t);
    const other = stepTracks(s, [at(2350, 3.8, 2.7), at(2350, 3.8, 2)], 2350);
    expect(other.born.length).toBe(1);
    expect(other.assignment[1]?.id).toBe('track-1');
  });

  it('does not read centimetres between instants milliseconds apart as a sprint', () => {
    const s = createTrackerState();
    for (let t = 0; t <= 1000; t += 40) stepTracks(s, [at(t, 4, 2)], t);
    // Two instants 10 ms apart whose centres differ by 5 cm of triangulation noise.
    stepTracks(s, [at(1010, 4.05, 2)], 1010);
    expect(Math.abs(s.tracks[0]!.velocity[0]!)).toBeLessThan(0.3);
  });

  it('rejects bad parameters by name', () => {
    expect(() => createTrackerState({ gateM: 0 })).toThrow(/gateM/);
    expect(() => createTrackerState({ confirmHits: 0 })).toThrow(/confirmHits/);
    expect(() => createTrackerState({ velocityTauMs: 0 })).toThrow(/velocityTauMs/);
    expect(() => createTrackerState({ stitchMs: -1 })).toThrow(/stitchMs/);
  });

  it('torsoCentre prefers shoulders and hips', () => {
    const j = new Float64Array(51);
    j[5 * 3] = 1;
    j[6 * 3] = 1;
    j[0] = 9;
    expect(torsoCentre(j, (1 << 5) | (1 << 6) | 1)).toEqual([1, 0, 0]);
    expect(torsoCentre(j, 1)).toEqual([9, 0, 0]);
    expect(torsoCentre(j, 0)).toBeNull();
  });
});
