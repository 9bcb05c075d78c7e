/**
 * Converts an AutoCheckout recording (AiFi Nanostore, CPS-IoT Week 2020) into Walkout's own
 * contract: a store definition, a recording of device messages and the ground truth.
 *
 * `convertAutoCheckout` is pure (file texts in, documents out); `readAutoCheckoutFolder` and
 * `writeAutoCheckoutImport` are the thin file-reading and file-writing shell around it.
 *
 * Folder layout (see the dataset's README): `weights/G_S_P.csv` per placed plate,
 * `weights_unmapped/G_S_P.csv` per channel with nothing on it, `products.csv` (planogram and
 * catalogue), `ground_truth.json`. `plates.csv` is a summary of the weight files and is not needed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { describeZodError, WalkoutError } from '../protocol/errors.js';
import type { FloorPoint, StorePoint } from '../protocol/ids.js';
import type { RawMessage } from '../protocol/messages.js';
import type { Truth } from '../protocol/results.js';
import type { StoreDefinitionInput } from '../protocol/store.js';
import { topicFor } from '../protocol/topics.js';
import { cellError, clip, integerCell, numberCell, parseCsv, textCell, type CsvTable } from './csv.js';

// ---------------------------------------------------------------------------------------------
// Inputs and outputs

/** One weight channel's file, as read from the folder. */
export interface AutoCheckoutWeightFile {
  /** Path relative to the folder, e.g. `weights/2_5_4.csv` (used in error messages). */
  file: string;
  /** False for `weights_unmapped/`: a channel that no product stands on. */
  mapped: boolean;
  text: string;
}

/** Everything the conversion needs, as texts; produced by `readAutoCheckoutFolder`. */
export interface AutoCheckoutFiles {
  /** The recording folder's name, e.g. `cps-test-01`; the store id derives from it. */
  name: string;
  productsCsv: string;
  groundTruthJson: string;
  weights: AutoCheckoutWeightFile[];
}

/** A wire message as written to `recording.ndjson`. */
export interface RecordedMessage extends RawMessage {
  topic: string;
  payload: Record<string, unknown>;
}

