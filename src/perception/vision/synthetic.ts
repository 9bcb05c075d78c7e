/**
 * A small seeded generator of synthetic camera poses for tests and speed benchmarks of vision:
 * people walk at constant speed (bouncing off the floor's edges) with swinging arms, calibrated
 * cameras see them with pixel noise, unsynchronised clocks and dropped frames. Not the simulator
 * (src/sim); just enough to know the truth exactly.
 */
import { COCO_JOINTS } from '../../protocol/ids.js';
import type { DeviceMessage } from '../../protocol/messages.js';
import type { Camera, StoreDefinition } from '../../protocol/store.js';
import { parseStoreDefinition } from '../../protocol/store.js';
import { createRng } from '../../sim/random.js';
import { compileCamera, projectInto, type Vec3 } from './camera.js';

/** Joint offsets of a standing person facing +x, relative to the point between the feet (m). */
export const STANDING_TEMPLATE: readonly Vec3[] = [
  [0.08, 0, 1.62],
  [0.1, 0.03, 1.66],
  [0.1, -0.03, 1.66],
  [0.04, 0.08, 1.63],
  [0.04, -0.08, 1.63],
  [0, 0.19, 1.42],
  [0, -0.19, 1.42],
  [0, 0.22, 1.13],
  [0, -0.22, 1.13],
  [0.05, 0.22, 0.87],
  [0.05, -0.22, 0.87],
  [0, 0.1, 0.92],
  [0, -0.1, 0.92],
  [0, 0.11, 0.5],
  [0, -0.11, 0.5],
  [0, 0.11, 0.08],
  [0, -0.11, 0.08],
];

/** A camera at `from` looking at `to` (store frame), OpenCV convention. */
export function lookAt(
  id: string,
  from: Vec3,
  to: Vec3,
  opts: { width?: number; height?: number; f?: number; fps?: number; dist?: number[] } = {},
): Camera {
  const width = opts.width ?? 1280;
  const height = opts.height ?? 720;
  const f = opts.f ?? 800;
  const zx = to[0] - from[0],
    zy = to[1] - from[1],
    zz = to[2] - from[2];
  const zn = Math.hypot(zx, zy, zz);
  const z: Vec3 = [zx / zn, zy / zn, zz / zn];
  // x = z × up (right in the image), y = z × x (down in the image).
  let x: Vec3 = [z[1], -z[0], 0];
  const xn = Math.hypot(...x);
  x = [x[0] / xn, x[1] / xn, 0];
  const y: Vec3 = [z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]];
  const R: Camera['R'] = [x, y, z];
  const t: Vec3 = [0, 1, 2].map(
    (i) => -(R[i]![0] * from[0] + R[i]![1] * from[1] + R[i]![2] * from[2]),
  ) as Vec3;
  return {
    id,
    width,
    height,
    fps: opts.fps ?? 15,
    K: [
      [f, 0, width / 2],
      [0, f, height / 2],
      [0, 0, 1],
    ],
    dist: opts.dist ?? [0, 0, 0, 0, 0],
    R,
    t,
  };
}

/** Options of a synthetic scene. */
export interface SceneOptions {
  seed: number;
  floor: [number, number];
  cameras: Camera[];
  people: number;
  durationMs: number;
  /** Pixel noise (standard deviation, px). */
  noisePx: number;
  /** Probability that a camera frame is dropped. */
  dropRate: number;
  /** Largest clock offset of a camera (ms). */
  maxOffsetMs: number;
  /** Start time (ms). */
  t0: number;
}

/** The truth of one person at one time. */
export interface SyntheticPerson {
  id: string;
  joints: Vec3[];
}

/** A generated scene: store, camera messages in time order, and the truth as a function of time. */
export interface Scene {
  store: StoreDefinition;
  messages: DeviceMessage[];
  truthAt(t: number): SyntheticPerson[];
}

