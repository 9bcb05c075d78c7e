import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CameraPoses } from '../../protocol/messages.js';
import type { PeopleFrame } from '../../protocol/results.js';
import { replayVision } from './replay.js';
import { lookAt, syntheticScene, type Scene } from './synthetic.js';
import { createVision, distanceToFrontFace, heldDistance } from './vision.js';

const T0 = 1_700_000_000_000;
const target: [number, number, number] = [5, 4, 1];
const cameras = [
  lookAt('c0', [0, 0, 3], target),
  lookAt('c1', [10, 0, 3], target),
  lookAt('c2', [10, 8, 3], target),
  lookAt('c3', [0, 8, 3], target),
  lookAt('c4', [5, 0, 3], target, { dist: [-0.15, 0.03, 0, 0, 0] }),
  lookAt('c5', [5, 8, 3], target),
];

function scene(people: number, seed = 7, durationMs = 6000): Scene {
  return syntheticScene({
    seed,
    floor: [10, 8],
    cameras,
    people,
    durationMs,
    noisePx: 1.5,
    dropRate: 0.05,
    maxOffsetMs: 60,
    t0: T0,
  });
}

/** Per truth person: the track ids it was matched to, mean joint error, and frames where it was missed. */
function score(s: Scene, frames: PeopleFrame[]) {
  const ids = new Map<string, Set<string>>();
  let err = 0,
    n = 0,
    missed = 0,
    extra = 0;
  for (const f of frames) {
    const matched = new Set<string>();
    for (const p of s.truthAt(f.t)) {
      let best: string | null = null,
        be = Infinity;
      for (const e of f.people) {
        const w = e.joints.left_wrist,
          h = e.joints.left_hip;
        if (!w || !h) continue;
        const d =
          (Math.hypot(w[0] - p.joints[9]![0], w[1] - p.joints[9]![1], w[2] - p.joints[9]![2]) +
            Math.hypot(h[0] - p.joints[11]![0], h[1] - p.joints[11]![1], h[2] - p.joints[11]![2])) /
          2;
        if (d < be) {
          be = d;
          best = e.id;
        }
      }
      if (best === null || be > 0.2) {
        missed++;
        continue;
      }
      matched.add(best);
      err += be;
      n++;
      (ids.get(p.id) ?? ids.set(p.id, new Set()).get(p.id)!).add(best);
    }
    extra += f.people.filter((e) => !matched.has(e.id)).length;
  }
  return { ids, meanErr: err / n, missed, extra };
}