/** The result of one import. */
export interface AutoCheckoutImport {
  store: StoreDefinitionInput;
  messages: RecordedMessage[];
  truth: Truth;
  /** Things a person should know that did not stop the import (skipped catalogue rows, say). */
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------
// Tunables

/** Sample rate of the Nanostore load cells (Hz) and samples per packet, per the dataset README. */
export const AUTOCHECKOUT_HZ = 60;
export const AUTOCHECKOUT_PACKET = 12;

/**
 * Spread of one item's weight: max(1.5 g, 1.5 % of the mean). The catalogue gives a single
 * weight per product; real packaged goods vary by about 1–2 % (fill tolerance), and below
 * ~100 g the load cells' own noise (about ±1 g) dominates, hence the floor.
 */
export function weightStd(mean: number): number {
  return Math.max(1.5, 0.015 * mean);
}

/**
 * Catalogue rows lighter than this are placeholders (the file holds 0, 0.17, 0.89, 1 and 1.69 g
 * rows next to real weights of the same names); no packaged product in the store weighs so
 * little, and a product nobody can find by weight would only add noise, so they are skipped.
 */
export const MIN_PRODUCT_GRAMS = 5;

/** Store geometry (metres). The dataset has no geometry; this layout is plausible and consistent. */
export const LAYOUT = {
  /** Width of one plate along the shelf (x); plates sit side by side in plate-number order. */
  plateWidth: 0.3,
  /** Depth of a plate from the aisle edge to the back (y). */
  plateDepth: 0.45,
  /** Height of the lowest shelf's plate above the floor, and vertical pitch between shelves. */
  shelfBase: 0.15,
  shelfPitch: 0.3,
  /** Height of a plate's box, items included. */
  itemHeight: 0.27,
  /** x where every gondola starts; room at both ends for the entry and exit. */
  gondolaStartX: 1.0,
  /** y of gondola 1's aisle edge, and distance between the aisle edges of consecutive gondolas. */
  firstFrontY: 2.0,
  rowPitch: 1.95,
} as const;

/** Time from the gate scan to the start of the weight data, and from its end to the exit (ms). */
const ENTRY_LEAD_MS = 1000;
const PASS_AFTER_SCAN_MS = 100;
const EXIT_LAG_MS = 1000;

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Lower-case slug of a name: runs of other characters become one `-`. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The store id of a recording folder: `autocheckout-{slug of the folder name}`. */
export function storeIdFor(folderName: string): string {
  const slug = slugify(folderName).slice(0, 51).replace(/-+$/, '') || 'recording';
  return `autocheckout-${slug}`;
}

/** `g{G}-s{S}-p{P}`, the plate id of a channel. */
export function plateIdOf(gondola: number, shelf: number, plate: number): string {
  return `g${gondola}-s${shelf}-p${plate}`;
}

/** A barcode as a GTIN-14 when it has 8–14 digits. */
export function gtinOf(barcode: string): string | undefined {
  return /^[0-9]{8,14}$/.test(barcode) ? barcode.padStart(14, '0') : undefined;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Seconds (as in the CSVs) to event-time ms, kept to the microsecond. */
function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1e6) / 1000;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// products.csv

interface ProductRow {
  line: number;
  gondola: number;
  shelf: number;
  plate: number;
  name: string;
  barcode: string;
  weight: number;
  price: number;
}

const PRODUCT_COLUMNS = ['gondola', 'shelf', 'plate', 'name', 'barcode', 'weight_g', 'price'] as const;

function readProducts(text: string): ProductRow[] {
  const table = parseCsv(text, 'products.csv', PRODUCT_COLUMNS);
  return table.rows.map((row) => {
    const name = textCell(table, row, 'name');
    if (name === '') cellError(table, row, 'name', 'expected a product name, got an empty cell');
    if (name.length > 200) cellError(table, row, 'name', 'expected a name of at most 200 characters');
    const barcode = textCell(table, row, 'barcode');
    if (barcode !== '' && !/^[0-9]{1,64}$/.test(barcode)) {
      cellError(table, row, 'barcode', `expected digits or an empty cell, got "${clip(barcode)}"`);
    }
    const price = numberCell(table, row, 'price');
    if (price < 0) cellError(table, row, 'price', `expected a price of 0 or more, got ${price}`);
    return {
      line: row.line,
      gondola: integerCell(table, row, 'gondola'),
      shelf: integerCell(table, row, 'shelf'),
      plate: integerCell(table, row, 'plate'),
      name,
      barcode,
      weight: numberCell(table, row, 'weight_g'),
      price,
    };
  });
}

/**
 * How the price column is read. The Nanostore catalogue's prices are dummy values (mostly 1);
 * small whole numbers like these are dollars, so they become cents ×100. A column whose median
 * is 100 or more, or that has values with more than two decimals, is taken as cents already.
 */
function priceScale(rows: readonly ProductRow[]): number {
  const prices = rows.map((r) => r.price);
  const twoDecimals = prices.every((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-6);
  return twoDecimals && median(prices) < 100 ? 100 : 1;
}

// ---------------------------------------------------------------------------------------------
// Weight files

interface Channel {
  file: string;
  mapped: boolean;
  gondola: number;
  shelf: number;
  plate: number;
  id: string;
  /** Sample times in seconds and weights in grams, in file order. */
  times: number[];
  grams: number[];
}

const CHANNEL_FILE = /^([0-9]{1,4})_([0-9]{1,4})_([0-9]{1,4})\.csv$/;

function readChannel(w: AutoCheckoutWeightFile): Channel {
  const match = CHANNEL_FILE.exec(basename(w.file));
  if (!match) {
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `${w.file}: expected a file name G_S_P.csv (gondola, shelf, plate)`,
    );
  }
  const [gondola, shelf, plate] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const table: CsvTable = parseCsv(w.text, w.file, ['timestamp_unix_s', 'weight_g']);
  const times: number[] = [];
  const grams: number[] = [];
  for (const row of table.rows) {
    const t = numberCell(table, row, 'timestamp_unix_s');
    if (t < 0) cellError(table, row, 'timestamp_unix_s', `expected seconds since 1970, got ${t}`);
    times.push(t);
    grams.push(numberCell(table, row, 'weight_g'));
  }
  if (times.length === 0) {
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `${w.file} line 2: no samples, expected rows of timestamp_unix_s,weight_g`,
    );
  }
  return {
    file: w.file,
    mapped: w.mapped,
    gondola,
    shelf,
    plate,
    id: plateIdOf(gondola, shelf, plate),
    times,
    grams,
  };
}

