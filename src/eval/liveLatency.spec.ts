import { describe, expect, it } from 'vitest';
import {
  liveClock,
  parseSseChunk,
  planLiveVisits,
  scanToken,
  summarizeLatency,
  withEntryToken,
  type VisitOutcome,
} from './liveLatency.js';

const FROM = 1_700_000_000_000;
const visits = [
  { shopper: 'tok-1', people: ['tok-1.p1'], enteredAt: FROM + 10_000, exitedAt: FROM + 70_000 },
  {
    shopper: 'tok-2',
    people: ['tok-2.p1', 'tok-2.p2', 'tok-2.p3'],
    enteredAt: FROM + 50_000,
    exitedAt: FROM + 90_000,
  },
  { shopper: 'tok-3', people: ['tok-3.p1'], enteredAt: FROM + 130_000, exitedAt: FROM + 160_000 },
];
const scans = [
  { t: FROM + 48_500, token: 'tok-2' },
  { t: FROM + 9_000, token: 'tok-1' },
  { t: FROM + 128_000, token: 'tok-3' },
  { t: FROM + 129_000, token: 'tok-3' }, // a duplicate delivery of the same scan
];

describe('planLiveVisits', () => {
  it('measures every visit, in scan order, a group as one party of its size', () => {
    const plan = planLiveVisits(visits, scans, FROM);
    expect(plan.map((p) => [p.simToken, p.party, p.scanT - FROM])).toEqual([
      ['tok-1', 1, 9_000],
      ['tok-2', 3, 48_500],
      ['tok-3', 1, 128_000],
    ]);
    expect(plan[1]!.exitedAt).toBe(FROM + 90_000);
  });

  it('cuts to the shoppers entering in the first minutes', () => {
    expect(planLiveVisits(visits, scans, FROM, 1).map((p) => p.simToken)).toEqual(['tok-1', 'tok-2']);
    expect(planLiveVisits(visits, scans, FROM, 0.5).map((p) => p.simToken)).toEqual(['tok-1']);
  });

  it('refuses a visit the simulation never scanned, naming it', () => {
    expect(() => planLiveVisits(visits, scans.slice(0, 2), FROM)).toThrow(/no gate scan for visit tok-3/);
  });
});

describe('liveClock', () => {
  it('puts the simulation start at wall0 and moves payload event times by the same offset', () => {
    const clock = liveClock(FROM, 1_800_000_000_000);
    expect(clock.toWall(FROM)).toBe(1_800_000_000_000);
    expect(clock.toWall(FROM + 61_234.5)).toBe(1_800_000_061_234.5);
    expect(clock.shift({ t: FROM + 5, direction: 'out' })).toEqual({
      t: 1_800_000_000_005,
      direction: 'out',
    });
    const noTime = { hello: 1 };
    expect(clock.shift(noTime)).toBe(noTime);
    expect(clock.shift(null)).toBeNull();
  });

  it('does not change the payload it shifts', () => {
    const payload = { t: FROM, grams: [1, 2] };
    liveClock(FROM, FROM + 1000).shift(payload);
    expect(payload.t).toBe(FROM);
  });
});

describe('gate scan tokens', () => {
  it('replaces the simulator token with the real one, shown as a QR code, at the same time', () => {
    const sim = { t: FROM + 9_000, token: 'tok-1', method: 'palm' };
    expect(scanToken(sim)).toBe('tok-1');
    expect(withEntryToken(sim, 'q1.AbCdEfGhIjKlMnOp.sig')).toEqual({
      t: FROM + 9_000,
      token: 'q1.AbCdEfGhIjKlMnOp.sig',
      method: 'qr',
    });
    expect(sim.token).toBe('tok-1');
  });

  it('tells a non-scan payload apart', () => {
    expect(scanToken({ t: 1, direction: 'in' })).toBeNull();
    expect(() => withEntryToken({ t: 1, direction: 'in' }, 'q1.x')).toThrow(/not a gate scan/);
  });
});

describe('summarizeLatency', () => {
  const outcome = (exitWall: number, deliveredAt: number | null, receipts = 1): VisitOutcome => ({
    simToken: `tok-${exitWall}`,
    exitWall,
    deliveredAt,
    issuedAt: deliveredAt === null ? null : deliveredAt - 100,
    receipts: deliveredAt === null ? 0 : receipts,
  });

  it('counts delivered, missing and extra receipts and gives exit → delivery percentiles', () => {
    const outcomes = [
      outcome(1_000, 4_000), // 3000
      outcome(2_000, 5_500, 2), // 3500, and a revision
      outcome(3_000, 7_000), // 4000
      outcome(4_000, null),
    ];
    expect(summarizeLatency(outcomes, 60_000)).toEqual({
      count: 4,
      delivered: 3,
      missing: 1,
      late: 0,
      extra: 1,
      early: 0,
      p50Ms: 3500,
      p99Ms: 3990,
      maxMs: 4000,
      issueP50Ms: 3400,
      issueP99Ms: 3890,
      visits: [
        { shopper: 'tok-1000', latencyMs: 3000, receipts: 1 },
        { shopper: 'tok-2000', latencyMs: 3500, receipts: 2 },
        { shopper: 'tok-3000', latencyMs: 4000, receipts: 1 },
        { shopper: 'tok-4000', latencyMs: null, receipts: 0 },
      ],
    });
  });

  it('counts a receipt after the timeout as missing and late, outside the percentiles', () => {
    expect(summarizeLatency([outcome(0, 3_000), outcome(0, 70_000)], 60_000)).toMatchObject({
      count: 2,
      delivered: 1,
      missing: 1,
      late: 1,
      p99Ms: 3000,
      visits: [
        { latencyMs: 3000, receipts: 1 },
        { latencyMs: 70_000, receipts: 1 },
      ],
    });
  });

  it('counts a receipt that came before the exit as early, and has no percentiles without deliveries', () => {
    expect(summarizeLatency([outcome(10_000, 9_000)], 60_000)).toMatchObject({
      delivered: 1,
      early: 1,
      p50Ms: -1000,
    });
    expect(summarizeLatency([outcome(1, null)], 60_000)).toMatchObject({
      delivered: 0,
      missing: 1,
      p99Ms: null,
      maxMs: null,
    });
    expect(summarizeLatency([], 60_000)).toMatchObject({ count: 0, p50Ms: null });
  });
});

describe('parseSseChunk', () => {
  it('returns complete events and keeps the unfinished rest', () => {
    const { events, rest } = parseSseChunk(
      ': connected\n\nid: r1\nevent: receipt\ndata: {"a":1}\n\nid: r2\nevent: rec',
    );
    expect(events).toEqual([
      { event: 'message', id: null, data: null, comments: ['connected'] },
      { event: 'receipt', id: 'r1', data: '{"a":1}', comments: [] },
    ]);
    expect(rest).toBe('id: r2\nevent: rec');
    expect(parseSseChunk(`${rest}eipt\ndata: {}\n\n`).events).toEqual([
      { event: 'receipt', id: 'r2', data: '{}', comments: [] },
    ]);
  });
});
