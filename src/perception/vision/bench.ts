/**
 * Speed benchmark of the vision stage on a synthetic store (for `walkout bench speed`): people
 * walking under a grid of unsynchronised cameras. The clock is injected (the caller passes
 * `performance.now`), so this module stays free of I/O and wall time.
 */
import { createVision } from './vision.js';
import { gridCameras, syntheticScene } from './synthetic.js';

/** What one benchmark run measured. */
export interface VisionSpeed {
  cameras: number;
  people: number;
  dataSeconds: number;
  poses: number;
  /** Milliseconds spent in ingest + advance (includes garbage collection that fell there). */
  visionMs: number;
  /** visionMs / data duration: below 1 is faster than real time. */
  realTimeFactor: number;
  frames: number;
}

/** Runs vision over a generated store of `people` and an nx × ny camera grid at `fps`. */
export function benchVisionSpeed(
  now: () => number,
  opts: { people?: number; nx?: number; ny?: number; fps?: number; seconds?: number; seed?: number } = {},
): VisionSpeed {
  const people = opts.people ?? 50;
  const nx = opts.nx ?? 8;
  const ny = opts.ny ?? 5;
  const seconds = opts.seconds ?? 20;
  const [W, H] = [30, 20];
  const scene = syntheticScene({
    seed: opts.seed ?? 7,
    floor: [W, H],
    cameras: gridCameras(W, H, nx, ny, opts.fps ?? 15),
    people,
    durationMs: seconds * 1000,
    noisePx: 1.5,
    dropRate: 0.05,
    maxOffsetMs: 60,
    t0: 1_700_000_000_000,
  });
  const vision = createVision(scene.store);
  let visionMs = 0;
  let frames = 0;
  let poses = 0;
  for (const m of scene.messages) {
    if (m.kind !== 'camera-poses') continue;
    poses += m.payload.poses.length;
    const t0 = now();
    vision.ingestPoses(m.deviceId, m.payload);
    frames += vision.advance(m.payload.t - 100).frames.length;
    visionMs += now() - t0;
  }
  const t0 = now();
  frames += vision.advance(Infinity).frames.length;
  visionMs += now() - t0;
  return {
    cameras: nx * ny,
    people,
    dataSeconds: seconds,
    poses,
    visionMs,
    realTimeFactor: visionMs / (seconds * 1000),
    frames,
  };
}
