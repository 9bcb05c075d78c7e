import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type WalkoutDatabase } from '../adapters/sql/database.js';
import { tinyStore } from '../adapters/sql/ledgerStoreContract.test.js';
import {
  dropTestSchemas,
  postgresAvailable,
  tempPostgresUrl,
  tempSqliteUrl,
} from '../adapters/sql/testing.js';
import type { BusMessage } from './bus.js';
import { openLiveStore, type LiveStore } from './liveStore.js';
import { manualClock, scriptedVisit } from './testing.js';

// Fails (not skips) when WALKOUT_REQUIRE_SERVICES=1 and PostgreSQL is down.
const withPostgres = await postgresAvailable();
afterAll(dropTestSchemas);

const databases = [
  { name: 'SQLite', makeUrl: tempSqliteUrl, enabled: true },
  { name: 'PostgreSQL', makeUrl: tempPostgresUrl, enabled: withPostgres },
];

describe.each(databases)('a live store on $name', ({ makeUrl, enabled }) => {
  if (!enabled) {
    it.skip('needs the database');
    return;
  }
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function open(
    url: string,
    clock = manualClock(),
  ): Promise<{ live: LiveStore; database: WalkoutDatabase; bus: BusMessage[]; close: () => Promise<void> }> {
    const database = await openDatabase(url);
    const live = await openLiveStore({ database, store: tinyStore(), wallClock: clock.now, tickMs: 0 });
    const bus: BusMessage[] = [];
    live.bus.subscribe((m) => bus.push(m));
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await live.close();
      await database.close();
    };
    cleanup.push(close);
    return { live, database, bus, close };
  }

  it('given a shopper took two FIJI, when they pass out and the clock runs on, then the receipt has two FIJI', async () => {
    const clock = manualClock();
    const { live, bus } = await open(makeUrl(), clock);
    for (const m of scriptedVisit()) expect(live.offer(m.topic, m.payload).outcome).toBe('accepted');
    for (let i = 0; i < 30; i += 1) {
      clock.advance(200);
      live.tick();
    }
    await live.flush();
    const [receipt] = await live.receipts();
    expect(receipt).toMatchObject({
      shopper: 'shopper-1',
      lines: [{ sku: 'fiji-500', quantity: 2, unitPrice: 249 }],
      total: 498,
    });
    // Live receipts carry the wall time they were issued.
    expect(receipt!.issuedAt).toBeGreaterThanOrEqual(1_700_000_000_000);
    expect(bus.some((m) => m.type === 'receipt')).toBe(true);
    expect(
      bus.filter((m) => m.type === 'visit').map((m) => (m.type === 'visit' ? m.event.type : '')),
    ).toContain('ItemPicked');
    expect((await live.visits())[0]).toMatchObject({ status: 'closed', total: 498 });
  });

  it('counts a second delivery of the same recording as duplicate or late, and changes nothing', async () => {
    const clock = manualClock();
    const { live } = await open(makeUrl(), clock);
    const messages = scriptedVisit();
    for (const m of messages) live.offer(m.topic, m.payload);
    for (let i = 0; i < 30; i += 1) {
      clock.advance(200);
      live.tick();
    }
    await live.flush();
    const before = { receipts: await live.receipts(), visits: await live.visits() };
    const outcomes = new Set(messages.map((m) => live.offer(m.topic, m.payload).outcome));
    expect([...outcomes].every((o) => o === 'late' || o === 'duplicate')).toBe(true);
    clock.advance(5000);
    live.tick();
    await live.flush();
    expect({ receipts: await live.receipts(), visits: await live.visits() }).toEqual(before);
  });

  it('rejects malformed and foreign messages with a reason, and counts them by reason', async () => {
    const { live } = await open(makeUrl());
    expect(live.offer('walkout/v1/tiny-1/plates/p1/weight', { t: 'soon' })).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/payload\.t/),
    });
    expect(live.offer('nope', {})).toMatchObject({ outcome: 'rejected' });
    expect(live.offer('walkout/v1/other/plates/p1/weight', { t: 1, hz: 60, grams: [1] })).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/not this store/),
    });
    expect(live.offer('walkout/v1/tiny-1/plates/p9/weight', { t: 1, hz: 60, grams: [1] }).outcome).toBe(
      'unknown-device',
    );
    const rejections = await live.rejections();
    expect(Object.fromEntries(rejections.map((r) => [r.reason, r.count]))).toEqual({
      malformed: 2,
      'wrong-store': 1,
      'unknown-device': 1,
    });
  });

  it('keeps an open visit across a restart, and its receipt still has what was taken before', async () => {
    const url = makeUrl();
    const clock = manualClock();
    const messages = scriptedVisit();
    const exit = messages.findIndex((m) => m.topic.endsWith('/pass'));
    const first = await open(url, clock);
    for (const m of messages.slice(0, exit - 20)) first.live.offer(m.topic, m.payload);
    clock.advance(3000);
    first.live.tick();
    await first.live.flush();
    expect((await first.live.visits())[0]).toMatchObject({ status: 'open' });
    const picked = (await first.live.visit((await first.live.visits())[0]!.visitId))!.events.map(
      (e) => e.event.type,
    );
    expect(picked).toContain('ItemPicked');
    await first.close();

    const second = await open(url, clock);
    const late = messages.slice(0, exit - 20).map((m) => second.live.offer(m.topic, m.payload).outcome);
    expect(late.every((o) => o === 'late')).toBe(true);
    for (const m of messages.slice(exit - 20)) second.live.offer(m.topic, m.payload);
    for (let i = 0; i < 30; i += 1) {
      clock.advance(200);
      second.live.tick();
    }
    await second.live.flush();
    const [receipt] = await second.live.receipts();
    expect(receipt).toMatchObject({ lines: [{ sku: 'fiji-500', quantity: 2 }] });
  });

  it('keeps open visits and messages that arrive meanwhile when the definition is replaced', async () => {
    const clock = manualClock();
    const { live } = await open(makeUrl(), clock);
    const messages = scriptedVisit();
    const half = Math.floor(messages.length * 0.75);
    for (const m of messages.slice(0, half)) live.offer(m.topic, m.payload);
    const renamed = { ...tinyStore(), name: 'Tiny Market, new planogram' };
    const loading = live.loadStore(renamed);
    // These arrive while the engine is swapped; none may be lost.
    for (const m of messages.slice(half)) expect(live.offer(m.topic, m.payload).outcome).toBe('accepted');
    await loading;
    expect(live.store?.name).toBe('Tiny Market, new planogram');
    for (let i = 0; i < 30; i += 1) {
      clock.advance(200);
      live.tick();
    }
    await live.flush();
    expect((await live.receipts())[0]).toMatchObject({ lines: [{ sku: 'fiji-500', quantity: 2 }] });
  });

  it('says why it cannot ingest before a store is loaded', async () => {
    const database = await openDatabase(makeUrl());
    const live = await openLiveStore({ database, tickMs: 0 });
    cleanup.push(async () => {
      await live.close();
      await database.close();
    });
    expect(live.store).toBeNull();
    expect(live.offer('walkout/v1/tiny-1/gates/gate-in/scan', { t: 1, token: 'a' })).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/no store/),
    });
  });
});
