/**
 * Simulated stores: a small one (about 10 × 8 m, 4 gondolas, ~150 plates, 8 cameras) and a large
 * one (about 400 plates, 40 cameras), both built by one layout function from a seed.
 *
 * Layout: gondolas run along x in back-to-back pairs ("islands"); the aisles between islands run
 * along x too, and cross aisles along y at both ends of each island column. Entry and exit are on
 * the y = 0 wall. Shoppers walk only along these aisles (see `aisleRoute`).
 */
import type { Camera, Fixture, Product, StoreDefinition, StoreDefinitionInput } from '../protocol/store.js';
import { parseStoreDefinition } from '../protocol/store.js';
import { createRng, type Rng } from './random.js';

/** Width of one plate along the shelf (m). */
export const PLATE_WIDTH = 0.3;
/** Depth of one gondola side (m). */
export const GONDOLA_DEPTH = 0.45;

/** Parameters of a generated store. */
export interface StoreLayout {
  id: string;
  name: string;
  /** Island columns along x; each column holds `islandsPerColumn` back-to-back gondola pairs. */
  columns: number;
  islandsPerColumn: number;
  /** Plates per shelf (shelf length = plates × 0.3 m). */
  platesPerShelf: number;
  /** Shelves per gondola, cycled over gondolas (e.g. [4, 5]). */
  shelves: number[];
  /** Overhead cameras in a grid of this many columns × rows. */
  cameraGrid: [number, number];
  /** Camera mounting height (m), focal length range (px) and frame rate. */
  cameraHeight: number;
  cameraFocal: [number, number];
  cameraFps: number;
  /** Width of the cross aisles at both ends of each island column (m). */
  crossAisle: number;
  /** Number of entry and exit gates (one each: ids gate-in and gate-out; more: gate-in-1, …). */
  entryGates: number;
  exitGates: number;
  /** Aisle widths (m). */
  aisle: number;
  /** Depth of the front aisle strip, from the y = 0 wall to the first island (m). */
  frontAisle: number;
  /** Floor depth at least this (m); room left behind the last island stays open floor. */
  minDepth: number;
  withCameras: boolean;
}

/** Where a shopper stands and walks: the aisle graph the shopper model needs. */
export interface AisleMap {
  /** y of each aisle running along x (front aisle first). */
  rows: number[];
  /** x of each cross aisle running along y. */
  cols: number[];
  entry: [number, number];
  exit: [number, number];
  /** Every entry and exit gate with the floor point where people pass it. */
  entries: { gate: string; pos: [number, number] }[];
  exits: { gate: string; pos: [number, number] }[];
  size: [number, number];
}

/** A generated store with the extra knowledge the simulator needs beyond store.json. */
export interface SimStore {
  definition: StoreDefinition;
  aisles: AisleMap;
  /** Look-alike groups: skus whose weights are within a few grams, standing side by side. */
  lookAlikes: string[][];
}

const SMALL: StoreLayout = {
  id: 'sim-small',
  name: 'Walkout Sim Corner Shop',
  columns: 2,
  islandsPerColumn: 1,
  platesPerShelf: 8,
  shelves: [4, 5],
  cameraGrid: [4, 2],
  cameraHeight: 3.0,
  cameraFocal: [560, 620],
  cameraFps: 15,
  crossAisle: 1.6,
  entryGates: 1,
  exitGates: 1,
  aisle: 2.0,
  frontAisle: 2.6,
  minDepth: 8,
  withCameras: true,
};

const LARGE: StoreLayout = {
  id: 'sim-large',
  name: 'Walkout Sim Supermarket',
  columns: 3,
  islandsPerColumn: 2,
  platesPerShelf: 8,
  shelves: [4, 5],
  cameraGrid: [8, 5],
  // A higher ceiling and longer lenses: each shopper is in view of about three cameras, not ten.
  cameraHeight: 3.6,
  cameraFocal: [800, 860],
  cameraFps: 10,
  crossAisle: 2.4,
  entryGates: 3,
  exitGates: 2,
  aisle: 2.4,
  frontAisle: 2.4,
  minDepth: 0,
  withCameras: true,
};

/** The small store (about 10 × 8 m, 4 gondolas, 8 cameras). */
export function smallStore(seed = 1, opts: { cameras?: boolean } = {}): SimStore {
  return buildStore({ ...SMALL, withCameras: opts.cameras ?? true }, seed);
}

