import { DATASETS_DIR, haveDataset } from '../testing/datasets.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WalkoutError } from '../protocol/errors.js';
import { Truth } from '../protocol/results.js';
import { parseStoreDefinition, type StoreDefinition } from '../protocol/store.js';
import { parseMessage } from '../protocol/topics.js';
import {
  convertAutoCheckout,
  importAutoCheckout,
  serializeImport,
  weightStd,
  type AutoCheckoutFiles,
  type AutoCheckoutImport,
} from './autocheckout.js';

const REAL_DIR = `${DATASETS_DIR}/autocheckout/cps-test-01`;

const PRODUCTS_HEADER = 'gondola,shelf,plate,name,barcode,barcode_match,weight_g,price,thumbnail';

/** A plate file of `packets` packets of 12 samples at 60 Hz, starting at `t0` seconds. */
function plateCsv(t0: number, packets: number, grams: (i: number) => number, extra = 0): string {
  const rows = ['timestamp_unix_s,weight_g'];
  for (let i = 0; i < packets * 12 + extra; i++) {
    const packet = Math.floor(i / 12);
    rows.push(`${t0 + packet * 0.2 + (i % 12) / 60},${grams(i)}`);
  }
  return rows.join('\n') + '\n';
}

const TRUTH = JSON.stringify({
  testcase: 'tiny',
  shoppers: [
    {
      target_id: '42',
      items: [
        { barcode: '071063437089', name: 'Taco Bell Fire', quantity: 1 },
        { barcode: '', name: 'Gummy Worms', quantity: 2 },
      ],
    },
  ],
});

/** A small folder: two gondolas, chips on g2-s5 over three plates, one unmapped channel. */
function tinyFiles(overrides: Partial<AutoCheckoutFiles> = {}): AutoCheckoutFiles {
  const products = [
    PRODUCTS_HEADER,
    '2,5,1,Taco Bell Fire,071063437089,name,105.5,1,http://x',
    '2,5,2,Taco Bell Fire,071063437089,name,105.5,1,http://x',
    '2,5,3,Taco Bell Mild,071063437072,name,103.6,1,http://x',
    '1,1,1,Gummy Worms,,,142.0,2,',
    '-1,-1,-1,"Chips, Family Size",,,300,3,',
    '-1,-1,-1,Gummy-Worms!,,,150,1,',
    '-1,-1,-1,Placeholder,,,0.0,1,',
  ].join('\n');
  return {
    name: 'Tiny Test 01',
    productsCsv: products,
    groundTruthJson: TRUTH,
    weights: [
      { file: 'weights/1_1_1.csv', mapped: true, text: plateCsv(1000, 3, () => 1420) },
      { file: 'weights/2_5_1.csv', mapped: true, text: plateCsv(1000.05, 3, () => 1055, 5) },
      { file: 'weights/2_5_2.csv', mapped: true, text: plateCsv(1000.05, 3, () => 1040) },
      { file: 'weights/2_5_3.csv', mapped: true, text: plateCsv(1000.05, 3, (i) => (i < 20 ? 518 : 414)) },
      { file: 'weights_unmapped/1_4_13.csv', mapped: false, text: plateCsv(1000, 3, () => 2020.5) },
    ],
    ...overrides,
  };
}

const plateIds = (store: StoreDefinition) =>
  store.fixtures.flatMap((f) => f.shelves.flatMap((s) => s.plates));

