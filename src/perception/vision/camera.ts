/**
 * The OpenCV camera model of PROTOCOL.md §1: `x_cam = R·X_world + t`, pixel = K·distort(x_cam / z)
 * with radial-tangential distortion `[k1, k2, p1, p2, k3, k4, k5, k6]` (4–8 terms; missing ones are 0,
 * k4..k6 form OpenCV's rational denominator).
 *
 * Pure. The public functions take the store's `Camera`; they compile it once into a flat
 * `CameraModel` (cached per camera object) so that hot loops do not re-read nested arrays.
 * Hot paths (triangulation, association) use the `*Into` variants that write into caller buffers.
 */
import type { Camera } from '../../protocol/store.js';

export type Vec3 = [number, number, number];
export type Pixel = [number, number];

/** A camera flattened for fast maths; build with `compileCamera`. */
export interface CameraModel {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Row-major R (9). */
  readonly R: Float64Array;
  readonly t: Float64Array;
  readonly fx: number;
  readonly fy: number;
  readonly skew: number;
  readonly cx: number;
  readonly cy: number;
  readonly k1: number;
  readonly k2: number;
  readonly p1: number;
  readonly p2: number;
  readonly k3: number;
  readonly k4: number;
  readonly k5: number;
  readonly k6: number;
  readonly distorted: boolean;
  /** Camera centre in the store frame, −Rᵀt. */
  readonly centre: Float64Array;
  /** Row-major 3×4 projection matrix K·[R|t] (for DLT; ignores distortion). */
  readonly P: Float64Array;
  /** Row-major 3×4 [R|t]: projection to normalised (undistorted) image coordinates. */
  readonly Pn: Float64Array;
}

const cache = new WeakMap<Camera, CameraModel>();

/** Flattens a store camera into a CameraModel (validated: K must be upper-triangular with K[2][2]=1). */
export function compileCamera(camera: Camera): CameraModel {
  const hit = cache.get(camera);
  if (hit) return hit;
  const K = camera.K;
  if (Math.abs(K[2][2] - 1) > 1e-9 || K[1][0] !== 0 || K[2][0] !== 0 || K[2][1] !== 0) {
    throw new Error(`camera ${camera.id}: K must be [[fx,s,cx],[0,fy,cy],[0,0,1]]`);
  }
  if (!(K[0][0] > 0) || !(K[1][1] > 0)) throw new Error(`camera ${camera.id}: K focal lengths must be > 0`);
  const d = camera.dist;
  const R = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) R[i * 3 + j] = camera.R[i]![j]!;
  const t = Float64Array.from(camera.t);
  const centre = new Float64Array(3);
  for (let j = 0; j < 3; j++) centre[j] = -(R[j]! * t[0]! + R[3 + j]! * t[1]! + R[6 + j]! * t[2]!);
  const Pn = new Float64Array(12);
  for (let i = 0; i < 3; i++) {
    Pn[i * 4] = R[i * 3]!;
    Pn[i * 4 + 1] = R[i * 3 + 1]!;
    Pn[i * 4 + 2] = R[i * 3 + 2]!;
    Pn[i * 4 + 3] = t[i]!;
  }
  const P = new Float64Array(12);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += K[i]![k]! * Pn[k * 4 + j]!;
      P[i * 4 + j] = s;
    }
  const at = (i: number) => d[i] ?? 0;
  const model: CameraModel = {
    id: camera.id,
    width: camera.width,
    height: camera.height,
    fps: camera.fps,
    R,
    t,
    fx: K[0][0],
    fy: K[1][1],
    skew: K[0][1],
    cx: K[0][2],
    cy: K[1][2],
    k1: at(0),
    k2: at(1),
    p1: at(2),
    p2: at(3),
    k3: at(4),
    k4: at(5),
    k5: at(6),
    k6: at(7),
    distorted: d.some((v) => v !== 0),
    centre,
    P,
    Pn,
  };
  cache.set(camera, model);
  return model;
}

const scratch = new Float64Array(2);

/** Applies distortion to normalised coordinates, writing the distorted normalised point to out[0..1]. */
function distortInto(m: CameraModel, x: number, y: number, out: Float64Array): void {
  const r2 = x * x + y * y;
  const radial = (1 + r2 * (m.k1 + r2 * (m.k2 + r2 * m.k3))) / (1 + r2 * (m.k4 + r2 * (m.k5 + r2 * m.k6)));
  out[0] = x * radial + 2 * m.p1 * x * y + m.p2 * (r2 + 2 * x * x);
  out[1] = y * radial + m.p1 * (r2 + 2 * y * y) + 2 * m.p2 * x * y;
}

/**
 * Projects a store point into raw pixels, writing u,v to out[0..1]. Returns false when the point
 * is behind (or on) the camera plane.
 */
export function projectInto(
  m: CameraModel,
  x: number,
  y: number,
  z: number,
  out: Float64Array | number[],
): boolean {
  const R = m.R;
  const zc = R[6]! * x + R[7]! * y + R[8]! * z + m.t[2]!;
  if (!(zc > 1e-9)) return false;
  const xn = (R[0]! * x + R[1]! * y + R[2]! * z + m.t[0]!) / zc;
  const yn = (R[3]! * x + R[4]! * y + R[5]! * z + m.t[1]!) / zc;
  let xd = xn;
  let yd = yn;
  if (m.distorted) {
    distortInto(m, xn, yn, scratch);
    xd = scratch[0]!;
    yd = scratch[1]!;
  }
  out[0] = m.fx * xd + m.skew * yd + m.cx;
  out[1] = m.fy * yd + m.cy;
  return true;
}

