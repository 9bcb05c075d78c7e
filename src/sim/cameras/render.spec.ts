import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COCO_JOINTS } from '../../protocol/ids.js';
import { CameraPoses } from '../../protocol/messages.js';
import type { Camera } from '../../protocol/store.js';
import { projectPoint } from '../../perception/vision/camera.js';
import { skeletonAt } from '../people/skeleton.js';
import type { BodyState, Vec3 } from '../people/types.js';
import { createRng } from '../random.js';
import {
  cameraClockOffsetMs,
  DEFAULT_CAMERA_NOISE,
  HARD_CAMERA_NOISE,
  IDEAL_CAMERA_NOISE,
  renderCameraFrames,
  type CameraFrame,
} from './render.js';

/** A camera at `eye` looking at `target` (OpenCV axes: x right, y down, z forward). */
function lookAt(id: string, eye: Vec3, target: Vec3, dist: number[] = [0, 0, 0, 0, 0]): Camera {
  const f = norm([target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]]);
  const r = norm(cross(f, [0, 0, 1]));
  const d = cross(f, r);
  const R: [Vec3, Vec3, Vec3] = [r, d, f];
  const t: Vec3 = [0, 1, 2].map((i) => -(R[i]![0] * eye[0] + R[i]![1] * eye[1] + R[i]![2] * eye[2])) as Vec3;
  return {
    id,
    width: 1920,
    height: 1080,
    fps: 15,
    K: [
      [1100, 0, 960],
      [0, 1100, 540],
      [0, 0, 1],
    ],
    dist,
    R,
    t,
  };
}
const norm = (v: Vec3): Vec3 => {
  const n = Math.hypot(...v);
  return [v[0] / n, v[1] / n, v[2] / n];
};
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

const overhead: Camera = {
  id: 'cam-1',
  width: 1920,
  height: 1080,
  fps: 15,
  K: [
    [1400, 0, 960],
    [0, 1400, 540],
    [0, 0, 1],
  ],
  dist: [0, 0, 0, 0, 0],
  R: [
    [1, 0, 0],
    [0, -1, 0],
    [0, 0, -1],
  ],
  t: [-6, 4, 3.2],
};
const corner = lookAt('cam-corner', [0.5, 0.5, 3], [5, 4, 0.8], [-0.28, 0.09, 0.001, -0.0015, -0.012]);
const side = lookAt('cam-side', [0, 4, 1.6], [6, 4, 1.0]);

const person = (x: number, y: number, extra: Partial<BodyState> = {}) => ({
  joints: skeletonAt({ position: [x, y], heading: 0.4, walkPhase: 1, walking: true, ...extra }),
});
const T0 = 1_700_000_000_000;

describe('one person in front of a camera', () => {
  it('projects every joint where the camera model puts it', () => {
    for (const camera of [overhead, corner, side]) {
      const p = person(5.5, 3.6);
      const [frame] = renderCameraFrames([camera], [p], T0, 0, createRng(1), IDEAL_CAMERA_NOISE);
      expect(frame!.cameraId).toBe(camera.id);
      expect(frame!.payload.poses).toHaveLength(1);
      const kps = frame!.payload.poses[0]!.keypoints;
      COCO_JOINTS.forEach((name, j) => {
        const expected = projectPoint(camera, p.joints[name])!;
        const [u, v, c] = kps[j]!;
        expect(c).toBeGreaterThan(0);
        expect(Math.abs(u - expected[0])).toBeLessThanOrEqual(0.05 + 1e-9);
        expect(Math.abs(v - expected[1])).toBeLessThanOrEqual(0.05 + 1e-9);
        expect(u).toBeGreaterThanOrEqual(0);
        expect(u).toBeLessThan(1920);
      });
    }
  });

  it('adds a few pixels of noise by default, more in the hard preset', () => {
    const errors = (noise: typeof DEFAULT_CAMERA_NOISE) => {
      const rng = createRng(3);
      const errs: number[] = [];
      for (let f = 0; f < 200; f++) {
        const p = person(5.5, 3.6, { walkPhase: f * 0.2 });
        for (const frame of renderCameraFrames([corner], [p], T0 + f * 66, f, rng, {
          ...noise,
          falsePerFrame: 0,
        })) {
          for (const pose of frame.payload.poses) {
            pose.keypoints.forEach(([u, v, c], j) => {
              if (c === 0) return;
              const e = projectPoint(corner, p.joints[COCO_JOINTS[j]!])!;
              errs.push(Math.hypot(u - e[0], v - e[1]));
            });
          }
        }
      }
      errs.sort((a, b) => a - b);
      return errs[Math.floor(errs.length / 2)]!;
    };
    const normal = errors(DEFAULT_CAMERA_NOISE);
    const hard = errors(HARD_CAMERA_NOISE);
    expect(normal).toBeGreaterThan(1);
    expect(normal).toBeLessThan(6);
    expect(hard).toBeGreaterThan(normal * 1.5);
  });

  it('gives confidences like a detector: high for the face and shoulders, lower for wrists', () => {
    const rng = createRng(5);
    const sums = new Array<number>(17).fill(0);
    const counts = new Array<number>(17).fill(0);
    for (let f = 0; f < 100; f++) {
      const frames = renderCameraFrames([side], [person(4, 4, { heading: Math.PI })], T0, f, rng, {
        falsePerFrame: 0,
      });
      for (const pose of frames[0]?.payload.poses ?? []) {
        pose.keypoints.forEach(([, , c], j) => {
          if (c > 0) {
            sums[j]! += c;
            counts[j]!++;
          }
        });
      }
    }
    const mean = (j: number) => sums[j]! / counts[j]!;
    expect(mean(0)).toBeGreaterThan(0.7);
    expect(mean(5)).toBeGreaterThan(mean(9));
    for (let j = 0; j < 17; j++) {
      expect(mean(j)).toBeGreaterThan(0.3);
      expect(mean(j)).toBeLessThanOrEqual(1);
    }
  });
});