/** Generates a scene. People start spread over the floor and walk at 0.3–1.2 m/s. */
export function syntheticScene(opts: SceneOptions): Scene {
  const rng = createRng(opts.seed);
  const [W, H] = opts.floor;
  const walkers = Array.from({ length: opts.people }, (_, i) => {
    const r = rng.fork(`person-${i}`);
    const speed = r.uniform(0.3, 1.2);
    const heading = r.uniform(0, 2 * Math.PI);
    return {
      x: r.uniform(1, W - 1),
      y: r.uniform(1, H - 1),
      vx: speed * Math.cos(heading),
      vy: speed * Math.sin(heading),
      phase: r.uniform(0, 6.28),
    };
  });
  const at = (k: number, t: number): SyntheticPerson => {
    const w = walkers[k]!;
    const s = (t - opts.t0) / 1000;
    const bounce = (p: number, v: number, L: number) => {
      const span = L - 1;
      let q = (p - 0.5 + v * s) % (2 * span);
      if (q < 0) q += 2 * span;
      return q <= span ? { p: 0.5 + q, v } : { p: 0.5 + 2 * span - q, v: -v };
    };
    const bx = bounce(w.x, w.vx, W);
    const by = bounce(w.y, w.vy, H);
    const yaw = Math.atan2(by.v, bx.v);
    const c = Math.cos(yaw),
      sn = Math.sin(yaw);
    const swing = 0.15 * Math.sin(w.phase + s * 4);
    const joints = STANDING_TEMPLATE.map((o, j) => {
      let ox = o[0];
      if (j === 9 || j === 7) ox += swing * (j === 9 ? 1 : 0.5);
      if (j === 10 || j === 8) ox -= swing * (j === 10 ? 1 : 0.5);
      return [bx.p + c * ox - sn * o[1], by.p + sn * ox + c * o[1], o[2]] as Vec3;
    });
    return { id: `person-${k}`, joints };
  };
  const truthAt = (t: number) => walkers.map((_, k) => at(k, t));

  const messages: DeviceMessage[] = [];
  const px = [0, 0];
  opts.cameras.forEach((cam, ci) => {
    const r = rng.fork(`camera-${ci}`);
    const m = compileCamera(cam);
    const period = 1000 / cam.fps;
    const offset = r.uniform(0, opts.maxOffsetMs);
    for (
      let frame = 0, t = opts.t0 + offset;
      t < opts.t0 + opts.durationMs;
      frame++, t = opts.t0 + offset + frame * period
    ) {
      if (r.chance(opts.dropRate)) continue;
      const poses: { keypoints: [number, number, number][] }[] = [];
      for (const person of truthAt(t)) {
        let seen = 0;
        const keypoints = person.joints.map((X): [number, number, number] => {
          if (!projectInto(m, X[0], X[1], X[2], px)) return [0, 0, 0];
          const u = px[0]! + r.normal(0, opts.noisePx);
          const v = px[1]! + r.normal(0, opts.noisePx);
          if (u < 0 || v < 0 || u >= cam.width || v >= cam.height) return [0, 0, 0];
          seen++;
          return [round2(u), round2(v), 0.9];
        });
        if (seen >= 6) poses.push({ keypoints });
      }
      messages.push({
        kind: 'camera-poses',
        storeId: 'synthetic',
        deviceId: cam.id,
        payload: { t: round2(t), frame, poses },
      });
    }
  });
  messages.sort((a, b) => a.payload.t - b.payload.t || (a.deviceId < b.deviceId ? -1 : 1));
  const store = parseStoreDefinition({
    id: 'synthetic',
    name: 'Synthetic',
    currency: 'USD',
    floor: [
      [0, 0],
      [W, 0],
      [W, H],
      [0, H],
    ],
    cameras: opts.cameras,
  });
  return { store, messages, truthAt };
}

/** Cameras on a grid at 3.2 m looking down at 45° in turning directions, covering a W×H floor. */
export function gridCameras(W: number, H: number, nx: number, ny: number, fps = 15): Camera[] {
  const cams: Camera[] = [];
  const dirs: [number, number][] = [
    [1, 0],
    [0, 1],
    [-1, 0],
    [0, -1],
  ];
  for (let i = 0; i < nx; i++)
    for (let j = 0; j < ny; j++) {
      const x = ((i + 0.5) * W) / nx;
      const y = ((j + 0.5) * H) / ny;
      const [dx, dy] = dirs[(i + 2 * j) % 4]!;
      cams.push(
        lookAt(`cam-${i}-${j}`, [x - dx * 1.5, y - dy * 1.5, 3.2], [x + dx * 1.5, y + dy * 1.5, 0.9], {
          fps,
        }),
      );
    }
  return cams;
}

export const JOINT_NAMES = COCO_JOINTS;

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