/**
 * The channel's packets as they were sent: every 12 rows start a packet whose time is its first
 * row's (the CSV gave sample i of a packet the time packet_time + i/60 s). A short last packet
 * keeps the rows it has.
 */
function packetsOf(channel: Channel, warnings: string[]): { t: number; grams: number[] }[] {
  const packets: { t: number; grams: number[] }[] = [];
  let misaligned = -1;
  for (let i = 0; i < channel.times.length; i += AUTOCHECKOUT_PACKET) {
    const t0 = channel.times[i]!;
    const n = Math.min(AUTOCHECKOUT_PACKET, channel.times.length - i);
    for (let j = 1; j < n && misaligned < 0; j++) {
      // More than 2 ms off the packet grid means the rows are not whole packets of 12.
      if (Math.abs(channel.times[i + j]! - t0 - j / AUTOCHECKOUT_HZ) > 0.002) misaligned = i + j;
    }
    packets.push({ t: secondsToMs(t0), grams: channel.grams.slice(i, i + n) });
  }
  if (misaligned >= 0) {
    warnings.push(
      `${channel.file} line ${misaligned + 2}: sample times are not packet time + i/60 s; packets of 12 rows are kept as they are`,
    );
  }
  return packets;
}

// ---------------------------------------------------------------------------------------------
// ground_truth.json

const GroundTruthFile = z.object({
  shoppers: z.array(
    z.object({
      target_id: z.union([z.string().min(1), z.number().int().nonnegative()]),
      items: z.array(
        z.object({
          barcode: z.string().optional(),
          name: z.string().optional(),
          quantity: z.number().int().positive(),
        }),
      ),
    }),
  ),
});

function readGroundTruth(text: string): z.infer<typeof GroundTruthFile> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WalkoutError('WO_INPUT_INVALID', `ground_truth.json is not JSON: ${(error as Error).message}`);
  }
  const parsed = GroundTruthFile.safeParse(json);
  if (!parsed.success) {
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `ground_truth.json rejected: ${describeZodError(parsed.error)}`,
    );
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// The conversion

type ProductInput = NonNullable<StoreDefinitionInput['products']>[number];

