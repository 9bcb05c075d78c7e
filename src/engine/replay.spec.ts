import { describe, expect, it } from 'vitest';
import { parseMessage } from '../protocol/topics.js';
import { parseStoreDefinition } from '../protocol/store.js';
import { importAutoCheckout } from '../import/autocheckout.js';
import { scoreRecording } from '../eval/score.js';
import { DATASETS_DIR, haveDataset } from '../testing/datasets.js';
import { mulberry32 } from '../testing/random.js';
import type { VisitEvent } from '../store/events.js';
import { replay, ResultCollector, type ReplayInput } from './replay.js';

const DIR = `${DATASETS_DIR}/autocheckout/cps-test-01`;
const haveData = haveDataset('autocheckout/cps-test-01');

describe.runIf(haveData)('replay of the real AutoCheckout recording', () => {
  const imported = haveData ? importAutoCheckout(DIR) : null;
  const store = parseStoreDefinition(imported?.store);
  const lines: ReplayInput[] = (imported?.messages ?? []).map((m) => parseMessage(m.topic, m.payload));

  it('charges the two items taken and nothing else out of 294 noisy plates', async () => {
    const { result } = await replay(store, lines);
    expect(result.receipts).toHaveLength(1);
    expect(result.receipts[0]!.lines.map((l) => [l.sku, l.quantity])).toEqual([
      ['071063437089', 1],
      ['632565000012', 1],
    ]);
    expect(scoreRecording(imported!.truth, result).f1).toBe(1);
    expect(result.reviews).toEqual([]);
  });

  it('gives the same result, byte for byte, when messages come late, twice and out of order', async () => {
    const rng = mulberry32(7);
    const arrivals = lines.flatMap((line, i) => {
      if (!line.ok) return [];
      const t = line.message.payload.t;
      const delay = rng() * 1500;
      const copies = rng() < 0.05 ? 2 : 1;
      return Array.from({ length: copies }, (_, k) => ({ at: t + delay + k * 3, i, line }));
    });
    arrivals.sort((a, b) => a.at - b.at || a.i - b.i);
    const ordered = await replay(store, lines);
    const shuffled = await replay(
      store,
      arrivals.map((a) => a.line),
    );
    expect(JSON.stringify(shuffled.result)).toBe(JSON.stringify(ordered.result));
    expect(shuffled.stats.duplicate + shuffled.stats.late).toBeGreaterThan(0);
  });
});

describe('the result of a replay', () => {
  it("holds each visit's receipt as it finally stands: a re-issued version replaces the first", () => {
    const receipt = (version: number, t: number, quantity: number): VisitEvent => ({
      type: 'ReceiptIssued',
      visitId: 'v1',
      t,
      version,
      token: 'alice',
      enteredAt: 1000,
      exitedAt: 5000,
      lines: quantity > 0 ? [{ sku: 'fiji', quantity, unitPrice: 249 }] : [],
      total: quantity * 249,
      tax: 0,
      currency: 'USD',
      reviewed: true,
    });
    const other: VisitEvent = { ...receipt(1, 9000, 0), visitId: 'v2', token: 'bob' } as VisitEvent;
    const collector = new ResultCollector(false);
    for (const e of [receipt(1, 8500, 2), other, receipt(2, 12_000, 1)])
      collector.add([{ type: 'visit', event: e }]);
    const { receipts } = collector.done().result;
    expect(receipts.map((r) => [r.shopper, r.issuedAt, r.lines.map((l) => l.quantity)])).toEqual([
      ['alice', 12_000, [1]],
      ['bob', 9000, []],
    ]);
  });
});
