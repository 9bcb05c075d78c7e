import { describe, expect, it } from 'vitest';
import { parseStoreDefinition } from '../protocol/store.js';
import type { ShelfEvent } from './events.js';
import { evolveInventory, initialInventory, lowStock } from './inventory.js';

const plate = (id: string, x: number) => ({
  id,
  box: { min: [x, 0, 1], max: [x + 0.3, 0.4, 1.3] },
  facing: [0, -1, 0],
});
const store = parseStoreDefinition({
  id: 's',
  name: 'S',
  currency: 'USD',
  floor: [
    [0, 0],
    [4, 0],
    [4, 4],
  ],
  fixtures: [{ id: 'g1', shelves: [{ id: 'g1-s1', plates: [plate('p1', 0), plate('p2', 0.3)] }] }],
  products: [
    { sku: 'fiji', name: 'FIJI', price: 249, weight: { mean: 538, std: 4 } },
    { sku: 'chips', name: 'Chips', price: 399, weight: { mean: 105, std: 2 } },
  ],
  planogram: [
    { plate: 'p1', sku: 'fiji', count: 4 },
    { plate: 'p2', sku: 'chips', count: 10 },
  ],
});
const event = (plateId: string, sku: string | null, quantity: number, delta: number): ShelfEvent => ({
  eventId: `e-${plateId}-${sku}-${quantity}`,
  shelfId: 'g1-s1',
  plates: [{ plateId, deltaGrams: delta }],
  startT: 0,
  endT: 1,
  deltaGrams: delta,
  deltaStdGrams: 1,
  position: [0, 0, 0],
  hypotheses: [{ sku, quantity, probability: 0.99 }],
  reliable: true,
});

describe('inventory', () => {
  it('given four FIJI on p1, when three are taken, then one is left and the plate is low', () => {
    let inv = initialInventory(store);
    inv = evolveInventory(inv, event('p1', 'fiji', 3, -1614));
    expect(inv.p1!.count).toBe(1);
    expect(lowStock(inv).map((s) => s.plateId)).toEqual(['p1']);
  });

  it('a FIJI put back on the chips plate is misplaced there, and taking it again clears it', () => {
    let inv = initialInventory(store);
    inv = evolveInventory(inv, event('p2', 'fiji', -1, 538));
    expect(inv.p2).toMatchObject({ count: 10, misplaced: { fiji: 1 } });
    inv = evolveInventory(inv, event('p2', 'fiji', 1, -538));
    expect(inv.p2).toMatchObject({ count: 10, misplaced: {} });
  });

  it('a change that fits no product is kept as unknown grams, not as stock', () => {
    const inv = evolveInventory(initialInventory(store), event('p1', null, 0, -37));
    expect(inv.p1).toMatchObject({ count: 4, unknownGrams: -37 });
  });
});
