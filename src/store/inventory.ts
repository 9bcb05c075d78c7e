import type { StoreDefinition } from '../protocol/store.js';
import type { ShelfEvent } from './events.js';

/** Stock of one plate: what the planogram puts there, what is left, and what does not belong. */
export interface PlateStock {
  plateId: string;
  skus: string[];
  planned: number;
  count: number;
  misplaced: Record<string, number>;
  unknownGrams: number;
}

/** Inventory of a store: per-plate stock kept from shelf events. */
export type Inventory = Record<string, PlateStock>;

/** Inventory as the planogram states it, before any shelf event. */
export function initialInventory(store: StoreDefinition): Inventory {
  const inv: Inventory = {};
  for (const f of store.planogram) {
    const s = (inv[f.plate] ??= {
      plateId: f.plate,
      skus: [],
      planned: 0,
      count: 0,
      misplaced: {},
      unknownGrams: 0,
    });
    if (!s.skus.includes(f.sku)) s.skus.push(f.sku);
    s.planned += f.count;
    s.count += f.count;
  }
  return inv;
}

/**
 * Applies a shelf event's best explanation to the plate that carried most of it: takes lower the
 * count, put-backs raise it, and a product put back where it does not belong is recorded as
 * misplaced (a later take of it from there clears it first).
 */
export function evolveInventory(inv: Inventory, event: ShelfEvent): Inventory {
  const best = event.hypotheses[0];
  const main = [...event.plates].sort((a, b) => Math.abs(b.deltaGrams) - Math.abs(a.deltaGrams))[0];
  if (!best || !main) return inv;
  const prev = inv[main.plateId] ?? {
    plateId: main.plateId,
    skus: [],
    planned: 0,
    count: 0,
    misplaced: {},
    unknownGrams: 0,
  };
  const next: PlateStock = { ...prev, misplaced: { ...prev.misplaced } };
  if (best.sku === null) next.unknownGrams += event.deltaGrams;
  else {
    const taken = best.quantity;
    const belongs = prev.skus.includes(best.sku);
    if (taken > 0) {
      const stray = next.misplaced[best.sku] ?? 0;
      const fromStray = Math.min(stray, taken);
      if (fromStray > 0) next.misplaced[best.sku] = stray - fromStray;
      if (next.misplaced[best.sku] === 0) delete next.misplaced[best.sku];
      next.count = Math.max(0, next.count - (taken - fromStray));
    } else if (belongs) next.count += -taken;
    else next.misplaced[best.sku] = (next.misplaced[best.sku] ?? 0) - taken;
  }
  return { ...inv, [main.plateId]: next };
}

/** Plates at or below this share of their planned stock are low. */
export function lowStock(inv: Inventory, share = 0.25): PlateStock[] {
  return Object.values(inv).filter((s) => s.planned > 0 && s.count <= s.planned * share);
}