/** The large store (12 gondolas, about 400 plates, 40 cameras). */
export function largeStore(seed = 1, opts: { cameras?: boolean } = {}): SimStore {
  return buildStore({ ...LARGE, withCameras: opts.cameras ?? true }, seed);
}

// ---------------------------------------------------------------------------------------------
// Catalogue: realistic names and weights, with look-alike families of near-equal weight.

interface ProductFamily {
  base: string;
  variants: string[];
  grams: [number, number];
  /** Variants weigh within this many grams of each other (look-alikes) when set. */
  lookAlike?: number;
  price: [number, number];
}

const FAMILIES: ProductFamily[] = [
  {
    base: 'Tortilla Chips',
    variants: ['Fire', 'Mild', 'Diablo'],
    grams: [95, 115],
    lookAlike: 2.5,
    price: [199, 299],
  },
  {
    base: 'Potato Chips',
    variants: ['Salted', 'Vinegar', 'Paprika'],
    grams: [140, 160],
    lookAlike: 3,
    price: [249, 349],
  },
  { base: 'Gummy', variants: ['Bears', 'Worms'], grams: [140, 150], lookAlike: 2, price: [179, 229] },
  {
    base: 'Sparkling Water 0.5 L',
    variants: ['Lemon', 'Lime', 'Berry'],
    grams: [525, 545],
    lookAlike: 3,
    price: [129, 169],
  },
  {
    base: 'Energy Drink 250 ml',
    variants: ['Original', 'Sugarfree'],
    grams: [272, 278],
    lookAlike: 1.5,
    price: [199, 249],
  },
  {
    base: 'Protein Bar',
    variants: ['Choc', 'Peanut', 'Vanilla'],
    grams: [58, 62],
    lookAlike: 1.5,
    price: [229, 279],
  },
  {
    base: 'Candy Bar',
    variants: ['Milk', 'Dark', 'Caramel'],
    grams: [45, 52],
    lookAlike: 2,
    price: [99, 149],
  },
  { base: 'Mints', variants: ['Peppermint', 'Spearmint'], grams: [20, 24], lookAlike: 1, price: [149, 199] },
  {
    base: 'Yogurt Cup',
    variants: ['Plain', 'Strawberry', 'Peach'],
    grams: [150, 158],
    lookAlike: 2,
    price: [119, 159],
  },
  { base: 'Mineral Water 0.5 L', variants: ['Still'], grams: [536, 540], price: [99, 149] },
  { base: 'Cola 1.5 L', variants: ['Classic', 'Zero'], grams: [1570, 1600], lookAlike: 4, price: [249, 299] },
  {
    base: 'Orange Juice 1 L',
    variants: ['Smooth', 'Pulp'],
    grams: [1080, 1100],
    lookAlike: 3,
    price: [349, 429],
  },
  { base: 'Milk 1 L', variants: ['Whole', 'Semi'], grams: [1035, 1045], lookAlike: 3, price: [129, 159] },
  { base: 'Cereal', variants: ['Corn Flakes', 'Granola', 'Muesli'], grams: [380, 760], price: [299, 499] },
  {
    base: 'Pasta 500 g',
    variants: ['Spaghetti', 'Penne', 'Fusilli'],
    grams: [505, 512],
    lookAlike: 3,
    price: [149, 199],
  },
  {
    base: 'Rice 1 kg',
    variants: ['Basmati', 'Jasmine'],
    grams: [1010, 1020],
    lookAlike: 3,
    price: [299, 399],
  },
  {
    base: 'Canned Beans',
    variants: ['Kidney', 'Black', 'Pinto'],
    grams: [440, 446],
    lookAlike: 2,
    price: [99, 139],
  },
  { base: 'Tomato Soup Can', variants: ['Classic'], grams: [410, 420], price: [129, 179] },
  {
    base: 'Cookies',
    variants: ['Choc Chip', 'Oatmeal', 'Double Choc'],
    grams: [200, 350],
    price: [249, 349],
  },
  { base: 'Crackers', variants: ['Salted', 'Cheese'], grams: [180, 230], price: [199, 279] },
  {
    base: 'Peanut Butter',
    variants: ['Smooth', 'Crunchy'],
    grams: [505, 512],
    lookAlike: 2.5,
    price: [349, 429],
  },
  {
    base: 'Jam Jar',
    variants: ['Strawberry', 'Apricot', 'Cherry'],
    grams: [450, 456],
    lookAlike: 2,
    price: [279, 329],
  },
  { base: 'Coffee Beans', variants: ['Espresso', 'House'], grams: [260, 520], price: [699, 1199] },
  { base: 'Tea Box', variants: ['Green', 'Black', 'Mint'], grams: [40, 80], price: [299, 399] },
  { base: 'Chewing Gum', variants: ['Mint', 'Fruit'], grams: [28, 32], lookAlike: 1.5, price: [119, 149] },
  { base: 'Hand Soap', variants: ['Aloe', 'Lavender'], grams: [300, 310], lookAlike: 3, price: [249, 299] },
  { base: 'Toothpaste', variants: ['Whitening', 'Sensitive'], grams: [120, 130], price: [249, 349] },
  { base: 'Olive Oil 750 ml', variants: ['Extra Virgin'], grams: [1180, 1250], price: [899, 1099] },
  { base: 'Nuts Mix', variants: ['Salted', 'Honey'], grams: [150, 200], price: [399, 499] },
  {
    base: 'Iced Tea 0.5 L',
    variants: ['Peach', 'Lemon'],
    grams: [528, 532],
    lookAlike: 2,
    price: [149, 189],
  },
];

