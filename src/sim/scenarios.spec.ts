import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Simulations take seconds each; on a busy 2-core machine, many.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });
import { readRecordingSync } from '../adapters/files/recording.js';
import { parseMessage } from '../protocol/topics.js';
import { parseStoreDefinition } from '../protocol/store.js';
import { Truth } from '../protocol/results.js';
import { demoStore } from './demoStore.js';
import { SCENARIO_NAMES, SCENARIOS, scenarioByName, simulate, simulateLive, SUITES } from './scenarios.js';
import { cameraStage } from './cameraStage.js';
import { runScenario } from './scenario.js';
import { largeStore, platesOf, smallStore } from './stores.js';
import { messageLine, writeSimulation } from './write.js';

const digest = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');
const weights1 = simulate('weights', 1);
// The full standard run without cameras (fast), and a short run of it with cameras.
const standard1 = simulate('standard', 1, { cameraStage: null });
const shortWithCameras = () =>
  runScenario(smallStore(1), { ...SCENARIOS.standard, visits: 4, windowS: 20 }, 1, {
    cameraStage: cameraStage(),
  });
const cams1 = shortWithCameras();

describe('stores', () => {
  it('the small store is about 10 × 8 m with 4 gondolas of 4–5 shelves, 0.3 m plates and 6–8 cameras', () => {
    const { definition: s } = smallStore(1);
    expect(s.floor[2]).toEqual([9.6, 8]);
    expect(s.fixtures).toHaveLength(4);
    for (const f of s.fixtures) expect(f.shelves.length).toBeGreaterThanOrEqual(4);
    for (const f of s.fixtures) expect(f.shelves.length).toBeLessThanOrEqual(5);
    for (const p of platesOf(s)) expect(p.box.max[0] - p.box.min[0]).toBeCloseTo(0.3, 6);
    expect(s.cameras.length).toBeGreaterThanOrEqual(6);
    expect(s.cameras.length).toBeLessThanOrEqual(8);
    expect(() => parseStoreDefinition(JSON.parse(JSON.stringify(s)))).not.toThrow();
  });

  it('the large store has about 400 plates and 40 cameras', () => {
    const { definition: s } = largeStore(1);
    expect(platesOf(s).length).toBeGreaterThan(380);
    expect(platesOf(s).length).toBeLessThan(460);
    expect(s.cameras).toHaveLength(40);
    expect(() => parseStoreDefinition(JSON.parse(JSON.stringify(s)))).not.toThrow();
  });

  it('stands every product on 2–3 neighbouring plates, weighing 20–1600 g, look-alikes side by side', () => {
    const sim = smallStore(1);
    const s = sim.definition;
    const platesBySku = new Map<string, string[]>();
    for (const f of s.planogram) platesBySku.set(f.sku, [...(platesBySku.get(f.sku) ?? []), f.plate]);
    const plates = new Map(platesOf(s).map((p) => [p.id, p]));
    for (const [sku, ids] of platesBySku) {
      expect(ids.length, sku).toBeGreaterThanOrEqual(2);
      expect(ids.length, sku).toBeLessThanOrEqual(3);
      const idx = ids.map((id) => plates.get(id)!.index).sort((a, b) => a - b);
      expect(new Set(ids.map((id) => plates.get(id)!.shelf)).size, sku).toBe(1);
      expect(idx[idx.length - 1]! - idx[0]!, sku).toBe(ids.length - 1);
    }
    for (const p of s.products) {
      expect(p.weight.mean).toBeGreaterThanOrEqual(20);
      expect(p.weight.mean).toBeLessThanOrEqual(1600);
      expect(p.weight.std).toBeGreaterThan(0);
    }
    expect(sim.lookAlikes.length).toBeGreaterThan(3);
    const mean = new Map(s.products.map((p) => [p.sku, p.weight.mean]));
    const sideBySide = sim.lookAlikes.filter((group) => {
      const shelves = new Set(
        group.flatMap((sku) => platesBySku.get(sku)!.map((id) => plates.get(id)!.shelf)),
      );
      const w = group.map((sku) => mean.get(sku)!);
      return shelves.size === 1 && Math.max(...w) - Math.min(...w) <= 5;
    });
    expect(sideBySide.length).toBeGreaterThan(3);
  });

  it('the demo store is the small store, the same on every call', () => {
    expect(JSON.stringify(demoStore())).toBe(JSON.stringify(smallStore(1).definition));
  });

  it('projects a floor point under a camera into its image', () => {
    for (const cam of smallStore(1).definition.cameras) {
      const C = [0, 1, 2].map(
        (i) => -(cam.R[0]![i]! * cam.t[0] + cam.R[1]![i]! * cam.t[1] + cam.R[2]![i]! * cam.t[2]),
      );
      const X = [C[0]!, C[1]!, 0];
      const xc = [0, 1, 2].map(
        (i) => cam.R[i]![0]! * X[0]! + cam.R[i]![1]! * X[1]! + cam.R[i]![2]! * X[2]! + cam.t[i]!,
      );
      expect(xc[2]).toBeGreaterThan(2.5); // in front of the camera, about the ceiling height away
      const u = cam.K[0]![0]! * (xc[0]! / xc[2]!) + cam.K[0]![2]!;
      const v = cam.K[1]![1]! * (xc[1]! / xc[2]!) + cam.K[1]![2]!;
      expect(u).toBeGreaterThan(0);
      expect(u).toBeLessThan(cam.width);
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(cam.height);
    }
  });
});