describe('convertAutoCheckout on a small folder', () => {
  const result = convertAutoCheckout(tinyFiles());
  const store = parseStoreDefinition(result.store);

  it('names the store after the folder and gives it the gates and zones of the contract', () => {
    expect(store.id).toBe('autocheckout-tiny-test-01');
    expect(store.gates).toEqual([
      { id: 'gate-in', zone: 'entry' },
      { id: 'gate-out', zone: 'exit' },
    ]);
    expect(store.zones.map((z) => z.kind)).toEqual(['entry', 'exit']);
  });

  it('makes skus from barcodes, else from name slugs made unique, and pads GTINs to 14 digits', () => {
    expect(store.products.map((p) => [p.sku, p.gtin ?? null])).toEqual([
      ['071063437089', '00071063437089'],
      ['071063437072', '00071063437072'],
      ['gummy-worms', null],
      ['chips-family-size', null],
      ['gummy-worms-2', null],
    ]);
  });

  it('keeps catalogue items without a plate, skips placeholder weights and says so', () => {
    expect(store.products.find((p) => p.sku === 'chips-family-size')?.name).toBe('Chips, Family Size');
    expect(store.products.some((p) => p.name === 'Placeholder')).toBe(false);
    expect(result.warnings.some((w) => w.startsWith('products.csv line 8: "Placeholder" skipped'))).toBe(
      true,
    );
  });

  it('reads dummy dollar prices as cents and sets a realistic weight spread', () => {
    const fire = store.products.find((p) => p.sku === '071063437089')!;
    expect(fire.price).toBe(100);
    expect(fire.weight).toEqual({ mean: 105.5, std: 1.583 });
    expect(weightStd(50)).toBe(1.5);
    expect(weightStd(538)).toBeCloseTo(8.07, 5);
  });

  it('puts one facing per plate row, counting items from the plate median', () => {
    expect(store.planogram).toEqual([
      { plate: 'g2-s5-p1', sku: '071063437089', count: 10 },
      { plate: 'g2-s5-p2', sku: '071063437089', count: 10 },
      { plate: 'g2-s5-p3', sku: '071063437072', count: 5 }, // median 518 g / 103.6 g
      { plate: 'g1-s1-p1', sku: 'gummy-worms', count: 10 },
    ]);
  });

  it('lays plates side by side along x in plate order, shelves in z, gondolas in rows facing the aisle', () => {
    const plates = plateIds(store);
    expect(plates.map((p) => p.id).sort()).toEqual(['g1-s1-p1', 'g2-s5-p1', 'g2-s5-p2', 'g2-s5-p3']);
    const byId = new Map(plates.map((p) => [p.id, p]));
    const [p1, p2, p3] = ['g2-s5-p1', 'g2-s5-p2', 'g2-s5-p3'].map((id) => byId.get(id)!);
    expect(p2!.box.min[0]).toBeCloseTo(p1!.box.max[0]);
    expect(p3!.box.min[0]).toBeCloseTo(p2!.box.max[0]);
    expect(p1!.box.max[0] - p1!.box.min[0]).toBeCloseTo(0.3);
    expect(p1!.box.min[1]).toBe(p3!.box.min[1]);
    const g1 = byId.get('g1-s1-p1')!;
    expect(p1!.box.min[2]).toBeGreaterThan(g1.box.max[2]);
    expect(p1!.box.min[1]).toBeGreaterThan(g1.box.max[1]);
    for (const p of plates) expect(p.facing).toEqual([0, -1, 0]);
    const [fw, fh] = store.floor[2]!;
    for (const p of plates) {
      expect(p.box.max[0]).toBeLessThanOrEqual(fw);
      expect(p.box.max[1]).toBeLessThanOrEqual(fh);
    }
  });

  it('leaves unmapped channels out of the store but sends their packets', () => {
    expect(plateIds(store).some((p) => p.id === 'g1-s4-p13')).toBe(false);
    expect(result.messages.filter((m) => m.topic.includes('/plates/g1-s4-p13/')).length).toBe(3);
  });

  it('sends packets of 12 samples as they were, a short last one as it is', () => {
    const fire = result.messages.filter((m) => m.topic.endsWith('/plates/g2-s5-p1/weight'));
    expect(fire.map((m) => (m.payload.grams as number[]).length)).toEqual([12, 12, 12, 5]);
    expect(fire.map((m) => m.payload.t)).toEqual([1000050, 1000250, 1000450, 1000650]);
    expect(fire[0]!.payload.hz).toBe(60);
  });

  it('frames the weights with a scan and pass in before and a pass out after, sorted by time', () => {
    const ts = result.messages.map((m) => m.payload.t as number);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    expect(result.messages[0]).toEqual({
      topic: 'walkout/v1/autocheckout-tiny-test-01/gates/gate-in/scan',
      payload: { t: 999000, token: '42', method: 'qr' },
    });
    expect(result.messages[1]).toEqual({
      topic: 'walkout/v1/autocheckout-tiny-test-01/gates/gate-in/pass',
      payload: { t: 999100, direction: 'in' },
    });
    // Last sample: packet at 1000.65 s, 5 samples, the 5th 4/60 s later.
    expect(result.messages.at(-1)).toEqual({
      topic: 'walkout/v1/autocheckout-tiny-test-01/gates/gate-out/pass',
      payload: { t: 1001716.667, direction: 'out' }, // kept to the microsecond
    });
    for (const m of result.messages) expect(parseMessage(m.topic, m.payload).ok).toBe(true);
  });

  it('writes truth with the same sku rule', () => {
    expect(Truth.parse(result.truth)).toEqual({
      shoppers: [
        {
          shopper: '42',
          items: [
            { sku: '071063437089', quantity: 1 },
            { sku: 'gummy-worms', quantity: 2 },
          ],
        },
      ],
    });
  });

  it('serializes to three files, one message a line', () => {
    const text = serializeImport(result);
    expect(text.recording.trim().split('\n')).toHaveLength(result.messages.length);
    expect(JSON.parse(text.store).id).toBe('autocheckout-tiny-test-01');
  });

  it('is deterministic', () => {
    expect(serializeImport(convertAutoCheckout(tinyFiles()))).toEqual(serializeImport(result));
  });
});

