import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readRecordingSync } from '../../adapters/files/recording.js';
import { Truth } from '../../protocol/results.js';
import { parseStoreDefinition } from '../../protocol/store.js';
import { buildProgram } from '../main.js';

describe('walkout import autocheckout', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'walkout-import-'));
    const src = join(dir, 'shop-7');
    mkdirSync(join(src, 'weights'), { recursive: true });
    const samples = Array.from(
      { length: 24 },
      (_, i) => `${100 + Math.floor(i / 12) * 0.2 + (i % 12) / 60},${i < 18 ? 538 : 0}`,
    );
    writeFileSync(join(src, 'weights', '1_5_10.csv'), ['timestamp_unix_s,weight_g', ...samples].join('\n'));
    writeFileSync(
      join(src, 'products.csv'),
      'gondola,shelf,plate,name,barcode,barcode_match,weight_g,price,thumbnail\n1,5,10,FIJI WATER .5 LTR,632565000012,name,538.0,1,\n',
    );
    writeFileSync(
      join(src, 'ground_truth.json'),
      JSON.stringify({
        shoppers: [{ target_id: 'tok', items: [{ barcode: '632565000012', name: 'FIJI', quantity: 1 }] }],
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes store.json, recording.ndjson and truth.json that the contract accepts', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = join(dir, 'out');
    await buildProgram().parseAsync([
      'node',
      'walkout',
      'import',
      'autocheckout',
      join(dir, 'shop-7'),
      '--out',
      out,
    ]);
    vi.restoreAllMocks();
    const store = parseStoreDefinition(JSON.parse(readFileSync(join(out, 'store.json'), 'utf8')));
    expect(store.id).toBe('autocheckout-shop-7');
    expect(store.planogram).toEqual([{ plate: 'g1-s5-p10', sku: '632565000012', count: 1 }]);
    const lines = readRecordingSync(join(out, 'recording.ndjson'));
    expect(lines.map((l) => (l.ok ? l.message.kind : l.reason))).toEqual([
      'gate-scan',
      'gate-pass',
      'plate-weight',
      'plate-weight',
      'gate-pass',
    ]);
    expect(Truth.parse(JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8')))).toEqual({
      shoppers: [{ shopper: 'tok', items: [{ sku: '632565000012', quantity: 1 }] }],
    });
  });

  it('ends with a one-line reason on a missing folder', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(
      buildProgram().parseAsync([
        'node',
        'walkout',
        'import',
        'autocheckout',
        join(dir, 'missing'),
        '--out',
        join(dir, 'x'),
      ]),
    ).rejects.toThrow(/^AutoCheckout folder not found: /);
    vi.restoreAllMocks();
  });
});