interface Candidate {
  sku: string;
  product: Product;
  family: number;
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** A 14-digit GTIN with a valid GS1 check digit. */
function gtin(rng: Rng): string {
  const body = Array.from({ length: 13 }, (_, i) => (i === 0 ? 0 : rng.int(0, 9)));
  const sum = body.reduce((s, d, i) => s + d * (i % 2 === 0 ? 3 : 1), 0);
  return [...body, (10 - (sum % 10)) % 10].join('');
}

function familyProducts(rng: Rng, fam: ProductFamily, famIndex: number, round: number): Candidate[] {
  const center = rng.uniform(fam.grams[0], fam.grams[1]);
  return fam.variants.map((v) => {
    const mean = fam.lookAlike
      ? center + rng.uniform(-fam.lookAlike / 2, fam.lookAlike / 2)
      : rng.uniform(fam.grams[0], fam.grams[1]);
    const grams = Math.round(mean * 10) / 10;
    // Packaging and fill vary about 0.5–1.5% of the weight; never below half a gram.
    const std = Math.round(Math.max(0.5, grams * rng.uniform(0.004, 0.012)) * 10) / 10;
    const sku = `${slug(fam.base)}-${slug(v)}${round > 0 ? `-${round + 1}` : ''}`.slice(0, 64);
    const product: Product = {
      sku,
      gtin: gtin(rng),
      name: `${fam.base} ${v}${round > 0 ? ` (${round + 1})` : ''}`,
      price: Math.round(rng.uniform(fam.price[0], fam.price[1]) / 10) * 10 - 1,
      soldBy: 'unit',
      taxRate: 0,
      weight: { mean: grams, std },
    };
    return { sku, product, family: famIndex };
  });
}

// ---------------------------------------------------------------------------------------------
// Cameras: OpenCV pinhole, looking down at the floor from the ceiling.

type V3 = [number, number, number];
const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: V3, b: V3): V3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const norm = (a: V3): V3 => {
  const n = Math.hypot(...a);
  return [a[0] / n, a[1] / n, a[2] / n];
};
const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** A camera at `center` looking at `target`, image "up" toward world +y where possible. */
export function lookAtCamera(
  id: string,
  center: V3,
  target: V3,
  intr: { width: number; height: number; f: number; dist: number[]; fps: number },
): Camera {
  const z = norm(sub(target, center));
  const ref: V3 = Math.abs(z[1]) < 0.9 ? [0, 1, 0] : [1, 0, 0];
  const x = norm(cross(z, ref));
  const y = cross(z, x);
  const R: [V3, V3, V3] = [x.map(r6) as V3, y.map(r6) as V3, z.map(r6) as V3];
  const t: V3 = [0, 1, 2].map((i) =>
    r6(-(R[i]![0] * center[0] + R[i]![1] * center[1] + R[i]![2] * center[2])),
  ) as V3;
  return {
    id,
    width: intr.width,
    height: intr.height,
    fps: intr.fps,
    K: [
      [intr.f, 0, intr.width / 2],
      [0, intr.f, intr.height / 2],
      [0, 0, 1],
    ],
    dist: intr.dist,
    R,
    t,
  };
}

