import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COCO_JOINTS } from '../../protocol/ids.js';
import {
  bodyDimensions,
  flatToSkeleton,
  JOINT_INDEX,
  reachStance,
  RIGID_BONES,
  skeletonAt,
  skeletonInto,
  strideLength,
} from './skeleton.js';
import { FLAT_SKELETON_SIZE, type BodyState, type Skeleton, type Vec3 } from './types.js';

const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const at = (s: Skeleton, i: number) => s[COCO_JOINTS[i]!];
const boneLengths = (s: Skeleton) => RIGID_BONES.map(([a, b]) => dist(at(s, a), at(s, b)));

const standing = (height = 1.75): BodyState => ({
  position: [0, 0],
  heading: 0,
  height,
  walkPhase: 0,
  walking: false,
});

const bodyState = fc.record({
  x: fc.double({ min: -20, max: 20, noNaN: true }),
  y: fc.double({ min: -20, max: 20, noNaN: true }),
  heading: fc.double({ min: -10, max: 10, noNaN: true }),
  height: fc.double({ min: 1.5, max: 1.95, noNaN: true }),
  walkPhase: fc.double({ min: -50, max: 50, noNaN: true }),
  walking: fc.boolean(),
  lean: fc.double({ min: 0, max: 0.6, noNaN: true }),
  reach: fc.option(
    fc.record({
      dx: fc.double({ min: -1, max: 1, noNaN: true }),
      dy: fc.double({ min: -1, max: 1, noNaN: true }),
      z: fc.double({ min: 0.05, max: 2.2, noNaN: true }),
      side: fc.constantFrom('left' as const, 'right' as const),
      amount: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { nil: undefined },
  ),
});

type Generated = typeof bodyState extends fc.Arbitrary<infer T> ? T : never;
const toState = (g: Generated): BodyState => ({
  position: [g.x, g.y],
  heading: g.heading,
  height: g.height,
  walkPhase: g.walkPhase,
  walking: g.walking,
  lean: g.lean,
  ...(g.reach
    ? {
        reach: {
          target: [g.x + g.reach.dx, g.y + g.reach.dy, g.reach.z],
          side: g.reach.side,
          amount: g.reach.amount,
        },
      }
    : {}),
});

describe('a standing shopper', () => {
  it('has realistic proportions for their height', () => {
    for (const h of [1.5, 1.75, 1.95]) {
      const s = skeletonAt(standing(h));
      expect(s.nose[2] / h).toBeGreaterThan(0.89);
      expect(s.nose[2] / h).toBeLessThan(0.95);
      expect(s.left_shoulder[2] / h).toBeCloseTo(0.818, 2);
      expect(s.left_hip[2] / h).toBeCloseTo(0.53, 2);
      expect(s.left_ankle[2]).toBeGreaterThan(0.04);
      expect(s.left_ankle[2]).toBeLessThan(0.09);
      // Shoulders about 0.35–0.45 m apart, wrists at about hip-to-thigh height.
      expect(dist(s.left_shoulder, s.right_shoulder)).toBeGreaterThan(0.32);
      expect(dist(s.left_shoulder, s.right_shoulder)).toBeLessThan(0.45);
      expect(s.left_wrist[2] / h).toBeGreaterThan(0.4);
      expect(s.left_wrist[2] / h).toBeLessThan(0.55);
    }
  });

  it('faces its heading and keeps left on the left', () => {
    const s = skeletonAt({ ...standing(), position: [3, 4], heading: Math.PI / 2 }); // facing +y
    expect(s.nose[1]).toBeGreaterThan(4.05);
    expect(s.left_shoulder[0]).toBeLessThan(3); // facing +y, left is −x
    expect(s.right_shoulder[0]).toBeGreaterThan(3);
    expect((s.left_hip[0] + s.right_hip[0]) / 2).toBeCloseTo(3, 9);
    expect((s.left_hip[1] + s.right_hip[1]) / 2).toBeCloseTo(4, 9);
  });

  it('lists all 17 COCO joints', () => {
    expect(Object.keys(skeletonAt(standing()))).toEqual([...COCO_JOINTS]);
    expect(JOINT_INDEX.left_wrist).toBe(9);
  });
});

describe('bones', () => {
  it('keep their lengths through walking, leaning and reaching', () => {
    fc.assert(
      fc.property(bodyState, (g) => {
        const state = toState(g);
        const ref = boneLengths(skeletonAt(standing(g.height)));
        const got = boneLengths(skeletonAt(state));
        got.forEach((len, i) => expect(Math.abs(len - ref[i]!)).toBeLessThan(1e-9));
      }),
      { numRuns: 500 },
    );
  });

  it('keep every joint finite and above the floor', () => {
    fc.assert(
      fc.property(bodyState, (g) => {
        const s = skeletonAt(toState(g));
        for (const p of Object.values(s)) {
          expect(p.every(Number.isFinite)).toBe(true);
          expect(p[2]).toBeGreaterThan(-0.02);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('walking', () => {
  it('swings the legs and the opposite arms, with one foot on the floor', () => {
    const h = 1.75;
    const d = bodyDimensions(h);
    const s = skeletonAt({ ...standing(h), walking: true, walkPhase: Math.PI / 2 });
    // Left leg forward (+x), right leg back; right arm forward.
    expect(s.left_ankle[0]).toBeGreaterThan(0.2);
    expect(s.right_ankle[0]).toBeLessThan(-0.2);
    expect(s.right_wrist[0]).toBeGreaterThan(s.left_wrist[0]);
    for (let k = 0; k < 32; k++) {
      const w = skeletonAt({ ...standing(h), walking: true, walkPhase: (k / 32) * 2 * Math.PI });
      expect(Math.min(w.left_ankle[2], w.right_ankle[2])).toBeCloseTo(d.ankleHeight, 9);
    }
  });

  it('has a stride that matches the feet (no sliding at heel strike)', () => {
    const s = skeletonAt({ ...standing(), walking: true, walkPhase: Math.PI / 2 });
    const step = s.left_ankle[0] - s.right_ankle[0];
    // At heel strike the feet span one step; a stride is two steps.
    expect(2 * step).toBeGreaterThan(0.8 * strideLength());
    expect(2 * step).toBeLessThan(1.2 * strideLength());
  });

  it('ignores walkPhase when standing', () => {
    expect(skeletonAt({ ...standing(), walkPhase: 1.3 })).toEqual(skeletonAt(standing()));
  });
});

describe('reaching', () => {
  it('puts the wrist on the target at amount 1 for shelves from the floor to overhead', () => {
    for (const height of [1.5, 1.6, 1.75, 1.85, 1.95]) {
      for (let z = 0.05; z <= 1.1 * height; z += 0.05) {
        for (const side of ['left', 'right'] as const) {
          const target: Vec3 = [2, 3, z];
          const stance = reachStance(target, [0, -1, 0], height);
          const s = skeletonAt({
            ...stance,
            height,
            walkPhase: 0,
            walking: false,
            reach: { target, side, amount: 1 },
          });
          expect(dist(s[`${side}_wrist`], target)).toBeLessThan(1e-6);
        }
      }
    }
  });

  it('reaches from any facing direction', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        fc.double({ min: 0.1, max: 1.6, noNaN: true }),
        (angle, z) => {
          const facing: Vec3 = [Math.cos(angle), Math.sin(angle), 0];
          const target: Vec3 = [5, 5, z];
          const stance = reachStance(target, facing, 1.75);
          const s = skeletonAt({
            ...stance,
            walkPhase: 0,
            walking: false,
            reach: { target, side: 'right', amount: 1 },
          });
          expect(dist(s.right_wrist, target)).toBeLessThan(1e-6);
          // The body stays on the aisle side of the shelf front.
          for (const j of ['left_hip', 'right_hip', 'left_ankle', 'right_ankle'] as const) {
            const p = s[j];
            expect((p[0] - target[0]) * facing[0] + (p[1] - target[1]) * facing[1]).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('moves the wrist continuously from rest (amount 0) to the target', () => {
    const target: Vec3 = [0.45, -0.1, 1.2];
    const base = standing();
    const rest = skeletonAt(base);
    expect(skeletonAt({ ...base, reach: { target, side: 'right', amount: 0 } })).toEqual(rest);
    let prev = rest.right_wrist;
    for (let k = 1; k <= 20; k++) {
      const s = skeletonAt({ ...base, reach: { target, side: 'right', amount: k / 20 } });
      expect(dist(s.right_wrist, prev)).toBeLessThan(0.08);
      prev = s.right_wrist;
      // The other arm is not dragged along.
      expect(dist(s.left_wrist, s.left_shoulder)).toBeGreaterThan(0.3);
    }
    expect(dist(prev, target)).toBeLessThan(1e-6);
  });

  it('bends the elbow down and outward, not into the body', () => {
    const target: Vec3 = [0.5, -0.15, 1.1];
    const s = skeletonAt({ ...standing(), reach: { target, side: 'right', amount: 1 } });
    expect(s.right_elbow[2]).toBeLessThan(s.right_shoulder[2]);
    expect(s.right_elbow[1]).toBeLessThan(s.right_shoulder[1] + 0.05);
  });

  it('points the arm straight at a target out of reach', () => {
    const target: Vec3 = [3, 0, 1.4];
    const s = skeletonAt({ ...standing(), reach: { target, side: 'left', amount: 1 } });
    const d = bodyDimensions(1.75);
    expect(dist(s.left_wrist, s.left_shoulder)).toBeCloseTo(d.upperArm + d.forearm, 6);
    expect(s.left_wrist[0]).toBeGreaterThan(0.4);
  });
});

describe('leaning on a shelf', () => {
  it('brings the head and shoulders forward and down', () => {
    const up = skeletonAt(standing());
    const lean = skeletonAt({ ...standing(), lean: 0.4 });
    expect(lean.nose[0]).toBeGreaterThan(up.nose[0] + 0.2);
    expect(lean.nose[2]).toBeLessThan(up.nose[2] - 0.03);
    expect(lean.left_ankle).toEqual(up.left_ankle);
  });
});

describe('flat skeletons', () => {
  it('skeletonInto writes the same numbers as skeletonAt at any offset', () => {
    const state: BodyState = {
      position: [1, 2],
      heading: 0.3,
      walkPhase: 1,
      walking: true,
      reach: { target: [1.5, 2.2, 1], side: 'left', amount: 0.6 },
    };
    const buf = new Float64Array(FLAT_SKELETON_SIZE * 3);
    skeletonInto(state, buf, FLAT_SKELETON_SIZE);
    expect(flatToSkeleton(buf, FLAT_SKELETON_SIZE)).toEqual(skeletonAt(state));
  });
});

describe('bad input', () => {
  it('names the field and what was expected', () => {
    expect(() => skeletonAt({ ...standing(), height: 3 })).toThrow(/state\.height: expected/);
    expect(() => skeletonAt({ ...standing(), position: [NaN, 0] })).toThrow(/state\.position/);
    expect(() => skeletonAt({ ...standing(), heading: Infinity })).toThrow(/state\.heading/);
    expect(() => skeletonAt({ ...standing(), walkPhase: NaN })).toThrow(/state\.walkPhase/);
    expect(() => skeletonAt({ ...standing(), lean: 4 })).toThrow(/state\.lean/);
    expect(() =>
      skeletonAt({ ...standing(), reach: { target: [0, 0, NaN], side: 'left', amount: 1 } }),
    ).toThrow(/state\.reach\.target/);
    expect(() =>
      skeletonAt({ ...standing(), reach: { target: [0, 0, 1], side: 'up' as 'left', amount: 1 } }),
    ).toThrow(/state\.reach\.side/);
    expect(() =>
      skeletonAt({ ...standing(), reach: { target: [0, 0, 1], side: 'left', amount: NaN } }),
    ).toThrow(/state\.reach\.amount/);
    expect(() => skeletonInto(standing(), new Float64Array(10))).toThrow(/out: expected room/);
    expect(() => reachStance([0, 0, 1], [0, 0, 1])).toThrow(/facing/);
  });

  it('never throws anything but a RangeError on arbitrary numbers', () => {
    fc.assert(
      fc.property(fc.double(), fc.double(), fc.double(), fc.double(), fc.double(), (x, h, ph, hd, a) => {
        try {
          skeletonAt({
            position: [x, 0],
            heading: hd,
            height: h,
            walkPhase: ph,
            walking: true,
            reach: { target: [0, 0, 1], side: 'left', amount: a },
          });
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
        }
      }),
    );
  });
});
