import type { Plate, Product, StoreDefinition } from '../../protocol/store.js';

/** A plate with where it stands: its shelf, its order along the shelf and what it holds. */
export interface PlateInfo {
  plate: Plate;
  shelfId: string;
  fixtureId: string;
  /** Index along the shelf, sorted by position. */
  index: number;
  /** Centre of the plate's front face (store frame, m). */
  front: [number, number, number];
  /** Coordinate along the shelf (m): the plate centre projected on the shelf's long axis. */
  along: number;
  width: number;
  skus: string[];
}

/** The weight-sensing layout of a store: plates by id, shelves in order, products by sku. */
export interface ShelfLayout {
  plates: Map<string, PlateInfo>;
  shelves: Map<string, PlateInfo[]>;
  products: Map<string, Product>;
  /** Where each product stands: the along-shelf spans of its plates, per shelf. */
  productSpans: Map<string, { shelfId: string; from: number; to: number }[]>;
  /** The lightest unit-sold product weight in the store (g), for the detection floor. */
  lightestGrams: number;
}

/** Indexes a store definition for the shelf perception. */
export function buildShelfLayout(store: StoreDefinition): ShelfLayout {
  const plates = new Map<string, PlateInfo>();
  const shelves = new Map<string, PlateInfo[]>();
  const skusByPlate = new Map<string, string[]>();
  for (const f of store.planogram) {
    const list = skusByPlate.get(f.plate) ?? [];
    if (!list.includes(f.sku)) list.push(f.sku);
    skusByPlate.set(f.plate, list);
  }
  for (const fixture of store.fixtures) {
    for (const shelf of fixture.shelves) {
      if (shelf.plates.length === 0) continue;
      // The shelf's long axis: the floor direction perpendicular to where the plates face.
      const facing = shelf.plates[0]!.facing;
      const axis: [number, number] = Math.abs(facing[0]) > Math.abs(facing[1]) ? [0, 1] : [1, 0];
      const infos = shelf.plates.map((plate) => {
        const { min, max } = plate.box;
        const cx = (min[0] + max[0]) / 2;
        const cy = (min[1] + max[1]) / 2;
        const cz = (min[2] + max[2]) / 2;
        // Front face: the box side the facing vector points to.
        const fx = plate.facing[0] > 0.5 ? max[0] : plate.facing[0] < -0.5 ? min[0] : cx;
        const fy = plate.facing[1] > 0.5 ? max[1] : plate.facing[1] < -0.5 ? min[1] : cy;
        const along = axis[0] * cx + axis[1] * cy;
        const width = axis[0] * (max[0] - min[0]) + axis[1] * (max[1] - min[1]);
        return {
          plate,
          shelfId: shelf.id,
          fixtureId: fixture.id,
          index: 0,
          front: [fx, fy, cz] as [number, number, number],
          along,
          width,
          skus: skusByPlate.get(plate.id) ?? [],
        };
      });
      infos.sort((a, b) => a.along - b.along || (a.plate.id < b.plate.id ? -1 : 1));
      infos.forEach((info, i) => {
        info.index = i;
        plates.set(info.plate.id, info);
      });
      shelves.set(shelf.id, infos);
    }
  }
  const products = new Map(store.products.map((p) => [p.sku, p]));
  const productSpans = new Map<string, { shelfId: string; from: number; to: number }[]>();
  for (const info of plates.values()) {
    for (const sku of info.skus) {
      const spans = productSpans.get(sku) ?? [];
      const half = info.width / 2;
      const span = spans.find((s) => s.shelfId === info.shelfId);
      if (span) {
        span.from = Math.min(span.from, info.along - half);
        span.to = Math.max(span.to, info.along + half);
      } else spans.push({ shelfId: info.shelfId, from: info.along - half, to: info.along + half });
      productSpans.set(sku, spans);
    }
  }
  const unitWeights = store.products.filter((p) => p.soldBy === 'unit').map((p) => p.weight.mean);
  return {
    plates,
    shelves,
    products,
    productSpans,
    lightestGrams: unitWeights.length > 0 ? Math.min(...unitWeights) : 20,
  };
}