describe('bad input gets a one-line reason naming file, line and column', () => {
  const expectReason = (files: AutoCheckoutFiles, reason: string | RegExp) => {
    let caught: unknown;
    try {
      convertAutoCheckout(files);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WalkoutError);
    const message = (caught as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(reason);
  };
  const withWeight = (file: string, text: string) => {
    const files = tinyFiles();
    return { ...files, weights: files.weights.map((w) => (w.file === file ? { ...w, text } : w)) };
  };

  it('a bad number in a weight file', () => {
    const text = plateCsv(1000, 2, () => 10).replace(/\n([^\n]*),10\n/, '\n$1,ten\n');
    expectReason(
      withWeight('weights/1_1_1.csv', text),
      'weights/1_1_1.csv line 2: column weight_g: expected a number, got "ten"',
    );
  });

  it('a missing column in a weight file', () => {
    expectReason(
      withWeight('weights/1_1_1.csv', 'time,weight_g\n1,2\n'),
      'weights/1_1_1.csv line 1: missing column "timestamp_unix_s"',
    );
  });

  it('a weight file with no samples', () => {
    expectReason(
      withWeight('weights/1_1_1.csv', 'timestamp_unix_s,weight_g\n'),
      /^weights\/1_1_1\.csv line 2: no samples/,
    );
  });

  it('a negative timestamp', () => {
    expectReason(
      withWeight('weights/1_1_1.csv', 'timestamp_unix_s,weight_g\n-5,2\n'),
      /line 2: column timestamp_unix_s: expected seconds/,
    );
  });

  it('a weight file whose name is not G_S_P.csv', () => {
    const files = tinyFiles();
    expectReason(
      { ...files, weights: [...files.weights, { file: 'weights/plate.csv', mapped: true, text: 'x' }] },
      /weights\/plate\.csv: expected a file name G_S_P\.csv/,
    );
  });

  it('a products.csv without weight_g', () => {
    expectReason(
      tinyFiles({ productsCsv: 'gondola,shelf,plate,name,barcode,price\n1,1,1,A,,1\n' }),
      /^products\.csv line 1: missing column "weight_g"/,
    );
  });

  it('a products.csv row with a bad gondola, barcode, price or name', () => {
    const row = (r: string) => tinyFiles({ productsCsv: `${PRODUCTS_HEADER}\n1,1,1,A,,,10,1,\n${r}\n` });
    expectReason(row('x,1,1,B,,,10,1,'), 'products.csv line 3: column gondola: expected a number, got "x"');
    expectReason(
      row('1.5,1,1,B,,,10,1,'),
      'products.csv line 3: column gondola: expected a whole number, got "1.5"',
    );
    expectReason(row('1,1,2,B,12-34,,10,1,'), /products\.csv line 3: column barcode: expected digits/);
    expectReason(
      row('1,1,2,B,,,10,-1,'),
      'products.csv line 3: column price: expected a price of 0 or more, got -1',
    );
    expectReason(row('1,1,2,,,,10,1,'), /products\.csv line 3: column name: expected a product name/);
    expectReason(row('1,1,2,B,,,10,1'), /products\.csv line 3: expected 9 fields/);
  });

  it('ground truth that is not JSON or misses fields', () => {
    expectReason(tinyFiles({ groundTruthJson: '{"shoppers": [' }), /^ground_truth\.json is not JSON/);
    expectReason(
      tinyFiles({ groundTruthJson: '{"shoppers": [{"items": []}]}' }),
      /^ground_truth\.json rejected: shoppers\.0\.target_id/,
    );
    expectReason(
      tinyFiles({ groundTruthJson: '{"shoppers": [{"target_id": "1", "items": [{"quantity": 1}]}]}' }),
      /ground_truth\.json: shoppers\.0\.items\.0: expected a barcode of digits or a product name/,
    );
  });

  it('fast-check: garbage lines in a weight file are rejected with file and line, or read as samples', () => {
    const garbage = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a},${b}`),
      fc.constantFrom('1,NaN', 'Infinity,3', '1,2,3', ',', '"1",2', '1e5,-0', '  ', '"open,1'),
    );
    fc.assert(
      fc.property(fc.array(garbage, { minLength: 1, maxLength: 3 }), fc.nat({ max: 30 }), (lines, at) => {
        const good = plateCsv(1000, 3, () => 5)
          .trimEnd()
          .split('\n');
        const position = 1 + (at % good.length);
        good.splice(position, 0, ...lines);
        try {
          const result = convertAutoCheckout(withWeight('weights/2_5_2.csv', good.join('\n')));
          for (const m of result.messages) expect(parseMessage(m.topic, m.payload).ok).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(WalkoutError);
          expect((error as Error).message).toMatch(/^weights\/2_5_2\.csv line \d+: [^\n]+$/);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('fast-check: garbage product rows are rejected with file and line, or converted to a valid store', () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer({ min: -2, max: 3 }).map(String),
      fc.constantFrom('', '1.5', '0', '"a,b"'),
    );
    fc.assert(
      fc.property(fc.array(cell, { minLength: 7, maxLength: 10 }), (cells) => {
        const files = tinyFiles();
        try {
          const result = convertAutoCheckout({
            ...files,
            productsCsv: `${files.productsCsv}\n${cells.join(',')}\n`,
          });
          parseStoreDefinition(result.store);
        } catch (error) {
          expect(error).toBeInstanceOf(WalkoutError);
          expect((error as Error).message).toMatch(/^products\.csv line \d+: [^\n]+$/);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('importAutoCheckout reads a folder', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'walkout-ac-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const writeFolder = (name: string, files: AutoCheckoutFiles) => {
    const root = join(dir, name);
    mkdirSync(join(root, 'weights'), { recursive: true });
    mkdirSync(join(root, 'weights_unmapped'), { recursive: true });
    writeFileSync(join(root, 'products.csv'), files.productsCsv);
    writeFileSync(join(root, 'ground_truth.json'), files.groundTruthJson);
    for (const w of files.weights) writeFileSync(join(root, w.file), w.text);
    return root;
  };

  it('converts a folder written to disk like the pure conversion does', () => {
    const root = writeFolder('Tiny Test 01', tinyFiles());
    expect(serializeImport(importAutoCheckout(root))).toEqual(
      serializeImport(convertAutoCheckout(tinyFiles())),
    );
  });

  it('names a missing folder, products.csv, ground truth or weights', () => {
    expect(() => importAutoCheckout(join(dir, 'nope'))).toThrow(/^AutoCheckout folder not found: /);
    const root = writeFolder('partial', tinyFiles());
    rmSync(join(root, 'ground_truth.json'));
    expect(() => importAutoCheckout(root)).toThrow(
      /^ground_truth\.json not found: .*partial\/ground_truth\.json$/,
    );
    rmSync(join(root, 'products.csv'));
    expect(() => importAutoCheckout(root)).toThrow(/^products\.csv not found: /);
    rmSync(join(root, 'weights'), { recursive: true });
    expect(() => importAutoCheckout(root)).toThrow(/weights: expected plate files G_S_P\.csv, found none$/);
  });

  it('names the file and line of a malformed CSV on disk', () => {
    const files = tinyFiles();
    const root = writeFolder('broken', files);
    writeFileSync(
      join(root, 'weights_unmapped', '1_4_13.csv'),
      'timestamp_unix_s,weight_g\n1000,1\n1000.01,\n',
    );
    expect(() => importAutoCheckout(root)).toThrow(
      'weights_unmapped/1_4_13.csv line 3: column weight_g: expected a number, got ""',
    );
  });
});

describe.runIf(haveDataset('autocheckout/cps-test-01'))('the real AutoCheckout recording cps-test-01', () => {
  let result: AutoCheckoutImport;
  let store: StoreDefinition;
  beforeAll(() => {
    result = importAutoCheckout(REAL_DIR);
    store = parseStoreDefinition(result.store);
  }, 60_000);

  it('has the 294 placed plates, and none of the 54 unmapped channels', () => {
    const plates = plateIds(store);
    expect(store.id).toBe('autocheckout-cps-test-01');
    expect(plates).toHaveLength(294);
    const weightDevices = new Set(
      result.messages.filter((m) => m.topic.endsWith('/weight')).map((m) => m.topic.split('/')[4]),
    );
    expect(weightDevices.size).toBe(348);
    const known = new Set(plates.map((p) => p.id));
    expect([...weightDevices].filter((d) => !known.has(d!))).toHaveLength(54);
    expect(weightDevices.has('g1-s4-p13')).toBe(true);
  });

  it('has the catalogue, placed and unplaced, with one facing per placed plate', () => {
    // 391 names, of which 14 are placeholder rows (0–1.7 g) with no real weight.
    expect(store.products).toHaveLength(377);
    expect(store.planogram).toHaveLength(294);
    expect(store.products.find((p) => p.sku === '632565000012')).toMatchObject({
      gtin: '00632565000012',
      name: 'FIJI WATER .5 LTR',
      price: 100,
      weight: { mean: 538 },
    });
    expect(store.products.map((p) => p.sku)).toContain('aquafina-water-2');
  });

  it('puts the three look-alike chips on shelf g2-s5 in plate order', () => {
    const onShelf = store.planogram
      .filter((f) => f.plate.startsWith('g2-s5-'))
      .sort((a, b) => Number(a.plate.split('-p')[1]) - Number(b.plate.split('-p')[1]))
      .map((f) => `${f.plate.slice(6)}:${store.products.find((p) => p.sku === f.sku)!.name}`);
    expect(onShelf).toEqual([
      'p1:Taco Bell Diablo',
      'p2:Taco Bell Diablo',
      'p3:Taco Bell Diablo',
      'p4:Taco Bell Fire',
      'p5:Taco Bell Fire',
      'p6:Taco Bell Fire',
      'p7:Taco Bell Mild Tortilla Chips',
      'p8:Taco Bell Mild Tortilla Chips',
      'p9:Taco Bell Mild Tortilla Chips',
    ]);
  });

  it('has the true receipt with barcode skus', () => {
    expect(result.truth).toEqual({
      shoppers: [
        {
          shopper: '3594178763236981970',
          items: [
            { sku: '071063437089', quantity: 1 },
            { sku: '632565000012', quantity: 1 },
          ],
        },
      ],
    });
  });

  it('sends every packet (216 channels × 168 + 132 × 169) plus three gate messages, all valid', () => {
    expect(result.messages).toHaveLength(216 * 168 + 132 * 169 + 3);
    expect(result.warnings.filter((w) => w.includes('packet'))).toEqual([]);
    for (const m of result.messages) {
      const parsed = parseMessage(m.topic, m.payload);
      if (!parsed.ok) throw new Error(parsed.reason);
    }
    const first = result.messages[0]!;
    expect(first.topic.endsWith('/gates/gate-in/scan')).toBe(true);
    expect(first.payload.token).toBe('3594178763236981970');
    expect(result.messages.at(-1)!.topic.endsWith('/gates/gate-out/pass')).toBe(true);
    const ts = result.messages.map((m) => m.payload.t as number);
    expect(ts.every((t, i) => i === 0 || ts[i - 1]! <= t)).toBe(true);
  });
});
