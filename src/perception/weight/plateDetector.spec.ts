import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATASETS_DIR, haveDataset } from '../../testing/datasets.js';
import { PlateDetector, type PlateChange } from './plateDetector.js';

const WEIGHTS = `${DATASETS_DIR}/autocheckout/cps-test-01/weights`;

/** Feeds a recorded plate trace in its original 12-sample packets. */
function runTrace(name: string): { changes: PlateChange[]; detector: PlateDetector } {
  const rows = readFileSync(`${WEIGHTS}/${name}.csv`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));
  const detector = new PlateDetector(name);
  const changes: PlateChange[] = [];
  for (let i = 0; i + 12 <= rows.length; i += 12) {
    changes.push(
      ...detector.push(
        rows[i]![0]! * 1000,
        60,
        rows.slice(i, i + 12).map((r) => r[1]!),
      ),
    );
  }
  return { changes, detector };
}

describe.runIf(haveDataset('autocheckout/cps-test-01'))('plate change detection on real plates', () => {
  it.each(['1_5_9', '1_6_8', '1_4_1', '1_6_9'])(
    'the drifting plate %s raises no change on its own drift',
    (name) => {
      // 1_5_9 drifts by 6 g over the recording, 1_6_8 by 3 g; 1_6_9 is the noisiest (14 g).
      const { changes } = runTrace(name);
      expect(changes.filter((c) => Math.abs(c.deltaGrams) > 20)).toEqual([]);
    },
  );

  it('the spiky plate 1_6_11 (13% of samples are spikes over 30 g) stays quiet', () => {
    const { changes, detector } = runTrace('1_6_11');
    expect(changes).toEqual([]);
    expect(detector.noise).toBeGreaterThan(1);
  });

  it('sees the FIJI bottle leave 1_5_10 as one step of about −538 g', () => {
    const { changes } = runTrace('1_5_10');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.deltaGrams).toBeGreaterThan(-580);
    expect(changes[0]!.deltaGrams).toBeLessThan(-530);
  });

  it('sees the chips bag lying across 2_5_3 … 2_5_5 on all three, adding up to its 105 g', () => {
    const parts = ['2_5_3', '2_5_4', '2_5_5'].map((p) => runTrace(p).changes);
    for (const c of parts) expect(c).toHaveLength(1);
    const total = parts.reduce((s, c) => s + c[0]!.deltaGrams, 0);
    expect(total).toBeGreaterThan(-110);
    expect(total).toBeLessThan(-100);
  });
});

describe('plate change detection on made-up traces', () => {
  const feed = (detector: PlateDetector, values: (i: number) => number, seconds: number, t0 = 0) => {
    const out: PlateChange[] = [];
    for (let k = 0; k < seconds * 5; k++) {
      const grams = Array.from({ length: 12 }, (_, j) => values(k * 12 + j));
      out.push(...detector.push(t0 + k * 200, 60, grams));
    }
    return out;
  };

  it('ignores single-sample spikes of any size', () => {
    const d = new PlateDetector('p');
    const changes = feed(d, (i) => 1000 + (i % 97 === 50 ? 5000 : 0) + (i % 13 === 3 ? -800 : 0), 20);
    expect(changes).toEqual([]);
  });

  it('reports a 30 g step on a quiet plate with its time window', () => {
    const d = new PlateDetector('p');
    const changes = feed(d, (i) => (i < 600 ? 500 : 470) + ((i * 7919) % 5) * 0.1, 20);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.deltaGrams).toBeCloseTo(-30, 0);
    expect(changes[0]!.startT).toBeGreaterThanOrEqual(9800);
    expect(changes[0]!.startT).toBeLessThanOrEqual(10_200);
  });
});