/** Converts the texts of an AutoCheckout folder into Walkout's store, recording and truth. */
export function convertAutoCheckout(files: AutoCheckoutFiles): AutoCheckoutImport {
  const warnings: string[] = [];
  const storeId = storeIdFor(files.name);
  const rows = readProducts(files.productsCsv);
  const groundTruth = readGroundTruth(files.groundTruthJson);
  const channels = files.weights.map(readChannel);

  const seenChannel = new Map<string, string>();
  for (const c of channels) {
    const other = seenChannel.get(c.id);
    if (other)
      throw new WalkoutError('WO_INPUT_INVALID', `${c.file}: plate ${c.id} also comes from ${other}`);
    seenChannel.set(c.id, c.file);
  }
  const mappedById = new Map(channels.filter((c) => c.mapped).map((c) => [c.id, c]));

  // --- Products: one per barcode, or per name where there is no barcode.
  const keyOf = (r: ProductRow) => (r.barcode !== '' ? `barcode:${r.barcode}` : `name:${r.name}`);
  const groups = new Map<string, ProductRow[]>();
  for (const r of rows) {
    const group = groups.get(keyOf(r));
    if (group) group.push(r);
    else groups.set(keyOf(r), [r]);
  }
  const isPlaced = (r: ProductRow) =>
    r.gondola >= 1 && mappedById.has(plateIdOf(r.gondola, r.shelf, r.plate));
  const scale = priceScale(rows);

  // Barcodes are skus as they are; slugs of names come second, so a slug can never take a barcode's sku.
  const skuByKey = new Map<string, string>();
  const taken = new Set<string>();
  for (const [key, group] of groups) {
    if (group[0]!.barcode !== '') {
      skuByKey.set(key, group[0]!.barcode);
      taken.add(group[0]!.barcode);
    }
  }
  for (const [key, group] of groups) {
    if (group[0]!.barcode !== '') continue;
    const base = slugify(group[0]!.name).slice(0, 58).replace(/-+$/, '') || 'product';
    let sku = base;
    for (let n = 2; taken.has(sku); n += 1) sku = `${base}-${n}`;
    skuByKey.set(key, sku);
    taken.add(sku);
  }

  const products: ProductInput[] = [];
  const listed = new Map<string, ProductInput>();
  for (const [key, group] of groups) {
    // The row that describes the product: a placed row first, else the first with a real weight.
    const chosen =
      group.find((r) => isPlaced(r) && r.weight >= MIN_PRODUCT_GRAMS) ??
      group.find((r) => r.weight >= MIN_PRODUCT_GRAMS);
    const sku = skuByKey.get(key)!;
    if (!chosen) {
      warnings.push(
        `products.csv line ${group[0]!.line}: "${group[0]!.name}" skipped, weight ${group[0]!.weight} g is a placeholder (under ${MIN_PRODUCT_GRAMS} g)`,
      );
      continue;
    }
    const odd = group.find(
      (r) => r !== chosen && r.weight >= MIN_PRODUCT_GRAMS && Math.abs(r.weight - chosen.weight) > 0.01,
    );
    if (odd) {
      warnings.push(
        `products.csv line ${odd.line}: "${odd.name}" weighs ${odd.weight} g here but ${chosen.weight} g on line ${chosen.line}; kept ${chosen.weight} g`,
      );
    }
    const gtin = gtinOf(chosen.barcode);
    products.push({
      sku,
      ...(gtin ? { gtin } : {}),
      name: chosen.name,
      price: Math.round(chosen.price * scale),
      weight: { mean: round3(chosen.weight), std: round3(weightStd(chosen.weight)) },
    });
    listed.set(sku, products[products.length - 1]!);
  }

  // --- Planogram: one facing per (plate, product) row on a plate of the store.
  const planogram: { plate: string; sku: string; count: number }[] = [];
  const facingSeen = new Set<string>();
  for (const r of rows) {
    if (r.gondola < 1) continue;
    const plateId = plateIdOf(r.gondola, r.shelf, r.plate);
    const channel = mappedById.get(plateId);
    if (!channel) {
      warnings.push(
        `products.csv line ${r.line}: plate ${plateId} has no file in weights/, "${r.name}" has no place`,
      );
      continue;
    }
    const sku = skuByKey.get(keyOf(r))!;
    if (!listed.has(sku) || facingSeen.has(`${plateId}\u0000${sku}`)) continue;
    facingSeen.add(`${plateId}\u0000${sku}`);
    const product = listed.get(sku)!;
    // Items resting on the plate, estimated from its median reading. The levels are not zeroed
    // (they include the plate's own tare), so this over-counts; the engine uses changes, and the
    // count only needs to say "there is stock here".
    const count = Math.max(1, Math.round(median(channel.grams) / product.weight.mean));
    planogram.push({ plate: plateId, sku, count });
  }

  // --- Geometry: the plates of the store are the mapped channels that hold a product.
  const plateIds = new Set(planogram.map((f) => f.plate));
  const storePlates = channels.filter((c) => c.mapped && plateIds.has(c.id));
  for (const c of channels) {
    if (c.mapped && !plateIds.has(c.id)) {
      warnings.push(`${c.file}: no product in products.csv stands on ${c.id}; it is left out of the store`);
    }
  }
  const gondolas = [...new Set(storePlates.map((c) => c.gondola))].sort((a, b) => a - b);
  const maxPlate = Math.max(1, ...storePlates.map((c) => c.plate));
  const maxGondola = Math.max(1, ...gondolas);
  const L = LAYOUT;
  const floorWidth = round3(L.gondolaStartX * 2 + maxPlate * L.plateWidth);
  const floorDepth = round3(L.firstFrontY + (maxGondola - 1) * L.rowPitch + L.plateDepth + 0.5);
  const fixtures = gondolas.map((g) => {
    // Each gondola is a row along x, facing -y toward the aisle in front of it.
    const frontY = L.firstFrontY + (g - 1) * L.rowPitch;
    const shelves = [...new Set(storePlates.filter((c) => c.gondola === g).map((c) => c.shelf))].sort(
      (a, b) => a - b,
    );
    return {
      id: `g${g}`,
      shelves: shelves.map((s) => {
        // Shelf 1 is the lowest; shelves stack upward.
        const z0 = L.shelfBase + (s - 1) * L.shelfPitch;
        const plates = storePlates
          .filter((c) => c.gondola === g && c.shelf === s)
          .sort((a, b) => a.plate - b.plate)
          .map((c) => {
            const x0 = L.gondolaStartX + (c.plate - 1) * L.plateWidth;
            const min: StorePoint = [round3(x0), round3(frontY), round3(z0)];
            const max: StorePoint = [
              round3(x0 + L.plateWidth),
              round3(frontY + L.plateDepth),
              round3(z0 + L.itemHeight),
            ];
            const facing: StorePoint = [0, -1, 0];
            return { id: c.id, box: { min, max }, facing };
          });
        return { id: `g${g}-s${s}`, plates };
      }),
    };
  });
  const rect = (x0: number, y0: number, x1: number, y1: number): FloorPoint[] => [
    [round3(x0), round3(y0)],
    [round3(x1), round3(y0)],
    [round3(x1), round3(y1)],
    [round3(x0), round3(y1)],
  ];
  const store: StoreDefinitionInput = {
    id: storeId,
    name: `AutoCheckout ${files.name}`.slice(0, 200),
    currency: 'USD',
    timezone: 'America/Los_Angeles',
    floor: rect(0, 0, floorWidth, floorDepth),
    zones: [
      { id: 'entry', kind: 'entry', polygon: rect(0, 0, 1, 1) },
      { id: 'exit', kind: 'exit', polygon: rect(floorWidth - 1, 0, floorWidth, 1) },
    ],
    gates: [
      { id: 'gate-in', zone: 'entry' },
      { id: 'gate-out', zone: 'exit' },
    ],
    fixtures,
    products,
    planogram,
  };

  // --- Recording: every channel's packets (unmapped ones too: a real store hears them), gates around them.
  const messages: RecordedMessage[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const c of channels) {
    const topic = topicFor(storeId, 'plate-weight', c.id);
    for (const p of packetsOf(c, warnings)) {
      messages.push({ topic, payload: { t: p.t, hz: AUTOCHECKOUT_HZ, grams: p.grams } });
      first = Math.min(first, p.t);
      last = Math.max(last, p.t + ((p.grams.length - 1) * 1000) / AUTOCHECKOUT_HZ);
    }
  }
  if (!Number.isFinite(first)) {
    first = 0;
    last = 0;
  }
  const shoppers = groundTruth.shoppers.map((s) => String(s.target_id));
  const n = shoppers.length;
  shoppers.forEach((token, i) => {
    // One shopper (the usual case): scan 1 s before the first sample, pass 100 ms later, leave
    // 1 s after the last. Several: they enter 1 s apart, in the order of the truth file.
    const scanT = round3(first - ENTRY_LEAD_MS * (n - i));
    messages.push({
      topic: topicFor(storeId, 'gate-scan', 'gate-in'),
      payload: { t: Math.max(0, scanT), token, method: 'qr' },
    });
    messages.push({
      topic: topicFor(storeId, 'gate-pass', 'gate-in'),
      payload: { t: Math.max(0, round3(scanT + PASS_AFTER_SCAN_MS)), direction: 'in' },
    });
    messages.push({
      topic: topicFor(storeId, 'gate-pass', 'gate-out'),
      payload: { t: round3(last + EXIT_LAG_MS * (i + 1)), direction: 'out' },
    });
  });
  const tOf = (m: RecordedMessage) => m.payload.t as number;
  messages.sort((a, b) => tOf(a) - tOf(b) || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));

  // --- Truth, with the same sku rule as the products.
  const truth: Truth = {
    shoppers: groundTruth.shoppers.map((s) => ({
      shopper: String(s.target_id),
      items: s.items.map((item, i) => {
        const barcode = item.barcode?.trim() ?? '';
        const name = item.name?.trim() ?? '';
        let sku =
          barcode !== '' ? (skuByKey.get(`barcode:${barcode}`) ?? barcode) : skuByKey.get(`name:${name}`);
        if (sku === undefined) sku = slugify(name).slice(0, 58).replace(/-+$/, '');
        if (sku === '' || !/^[A-Za-z0-9._-]{1,64}$/.test(sku)) {
          throw new WalkoutError(
            'WO_INPUT_INVALID',
            `ground_truth.json: shoppers.${groundTruth.shoppers.indexOf(s)}.items.${i}: expected a barcode of digits or a product name`,
          );
        }
        if (!listed.has(sku))
          warnings.push(`ground_truth.json: item ${sku} ("${name}") is not in the catalogue`);
        return { sku, quantity: item.quantity };
      }),
    })),
  };

  return { store, messages, truth, warnings };
}

