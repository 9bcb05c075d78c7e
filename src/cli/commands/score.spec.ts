import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../main.js';

/** Runs `walkout score` with these arguments and returns what it printed. */
async function run(...args: string[]): Promise<string> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await buildProgram().parseAsync(['node', 'walkout', 'score', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

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

  it('wants --truth with --result, or --disputes alone', async () => {
    await expect(run('--truth', join(dir, 'truth.json'))).rejects.toThrow(
      /^--truth and --result: both required/,
    );
    await expect(run('--truth', join(dir, 'truth.json'), '--disputes', join(dir, 'x.json'))).rejects.toThrow(
      /^--disputes scores dispute examples on its own/,
    );
  });
});

describe('walkout score --disputes', () => {
  let dir: string;
  const example = {
    visitId: 'v1',
    sku: 'choc-bar',
    kind: 'not-taken',
    chargedQuantity: 1,
    claimedQuantity: 0,
    label: 'store-wrong',
    labelledBy: 'policy',
    reviewed: false,
  };
  // What GET /operator/disputes/examples answers: 400 charged lines, two disputed, one by policy, one rejected.
  const exported = {
    examples: [
      example,
      {
        ...example,
        visitId: 'v2',
        kind: 'wrong-quantity',
        chargedQuantity: 3,
        claimedQuantity: 2,
        label: 'store-right',
        labelledBy: 'op-1',
      },
    ],
    charged: { lines: 400, reviewedLines: 0, bySku: [{ sku: 'choc-bar', lines: 400 }] },
  };
  const file = (name: string, body: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'walkout-score-disputes-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => vi.restoreAllMocks());

  it('prints the figures as one JSON object with --json', async () => {
    const out = JSON.parse(await run('--disputes', file('examples.json', exported), '--json'));
    expect(out.total).toEqual({
      chargedLines: 400,
      disputes: 2,
      disputedLines: 2,
      storeWrong: 1,
      storeWrongByPolicy: 1,
      storeWrongByOperator: 0,
      wrongLines: 1,
      storeRight: 1,
      pending: 0,
      disputedPer1000: 5,
      wrongPer1000: 2.5,
      storeRightShare: 0.5,
      operatorStoreRightShare: 1,
    });
    expect(out.byReason.map((r: { reason: string; disputes: number }) => [r.reason, r.disputes])).toEqual([
      ['not-taken', 1],
      ['wrong-quantity', 1],
    ]);
  });

  it('prints a table, total first, without --json', async () => {
    const out = await run('--disputes', file('examples.json', exported));
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^group +charged +disputes +lines +wrong +policy +operator +right +pending/);
    expect(lines[1]).toMatch(/^total +400 +2 +2 +1 +1 +0 +1 +0 +5\.00 +2\.50 +50\.0% +100\.0%$/);
    expect(out).toContain('sku choc-bar');
    expect(out).toContain('pending: still queued, counted neither way');
  });

  it('names the file and what is wrong with a malformed one', async () => {
    await expect(run('--disputes', file('text.json', 'examples: none'))).rejects.toThrow(
      /^disputes .*text\.json is not JSON/,
    );
    await expect(run('--disputes', file('empty.json', {}))).rejects.toThrow(/rejected: examples: /);
    await expect(
      run('--disputes', file('label.json', { examples: [{ ...example, label: 'maybe' }] })),
    ).rejects.toThrow(/^disputes .*label\.json rejected: examples\.0\.label: /);
    await expect(
      run('--disputes', file('sum.json', { ...exported, charged: { ...exported.charged, lines: 401 } })),
    ).rejects.toThrow(/rejected: charged\.bySku: expected the lines of all skus to add up/);
    await expect(run('--disputes', join(dir, 'missing.json'))).rejects.toThrow(/^cannot read disputes /);
  });

  it('rejects a generated file with one field broken, naming that example and field', async () => {
    const broken: Record<string, fc.Arbitrary<unknown>> = {
      visitId: fc.oneof(fc.integer(), fc.constant(null)),
      sku: fc.oneof(fc.boolean(), fc.constant(null)),
      kind: fc.string().filter((k) => k !== 'not-taken' && k !== 'wrong-quantity'),
      chargedQuantity: fc.oneof(
        fc.integer({ max: -1 }),
        fc.double({ min: 0.1, max: 9.9, noInteger: true }),
        fc.string(),
      ),
      claimedQuantity: fc.oneof(fc.integer({ max: -1 }), fc.constant('0')),
      label: fc.string().filter((l) => !['store-wrong', 'store-right', 'pending'].includes(l)),
      labelledBy: fc.oneof(fc.integer(), fc.boolean()),
      reviewed: fc.oneof(fc.string(), fc.integer()),
    };
    const valid = fc
      .record({
        visitId: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
        sku: fc.constantFrom('choc-bar', 'fiji-500'),
        kind: fc.constantFrom('not-taken', 'wrong-quantity'),
        chargedQuantity: fc.integer({ min: 1, max: 20 }),
        label: fc.constantFrom('store-wrong', 'store-right', 'pending'),
        reviewed: fc.boolean(),
      })
      .map((e) => ({ ...e, claimedQuantity: 0, labelledBy: e.label === 'pending' ? null : 'op-1' }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(valid, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc
          .constantFrom(...Object.keys(broken))
          .chain((field) => fc.tuple(fc.constant(field), broken[field]!)),
        async (examples, at, [field, value]) => {
          const i = at % examples.length;
          const bad = examples.map((e, j) => (j === i ? { ...e, [field]: value } : e));
          const path = file('generated.json', { examples: bad });
          await expect(run('--disputes', path)).rejects.toThrow(
            new RegExp(`^disputes .*generated\\.json rejected: examples\\.${i}\\.${field}: `),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});
