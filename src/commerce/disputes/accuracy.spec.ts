import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeZodError } from '../../protocol/errors.js';
import {
  countChargedLines,
  DisputeAccuracy,
  disputeAccuracy,
  DisputeExport,
  type ExportedExample,
} from './accuracy.js';

/** An example with the fields the figures read. */
function ex(
  visitId: string,
  sku: string,
  kind: 'not-taken' | 'wrong-quantity' | undefined,
  label: ExportedExample['label'],
  labelledBy: string | null,
  reviewed?: boolean,
): ExportedExample {
  return {
    visitId,
    sku,
    ...(kind ? { kind } : {}),
    chargedQuantity: 2,
    claimedQuantity: kind === 'wrong-quantity' ? 1 : 0,
    label,
    labelledBy,
    ...(reviewed === undefined ? {} : { reviewed }),
  };
}

// 2000 charged lines, 200 of them on reviewed receipts; five disputes on four lines (v3's fiji was
// rejected, disputed again and approved), one still pending.
const charged = {
  lines: 2_000,
  reviewedLines: 200,
  bySku: [
    { sku: 'choc-bar', lines: 500 },
    { sku: 'fiji-500', lines: 1_500 },
  ],
};
const examples = [
  ex('v1', 'choc-bar', 'not-taken', 'store-wrong', 'policy', false),
  ex('v2', 'choc-bar', 'wrong-quantity', 'store-wrong', 'op-1', true),
  ex('v3', 'fiji-500', 'not-taken', 'store-right', 'op-1', false),
  ex('v3', 'fiji-500', 'not-taken', 'store-wrong', 'op-2', false),
  ex('v4', 'fiji-500', 'wrong-quantity', 'pending', null, false),
];

