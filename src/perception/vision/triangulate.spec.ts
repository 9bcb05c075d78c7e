import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from '../../sim/random.js';
import { compileCamera, projectPoint, undistortInto, type Vec3 } from './camera.js';
import { lookAt, STANDING_TEMPLATE } from './synthetic.js';
import {
  checkSkeleton,
  triangulatePlain,
  triangulatePoint,
  triangulateRobust,
  ViewSet,
} from './triangulate.js';

const ring: Vec3 = [5, 4, 1];
const cameras = [
  lookAt('c0', [0, 0, 3], ring),
  lookAt('c1', [10, 0, 3], ring, { dist: [-0.2, 0.05, 0.001, 0.001, 0] }),
  lookAt('c2', [10, 8, 3], ring),
  lookAt('c3', [0, 8, 3], ring),
  lookAt('c4', [5, 0, 3.5], ring),
];

function views(X: Vec3, noisePx: number, seed: number, corrupt: number[] = []): ViewSet {
  const rng = createRng(seed);
  const v = new ViewSet(8);
  const n = [0, 0];
  cameras.forEach((c, i) => {
    const p = projectPoint(c, X)!;
    let u = p[0] + rng.normal(0, noisePx);
    let w = p[1] + rng.normal(0, noisePx);
    if (corrupt.includes(i)) {
      u += 120;
      w -= 80;
    }
    const m = compileCamera(c);
    undistortInto(m, u, w, n);
    v.add(m.Pn, n[0]!, n[1]!, 0.9, i);
  });
  return v;
}

const dist = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

describe('triangulation', () => {
  it('recovers any point seen without noise exactly (with distortion)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 2, max: 8, noNaN: true }),
        fc.double({ min: 1.5, max: 6.5, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (x, y, z) => {
          const out = new Float64Array(3);
          expect(triangulateRobust(views([x, y, z], 0, 1), out)).toBe(5);
          expect(dist(out, [x, y, z])).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lands within a centimetre or two with 2 px of noise', () => {
    let worst = 0;
    for (let s = 0; s < 50; s++) {
      const X: Vec3 = [3 + (s % 5), 2 + (s % 4), 0.2 + (s % 3) * 0.6];
      const out = new Float64Array(3);
      expect(triangulateRobust(views(X, 2, s), out)).toBeGreaterThanOrEqual(4);
      worst = Math.max(worst, dist(out, X));
    }
    expect(worst).toBeLessThan(0.03);
  });

  it('rejects a view that saw something else, where plain DLT is dragged away', () => {
    const X: Vec3 = [4.5, 3.5, 1.2];
    const robust = new Float64Array(3);
    const plain = new Float64Array(3);
    const v = views(X, 1, 3, [2]);
    expect(triangulateRobust(v, robust)).toBe(4);
    expect(v.active[2]).toBe(0);
    expect(dist(robust, X)).toBeLessThan(0.02);
    expect(triangulatePlain(views(X, 1, 3, [2]), plain)).toBe(5);
    expect(dist(plain, X)).toBeGreaterThan(0.05);
  });

  it('fails with fewer than two views, or two that disagree', () => {
    const X: Vec3 = [4.5, 3.5, 1.2];
    const one = new ViewSet(4);
    const n = [0, 0];
    const m = compileCamera(cameras[0]!);
    const p = projectPoint(m, X)!;
    undistortInto(m, p[0], p[1], n);
    one.add(m.Pn, n[0]!, n[1]!, 1);
    expect(triangulateRobust(one, new Float64Array(3))).toBe(0);
    expect(triangulatePoint([cameras[0]!, cameras[2]!], [p, [p[0] + 300, p[1] - 200]])).toBeNull();
  });

  it('triangulatePoint takes raw pixels and confidences, and checks its arguments', () => {
    const X: Vec3 = [6, 5, 0.4];
    const px = cameras.map((c) => projectPoint(c, X)!);
    const r = triangulatePoint(cameras, px, [1, 0.5, 0.9, 0.8, 0.7])!;
    expect(dist(r.point, X)).toBeLessThan(1e-6);
    expect(r.inliers).toEqual([0, 1, 2, 3, 4]);
    expect(() => triangulatePoint(cameras, px.slice(1))).toThrow(/same length/);
    expect(() => triangulatePoint(cameras, px, [1])).toThrow(/weights/);
  });
});

describe('skeleton plausibility', () => {
  // A standing adult, COCO-17, feet at z ≈ 0.08.
  const person: Vec3[] = STANDING_TEMPLATE.map((p) => [...p] as Vec3);
  const flat = (ps: Vec3[]) => Float64Array.from(ps.flat());
  const all = (1 << 17) - 1;

  it('accepts a standing adult', () => {
    const c = checkSkeleton(flat(person), all);
    expect(c).toMatchObject({ ok: true, dropMask: 0, reason: null });
    expect(c.height).toBeCloseTo(1.58, 2);
  });

  it('drops a wrist 70 cm from its elbow', () => {
    const p = person.map((x) => [...x] as Vec3);
    p[9] = [0.6, 0.5, 0.9];
    const c = checkSkeleton(flat(p), all);
    expect(c.ok).toBe(true);
    expect(c.dropMask).toBe(1 << 9);
  });

  it('drops a joint a metre off the body, not the good end of its bone', () => {
    // A left shoulder triangulated from someone else's views: the shoulders' bone is too long, and
    // the right shoulder (its distal end) must stay.
    const p = person.map((x) => [...x] as Vec3);
    const [x, y, z] = p[5]!;
    p[5] = [x + 1.1, y - 0.4, z];
    const c = checkSkeleton(flat(p), all);
    expect(c.ok).toBe(true);
    expect(c.dropMask).toBe(1 << 5);
    // With only the shoulders and a hip, the same joint would throw the torso centre half a metre.
    const lone = (1 << 5) | (1 << 12) | (1 << 0) | (1 << 15) | (1 << 16);
    expect(checkSkeleton(flat(p), lone).dropMask).toBe(1 << 5);
  });

  it('keeps a wrist reaching into a shelf and a head bent over a low one', () => {
    // The template stands at the origin facing +x: lean forward, stretch the left arm to 0.8 m.
    const p = person.map((x) => [...x] as Vec3);
    p[5] = [0.15, 0.19, 1.4];
    p[6] = [0.15, -0.19, 1.4];
    p[7] = [0.47, 0.19, 1.32];
    p[9] = [0.8, 0.19, 1.28];
    for (const j of [0, 1, 2, 3, 4]) p[j] = [p[j]![0] + 0.4, p[j]![1], p[j]![2] - 0.3];
    expect(checkSkeleton(flat(p), all).dropMask).toBe(0);
  });

  it('rejects a 3 m giant and a person under the floor', () => {
    const tall = person.map(([x, y, z]) => [x, y, z * 2] as Vec3);
    expect(checkSkeleton(flat(tall), all)).toMatchObject({ ok: false });
    expect(checkSkeleton(flat(tall), all).reason).toMatch(/height/);
    const sunk = person.map(([x, y, z]) => [x, y, z - 1] as Vec3);
    expect(checkSkeleton(flat(sunk), all).reason).toMatch(/below the floor/);
    expect(checkSkeleton(flat(person), 0)).toMatchObject({ ok: false, reason: 'no joints' });
  });
});
