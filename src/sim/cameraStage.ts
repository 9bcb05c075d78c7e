/**
 * The camera stage of the simulator: every camera's 2D poses at its frame rate, from the body
 * states of the people in the store. Skeletons and rendering are the people/ and cameras/ modules;
 * this file only drives them frame by frame and stamps the messages.
 */
import type { Camera } from '../protocol/store.js';
import { CAMERA_NOISE_PRESETS, renderCameraFramesFlat, type CameraNoise } from './cameras/render.js';
import { skeletonInto } from './people/skeleton.js';
import { FLAT_SKELETON_SIZE } from './people/types.js';
import type { CameraStage } from './scenario.js';
import type { TimedMessage } from './sensors/plates.js';

/** Noise preset names a scenario may ask for. */
export type CameraNoisePreset = keyof typeof CAMERA_NOISE_PRESETS;

/** A camera stage rendering with this noise (fields not given: the scenario's preset). */
export function cameraStage(noise: Partial<CameraNoise> = {}): CameraStage {
  return {
    render({ storeId, cameras, from, to, peopleAt, rng, preset, seed }) {
      const out: TimedMessage[] = [];
      const fps = Math.min(...cameras.map((c: Camera) => c.fps));
      const settings: Partial<CameraNoise> = {
        ...CAMERA_NOISE_PRESETS[preset ?? 'default'],
        clockSeed: seed,
        ...noise,
      };
      let buffer = new Float64Array(FLAT_SKELETON_SIZE * 8);
      const frames = Math.floor(((to - from) * fps) / 1000);
      for (let k = 0; k < frames; k++) {
        const t = from + (k * 1000) / fps;
        const states = peopleAt(t);
        if (buffer.length < states.length * FLAT_SKELETON_SIZE)
          buffer = new Float64Array(states.length * 2 * FLAT_SKELETON_SIZE);
        states.forEach((s, i) => skeletonInto(s, buffer, i * FLAT_SKELETON_SIZE));
        for (const f of renderCameraFramesFlat(cameras, buffer, states.length, t, k, rng, settings)) {
          // A detector needs tens of milliseconds a frame before the poses leave the camera.
          out.push({
            sentAt: t + 40 + 40 * rng.next(),
            msg: { topic: `walkout/v1/${storeId}/cameras/${f.cameraId}/poses`, payload: f.payload },
          });
        }
      }
      return out;
    },
  };
}

/** The default camera stage (kept async so that a caller could load another renderer lazily). */
export async function loadCameraStage(noise: Partial<CameraNoise> = {}): Promise<CameraStage> {
  return cameraStage(noise);
}