describe('simulate', () => {
  it('is deterministic per seed: same seed, same bytes; another seed, other bytes', () => {
    const again = simulate('weights', 1);
    const other = simulate('weights', 2);
    const a = digest(weights1.messages.map(messageLine));
    expect(digest(again.messages.map(messageLine))).toBe(a);
    expect(JSON.stringify(again.truth)).toBe(JSON.stringify(weights1.truth));
    expect(digest(other.messages.map(messageLine))).not.toBe(a);
  });

  it('with cameras too', () => {
    const again = shortWithCameras();
    expect(cams1.messages.some((m) => m.topic.includes('/cameras/'))).toBe(true);
    expect(digest(again.messages.map(messageLine))).toBe(digest(cams1.messages.map(messageLine)));
  });

  it.each([
    ['weights', weights1],
    ['standard', standard1],
    ['standard with cameras', cams1],
  ] as const)('%s: every message fits the contract, the store and the truth parse', (_name, sim) => {
    for (const m of sim.messages) {
      const parsed = parseMessage(m.topic, m.payload);
      if (!parsed.ok) throw new Error(parsed.reason);
    }
    expect(() => parseStoreDefinition(JSON.parse(JSON.stringify(sim.store)))).not.toThrow();
    expect(Truth.safeParse(sim.truth).success).toBe(true);
  });

  it('weights: one shopper at a time, no cameras; standard: up to 8 at once, with cameras', () => {
    expect(weights1.messages.some((m) => m.topic.includes('/cameras/'))).toBe(false);
    expect(weights1.store.cameras).toHaveLength(0);
    const maxAtOnce = (people: { enterAt: number; exitAt: number }[]) => {
      const ev = people
        .flatMap(
          (p) =>
            [
              [p.enterAt, 1],
              [p.exitAt, -1],
            ] as const,
        )
        .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let n = 0;
      let max = 0;
      for (const [, d] of ev) max = Math.max(max, (n += d));
      return max;
    };
    expect(maxAtOnce(weights1.people)).toBe(1);
    expect(maxAtOnce(standard1.people)).toBeLessThanOrEqual(8);
    expect(maxAtOnce(standard1.people)).toBeGreaterThanOrEqual(4);
    expect(standard1.truth.shoppers).toHaveLength(30);
    expect(standard1.span.to - standard1.span.from).toBeGreaterThan(9 * 60_000);
  });

  it('sends weights at 60 Hz in 12-sample packets, and gate scans, groups and exits as the contract says', () => {
    const sim = standard1;
    const weight = sim.messages.find((m) => m.topic.endsWith('/weight'))!.payload as {
      hz: number;
      grams: number[];
    };
    expect(weight.hz).toBe(60);
    // Absolute levels are tare plus items: positive, below 50 kg.
    for (const m of sim.messages.filter((x) => x.topic.endsWith('/weight')).slice(0, 5000))
      for (const g of (m.payload as { grams: number[] }).grams) expect(g > 0 && g < 50_000).toBe(true);
    expect(weight.grams).toHaveLength(12);
    const gate = (leaf: string, dir?: string) =>
      sim.messages.filter(
        (m) =>
          m.topic.endsWith(leaf) &&
          (dir === undefined || (m.payload as { direction?: string }).direction === dir),
      );
    const scans = gate('/scan');
    expect(new Set(scans.map((m) => (m.payload as { token: string }).token)).size).toBe(30);
    // Every person passes in once and out once; duplicates on the network may repeat a message.
    const unique = (ms: { payload: unknown }[]) => new Set(ms.map((m) => JSON.stringify(m.payload))).size;
    expect(unique(gate('/pass', 'in'))).toBe(sim.people.length);
    expect(unique(gate('/pass', 'out'))).toBe(sim.people.length);
    // Groups: extra people pass in within 10 s of their scan.
    for (const v of sim.truth.visits) {
      const ps = sim.people.filter((p) => p.token === v.shopper);
      expect(Math.max(...ps.map((p) => p.enterAt)) - Math.min(...ps.map((p) => p.enterAt))).toBeLessThan(
        10_000,
      );
    }
    expect(sim.truth.visits.some((v) => v.people.length > 1)).toBe(true);
  });

  it('truth is the net of picks and returns per token, with put-backs onto other plates and straddling items', () => {
    for (const sim of [standard1, simulate('adversarial', 1, { cameraStage: null })]) {
      const net = new Map<string, number>();
      for (const e of sim.truth.events) {
        const key = `${e.shopper}|${e.sku}`;
        net.set(key, (net.get(key) ?? 0) + (e.action === 'pick' ? 1 : -1));
      }
      for (const s of sim.truth.shoppers)
        for (const it of s.items) expect(net.get(`${s.shopper}|${it.sku}`)).toBe(it.quantity);
      const total = [...net.values()].filter((n) => n > 0).reduce((a, b) => a + b, 0);
      expect(sim.truth.shoppers.reduce((n, s) => n + s.items.reduce((k, i) => k + i.quantity, 0), 0)).toBe(
        total,
      );
    }
    const adv = simulate('adversarial', 2, { cameraStage: null });
    const planogramSku = new Map(adv.store.planogram.map((f) => [f.plate, f.sku]));
    const returns = adv.truth.events.filter((e) => e.action === 'return');
    expect(returns.some((e) => planogramSku.get(e.plates[0]!.plate) !== e.sku)).toBe(true);
    expect(adv.truth.events.some((e) => e.plates.length >= 2)).toBe(true);
  });

  it('adversarial: about 40% of reaches confuse (touch, put-back, two in one grab, lean)', () => {
    // Over a few seeds: one seed's 30 visits swing the share by ±0.07 (groups, browsers).
    const reaches = [1, 2, 3, 4].flatMap((seed) =>
      simulate('adversarial', seed, { cameraStage: null }).people.flatMap((p) => p.reaches),
    );
    const confusing =
      reaches.filter((r) => r.intent.kind !== 'pick' || r.intent.count > 1).length / reaches.length;
    expect(confusing).toBeGreaterThan(0.3);
    expect(confusing).toBeLessThan(0.5);
  });

  it('crowded: two shoppers of different groups reach within a metre and two seconds of each other', () => {
    const sim = simulate('crowded', 1, { cameraStage: null });
    const reaches = sim.people.flatMap((p) => p.reaches.map((r) => ({ ...r, token: p.token })));
    let close = 0;
    for (const a of reaches)
      for (const b of reaches)
        if (
          a.token < b.token &&
          Math.abs(a.tContact - b.tContact) < 2000 &&
          Math.hypot(a.target[0] - b.target[0], a.target[1] - b.target[1], a.target[2] - b.target[2]) < 1
        )
          close += 1;
    expect(close).toBeGreaterThan(10);
  });

  it('delivers some messages twice and some out of order, within a couple of seconds', () => {
    const seen = new Set<unknown>();
    let dups = 0;
    let late = 0;
    let newest = 0;
    for (const m of standard1.messages) {
      if (seen.has(m)) dups += 1;
      seen.add(m);
      const t = (m.payload as { t: number }).t;
      if (t < newest - 100) {
        late += 1;
        // Late by the network (≤ 2 s), plus clock offsets and a packet's length.
        expect(newest - t).toBeLessThan(3500);
      }
      newest = Math.max(newest, t);
    }
    expect(dups).toBeGreaterThan(0);
    expect(late).toBeGreaterThan(0);
  });

  it('rejects unknown scenarios and bad seeds, naming the field', () => {
    expect(() => scenarioByName('busy')).toThrow(/scenario: expected one of weights, standard/);
    expect(() => simulate('weights', -1)).toThrow(/seed/);
    fc.assert(
      fc.property(fc.string(), (name) => {
        if ((SCENARIO_NAMES as readonly string[]).includes(name)) return;
        expect(() => scenarioByName(name)).toThrow(/scenario/);
      }),
    );
  });

  it('has a fixed seed suite for every scenario', () => {
    for (const name of SCENARIO_NAMES) {
      expect(SUITES[name].length).toBeGreaterThan(0);
      expect(SCENARIOS[name].name).toBe(name);
    }
  });
});

