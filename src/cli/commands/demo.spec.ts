import { describe, expect, it } from 'vitest';
import { demoStore } from '../../sim/demoStore.js';
import { catalogOf, crowdFrame, startDemo } from './demo.js';

describe('walkout demo pieces', () => {
  it('the synthetic crowd is deterministic for a seed and stays on the floor', () => {
    const store = demoStore();
    const a = crowdFrame(store, 50, 1_000_000, 7);
    expect(a.people).toHaveLength(50);
    expect(crowdFrame(store, 50, 1_000_000, 7)).toEqual(a);
    const xs = store.floor.map((p) => p[0]);
    for (const p of a.people) {
      const [x] = p.joints.nose!;
      expect(x).toBeGreaterThanOrEqual(Math.min(...xs));
      expect(x).toBeLessThanOrEqual(Math.max(...xs));
    }
    // A second later the walkers stand elsewhere.
    expect(crowdFrame(store, 50, 1_001_000, 7).people[0]!.joints.nose).not.toEqual(a.people[0]!.joints.nose);
  });

  it('the commerce catalog names every product of the store', () => {
    const store = demoStore();
    const catalog = catalogOf(store);
    expect(catalog.products.size).toBe(store.products.length);
    expect(catalog.storeId).toBe(store.id);
  });

  it.each([
    [{ port: 'x' }, '--port "x"'],
    [{ seed: '-1' }, '--seed "-1"'],
    [{ speed: '0' }, '--speed "0"'],
    [{ crowd: '9999' }, '--crowd "9999"'],
    [{ scenario: 'moon' }, 'scenario: expected one of'],
  ])('refuses bad options %j, naming them', async (bad, message) => {
    const opts = { port: '0', scenario: 'standard', seed: '1', speed: '1', crowd: '0', ...bad };
    await expect(startDemo(opts, () => {})).rejects.toThrow(message);
  });
});