describe('dispute accuracy', () => {
  it('counts lines charged against lines disputed, and the store wrong (by policy or operator) against right', () => {
    const a = disputeAccuracy({ examples, charged });
    expect(a.total).toEqual({
      chargedLines: 2_000,
      disputes: 5,
      disputedLines: 4,
      storeWrong: 3,
      storeWrongByPolicy: 1,
      storeWrongByOperator: 2,
      wrongLines: 3,
      storeRight: 1,
      pending: 1,
      disputedPer1000: 2,
      wrongPer1000: 1.5,
      storeRightShare: 0.25,
      operatorStoreRightShare: 1 / 3,
    });
    expect(DisputeAccuracy.parse(a)).toEqual(a);
  });

  it('splits by sku, most disputed first, each against its own charged lines', () => {
    const [fiji, choc] = disputeAccuracy({ examples, charged }).bySku;
    expect(fiji).toMatchObject({
      sku: 'fiji-500',
      chargedLines: 1_500,
      disputes: 3,
      disputedLines: 2,
      storeWrong: 1,
      wrongLines: 1,
      storeRight: 1,
      pending: 1,
      storeRightShare: 0.5,
      operatorStoreRightShare: 0.5,
    });
    expect(fiji!.disputedPer1000).toBeCloseTo(4 / 3, 12);
    expect(fiji!.wrongPer1000).toBeCloseTo(2 / 3, 12);
    expect(choc).toMatchObject({
      sku: 'choc-bar',
      chargedLines: 500,
      disputes: 2,
      storeWrongByPolicy: 1,
      storeWrongByOperator: 1,
      disputedPer1000: 4,
      wrongPer1000: 4,
      storeRightShare: 0,
      operatorStoreRightShare: 0,
    });
  });

  it('splits by reason against all charged lines, and by whether the receipt was reviewed', () => {
    const a = disputeAccuracy({ examples, charged });
    expect(
      a.byReason.map((r) => [
        r.reason,
        r.chargedLines,
        r.disputes,
        r.wrongLines,
        r.disputedPer1000,
        r.wrongPer1000,
      ]),
    ).toEqual([
      ['not-taken', 2_000, 3, 2, 1, 1],
      ['wrong-quantity', 2_000, 2, 1, 1, 0.5],
    ]);
    expect(a.byReason[0]).toMatchObject({ storeRightShare: 1 / 3, operatorStoreRightShare: 0.5 });
    expect(
      a.byReceipt.map((r) => [r.receipt, r.chargedLines, r.disputes, r.disputedLines, r.wrongLines]),
    ).toEqual([
      ['reviewed', 200, 1, 1, 1],
      ['not-reviewed', 1_800, 4, 3, 2],
    ]);
    expect(a.byReceipt[0]).toMatchObject({ disputedPer1000: 5, wrongPer1000: 5 });
    expect(a.byReceipt[1]!.wrongPer1000).toBeCloseTo(10 / 9, 12);
  });

  it('a pending dispute counts as a dispute, neither wrong nor right', () => {
    const decided = examples.filter((e) => e.label !== 'pending');
    const before = disputeAccuracy({ examples: decided, charged }).total;
    const after = disputeAccuracy({ examples, charged }).total;
    expect(after).toEqual({
      ...before,
      disputes: before.disputes + 1,
      disputedLines: before.disputedLines + 1,
      pending: 1,
      disputedPer1000: 2,
    });
  });

  it('without charged lines (an older export) gives counts, no rates; examples without kind or flag are unknown', () => {
    const old = examples.map(({ kind: _kind, reviewed: _reviewed, ...rest }) => rest);
    const a = disputeAccuracy(DisputeExport.parse({ examples: old }));
    expect(a.total).toMatchObject({
      chargedLines: null,
      disputes: 5,
      disputedPer1000: null,
      wrongPer1000: null,
    });
    expect(a.bySku.every((s) => s.chargedLines === null)).toBe(true);
    expect(a.byReason.map((r) => [r.reason, r.disputes])).toEqual([
      ['not-taken', 0],
      ['wrong-quantity', 0],
      ['unknown', 5],
    ]);
    expect(a.byReceipt.map((r) => [r.receipt, r.disputes])).toEqual([
      ['reviewed', 0],
      ['not-reviewed', 0],
      ['unknown', 5],
    ]);
  });

  it('with no disputes, rates are 0 and shares undefined (null)', () => {
    const a = disputeAccuracy({ examples: [], charged });
    expect(a.total).toMatchObject({
      disputes: 0,
      disputedPer1000: 0,
      wrongPer1000: 0,
      storeRightShare: null,
    });
    expect(a.bySku).toEqual([]);
    expect(
      disputeAccuracy({ examples: [], charged: { lines: 0, reviewedLines: 0, bySku: [] } }).total,
    ).toMatchObject({ chargedLines: 0, disputedPer1000: null });
  });

  it('counts charged lines of the newest receipts, by sku and on reviewed receipts', () => {
    const line = (sku: string) => ({ sku, quantity: 1, unitPrice: 100, amount: 100, name: sku, taxRate: 0 });
    expect(
      countChargedLines([
        { lines: [line('fiji-500'), line('choc-bar')], reviewed: false },
        { lines: [line('fiji-500')], reviewed: true },
        { lines: [], reviewed: false },
      ]),
    ).toEqual({
      lines: 3,
      reviewedLines: 1,
      bySku: [
        { sku: 'choc-bar', lines: 1 },
        { sku: 'fiji-500', lines: 2 },
      ],
    });
  });

  it('refuses an export whose figures would mean nothing, naming the field', () => {
    const reason = (input: unknown) => {
      const r = DisputeExport.safeParse(input);
      return r.success ? 'accepted' : describeZodError(r.error);
    };
    expect(reason({ examples: [{ ...examples[0], claimedQuantity: 2 }] })).toMatch(
      /^examples\.0\.claimedQuantity: expected less than chargedQuantity/,
    );
    expect(reason({ examples: [{ ...examples[4], labelledBy: 'op-1' }] })).toMatch(
      /^examples\.0\.labelledBy: /,
    );
    expect(reason({ examples: [{ ...examples[0], label: 'maybe' }] })).toMatch(/^examples\.0\.label: /);
    expect(reason({ examples, charged: { ...charged, lines: 1_999 } })).toMatch(
      /^charged\.bySku: expected the lines/,
    );
    expect(reason({ examples, charged: { ...charged, reviewedLines: 2_001 } })).toMatch(
      /^charged\.reviewedLines: /,
    );
    expect(reason({ examples, charged })).toBe('accepted');
  });

  it('holds together on any export: labels add up, groups add up to the total, the answer fits its schema', () => {
    const example = fc
      .record({
        visitId: fc.constantFrom('v1', 'v2', 'v3', 'v4'),
        sku: fc.constantFrom('choc-bar', 'fiji-500', 'apples'),
        kind: fc.option(fc.constantFrom('not-taken' as const, 'wrong-quantity' as const), { nil: undefined }),
        label: fc.constantFrom('store-wrong' as const, 'store-right' as const, 'pending' as const),
        byPolicy: fc.boolean(),
        reviewed: fc.option(fc.boolean(), { nil: undefined }),
      })
      .map(({ kind, label, byPolicy, reviewed, ...e }) =>
        ex(
          e.visitId,
          e.sku,
          kind,
          label,
          label === 'pending' ? null : byPolicy && label === 'store-wrong' ? 'policy' : 'op',
          reviewed,
        ),
      );
    fc.assert(
      fc.property(fc.array(example, { maxLength: 30 }), fc.integer({ min: 0, max: 50 }), (list, extra) => {
        const bySku = ['apples', 'choc-bar', 'fiji-500'].map((sku) => ({ sku, lines: 4 + extra }));
        const a = disputeAccuracy({
          examples: list,
          charged: { lines: 3 * (4 + extra), reviewedLines: extra, bySku },
        });
        expect(DisputeAccuracy.safeParse(a).success).toBe(true);
        const t = a.total;
        expect(t.storeWrong + t.storeRight + t.pending).toBe(t.disputes);
        expect(t.storeWrongByPolicy + t.storeWrongByOperator).toBe(t.storeWrong);
        expect(t.wrongLines).toBeLessThanOrEqual(t.disputedLines);
        expect(t.disputedLines).toBeLessThanOrEqual(t.disputes);
        for (const groups of [a.bySku, a.byReason, a.byReceipt]) {
          for (const field of ['disputes', 'storeWrong', 'storeRight', 'pending'] as const)
            expect(groups.reduce((sum, g) => sum + g[field], 0)).toBe(t[field]);
        }
      }),
    );
  });
});
