import { describe, expect, it } from 'vitest';
import { simulate } from '../sim/scenarios.js';
import { benchLive } from './liveBench.js';
import { LiveLatencyResult } from './liveLatency.js';

/** `walkout` from source, as a child process (the same entry `walkout start` runs from). */
const CLI = {
  execPath: process.execPath,
  args: [
    '--import',
    'tsx',
    '-e',
    "import('./src/cli/main.ts').then((m) => m.main(['node', 'walkout', ...process.argv.slice(1)]))",
  ],
};

// `weights` seed 38: two shoppers enter in the first minute, one at a time, and leave by about 66 s.
const SCENARIO = 'weights';
const SEED = 38;

describe('walkout bench live', () => {
  it('plays the first minute into a child `walkout start`; each shopper who left gets exactly one receipt live', async () => {
    const sim = simulate(SCENARIO, SEED, { cameraStage: null });
    const expected = sim.truth.visits
      .filter((v) => v.enteredAt < sim.span.from + 60_000)
      .map((v) => v.shopper)
      .sort();
    expect(expected.length).toBeGreaterThanOrEqual(2);

    const lines: string[] = [];
    const result = LiveLatencyResult.parse(
      await benchLive({
        scenario: SCENARIO,
        seed: SEED,
        minutes: 1,
        target: { kind: 'child', cli: CLI },
        timeoutMs: 45_000,
        progress: (l) => lines.push(l),
      }),
    );
    const log = lines.join('\n');
    expect(log).toMatch(/walkout start is up/);
    expect(log).not.toMatch(/shopper not prepared|store said/);
    expect(result.visits.map((v) => v.shopper).sort()).toEqual(expected);
    expect(result).toMatchObject({
      count: expected.length,
      delivered: expected.length,
      missing: 0,
      missingButIssued: 0,
      extra: 0,
      early: 0,
    });
    for (const v of result.visits) {
      expect(v.receipts).toBe(1);
      // Plausible, not a threshold: after the exit, within the timeout.
      expect(v.latencyMs).toBeGreaterThan(0);
      expect(v.latencyMs).toBeLessThan(45_000);
    }
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms!);
    expect(result.p99Ms).toBeLessThanOrEqual(result.maxMs!);
    // The store's share (exit → issued) comes before the delivery.
    expect(result.issueP99Ms).toBeGreaterThan(0);
    expect(result.issueP99Ms).toBeLessThanOrEqual(result.maxMs!);
  }, 180_000);
});