/** Projects a store-frame point to raw (distorted) pixels; null when it lies behind the camera. */
export function projectPoint(
  camera: Camera | CameraModel,
  X: readonly [number, number, number],
): Pixel | null {
  const m = asModel(camera);
  const out: Pixel = [0, 0];
  return projectInto(m, X[0], X[1], X[2], out) ? out : null;
}

const dist2 = new Float64Array(2);

/**
 * Undistorts a raw pixel into normalised camera coordinates (x/z, y/z), writing them to out[0..1].
 * Fixed-point iteration as in OpenCV's undistortPoints, finished by Gauss-Newton steps so that
 * strong distortion still converges.
 */
export function undistortInto(m: CameraModel, u: number, v: number, out: Float64Array | number[]): void {
  // Remove K first: distorted normalised coordinates.
  const yd = (v - m.cy) / m.fy;
  const xd = (u - m.cx - m.skew * yd) / m.fx;
  if (!m.distorted) {
    out[0] = xd;
    out[1] = yd;
    return;
  }
  let x = xd;
  let y = yd;
  for (let i = 0; i < 20; i++) {
    const r2 = x * x + y * y;
    const icdist = (1 + r2 * (m.k4 + r2 * (m.k5 + r2 * m.k6))) / (1 + r2 * (m.k1 + r2 * (m.k2 + r2 * m.k3)));
    if (!Number.isFinite(icdist) || icdist <= 0) break;
    const dx = 2 * m.p1 * x * y + m.p2 * (r2 + 2 * x * x);
    const dy = m.p1 * (r2 + 2 * y * y) + 2 * m.p2 * x * y;
    const nx = (xd - dx) * icdist;
    const ny = (yd - dy) * icdist;
    const change = Math.abs(nx - x) + Math.abs(ny - y);
    x = nx;
    y = ny;
    if (change < 1e-14) break;
  }
  // Gauss-Newton polish with a numeric Jacobian: cheap (a few steps) and robust.
  const h = 1e-7;
  for (let i = 0; i < 8; i++) {
    distortInto(m, x, y, dist2);
    const ex = dist2[0]! - xd;
    const ey = dist2[1]! - yd;
    if (Math.abs(ex) + Math.abs(ey) < 1e-15) break;
    distortInto(m, x + h, y, scratch);
    const a = (scratch[0]! - dist2[0]!) / h;
    const c = (scratch[1]! - dist2[1]!) / h;
    distortInto(m, x, y + h, scratch);
    const b = (scratch[0]! - dist2[0]!) / h;
    const d = (scratch[1]! - dist2[1]!) / h;
    const det = a * d - b * c;
    if (!(Math.abs(det) > 1e-18)) break;
    x -= (d * ex - b * ey) / det;
    y -= (-c * ex + a * ey) / det;
  }
  out[0] = x;
  out[1] = y;
}

/** Undistorts a raw pixel into normalised image coordinates [x/z, y/z] (iterative inverse of the distortion). */
export function undistortPixel(camera: Camera | CameraModel, px: readonly [number, number]): Pixel {
  const out: Pixel = [0, 0];
  undistortInto(asModel(camera), px[0], px[1], out);
  return out;
}

/** Camera centre in the store frame (−Rᵀt). */
export function cameraCentre(camera: Camera | CameraModel): Vec3 {
  const c = asModel(camera).centre;
  return [c[0]!, c[1]!, c[2]!];
}

/** Writes the unit store-frame direction of the ray through normalised point (xn, yn) to out[0..2]. */
export function rayDirectionInto(m: CameraModel, xn: number, yn: number, out: Float64Array | number[]): void {
  const R = m.R;
  // Rᵀ·[xn, yn, 1]
  const dx = R[0]! * xn + R[3]! * yn + R[6]!;
  const dy = R[1]! * xn + R[4]! * yn + R[7]!;
  const dz = R[2]! * xn + R[5]! * yn + R[8]!;
  const n = Math.hypot(dx, dy, dz);
  out[0] = dx / n;
  out[1] = dy / n;
  out[2] = dz / n;
}

/** The viewing ray of a raw pixel: origin at the camera centre, unit direction in the store frame. */
export function pixelRay(
  camera: Camera | CameraModel,
  px: readonly [number, number],
): { origin: Vec3; direction: Vec3 } {
  const m = asModel(camera);
  const n: Pixel = [0, 0];
  undistortInto(m, px[0], px[1], n);
  const direction: Vec3 = [0, 0, 0];
  rayDirectionInto(m, n[0], n[1], direction);
  return { origin: [m.centre[0]!, m.centre[1]!, m.centre[2]!], direction };
}

function asModel(camera: Camera | CameraModel): CameraModel {
  return camera.R instanceof Float64Array ? (camera as CameraModel) : compileCamera(camera as Camera);
}
