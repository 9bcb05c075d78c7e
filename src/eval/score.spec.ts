import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReplayResult, ResultReceipt, Truth } from '../protocol/results.js';
import { aggregateSuite, percentile, scoreJson, scoreRecording } from './score.js';

type Items = Record<string, number>;

const truthOf = (shoppers: Record<string, Items>): Truth => ({
  shoppers: Object.entries(shoppers).map(([shopper, items]) => ({
    shopper,
    items: Object.entries(items).map(([sku, quantity]) => ({ sku, quantity })),
  })),
});

const receipt = (shopper: string, items: Items, extra: Partial<ResultReceipt> = {}): ResultReceipt => ({
  shopper,
  enteredAt: 0,
  exitedAt: 10_000,
  issuedAt: 11_000,
  lines: Object.entries(items).map(([sku, quantity]) => ({ sku, quantity, unitPrice: 100 })),
  total: 0,
  currency: 'USD',
  reviewed: false,
  ...extra,
});

const resultOf = (receipts: ResultReceipt[], reviews: ReplayResult['reviews'] = []): ReplayResult => ({
  receipts,
  reviews,
});

describe('scoreRecording', () => {
  const cases: {
    name: string;
    truth: Record<string, Items>;
    receipts: ResultReceipt[];
    expected: { f1: number; tp: number; predicted: number; truth: number; exact: number };
  }[] = [
    {
      name: 'given both sides are empty, then F1 is 1',
      truth: {},
      receipts: [],
      expected: { f1: 1, tp: 0, predicted: 0, truth: 0, exact: 1 },
    },
    {
      name: 'given a shopper took nothing and got an empty receipt, then all is exact',
      truth: { a: {} },
      receipts: [receipt('a', {})],
      expected: { f1: 1, tp: 0, predicted: 0, truth: 0, exact: 1 },
    },
    {
      name: 'given a shopper got no receipt at all, then it is not exact even when they took nothing',
      truth: { a: {} },
      receipts: [],
      expected: { f1: 1, tp: 0, predicted: 0, truth: 0, exact: 0 },
    },
    {
      name: 'given the receipt is right, then F1 is 1',
      truth: { a: { fiji: 2, chips: 1 } },
      receipts: [receipt('a', { chips: 1, fiji: 2 })],
      expected: { f1: 1, tp: 3, predicted: 3, truth: 3, exact: 1 },
    },
    {
      name: 'given the item went to the wrong shopper, then it is one false positive and one false negative',
      truth: { a: { fiji: 1 }, b: {} },
      receipts: [receipt('a', {}), receipt('b', { fiji: 1 })],
      expected: { f1: 0, tp: 0, predicted: 1, truth: 1, exact: 0 },
    },
    {
      name: 'given a receipt for a token that is no true shopper, then its items are false positives',
      truth: { a: { fiji: 1 } },
      receipts: [receipt('a', { fiji: 1 }), receipt('ghost', { fiji: 1, chips: 2 })],
      expected: { f1: (2 * 1) / (4 + 1), tp: 1, predicted: 4, truth: 1, exact: 1 },
    },
    {
      name: 'given too many of one item, then the extra is a false positive',
      truth: { a: { fiji: 2 } },
      receipts: [receipt('a', { fiji: 3 })],
      expected: { f1: (2 * 2) / 5, tp: 2, predicted: 3, truth: 2, exact: 0 },
    },
    {
      name: 'given too few of one item and a missing one, then those are false negatives',
      truth: { a: { fiji: 3, chips: 1 } },
      receipts: [receipt('a', { fiji: 1 })],
      expected: { f1: (2 * 1) / 5, tp: 1, predicted: 1, truth: 4, exact: 0 },
    },
    {
      name: 'given one shopper right and one wrong, then half the receipts are exact',
      truth: { a: { fiji: 1 }, b: { chips: 1 } },
      receipts: [receipt('a', { fiji: 1 }), receipt('b', { dip: 1 })],
      expected: { f1: 0.5, tp: 1, predicted: 2, truth: 2, exact: 0.5 },
    },
    {
      name: 'given a shopper with two receipts, then their lines add up',
      truth: { a: { fiji: 2 } },
      receipts: [receipt('a', { fiji: 1 }), receipt('a', { fiji: 1 })],
      expected: { f1: 1, tp: 2, predicted: 2, truth: 2, exact: 1 },
    },
  ];

  it.each(cases)('$name', ({ truth, receipts, expected }) => {
    const score = scoreRecording(truthOf(truth), resultOf(receipts));
    expect(score.f1).toBeCloseTo(expected.f1, 12);
    expect({ tp: score.tp, predicted: score.predicted, truth: score.truth, exact: score.exact }).toEqual({
      tp: expected.tp,
      predicted: expected.predicted,
      truth: expected.truth,
      exact: expected.exact,
    });
  });

  it('merges a shopper listed twice in the truth', () => {
    const truth: Truth = {
      shoppers: [
        { shopper: 'a', items: [{ sku: 'fiji', quantity: 1 }] },
        { shopper: 'a', items: [{ sku: 'fiji', quantity: 1 }] },
      ],
    };
    const score = scoreRecording(truth, resultOf([receipt('a', { fiji: 2 })]));
    expect(score).toMatchObject({ f1: 1, shoppers: 1, exact: 1 });
  });

  it('counts a true shopper as reviewed when listed under reviews or with a reviewed receipt', () => {
    const truth = truthOf({ a: { fiji: 1 }, b: {}, c: {}, d: {} });
    const result = resultOf(
      [
        receipt('a', { fiji: 1 }, { reviewed: true }),
        receipt('b', {}),
        receipt('c', {}),
        receipt('ghost', {}, { reviewed: true }),
      ],
      [
        { shopper: 'c', sku: 'fiji', reason: 'two shoppers at the shelf' },
        { shopper: 'c', sku: 'chips', reason: 'twice' },
      ],
    );
    const score = scoreRecording(truth, result);
    expect(score.reviewedShoppers).toBe(2);
    expect(score.reviewRate).toBe(0.5);
    expect(score.exactShoppers).toBe(3);
  });

  it('measures latency from exit to issue, with linear interpolation for percentiles', () => {
    const receipts = [1000, 3000, 2000, 4000].map((latency, i) =>
      receipt(`s${i}`, {}, { exitedAt: 50_000, issuedAt: 50_000 + latency }),
    );
    const score = scoreRecording(truthOf({}), resultOf(receipts));
    expect(score.latenciesMs).toEqual([1000, 2000, 3000, 4000]);
    expect(score.latencyP50Ms).toBe(2500);
    expect(score.latencyP99Ms).toBeCloseTo(3970, 9);
    expect(scoreRecording(truthOf({}), resultOf([])).latencyP50Ms).toBeNull();
  });

  it('gives the JSON fields of `walkout score --json`', () => {
    const score = scoreRecording(truthOf({ a: { fiji: 1 } }), resultOf([receipt('a', { fiji: 1 })]));
    expect(scoreJson(score)).toEqual({
      f1: 1,
      exact: 1,
      reviewRate: 0,
      latencyP50Ms: 1000,
      latencyP99Ms: 1000,
      tp: 1,
      predicted: 1,
      truth: 1,
    });
  });
});