// ---------------------------------------------------------------------------------------------
// The file shell

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      code === 'ENOENT'
        ? `${what} not found: ${path}`
        : `cannot read ${what} ${path}: ${(error as Error).message}`,
    );
  }
}

function csvFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.csv'))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } catch {
    return [];
  }
}

/** Reads an AutoCheckout recording folder into texts, naming what is missing. */
export function readAutoCheckoutFolder(dir: string): AutoCheckoutFiles {
  const root = resolve(dir);
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new WalkoutError('WO_INPUT_INVALID', `AutoCheckout folder not found: ${dir}`);
  const mapped = csvFilesIn(join(root, 'weights'));
  if (mapped.length === 0) {
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `${join(dir, 'weights')}: expected plate files G_S_P.csv, found none`,
    );
  }
  const weights: AutoCheckoutWeightFile[] = [
    ...mapped.map((f) => ({ file: `weights/${f}`, mapped: true })),
    ...csvFilesIn(join(root, 'weights_unmapped')).map((f) => ({
      file: `weights_unmapped/${f}`,
      mapped: false,
    })),
  ].map((w) => ({ ...w, text: readText(join(root, w.file), 'weight file') }));
  return {
    name: basename(root),
    productsCsv: readText(join(root, 'products.csv'), 'products.csv'),
    groundTruthJson: readText(join(root, 'ground_truth.json'), 'ground_truth.json'),
    weights,
  };
}

/** Reads and converts an AutoCheckout folder. */
export function importAutoCheckout(dir: string): AutoCheckoutImport {
  return convertAutoCheckout(readAutoCheckoutFolder(dir));
}

/** The three output files' texts: `store.json`, `recording.ndjson`, `truth.json`. */
export function serializeImport(result: AutoCheckoutImport): {
  store: string;
  recording: string;
  truth: string;
} {
  return {
    store: `${JSON.stringify(result.store, null, 2)}\n`,
    recording:
      result.messages.map((m) => JSON.stringify(m)).join('\n') + (result.messages.length > 0 ? '\n' : ''),
    truth: `${JSON.stringify(result.truth, null, 2)}\n`,
  };
}
