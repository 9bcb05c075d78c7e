import type { DeviceMessage } from '../protocol/messages.js';
import { mulberry32 } from './random.js';

/** A 30 cm plate from `x` along a shelf 1–1.4 m deep and 1 m up, facing the aisle at −y: test stores' plates. */
export function shelfPlate(id: string, x: number) {
  return { id, box: { min: [x, 1, 1], max: [x + 0.3, 1.4, 1.3] }, facing: [0, -1, 0] };
}

/** A step on one plate at a time: the weight changes by `grams` over a short hand transient. */
export interface PlateStep {
  plateId: string;
  at: number;
  grams: number;
}

/**
 * Weight messages (60 Hz, 12 samples a packet) for plates that sit at a level and change by the
 * given steps, with seeded Gaussian noise: a small stand-in for a shelf in unit tests.
 */
export function shelfStream(opts: {
  storeId: string;
  plates: Record<string, number>;
  steps: PlateStep[];
  t0: number;
  seconds: number;
  noise?: number;
  seed?: number;
}): DeviceMessage[] {
  const rng = mulberry32(opts.seed ?? 1);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const out: DeviceMessage[] = [];
  for (const [plateId, level] of Object.entries(opts.plates)) {
    const steps = opts.steps.filter((s) => s.plateId === plateId);
    for (let k = 0; k < opts.seconds * 5; k++) {
      const t = opts.t0 + k * 200;
      const grams = Array.from({ length: 12 }, (_, i) => {
        const st = t + (i * 1000) / 60;
        let v = level;
        for (const s of steps) {
          if (st >= s.at + 400) v += s.grams;
          else if (st >= s.at) v += 150; // the hand resting on the plate
        }
        return v + gauss() * (opts.noise ?? 0.5);
      });
      out.push({
        kind: 'plate-weight',
        storeId: opts.storeId,
        deviceId: plateId,
        payload: { t, hz: 60, grams },
      });
    }
  }
  return out.sort((a, b) => a.payload.t - b.payload.t || (a.deviceId < b.deviceId ? -1 : 1));
}

/**
 * One shopper at the gates of a test store: a scan at `gate-in` 0.5 s after `t0`, the pass in
 * 0.4 s later, and the pass out at `gate-out` half a second before `seconds` are up.
 */
export function shopperAtGates(opts: {
  storeId: string;
  t0: number;
  seconds: number;
  token?: string;
}): DeviceMessage[] {
  const { storeId, t0 } = opts;
  return [
    {
      kind: 'gate-scan',
      storeId,
      deviceId: 'gate-in',
      payload: { t: t0 + 500, token: opts.token ?? 'alice' },
    },
    { kind: 'gate-pass', storeId, deviceId: 'gate-in', payload: { t: t0 + 900, direction: 'in' } },
    {
      kind: 'gate-pass',
      storeId,
      deviceId: 'gate-out',
      payload: { t: t0 + opts.seconds * 1000 - 500, direction: 'out' },
    },
  ];
}