describe('percentile', () => {
  it.each([
    [[], 0.5, null],
    [[7], 0.99, 7],
    [[1, 2], 0.5, 1.5],
    [[0, 10, 20], 0, 0],
    [[0, 10, 20], 1, 20],
    [[0, 10, 20], 0.25, 5],
  ])('of %j at %d is %d', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe('aggregateSuite', () => {
  it('averages F1 over recordings and pools exact share, review rate and latency', () => {
    const one = scoreRecording(
      truthOf({ a: { fiji: 1 } }),
      resultOf([receipt('a', { fiji: 1 }, { issuedAt: 11_000 })]),
    );
    const two = scoreRecording(
      truthOf({ b: { fiji: 1 }, c: { chips: 1 }, d: {} }),
      resultOf(
        [
          receipt('b', {}, { issuedAt: 13_000 }),
          receipt('c', { chips: 1 }, { issuedAt: 12_000 }),
          receipt('d', {}, { issuedAt: 14_000 }),
        ],
        [{ shopper: 'b', sku: 'fiji', reason: 'unsure' }],
      ),
    );
    const suite = aggregateSuite([one, two]);
    expect(suite.recordings).toBe(2);
    expect(suite.f1).toBeCloseTo((1 + (2 * 1) / 3) / 2, 12);
    expect(suite.exact).toBe(3 / 4);
    expect(suite.reviewRate).toBe(1 / 4);
    expect(suite.latencyP50Ms).toBe(2500);
    expect(suite).toMatchObject({ tp: 2, predicted: 2, truth: 3, shoppers: 4 });
  });

  it('scores an empty suite as nothing got wrong', () => {
    expect(aggregateSuite([])).toMatchObject({
      recordings: 0,
      f1: 1,
      exact: 1,
      reviewRate: 0,
      latencyP50Ms: null,
    });
  });
});

describe('scoring properties', () => {
  const sku = fc.constantFrom('fiji', 'chips', 'dip', 'gum');
  const shopper = fc.constantFrom('a', 'b', 'c', 'ghost');
  const items = fc.dictionary(sku, fc.integer({ min: 1, max: 4 }), { maxKeys: 4 });
  const truthArb = fc.dictionary(fc.constantFrom('a', 'b', 'c'), items, { maxKeys: 3 }).map(truthOf);
  const receiptsArb = fc.array(
    fc.record({ shopper, items, reviewed: fc.boolean(), latency: fc.integer({ min: 0, max: 60_000 }) }),
    { maxLength: 5 },
  );
  const toResult = (rs: { shopper: string; items: Items; reviewed: boolean; latency: number }[]) =>
    resultOf(
      rs.map((r) => receipt(r.shopper, r.items, { reviewed: r.reviewed, issuedAt: 10_000 + r.latency })),
    );

  it('F1, exact share and review rate lie in [0, 1]; TP never exceeds either side', () => {
    fc.assert(
      fc.property(truthArb, receiptsArb, (truth, rs) => {
        const score = scoreRecording(truth, toResult(rs));
        for (const v of [score.f1, score.exact, score.reviewRate]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        expect(score.tp).toBeLessThanOrEqual(Math.min(score.predicted, score.truth));
        if (score.latencyP50Ms !== null)
          expect(score.latencyP99Ms!).toBeGreaterThanOrEqual(score.latencyP50Ms);
      }),
    );
  });

  it('the truth scored as its own receipts gives F1 1 and every receipt exact', () => {
    fc.assert(
      fc.property(truthArb, (truth) => {
        const perfect = resultOf(
          truth.shoppers.map((s) =>
            receipt(s.shopper, Object.fromEntries(s.items.map((i) => [i.sku, i.quantity]))),
          ),
        );
        const score = scoreRecording(truth, perfect);
        expect(score.f1).toBe(1);
        expect(score.exact).toBe(1);
        expect(score.reviewRate).toBe(0);
      }),
    );
  });

  it('the suite F1 is the mean of the recordings and lies in [0, 1]', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(truthArb, receiptsArb), { maxLength: 4 }), (pairs) => {
        const scores = pairs.map(([t, rs]) => scoreRecording(t, toResult(rs)));
        const suite = aggregateSuite(scores);
        expect(suite.f1).toBeGreaterThanOrEqual(0);
        expect(suite.f1).toBeLessThanOrEqual(1);
        if (scores.length > 0)
          expect(suite.f1).toBeCloseTo(scores.reduce((n, s) => n + s.f1, 0) / scores.length, 12);
      }),
    );
  });
});