describe('what a camera cannot see', () => {
  it('zeroes joints outside the image and reports nobody behind the camera', () => {
    // Half out of the overhead camera's view on the left edge: x = 6 − 960·3.2/1400 ≈ 3.8 at the floor.
    const [frame] = renderCameraFrames([overhead], [person(3.8, 4)], T0, 0, createRng(1), IDEAL_CAMERA_NOISE);
    const kps = frame!.payload.poses[0]!.keypoints;
    expect(kps.some(([u, v, c]) => u === 0 && v === 0 && c === 0)).toBe(true);
    expect(kps.some(([, , c]) => c > 0)).toBe(true);
    // Behind the side camera (it looks along +x from x = 0).
    const behind = renderCameraFrames([side], [person(-2, 4)], T0, 0, createRng(1), IDEAL_CAMERA_NOISE);
    expect(behind[0]!.payload.poses).toEqual([]);
  });

  it('hides a person standing behind another, nearer to the camera', () => {
    const near = person(4.5, 4, { heading: Math.PI, walking: false });
    const far = person(6, 4, { heading: Math.PI, walking: false });
    const [alone] = renderCameraFrames([side], [far], T0, 0, createRng(1), IDEAL_CAMERA_NOISE);
    expect(alone!.payload.poses[0]!.keypoints.filter(([, , c]) => c > 0)).toHaveLength(17);
    const [both] = renderCameraFrames([side], [far, near], T0, 0, createRng(1), {
      ...IDEAL_CAMERA_NOISE,
      missPersonProb: 0,
    });
    const seen = both!.payload.poses
      .map((p) => p.keypoints.filter(([, , c]) => c > 0).length)
      .sort((a, b) => a - b);
    // The near one is whole; of the far one, at most a few joints that stick out remain (or none).
    expect(seen[seen.length - 1]).toBe(17);
    if (seen.length === 2) expect(seen[0]).toBeLessThan(8);
    // The overhead camera sees each as it would alone: nobody is in front of anybody from above.
    const count = (people: (typeof near)[]) => {
      const [top] = renderCameraFrames([overhead], people, T0, 0, createRng(1), IDEAL_CAMERA_NOISE);
      return top!.payload.poses
        .map((p) => p.keypoints.filter(([, , c]) => c > 0).length)
        .sort((a, b) => a - b);
    };
    expect(count([far, near])).toEqual([...count([far]), ...count([near])].sort((a, b) => a - b));
  });

  it('culls conservatively: a person is reported exactly when some joint lands in the image', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -6, max: 16, noNaN: true }),
        fc.double({ min: -6, max: 14, noNaN: true }),
        fc.double({ min: -4, max: 4, noNaN: true }),
        fc.constantFrom(overhead, corner, side),
        (x, y, heading, camera) => {
          const p = person(x, y, { heading });
          const inside = COCO_JOINTS.some((n) => {
            const px = projectPoint(camera, p.joints[n]);
            if (!px) return false;
            const zc =
              camera.R[2][0] * p.joints[n][0] +
              camera.R[2][1] * p.joints[n][1] +
              camera.R[2][2] * p.joints[n][2] +
              camera.t[2];
            return zc > 0.1 && px[0] >= 0 && px[0] < camera.width && px[1] >= 0 && px[1] < camera.height;
          });
          const [frame] = renderCameraFrames([camera], [p], T0, 0, createRng(1), IDEAL_CAMERA_NOISE);
          expect(frame!.payload.poses.length).toBe(inside ? 1 : 0);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('detector and network faults', () => {
  it('misses people, drops frames and invents people at the configured rates', () => {
    const rng = createRng(11);
    let frames = 0;
    let poses = 0;
    let falsePoses = 0;
    const N = 2000;
    for (let f = 0; f < N; f++) {
      const out = renderCameraFrames([corner], [person(5, 4)], T0 + f * 66, f, rng, {
        ...IDEAL_CAMERA_NOISE,
        dropFrameProb: 0.1,
        missPersonProb: 0.2,
      });
      frames += out.length;
      poses += out.reduce((s, o) => s + o.payload.poses.length, 0);
      const fakes = renderCameraFrames([corner], [], T0, f, rng, {
        ...IDEAL_CAMERA_NOISE,
        falsePerFrame: 0.5,
      });
      falsePoses += fakes[0]!.payload.poses.length;
    }
    expect(frames / N).toBeCloseTo(0.9, 1);
    expect(poses / frames).toBeCloseTo(0.8, 1);
    // Some false people are rejected (ray misses the floor, too few joints): between 0.2 and 0.5 a frame.
    expect(falsePoses / N).toBeGreaterThan(0.2);
    expect(falsePoses / N).toBeLessThan(0.55);
  });

  it('stamps each camera with a constant offset within ±30 ms plus jitter', () => {
    const cams = [overhead, corner, side];
    const offsets = cams.map((c) => cameraClockOffsetMs(c.id, DEFAULT_CAMERA_NOISE));
    offsets.forEach((o) => expect(Math.abs(o)).toBeLessThanOrEqual(30));
    expect(new Set(offsets).size).toBe(3);
    expect(cameraClockOffsetMs('cam-1', { clockSeed: 2 })).not.toBe(offsets[0]);
    const rng = createRng(2);
    const diffs: number[][] = [[], [], []];
    for (let f = 0; f < 300; f++) {
      const t = T0 + f * 66.667;
      for (const fr of renderCameraFrames(cams, [], t, f, rng, {
        ...DEFAULT_CAMERA_NOISE,
        dropFrameProb: 0,
      })) {
        diffs[cams.findIndex((c) => c.id === fr.cameraId)]!.push(fr.payload.t - t);
      }
    }
    diffs.forEach((d, i) => {
      const mean = d.reduce((a, b) => a + b, 0) / d.length;
      const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
      expect(mean).toBeCloseTo(offsets[i]!, 0);
      expect(sd).toBeGreaterThan(1.5);
      expect(sd).toBeLessThan(2.5);
    });
  });

  it('lists poses in random order and without identities', () => {
    const people = [person(4, 3), person(6, 5), person(5, 4.5)];
    const firstX = new Set<number>();
    const rng = createRng(9);
    for (let f = 0; f < 20; f++) {
      const [frame] = renderCameraFrames([overhead], people, T0, f, rng, IDEAL_CAMERA_NOISE);
      expect(frame!.payload.poses).toHaveLength(3);
      firstX.add(Math.round(frame!.payload.poses[0]!.keypoints[11]![0]));
      for (const pose of frame!.payload.poses) expect(Object.keys(pose)).toEqual(['keypoints']);
    }
    expect(firstX.size).toBeGreaterThan(1);
  });

  it('sometimes swaps left and right', () => {
    const p = person(5.5, 3.6);
    const [frame] = renderCameraFrames([corner], [p], T0, 0, createRng(1), {
      ...IDEAL_CAMERA_NOISE,
      swapProb: 1,
    });
    const kps = frame!.payload.poses[0]!.keypoints;
    const leftWrist = projectPoint(corner, p.joints.left_wrist)!;
    expect(kps[10]![0]).toBeCloseTo(leftWrist[0], 1);
  });
});

const sceneArb = fc.record({
  seed: fc.integer(),
  people: fc.array(
    fc.record({
      x: fc.double({ min: -2, max: 14, noNaN: true }),
      y: fc.double({ min: -2, max: 10, noNaN: true }),
      heading: fc.double({ min: -4, max: 4, noNaN: true }),
      height: fc.double({ min: 1.5, max: 1.95, noNaN: true }),
      phase: fc.double({ min: 0, max: 7, noNaN: true }),
      reachZ: fc.option(fc.double({ min: 0.1, max: 1.9, noNaN: true }), { nil: undefined }),
    }),
    { maxLength: 25 },
  ),
  preset: fc.constantFrom(DEFAULT_CAMERA_NOISE, HARD_CAMERA_NOISE, IDEAL_CAMERA_NOISE),
  t: fc.double({ min: 0, max: 2e12, noNaN: true }),
  frame: fc.nat(),
});

type Scene = typeof sceneArb extends fc.Arbitrary<infer T> ? T : never;

function renderScene(s: Scene, preset: typeof DEFAULT_CAMERA_NOISE, t: number, frame: number): CameraFrame[] {
  const people = s.people.map((p) => ({
    joints: skeletonAt({
      position: [p.x, p.y],
      heading: p.heading,
      height: p.height,
      walkPhase: p.phase,
      walking: p.reachZ === undefined,
      ...(p.reachZ !== undefined
        ? {
            reach: {
              target: [p.x + 0.4 * Math.cos(p.heading), p.y + 0.4 * Math.sin(p.heading), p.reachZ] as Vec3,
              side: 'right' as const,
              amount: 1,
            },
          }
        : {}),
    }),
  }));
  return renderCameraFrames([overhead, corner, side], people, t, frame, createRng(s.seed), preset);
}

describe('the contract', () => {
  it('every payload parses with the CameraPoses schema', () => {
    fc.assert(
      fc.property(sceneArb, (s) => {
        for (const f of renderScene(s, s.preset, s.t, s.frame)) {
          const parsed = CameraPoses.safeParse(f.payload);
          expect(parsed.success).toBe(true);
          for (const pose of f.payload.poses) {
            for (const [u, v, c] of pose.keypoints) {
              if (c === 0) expect([u, v]).toEqual([0, 0]);
              else {
                expect(u).toBeGreaterThanOrEqual(0);
                expect(u).toBeLessThan(1920);
                expect(v).toBeGreaterThanOrEqual(0);
                expect(v).toBeLessThan(1080);
              }
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('is deterministic per seed', () => {
    fc.assert(
      fc.property(sceneArb, (s) => {
        const a = JSON.stringify(renderScene(s, s.preset, s.t, s.frame));
        const b = JSON.stringify(renderScene(s, s.preset, s.t, s.frame));
        expect(a).toBe(b);
      }),
      { numRuns: 50 },
    );
    const people = [person(5, 4), person(6, 4.5)];
    const one = JSON.stringify(renderCameraFrames([corner, overhead], people, T0, 3, createRng(1)));
    const other = JSON.stringify(renderCameraFrames([corner, overhead], people, T0, 3, createRng(2)));
    expect(one).not.toBe(other);
  });
});

describe('bad input', () => {
  it('names the field and what was expected', () => {
    const rng = createRng(1);
    expect(() => renderCameraFrames([overhead], [], T0, 0, rng, { pixelNoisePx: -1 })).toThrow(
      /noise\.pixelNoisePx/,
    );
    expect(() => renderCameraFrames([overhead], [], T0, 0, rng, { missJointProb: 2 })).toThrow(
      /noise\.missJointProb: expected a probability/,
    );
    expect(() => renderCameraFrames([overhead], [], T0, 0, rng, { clockJitterMs: NaN })).toThrow(
      /noise\.clockJitterMs/,
    );
    expect(() => renderCameraFrames([overhead], [], NaN, 0, rng)).toThrow(/^t: /);
    expect(() => renderCameraFrames([overhead], [], T0, 1.5, rng)).toThrow(/^frame: /);
    const broken = person(5, 4);
    (broken.joints as Record<string, unknown>).left_knee = [1, NaN, 0];
    expect(() => renderCameraFrames([overhead], [broken], T0, 0, rng)).toThrow(
      /people\[0\]\.joints\.left_knee/,
    );
    expect(() => renderCameraFrames([overhead], [{} as never], T0, 0, rng)).toThrow(/people\[0\]\.joints/);
  });

  it('rejects any malformed noise with a RangeError, never a crash elsewhere', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...Object.keys(DEFAULT_CAMERA_NOISE)), fc.anything()),
        (noise) => {
          try {
            renderCameraFrames([overhead, corner], [person(5, 4)], T0, 0, createRng(1), noise as never);
          } catch (e) {
            expect(e).toBeInstanceOf(RangeError);
            expect((e as Error).message).toMatch(/^noise\./);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