describe('simulateLive', () => {
  it('yields each message once, in event-time order, from startT on', () => {
    const startT = Date.UTC(2026, 5, 1, 12);
    const live = simulateLive('weights', 3, startT, { cameraStage: null });
    let last = -Infinity;
    let n = 0;
    for (const { t, message } of live.messages) {
      expect(t).toBeGreaterThanOrEqual(last);
      expect(t).toBeGreaterThan(startT - 100);
      expect((message.payload as { t: number }).t).toBe(t);
      last = t;
      n += 1;
    }
    const batch = simulate('weights', 3, { startT, cameraStage: null });
    expect(n).toBe(new Set(batch.messages).size);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'walkout-sim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes store.json, recording.ndjson and truth.json that read back under the contract', () => {
    writeSimulation(dir, weights1);
    const store = parseStoreDefinition(JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8')));
    expect(store.id).toBe(weights1.store.id);
    const lines = readRecordingSync(join(dir, 'recording.ndjson'));
    expect(lines).toHaveLength(weights1.messages.length);
    expect(lines.every((l) => l.ok)).toBe(true);
    expect(Truth.parse(JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'))).shoppers).toHaveLength(6);
  });

  it('the fast NDJSON line equals JSON.stringify for any weight packet', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 2e12, noNaN: true }),
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 20 }),
        (t, grams) => {
          const m = { topic: 'walkout/v1/s/plates/p-1/weight', payload: { t, hz: 60, grams } };
          expect(messageLine(m)).toBe(JSON.stringify(m));
        },
      ),
    );
    const odd = { topic: 'walkout/v1/s/gates/g/scan', payload: { t: 1, token: 'a"b' } };
    expect(messageLine(odd)).toBe(JSON.stringify(odd));
  });
});
