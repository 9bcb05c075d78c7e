/**
 * Simulated shelf weight plates, fitted to the real AutoCheckout recording (cps-test-01, all 294
 * plates; see docs/simulator.md for the comparison table and `noiseStats.ts` for the statistics).
 *
 * What a plate reports: the true load (tare + items + a hand resting on the shelf) plus
 * - white noise whose level differs from plate to plate by more than an order of magnitude,
 *   with heavier tails than a Gaussian (a few per cent of samples at 3–4× the level),
 * - slow wander (Ornstein–Uhlenbeck) and a linear drift, so absolute levels mean nothing,
 * - single-sample spikes,
 * - quantization to the ADC step (about 0.24 g, as in the recording).
 * Samples come at 60 Hz in packets of 12; all plates of a gondola share one board, so they share
 * the packet clock, its offset (±50 ms) and the packet-time jitter (a few ms, packets may overlap).
 */
import type { RawMessage } from '../../protocol/messages.js';
import type { Rng } from '../random.js';

/** Sample rate (Hz) and samples a message, as the real boards send. */
export const PLATE_HZ = 60;
export const SAMPLES_PER_MESSAGE = 12;

/** Noise parameters of one plate. Units: grams, seconds. */
export interface PlateNoise {
  /** Standard deviation of the white noise (g). */
  sigma: number;
  /** Share of samples whose noise is `tailScale` times larger (heavy tails). */
  tailProb: number;
  tailScale: number;
  /** ADC step (g). */
  step: number;
  /** Linear drift (g/s). */
  driftRate: number;
  /** Stationary standard deviation (g) and time constant (s) of the slow wander. */
  wanderStd: number;
  wanderTau: number;
  /** Single-sample spikes per second and their size (g, before the sign). */
  spikeRate: number;
  spikeGrams: number;
}

/** Steps seen in the real recording: almost all plates 0.241 g, a few slightly different. */
const STEPS = [0.241, 0.241, 0.241, 0.241, 0.241, 0.241, 0.241, 0.2407, 0.2402];

/** Draws one plate's noise parameters; the spread over plates is fitted to cps-test-01. */
export function drawPlateNoise(rng: Rng): PlateNoise {
  // A mixture: most plates are quiet (~0.7 g); about one in six is a noisy cell (2–8 g).
  const noisy = rng.chance(0.19);
  const sigma = noisy
    ? Math.min(8, Math.exp(rng.normal(Math.log(2.2), 0.55)))
    : Math.min(1.6, Math.max(0.28, Math.exp(rng.normal(Math.log(0.62), 0.3))));
  return {
    sigma,
    tailProb: rng.uniform(0.01, 0.05),
    tailScale: rng.uniform(2.5, 4),
    step: rng.pick(STEPS),
    driftRate: rng.normal(0, 0.004) * (noisy ? 4 : 1),
    wanderStd: Math.exp(rng.normal(Math.log(0.1), 0.8)) * (noisy ? 8 : 1),
    wanderTau: rng.uniform(5, 30),
    // Capped: the glitchiest real plate shows about 50 spikes a minute.
    spikeRate: Math.min(0.5, Math.exp(rng.normal(Math.log(0.11), 0.9))),
    spikeGrams: 1,
  };
}

/** A lasting change of a plate's load (an item taken: negative; put: positive), in event time. */
export interface LoadStep {
  /** When the change starts (ms, true time). */
  t: number;
  grams: number;
  /** How long the change takes to complete (ms): an item lifted slowly, or slid off. */
  rampMs: number;
}

/** A passing load: a hand or an arm resting on the shelf, an item pressed while others are taken. */
export interface LoadTransient {
  t0: number;
  t1: number;
  /** Peak extra load (g); negative for a lift of a neighbouring item's edge. */
  grams: number;
}

/** One simulated plate: identity, board and true load history. */
export interface SimPlate {
  id: string;
  /** The board (gondola) whose clock and packets the plate shares. */
  board: string;
  /** Tare plus the items initially on it (g). */
  base: number;
  noise: PlateNoise;
  steps: LoadStep[];
  transients: LoadTransient[];
}

/** A board's clock: offset from true time (ms) and packet-time jitter (ms std). */
export interface BoardClock {
  offsetMs: number;
  jitterMs: number;
  /** Phase of the first packet after the start (ms), so boards do not tick together. */
  phaseMs: number;
}

/** Draws a board clock: offset uniform in ±50 ms, jitter 1.6–2.6 ms (packet intervals then vary by 2.3–3.7 ms std, as measured). */
export function drawBoardClock(rng: Rng): BoardClock {
  return { offsetMs: rng.uniform(-50, 50), jitterMs: rng.uniform(1.6, 2.6), phaseMs: rng.uniform(0, 200) };
}

/** A device message with its event time and its (true) time of sending. */
export interface TimedMessage {
  /** True time the message was sent (ms): the network delay is added later. */
  sentAt: number;
  msg: RawMessage;
}