function cameraGrid(rng: Rng, size: [number, number], layout: StoreLayout): Camera[] {
  const [nx, ny] = layout.cameraGrid;
  const cams: Camera[] = [];
  const cx = size[0] / 2;
  const cy = size[1] / 2;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const x = ((i + 0.5) * size[0]) / nx;
      const y = ((j + 0.5) * size[1]) / ny;
      const h = layout.cameraHeight + rng.uniform(-0.1, 0.1);
      // Tilt each camera a little toward the store centre, as ceiling mounts are, so that
      // neighbouring cameras see people from different sides.
      const target: V3 = [
        x + (cx - x) * 0.25 + rng.uniform(-0.2, 0.2),
        y + (cy - y) * 0.25 + rng.uniform(-0.2, 0.2),
        0,
      ];
      // Shorter focal lengths come with stronger barrel distortion, as wide-angle lenses do.
      const k1 = r6(rng.uniform(-0.32, -0.22) * (600 / layout.cameraFocal[0]));
      cams.push(
        lookAtCamera(`cam-${cams.length + 1}`, [x, y, h], target, {
          width: 1280,
          height: 800,
          f: Math.round(rng.uniform(layout.cameraFocal[0], layout.cameraFocal[1])),
          dist: [
            k1,
            r6(rng.uniform(0.06, 0.1)),
            r6(rng.uniform(-0.001, 0.001)),
            r6(rng.uniform(-0.001, 0.001)),
            r6(rng.uniform(-0.02, 0)),
          ],
          fps: layout.cameraFps,
        }),
      );
    }
  }
  return cams;
}

// ---------------------------------------------------------------------------------------------

/** Builds and validates a store from a layout and a seed. */
export function buildStore(layout: StoreLayout, seed: number): SimStore {
  const rng = createRng(seed).fork(`store:${layout.id}`);
  const shelfLen = layout.platesPerShelf * PLATE_WIDTH;
  const margin = layout.crossAisle;
  const islandDepth = 2 * GONDOLA_DEPTH;
  // Gates are in front (zones y 0..1), then the front aisle, then the islands.
  const frontAisle = layout.frontAisle;
  const width = layout.columns * (shelfLen + margin) + margin;
  const depth = Math.max(
    layout.minDepth,
    frontAisle + layout.islandsPerColumn * (islandDepth + layout.aisle) + 0.4,
  );
  const W = Math.round(width * 10) / 10;
  const D = Math.round(depth * 10) / 10;

  const fixtures: Fixture[] = [];
  const rows: number[] = [r6(Math.max(1.2, frontAisle - 0.6))];
  const cols: number[] = [];
  for (let c = 0; c <= layout.columns; c++) cols.push(r6(margin / 2 + c * (shelfLen + margin)));
  let g = 0;
  for (let k = 0; k < layout.islandsPerColumn; k++) {
    const y0 = frontAisle + k * (islandDepth + layout.aisle);
    rows.push(r6(y0 + islandDepth + layout.aisle / 2));
    for (let c = 0; c < layout.columns; c++) {
      const x0 = margin + c * (shelfLen + margin);
      for (const side of [0, 1] as const) {
        g += 1;
        const gy0 = y0 + side * GONDOLA_DEPTH;
        const facing: V3 = side === 0 ? [0, -1, 0] : [0, 1, 0];
        const nShelves = layout.shelves[(g - 1) % layout.shelves.length]!;
        const shelves = Array.from({ length: nShelves }, (_, s) => {
          const z0 = 0.15 + s * (1.7 / nShelves);
          const clearance = Math.min(0.32, 1.7 / nShelves - 0.04);
          return {
            id: `g${g}-s${s + 1}`,
            plates: Array.from({ length: layout.platesPerShelf }, (_, p) => ({
              id: `g${g}-s${s + 1}-p${p + 1}`,
              box: {
                min: [r6(x0 + p * PLATE_WIDTH), r6(gy0), r6(z0)] as V3,
                max: [r6(x0 + (p + 1) * PLATE_WIDTH), r6(gy0 + GONDOLA_DEPTH), r6(z0 + clearance)] as V3,
              },
              facing,
            })),
          };
        });
        fixtures.push({ id: `g${g}`, shelves });
      }
    }
  }

  // Catalogue: take families in a seeded order, repeat with new rounds until shelves are full.
  const { products, planogram, lookAlikes } = stockShelves(rng, fixtures);

  const gateIds = (kind: 'in' | 'out', n: number) =>
    Array.from({ length: n }, (_, k) => (n === 1 ? `gate-${kind}` : `gate-${kind}-${k + 1}`));
  const entries = gateIds('in', layout.entryGates).map((gate, k) => ({
    gate,
    pos: [1.0 + 1.5 * k, 0.5] as [number, number],
  }));
  const exits = gateIds('out', layout.exitGates).map((gate, k) => ({
    gate,
    pos: [r6(W - 1.0 - 1.5 * k), 0.5] as [number, number],
  }));
  const entryEnd = 2 + 1.5 * (layout.entryGates - 1);
  const exitStart = r6(W - 2 - 1.5 * (layout.exitGates - 1));
  const input: StoreDefinitionInput = {
    id: layout.id,
    name: layout.name,
    currency: 'USD',
    timezone: 'America/New_York',
    floor: [
      [0, 0],
      [W, 0],
      [W, D],
      [0, D],
    ],
    zones: [
      {
        id: 'entry',
        kind: 'entry',
        polygon: [
          [0, 0],
          [entryEnd, 0],
          [entryEnd, 1],
          [0, 1],
        ],
      },
      {
        id: 'exit',
        kind: 'exit',
        polygon: [
          [exitStart, 0],
          [W, 0],
          [W, 1],
          [exitStart, 1],
        ],
      },
    ],
    gates: [
      ...entries.map((e) => ({ id: e.gate, zone: 'entry', position: e.pos })),
      ...exits.map((e) => ({ id: e.gate, zone: 'exit', position: e.pos })),
    ],
    fixtures,
    cameras: layout.withCameras ? cameraGrid(rng, [W, D], layout) : [],
    products,
    planogram,
  };
  const definition = parseStoreDefinition(input);
  return {
    definition,
    aisles: { rows, cols, entry: entries[0]!.pos, exit: exits[0]!.pos, entries, exits, size: [W, D] },
    lookAlikes,
  };
}

