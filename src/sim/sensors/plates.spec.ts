import { describe, expect, it } from 'vitest';
import { createRng } from '../random.js';
import { drawBoardClock, drawPlateNoise, plateMessages, plateSamples, type SimPlate } from './plates.js';

const T0 = Date.UTC(2026, 0, 1);
const quiet = (id: string, board = 'g1'): SimPlate => ({
  id,
  board,
  base: 1000,
  noise: {
    ...drawPlateNoise(createRng(1)),
    sigma: 0.3,
    tailProb: 0,
    spikeRate: 0,
    driftRate: 0,
    wanderStd: 0.01,
  },
  steps: [],
  transients: [],
});
const median = (xs: ArrayLike<number>, from: number, to: number) => {
  const s = Array.from(xs)
    .slice(from, to)
    .sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

describe('plateSamples', () => {
  it('given a 538 g item lifted at 2 s, the plate settles 538 g lower', () => {
    const plate = { ...quiet('p1'), steps: [{ t: T0 + 2000, grams: -538, rampMs: 300 }] };
    const s = plateSamples(plate, T0, 240, createRng(2));
    expect(median(s, 0, 100) - median(s, 160, 240)).toBeCloseTo(538, 0);
  });

  it('shows the hand resting on the shelf as a passing load that leaves no step', () => {
    const plate = { ...quiet('p1'), transients: [{ t0: T0 + 1000, t1: T0 + 2500, grams: 200 }] };
    const s = plateSamples(plate, T0, 240, createRng(2));
    expect(median(s, 80, 130) - median(s, 0, 50)).toBeGreaterThan(120);
    expect(Math.abs(median(s, 180, 240) - median(s, 0, 50))).toBeLessThan(1);
  });

  it('reads a plausible absolute level (tare plus items), drift included', () => {
    const plate = { ...quiet('p1'), noise: { ...quiet('p1').noise, driftRate: 0.02 } };
    const s = plateSamples(plate, T0, 600, createRng(2));
    expect(Math.abs(median(s, 0, 60) - 1000)).toBeLessThan(3);
    expect(Math.abs(median(s, 540, 600) - 1000)).toBeLessThan(3);
  });

  it('quantizes to the plate step', () => {
    const plate = quiet('p1');
    const s = plateSamples(plate, T0, 120, createRng(2));
    for (const v of s)
      expect(Math.abs(v / plate.noise.step - Math.round(v / plate.noise.step))).toBeLessThan(1e-3);
  });
});

describe('plateMessages', () => {
  it('sends 12 samples at 60 Hz every 200 ms, plates of one board sharing its jittered clock', () => {
    const clocks = new Map([['g1', drawBoardClock(createRng(5))]]);
    const out = plateMessages('s', [quiet('a'), quiet('b')], clocks, T0, T0 + 10_000, createRng(6));
    const a = out
      .filter((m) => m.msg.topic === 'walkout/v1/s/plates/a/weight')
      .map((m) => m.msg.payload as { t: number; hz: number; grams: number[] });
    const b = out
      .filter((m) => m.msg.topic === 'walkout/v1/s/plates/b/weight')
      .map((m) => m.msg.payload as { t: number });
    expect(a.length).toBeGreaterThanOrEqual(48);
    expect(a.every((p) => p.hz === 60 && p.grams.length === 12)).toBe(true);
    expect(a.map((p) => p.t)).toEqual(b.map((p) => p.t));
    const gaps = a.slice(1).map((p, i) => p.t - a[i]!.t);
    expect(Math.min(...gaps)).toBeGreaterThan(170);
    expect(Math.max(...gaps)).toBeLessThan(230);
    expect(new Set(gaps.map((g) => Math.round(g))).size).toBeGreaterThan(3);
    const offset = clocks.get('g1')!.offsetMs;
    expect(Math.abs(offset)).toBeLessThanOrEqual(50);
  });

  it('names a board with no clock', () => {
    expect(() => plateMessages('s', [quiet('a', 'g9')], new Map(), T0, T0 + 1000, createRng(1))).toThrow(
      /g9/,
    );
  });
});