/** Samples of one plate over [from, from + n / hz), true load plus noise, quantized. */
export function plateSamples(plate: SimPlate, from: number, n: number, rng: Rng): Float64Array {
  const dt = 1000 / PLATE_HZ;
  const load = new Float64Array(n);
  const tailAdd = new Float64Array(n + 1);
  const idx = (t: number) => Math.ceil((t - from) / dt);
  let carried = 0;
  for (const s of plate.steps) {
    const i0 = idx(s.t);
    const rampN = Math.max(1, Math.round(s.rampMs / dt));
    if (i0 >= n) continue;
    if (i0 + rampN <= 0) {
      carried += s.grams;
      continue;
    }
    for (let i = Math.max(0, i0); i < Math.min(n, i0 + rampN); i++) {
      // Smoothstep ramp: load cells see an item lifted as an S-curve, not a jump.
      const u = (i - i0 + 1) / rampN;
      load[i]! += s.grams * u * u * (3 - 2 * u);
    }
    if (i0 + rampN < n) tailAdd[Math.max(0, i0 + rampN)]! += s.grams;
  }
  for (const tr of plate.transients) {
    const i0 = Math.max(0, idx(tr.t0));
    const i1 = Math.min(n, idx(tr.t1));
    const len = Math.max(1, idx(tr.t1) - idx(tr.t0));
    const edge = Math.max(2, Math.min(len / 3, 150 / dt));
    for (let i = i0; i < i1; i++) {
      const k = i - idx(tr.t0);
      const rise = Math.min(1, k / edge, (len - k) / edge);
      // Hands press unevenly: a wobble of about a fifth of the load at 2–4 Hz.
      const wobble = 1 + 0.2 * Math.sin((2 * Math.PI * 3 * k * dt) / 1000 + tr.t0);
      load[i]! += tr.grams * Math.max(0, rise) * wobble;
    }
  }
  const nz = plate.noise;
  const out = new Float64Array(n);
  // The wander is slow (τ ≥ 5 s), so it is stepped once a packet (12 samples) and held.
  const block = SAMPLES_PER_MESSAGE;
  const alpha = Math.exp(-(block * dt) / 1000 / nz.wanderTau);
  const wanderKick = nz.wanderStd * Math.sqrt(1 - alpha * alpha);
  let wander = rng.normal(0, nz.wanderStd);
  const spikeP = nz.spikeRate / PLATE_HZ;
  const tailP = nz.tailProb;
  const spikeSize = Math.max(nz.sigma, nz.step);
  const step = nz.step;
  let level = plate.base + carried;
  for (let i = 0; i < n; i++) {
    level += tailAdd[i]!;
    if (i % block === 0) wander = alpha * wander + wanderKick * rng.fastNormal();
    // Drift counts from the start of the trace: absolute levels are arbitrary anyway.
    const t = (i * dt) / 1000;
    let noise = rng.fastNormal() * nz.sigma;
    // One uniform decides both rare things: a heavy-tail sample (low end) or a spike (high end).
    const u = rng.next();
    if (u < tailP) noise *= nz.tailScale;
    else if (u > 1 - spikeP) {
      // A spike is 12–60 noise levels tall, at least 3 g: a glitch of the ADC read.
      const size = Math.max(3, (12 + 48 * ((u - (1 - spikeP)) / spikeP)) * spikeSize);
      noise += (rng.next() < 0.5 ? -1 : 1) * size * nz.spikeGrams;
    }
    const v = level + load[i]! + wander + nz.driftRate * t + noise;
    out[i] = Math.round(Math.round(v / step) * step * 1e4) / 1e4;
  }
  return out;
}

/**
 * Weight messages of all plates over [from, to) (true time), grouped by board: one packet of 12
 * samples a plate every 200 ms, stamped by the board's clock with jitter.
 */
export function plateMessages(
  storeId: string,
  plates: readonly SimPlate[],
  clocks: ReadonlyMap<string, BoardClock>,
  from: number,
  to: number,
  rng: Rng,
): TimedMessage[] {
  const dt = 1000 / PLATE_HZ;
  const packetMs = SAMPLES_PER_MESSAGE * dt;
  const out: TimedMessage[] = [];
  const boards = [...new Set(plates.map((p) => p.board))];
  for (const board of boards) {
    const clock = clocks.get(board);
    if (!clock) throw new Error(`plateMessages: no clock for board "${board}"`);
    const brng = rng.fork(`board:${board}`);
    const start = from + (clock.phaseMs % packetMs);
    const packets = Math.max(0, Math.floor((to - start) / packetMs));
    const n = packets * SAMPLES_PER_MESSAGE;
    const jitter = Array.from({ length: packets }, () =>
      Math.max(-20, Math.min(20, brng.normal(0, clock.jitterMs))),
    );
    for (const plate of plates) {
      if (plate.board !== board) continue;
      const samples = plateSamples(plate, start, n, rng.fork(`plate:${plate.id}`));
      const topic = `walkout/v1/${storeId}/plates/${plate.id}/weight`;
      for (let k = 0; k < packets; k++) {
        const first = start + k * packetMs;
        const grams = Array.from(samples.subarray(k * SAMPLES_PER_MESSAGE, (k + 1) * SAMPLES_PER_MESSAGE));
        const t = Math.round((first + clock.offsetMs + jitter[k]!) * 10) / 10;
        out.push({ sentAt: first + packetMs, msg: { topic, payload: { t, hz: PLATE_HZ, grams } } });
      }
    }
  }
  return out;
}

/** Traces of `count` untouched simulated plates over `seconds`, for comparing with a real recording. */
export function idlePlateTraces(
  rng: Rng,
  count: number,
  seconds: number,
): { id: string; hz: number; grams: Float64Array }[] {
  return Array.from({ length: count }, (_, i) => {
    const plate: SimPlate = {
      id: `p${i + 1}`,
      board: 'b',
      base: rng.uniform(300, 3000),
      noise: drawPlateNoise(rng),
      steps: [],
      transients: [],
    };
    return {
      id: plate.id,
      hz: PLATE_HZ,
      grams: plateSamples(plate, 1.6e12, Math.round(seconds * PLATE_HZ), rng.fork(i)),
    };
  });
}
