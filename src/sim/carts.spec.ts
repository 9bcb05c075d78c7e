import { describe, expect, it } from 'vitest';
import { parseStoreDefinition } from '../protocol/store.js';
import { parseMessage } from '../protocol/topics.js';
import { cartTruthOf, pluGtin } from './carts.js';
import { SCENARIOS, simulate, SUITES } from './scenarios.js';

describe('the carts scenario', () => {
  const sim = simulate('carts', 1);

  it('is deterministic per seed and differs between seeds', () => {
    expect(JSON.stringify(simulate('carts', 1))).toBe(JSON.stringify(sim));
    expect(JSON.stringify(simulate('carts', 2).truth)).not.toBe(JSON.stringify(sim.truth));
    expect(SUITES.carts).toHaveLength(3);
  });

  it('sells produce by weight under PLU-based GTINs, in a store that parses', () => {
    const store = parseStoreDefinition(sim.store);
    const produce = store.products.filter((p) => p.soldBy === 'weight');
    expect(produce.length).toBeGreaterThan(0);
    for (const p of produce) {
      expect(p.pricePerKg).toBeGreaterThan(0);
      expect(p.gtin).toMatch(/^[0-9]{14}$/);
    }
    expect(new Set(store.products.map((p) => p.gtin)).size).toBe(store.products.length);
  });

  it('sends only cart messages, every one of them parses', () => {
    const kinds = new Map<string, number>();
    for (const m of sim.messages) {
      const parsed = parseMessage(m.topic, m.payload);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) kinds.set(parsed.message.kind, (kinds.get(parsed.message.kind) ?? 0) + 1);
    }
    expect([...kinds.keys()].sort()).toEqual(['cart-exit', 'cart-login', 'cart-scan', 'cart-weight']);
    expect(kinds.get('cart-login')).toBe(SCENARIOS.carts.visits);
    expect(kinds.get('cart-exit')).toBe(SCENARIOS.carts.visits);
  });

  it('reads the basket scale at about 4 Hz', () => {
    const ts = sim.messages
      .filter((m) => m.topic.endsWith('/carts/cart-01/weight'))
      .map((m) => (m.payload as { t: number }).t)
      .sort((a, b) => a - b);
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(240);
    expect(mean).toBeLessThan(260);
  });

  it('has visits at once, and truth for every token with the unscanned items in its extension', () => {
    const carts = cartTruthOf(sim.truth)!;
    expect(carts.visits).toHaveLength(SCENARIOS.carts.visits);
    const overlapping = carts.visits.filter((v) =>
      carts.visits.some((o) => o !== v && o.loginAt < v.exitAt && v.loginAt < o.exitAt),
    );
    expect(overlapping.length).toBeGreaterThan(5);
    // A cart serves one shopper at a time.
    for (const v of carts.visits) {
      expect(
        carts.visits.some(
          (o) => o !== v && o.cartId === v.cartId && o.loginAt < v.exitAt && v.loginAt < o.exitAt,
        ),
      ).toBe(false);
    }
    expect(sim.truth.shoppers.map((s) => s.shopper).sort()).toEqual(
      carts.visits.map((v) => v.shopper).sort(),
    );
    const all = [1, 2, 3].flatMap((seed) => cartTruthOf(simulate('carts', seed).truth)!.unscanned);
    expect(all.length).toBeGreaterThan(3);
    expect(all.some((u) => u.onPurpose)).toBe(true);
    for (const u of carts.unscanned) {
      const items = sim.truth.shoppers.find((s) => s.shopper === u.shopper)!.items;
      expect(items.some((i) => i.sku === u.sku)).toBe(true);
    }
  });

  it('computes GS1 check digits', () => {
    expect(pluGtin('001234567890')).toBe('00012345678905');
    expect(pluGtin('4011')).toMatch(/^0{9}4011[0-9]$/);
  });
});