function stockShelves(
  rng: Rng,
  fixtures: Fixture[],
): {
  products: Product[];
  planogram: { plate: string; sku: string; count: number }[];
  lookAlikes: string[][];
} {
  const products: Product[] = [];
  const planogram: { plate: string; sku: string; count: number }[] = [];
  const lookAlikes: string[][] = [];
  const queue: Candidate[] = [];
  let round = 0;
  const refill = () => {
    const order = rng.shuffle(FAMILIES.map((_, i) => i));
    for (const fi of order) {
      const fam = familyProducts(rng, FAMILIES[fi]!, fi, round);
      if (FAMILIES[fi]!.lookAlike && fam.length > 1) lookAlikes.push(fam.map((c) => c.sku));
      // A family stays together, so look-alikes stand side by side on one shelf.
      queue.push(...fam);
    }
    round += 1;
  };
  for (const fixture of fixtures) {
    for (const shelf of fixture.shelves) {
      let p = 0;
      while (p < shelf.plates.length) {
        if (queue.length === 0) refill();
        const cand = queue.shift()!;
        const left = shelf.plates.length - p;
        // 2–3 neighbouring plates a product; never leave one plate alone at the shelf end.
        let span = rng.chance(0.5) ? 2 : 3;
        if (left - span === 1) span = span === 2 ? 3 : 2;
        if (span > left) span = left;
        products.push(cand.product);
        for (let k = 0; k < span; k++) {
          const grams = cand.product.weight.mean;
          // Fill a 0.3 m plate: light things stand many deep, heavy ones few.
          const count = Math.max(2, Math.min(14, Math.round(rng.uniform(1200, 3500) / Math.max(grams, 90))));
          planogram.push({ plate: shelf.plates[p + k]!.id, sku: cand.sku, count });
        }
        p += span;
      }
    }
  }
  // Drop look-alike groups not fully stocked, and the products never placed.
  const placed = new Set(products.map((x) => x.sku));
  return {
    products,
    planogram,
    lookAlikes: lookAlikes.map((gr) => gr.filter((s) => placed.has(s))).filter((gr) => gr.length > 1),
  };
}

/** The plates of a store in shelf order, with their shelf and gondola. */
export function platesOf(
  def: StoreDefinition,
): { id: string; fixture: string; shelf: string; index: number; box: { min: V3; max: V3 }; facing: V3 }[] {
  return def.fixtures.flatMap((f) =>
    f.shelves.flatMap((s) =>
      s.plates.map((p, index) => ({
        id: p.id,
        fixture: f.id,
        shelf: s.id,
        index,
        box: p.box as { min: V3; max: V3 },
        facing: p.facing as V3,
      })),
    ),
  );
}
