import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../main.js';

describe('walkout score', () => {
  let dir: string;
  const truth = { shoppers: [{ shopper: 'tok-1', items: [{ sku: 'fiji-500', quantity: 2 }] }] };
  const result = {
    receipts: [
      {
        shopper: 'tok-1',
        enteredAt: 0,
        exitedAt: 1000,
        issuedAt: 2500,
        lines: [{ sku: 'fiji-500', quantity: 1, unitPrice: 249 }],
        total: 249,
        currency: 'USD',
        reviewed: false,
      },
    ],
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'walkout-score-'));
    writeFileSync(join(dir, 'truth.json'), JSON.stringify(truth));
    writeFileSync(join(dir, 'result.json'), JSON.stringify(result));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ receipts: [{ shopper: '' }] }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => vi.restoreAllMocks());

  const run = async (...args: string[]) => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    await buildProgram().parseAsync(['node', 'walkout', 'score', ...args]);
    vi.restoreAllMocks();
    return out;
  };

  it('prints one JSON object with --json', async () => {
    const out = await run('--truth', join(dir, 'truth.json'), '--result', join(dir, 'result.json'), '--json');
    expect(JSON.parse(out)).toEqual({
      f1: 2 / 3,
      exact: 0,
      reviewRate: 0,
      latencyP50Ms: 1500,
      latencyP99Ms: 1500,
      tp: 1,
      predicted: 1,
      truth: 2,
    });
  });

  it('prints a small table without --json', async () => {
    const out = await run('--truth', join(dir, 'truth.json'), '--result', join(dir, 'result.json'));
    expect(out).toContain('F1              0.667  (TP 1, predicted 1, true 2)');
    expect(out).toContain('latency p50     1500 ms');
  });

  it('names the file and the misfit field of a bad result', async () => {
    await expect(run('--truth', join(dir, 'truth.json'), '--result', join(dir, 'bad.json'))).rejects.toThrow(
      /^result .*bad\.json rejected: receipts\.0\./,
    );
  });
});
