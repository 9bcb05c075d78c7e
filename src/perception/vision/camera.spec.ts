import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Camera } from '../../protocol/store.js';
import { cameraCentre, compileCamera, pixelRay, projectPoint, undistortPixel } from './camera.js';

/** The PROTOCOL.md example camera: looking straight down from (6, 4, 3.2). */
const down: Camera = {
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
const distorted: Camera = { ...down, id: 'cam-d', dist: [-0.28, 0.09, 0.001, -0.0015, -0.012] };

describe('camera model', () => {
  it('projects known points', () => {
    expect(cameraCentre(down)).toEqual([6, 4, 3.2]);
    // The point under the camera lands on the principal point.
    expect(projectPoint(down, [6, 4, 0])).toEqual([960, 540]);
    // 1 m along +x at depth 3.2 → 1400/3.2 px to the right; +y in the store is up in the image.
    const p = projectPoint(down, [7, 5, 0])!;
    expect(p[0]).toBeCloseTo(960 + 1400 / 3.2, 9);
    expect(p[1]).toBeCloseTo(540 - 1400 / 3.2, 9);
  });

  it('returns null behind the camera', () => {
    expect(projectPoint(down, [6, 4, 4])).toBeNull();
    expect(projectPoint(down, [6, 4, 3.2])).toBeNull();
  });

  it('applies OpenCV distortion as written', () => {
    const [k1, k2, p1, p2, k3] = distorted.dist as [number, number, number, number, number];
    const X: [number, number, number] = [7.1, 3.3, 0.5];
    const z = 3.2 - 0.5;
    const x = (X[0] - 6) / z;
    const y = -(X[1] - 4) / z;
    const r2 = x * x + y * y;
    const rad = 1 + k1 * r2 + k2 * r2 * r2 + k3 * r2 * r2 * r2;
    const xd = x * rad + 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
    const yd = y * rad + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
    const p = projectPoint(distorted, X)!;
    expect(p[0]).toBeCloseTo(1400 * xd + 960, 9);
    expect(p[1]).toBeCloseTo(1400 * yd + 540, 9);
  });

  it('undistort inverts distort (round trip over the image)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1920, noNaN: true }),
        fc.double({ min: 0, max: 1080, noNaN: true }),
        (u, v) => {
          const [xn, yn] = undistortPixel(distorted, [u, v]);
          // Back to pixels through the projection of a point on the ray at depth 2.
          const X: [number, number, number] = [6 + 2 * xn, 4 - 2 * yn, 3.2 - 2];
          const p = projectPoint(distorted, X)!;
          expect(Math.abs(p[0] - u)).toBeLessThan(1e-6);
          expect(Math.abs(p[1] - v)).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('pixelRay passes through the projected point', () => {
    const tilted: Camera = {
      ...distorted,
      // 30° pitch around x, then a bit of yaw: any rotation works.
      R: rot(0.3, -2.2, 0.1),
      t: [0.4, -1.1, 4.5],
    };
    fc.assert(
      fc.property(
        fc.tuple(
          fc.double({ min: -2, max: 2, noNaN: true }),
          fc.double({ min: -2, max: 2, noNaN: true }),
          fc.double({ min: 0, max: 2, noNaN: true }),
        ),
        (X) => {
          const p = projectPoint(tilted, X);
          if (!p) return;
          const { origin, direction } = pixelRay(tilted, p);
          expect(Math.hypot(...direction)).toBeCloseTo(1, 12);
          const w = [X[0] - origin[0], X[1] - origin[1], X[2] - origin[2]];
          const along = w[0]! * direction[0] + w[1]! * direction[1] + w[2]! * direction[2];
          const perp = Math.hypot(
            w[0]! - along * direction[0],
            w[1]! - along * direction[1],
            w[2]! - along * direction[2],
          );
          expect(along).toBeGreaterThan(0);
          expect(perp).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a K that is not upper-triangular', () => {
    expect(() =>
      compileCamera({
        ...down,
        K: [
          [1400, 0, 960],
          [1, 1400, 540],
          [0, 0, 1],
        ],
      }),
    ).toThrow(/K must be/);
  });
});

/** Rotation matrix from Euler angles (x, then y, then z). */
function rot(a: number, b: number, c: number): Camera['R'] {
  const [ca, sa, cb, sb, cc, sc] = [
    Math.cos(a),
    Math.sin(a),
    Math.cos(b),
    Math.sin(b),
    Math.cos(c),
    Math.sin(c),
  ];
  const Rx = [
    [1, 0, 0],
    [0, ca, -sa],
    [0, sa, ca],
  ];
  const Ry = [
    [cb, 0, sb],
    [0, 1, 0],
    [-sb, 0, cb],
  ];
  const Rz = [
    [cc, -sc, 0],
    [sc, cc, 0],
    [0, 0, 1],
  ];
  const mul = (A: number[][], B: number[][]) =>
    A.map((r) => [0, 1, 2].map((j) => r[0]! * B[0]![j]! + r[1]! * B[1]![j]! + r[2]! * B[2]![j]!));
  const M = mul(Rz, mul(Ry, Rx));
  return M as Camera['R'];
}