describe('vision on a synthetic store', () => {
  it('given four shoppers walking under six unsynchronised cameras, then each is one track, placed within 3 cm', () => {
    const s = scene(4);
    const { frames } = replayVision(s.store, s.messages);
    const r = score(s, frames);
    // A synthetic walker turns about instantly at a wall (left and right swap in one frame): allow a blip.
    expect(r.missed).toBeLessThanOrEqual(2);
    expect(r.extra).toBeLessThanOrEqual(2);
    expect(r.meanErr).toBeLessThan(0.03);
    expect([...r.ids.values()].map((x) => x.size)).toEqual([1, 1, 1, 1]);
    expect(new Set([...r.ids.values()].flatMap((x) => [...x])).size).toBe(4);
    // Frames carry the contract's shape: track ids, no session yet, COCO names.
    expect(frames[0]!.people[0]).toMatchObject({ id: expect.stringMatching(/^track-\d+$/), session: null });
  });

  it('needs three cameras to agree on a person where three or more look (two can cross by chance)', () => {
    // Cameras in sync, so that every instant holds all six frames.
    const s = syntheticScene({
      seed: 11,
      floor: [10, 8],
      cameras,
      people: 1,
      durationMs: 3000,
      noisePx: 1.5,
      dropRate: 0,
      maxOffsetMs: 0,
      t0: T0,
    });
    // The other cameras send their frames, empty.
    const only = (ids: readonly string[]) =>
      s.messages.map((m) =>
        m.kind !== 'camera-poses' || ids.includes(m.deviceId)
          ? m
          : { ...m, payload: { ...m.payload, poses: [] } },
      );
    const people = (ids: readonly string[]) =>
      new Set(replayVision(s.store, only(ids)).frames.flatMap((f) => f.people.map((p) => p.id))).size;
    // Every camera looks at the whole floor: two seeing someone while four see nobody is a ghost.
    expect(people(['c0', 'c1'])).toBe(0);
    expect(people(['c0', 'c1', 'c2'])).toBe(1);
  });

  it('gives the same frames whatever the watermark schedule (lateness 0.1 s or 2 s)', () => {
    const s = scene(3, 16, 3000);
    const a = replayVision(s.store, s.messages, {}, 100).frames;
    const b = replayVision(s.store, s.messages, {}, 2000).frames;
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('is deterministic: the same messages give the same frames', () => {
    const s = scene(3, 11, 3000);
    expect(JSON.stringify(replayVision(s.store, s.messages).frames)).toBe(
      JSON.stringify(replayVision(s.store, s.messages).frames),
    );
  });

  it('keeps a naive baseline that also finds everyone here', () => {
    const s = scene(3, 12, 3000);
    const r = score(s, replayVision(s.store, s.messages, { mode: 'naive' }).frames);
    expect(r.meanErr).toBeLessThan(0.05);
  });

  it('holds frames back by frameLagMs and flushes on advance(Infinity)', () => {
    const s = scene(2, 13, 2000);
    const v = createVision(s.store, { frameLagMs: 500 });
    const got: PeopleFrame[] = [];
    for (const m of s.messages) {
      if (m.kind !== 'camera-poses') continue;
      v.ingestPoses(m.deviceId, m.payload);
      const lastT = m.payload.t;
      const out = v.advance(lastT).frames;
      for (const f of out) expect(f.t).toBeLessThanOrEqual(lastT - 500);
      got.push(...out);
    }
    const rest = v.advance(Infinity).frames;
    expect(rest.length).toBeGreaterThan(0);
    const all = [...got, ...rest];
    expect(all.map((f) => f.t)).toEqual([...all.map((f) => f.t)].sort((a, b) => a - b));
    // The first instant already names both people: confirmation was back-filled within the lag.
    expect(all[0]!.people).toHaveLength(2);
  });

  it('reports tracks with position, velocity, wrists, birth; and hands near a plate', () => {
    const s = scene(1, 14, 3000);
    const { vision, frames } = replayVision(s.store, s.messages);
    const [tr] = vision.tracks();
    expect(tr).toBeDefined();
    const truth = s.truthAt(tr!.lastSeenAt)[0]!;
    expect(
      Math.hypot(tr!.rightWrist![0] - truth.joints[10]![0], tr!.rightWrist![1] - truth.joints[10]![1]),
    ).toBeLessThan(0.05);
    expect(Math.hypot(...tr!.velocity)).toBeGreaterThan(0.2);
    expect(tr!.bornAt).toBeLessThan(T0 + 200);
    // A plate right where the wrist was at some instant: that track is nearest, at about 0 m.
    const t = frames[20]!.t;
    const w = frames[20]!.people[0]!.joints.left_wrist!;
    const box = {
      min: [w[0] - 0.2, w[1] + 0.05, w[2] - 0.1] as [number, number, number],
      max: [w[0] + 0.2, w[1] + 0.45, w[2] + 0.1] as [number, number, number],
    };
    const near = vision.handsNear(box, [0, -1, 0], t - 1, t + 1);
    expect(near).toHaveLength(1);
    expect(near[0]).toMatchObject({ trackId: tr!.id, wrist: 'left', samples: 1 });
    expect(near[0]!.minDistanceM).toBeCloseTo(0.05, 1);
    expect(vision.handsNear(box, [0, -1, 0], T0 - 10_000, T0 - 5_000)).toEqual([]);
  });

  it('tells a hand held at a plate from one that brushed past or one noisy sample', () => {
    const ts = [0, 100, 200, 300, 400, 500];
    // Held at the face for 300 ms.
    expect(heldDistance(ts, [0.3, 0, 0, 0.01, 0, 0.3])).toBe(0.01);
    // One sample at the face among samples 15 cm off: the hand stayed 15 cm off.
    expect(heldDistance(ts, [0.15, 0.16, 0, 0.15, 0.17, 0.15])).toBe(0.16);
    // Too few samples to tell how long the hand stayed: the farthest counts.
    expect(heldDistance([0, 100], [0, 0.2])).toBe(0.2);
    expect(heldDistance([], [])).toBe(Infinity);
  });

  it('measures distance to a plate front face: in front, beside, inside, behind', () => {
    const box = {
      min: [2, 3, 0.9] as [number, number, number],
      max: [2.4, 3.45, 1.2] as [number, number, number],
    };
    const f: [number, number, number] = [0, -1, 0];
    expect(distanceToFrontFace(box, f, [2.2, 2.8, 1])).toBeCloseTo(0.2, 9);
    expect(distanceToFrontFace(box, f, [2.7, 3, 1])).toBeCloseTo(0.3, 9);
    expect(distanceToFrontFace(box, f, [2.2, 3.2, 1])).toBe(0);
    expect(distanceToFrontFace(box, f, [2.2, 3.75, 1])).toBeCloseTo(0.3, 9);
  });

  it('turns external tracker people into tracks', () => {
    const v = createVision(scene(0).store);
    const frames: PeopleFrame[] = [];
    for (let i = 0; i < 10; i++) {
      const t = T0 + i * 100;
      v.ingestTrackerPeople('depth-1', {
        t,
        people: [
          {
            id: 'p7',
            joints: {
              left_shoulder: [2 + i * 0.05, 2, 1.4],
              right_shoulder: [2 + i * 0.05, 2.4, 1.4],
              left_wrist: [2.3, 2, 1],
            },
          },
        ],
      });
      frames.push(...v.advance(t + 1).frames);
    }
    frames.push(...v.advance(Infinity).frames);
    expect(v.tracks().map((t) => t.id)).toEqual(['track-1']);
    expect(frames).toHaveLength(10);
    expect(frames[0]!.people[0]!.joints.left_wrist).toEqual([2.3, 2, 1]);
  });

  it('counts unknown cameras and late frames instead of using them, and rejects a NaN watermark', () => {
    const s = scene(1, 15, 1000);
    const v = createVision(s.store);
    const m = s.messages.find((x) => x.kind === 'camera-poses')!;
    const payload = m.payload as CameraPoses;
    expect(v.ingestPoses('nope', payload)).toBe(false);
    expect(v.ingestPoses(m.deviceId, payload)).toBe(true);
    v.advance(payload.t + 1000);
    expect(v.ingestPoses(m.deviceId, { ...payload, t: payload.t - 500 })).toBe(false);
    expect(v.stats()).toMatchObject({ unknownCamera: 1, late: 1 });
    expect(() => v.advance(NaN)).toThrow(/watermark/);
  });

  it('never throws and never emits a non-finite joint, whatever the keypoints', () => {
    const s = scene(0);
    const kp = fc.tuple(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    );
    const pose = fc.record({ keypoints: fc.array(kp, { minLength: 17, maxLength: 17 }) });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.array(pose, { maxLength: 4 })), {
          maxLength: 30,
        }),
        (msgs) => {
          const v = createVision(s.store);
          const out: PeopleFrame[] = [];
          msgs.forEach(([cam, poses], i) => {
            v.ingestPoses(`c${cam}`, { t: T0 + i * 20, frame: i, poses });
            out.push(...v.advance(T0 + i * 20).frames);
          });
          out.push(...v.advance(Infinity).frames);
          for (const f of out)
            for (const p of f.people)
              for (const xyz of Object.values(p.joints)) expect(xyz.every(Number.isFinite)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects bad options by name', () => {
    const s = scene(0);
    expect(() => createVision(s.store, { minConfidence: 2 })).toThrow(/minConfidence/);
    expect(() => createVision(s.store, { smoothing: 0.5 })).toThrow(/smoothing/);
    expect(() => createVision(s.store, { frameLagMs: -1 })).toThrow(/frameLagMs/);
  });
});
