import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parsePlateCsv,
  percentile,
  plateNoiseStats,
  summarizeNoise,
  SUMMARY_PERCENTILES,
} from './noiseStats.js';
import { createRng } from './random.js';
import { REAL_NOISE_CPS_TEST_01 } from './realNoise.js';
import { idlePlateTraces } from './sensors/plates.js';

const DATASET = join(
  process.env.WALKOUT_DATASETS ?? '/work/shared/datasets',
  'autocheckout/cps-test-01/weights',
);
const at = (p: number) => SUMMARY_PERCENTILES.indexOf(p as (typeof SUMMARY_PERCENTILES)[number]);
const STATS = ['noise', 'drift30s', 'wander', 'spikesPerMin', 'step'] as const;

describe('plateNoiseStats', () => {
  it('reads the noise level of white noise and ignores one pick step', () => {
    const rng = createRng(3);
    const grams = Array.from({ length: 2400 }, (_, i) => 1000 + rng.normal(0, 2) - (i > 1200 ? 538 : 0));
    const s = plateNoiseStats({ id: 'p', hz: 60, grams });
    expect(s.noise).toBeGreaterThan(1.8);
    expect(s.noise).toBeLessThan(2.2);
    expect(s.drift30s).toBeGreaterThan(500);
  });

  it('counts single-sample spikes and finds the quantization step', () => {
    const grams = Array.from(
      { length: 3600 },
      (_, i) => (i % 7 === 0 ? 0.241 : 0) + (i % 600 === 300 ? 40 : 0),
    );
    const s = plateNoiseStats({ id: 'p', hz: 60, grams });
    expect(s.spikesPerMin).toBeCloseTo(6, 5);
    expect(s.step).toBeCloseTo(0.241, 4);
  });

  it('names the plate when the trace is too short', () => {
    expect(() => plateNoiseStats({ id: 'g1-s1-p1', hz: 60, grams: [1, 2, 3] })).toThrow(
      /g1-s1-p1.*240 samples/,
    );
  });

  it('interpolates percentiles between ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([5], 90)).toBe(5);
  });
});

describe('parsePlateCsv', () => {
  it('parses the AutoCheckout layout', () => {
    const trace = parsePlateCsv(
      '1_1_1',
      'timestamp_unix_s,weight_g\n1580250245.0,10.5\n1580250245.0166667,10.7\n',
    );
    expect(trace.grams).toEqual([10.5, 10.7]);
    expect(trace.hz).toBe(60);
    expect(trace.t[0]).toBe(1580250245000);
  });

  it('rejects a wrong header or a broken row, naming the line', () => {
    expect(() => parsePlateCsv('x', 'time,grams\n1,2\n')).toThrow(/header/);
    expect(() => parsePlateCsv('x', 'timestamp_unix_s,weight_g\n1,2\n3,abc\n')).toThrow(/line 3/);
  });

  it('never fails with anything but a plate error on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (body) => {
        try {
          parsePlateCsv('x', `timestamp_unix_s,weight_g\n${body}`);
        } catch (error) {
          expect((error as Error).message).toMatch(/^plate x:/);
        }
      }),
    );
  });
});

describe('simulated plates against the real recording', () => {
  it.skipIf(!existsSync(DATASET))('the committed real statistics match the dataset', () => {
    const files = readdirSync(DATASET).filter((f) => f.endsWith('.csv'));
    const stats = files.map((f) => plateNoiseStats(parsePlateCsv(f, readFileSync(join(DATASET, f), 'utf8'))));
    expect(summarizeNoise(stats)).toEqual(REAL_NOISE_CPS_TEST_01);
  });

  it.each([1, 2, 3])(
    'seed %i: p10, p50, p90 fall inside the real range and the median in its middle half',
    (seed) => {
      const real = REAL_NOISE_CPS_TEST_01;
      const sim = summarizeNoise(idlePlateTraces(createRng(seed), real.plates, 34).map(plateNoiseStats));
      for (const stat of STATS) {
        for (const p of [10, 50, 90]) {
          expect(sim[stat][at(p)], `${stat} p${p}`).toBeGreaterThanOrEqual(real[stat][at(0)]!);
          expect(sim[stat][at(p)], `${stat} p${p}`).toBeLessThanOrEqual(real[stat][at(100)]!);
        }
        expect(sim[stat][at(50)], `${stat} median`).toBeGreaterThanOrEqual(real[stat][at(25)]!);
        expect(sim[stat][at(50)], `${stat} median`).toBeLessThanOrEqual(real[stat][at(75)]!);
      }
      // The spread over plates is an order of magnitude, as in the real store.
      expect(sim.noise[at(100)]! / sim.noise[at(0)]!).toBeGreaterThan(10);
    },
  );
});
