import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../adapters/sql/database.js';
import { tinyStore } from '../../adapters/sql/ledgerStoreContract.test.js';
import { tempSqliteUrl } from '../../adapters/sql/testing.js';
import { buildApp } from '../app.js';
import { memoryBus } from '../bus.js';
import { openLiveStore } from '../liveStore.js';
import { manualClock, readEventStream, scriptedVisit, staffHeaders } from '../testing.js';
import { DEMO_STAFF, parseStaffList, staffAuth } from './auth.js';
import { parseLastEventId } from './feed.js';
import { StoreWatch, WeightTraces } from './watch.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function build() {
  const clock = manualClock();
  const database = await openDatabase(tempSqliteUrl());
  const live = await openLiveStore({ database, store: tinyStore(), wallClock: clock.now, tickMs: 0 });
  const auth = staffAuth(DEMO_STAFF, (t) => (t === 'shopper-token' ? 'acc_1' : undefined));
  const app = await buildApp({ live, auth, web: false });
  cleanup.push(async () => {
    await app.close();
    await live.close();
    await database.close();
  });
  const login = (name: string) => staffHeaders(app, name);
  const visit = async () => {
    for (const m of scriptedVisit({ t0: clock.now() })) live.offer(m.topic, m.payload);
    for (let t = 0; t < 30_000; t += 200) {
      clock.advance(200);
      live.tick();
    }
    await live.flush();
  };
  return { app, live, login, visit };
}

/** Reads the operator feed until `until` holds or the time runs out; returns its lines. */
const readFeed = (
  app: FastifyInstance,
  headers: Record<string, string>,
  until: (lines: string[]) => boolean,
) => readEventStream(app, '/api/feed', headers, until);

describe('staff sign-in and roles', () => {
  it('without a session the operator areas answer 401; a reviewer gets the queue but not the carts', async () => {
    const { app, login } = await build();
    for (const url of [
      '/api/feed',
      '/api/reviews',
      '/api/inventory',
      '/api/metrics',
      '/api/health/devices',
      '/api/carts',
      '/api/visits',
      '/api/receipts',
    ])
      expect((await app.inject({ url })).statusCode, url).toBe(401);
    const reviewer = await login('reviewer');
    expect((await app.inject({ url: '/api/reviews', headers: reviewer })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/carts', headers: reviewer })).statusCode).toBe(403);
    const operator = await login('operator');
    expect((await app.inject({ url: '/api/carts', headers: operator })).statusCode).toBe(200);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { name: 'operator', password: 'nope' },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('a shopper sees only their own cart, and no operator area', async () => {
    const { app } = await build();
    const shopper = { authorization: 'Bearer shopper-token' };
    expect((await app.inject({ url: '/api/me/cart', headers: shopper })).json()).toEqual({ carts: [] });
    expect((await app.inject({ url: '/api/carts', headers: shopper })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/me/cart' })).statusCode).toBe(401);
  });

  it.each([
    ['a:b', 'expected name:password:role'],
    ['a:b:boss', 'role operator or reviewer'],
    ['ok:pw:operator,::reviewer', 'entry 2'],
  ])('WALKOUT_STAFF "%s" is refused naming the misfit', (text, why) => {
    expect(() => parseStaffList(text)).toThrow(why);
  });

  it('parses a staff list, and never throws anything but a named error on junk', () => {
    expect(parseStaffList('ana:pw:operator, rev:pw2:reviewer')).toEqual([
      { name: 'ana', password: 'pw', role: 'operator' },
      { name: 'rev', password: 'pw2', role: 'reviewer' },
    ]);
    expect(parseStaffList(undefined)).toBeNull();
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseStaffList(s);
        } catch (e) {
          expect((e as Error).message).toMatch(/WALKOUT_STAFF entry/);
        }
      }),
    );
  });
});

describe('the live feed', () => {
  it('given a visit happened, the feed replays it and resumes after the Last-Event-ID it is given', async () => {
    const { app, login, visit } = await build();
    await visit();
    const operator = await login('operator');
    const all = await readFeed(app, operator, (l) => l.some((x) => x.includes('"type":"receipt"')));
    const ids = all.filter((l) => l.startsWith('id: ')).map((l) => Number(l.slice(4)));
    expect(ids.length).toBeGreaterThan(3);
    expect(all.some((l) => l.includes('ShopperEntered'))).toBe(true);
    // Resuming after the second message sends the third on, not the first two again.
    const resumed = await readFeed(app, { ...operator, 'last-event-id': String(ids[1]) }, (l) =>
      l.some((x) => x.startsWith('id: ')),
    );
    expect(resumed.find((l) => l.startsWith('id: '))).toBe(`id: ${ids[2]}`);
  });

  it('resuming replays only what came after the given id', () => {
    const bus = memoryBus();
    const watch = new StoreWatch(bus, () => tinyStore());
    for (let i = 0; i < 5; i++)
      bus.publish({ type: 'device', storeId: 's', deviceId: 'p1', t: i, ok: true, detail: '' });
    expect(watch.since(3).entries.map((e) => e.id)).toEqual([4, 5]);
    expect(watch.since(3).complete).toBe(true);
    expect(watch.since(null).entries).toHaveLength(5);
    watch.close();
  });

  it('a resume from before what is kept says so, so the client reloads', () => {
    const bus = memoryBus();
    const watch = new StoreWatch(
      bus,
      () => tinyStore(),
      null,
      () => 0,
      3,
    );
    for (let i = 0; i < 6; i++)
      bus.publish({ type: 'device', storeId: 's', deviceId: 'p1', t: i, ok: true, detail: '' });
    expect(watch.since(1)).toMatchObject({ complete: false });
    expect(watch.since(3)).toMatchObject({ complete: true });
    watch.close();
  });

  it.each([
    ['12', 12],
    [' 7 ', 7],
    ['', null],
    ['-1', null],
    ['1e3', null],
    [undefined, null],
  ])('Last-Event-ID %j is read as %j', (value, expected) => {
    expect(parseLastEventId(value)).toBe(expected);
  });
});

describe('review evidence and inventory', () => {
  it('weight traces keep a thinned window of samples and slice by time', () => {
    const traces = new WeightTraces(1000, 10);
    traces.record(
      'p1',
      0,
      60,
      Array.from({ length: 120 }, (_, i) => i),
    );
    const slice = traces.slice('p1', 0, 2000);
    expect(slice.t.length).toBeLessThanOrEqual(21);
    expect(slice.t[0]).toBeGreaterThanOrEqual(slice.t.at(-1)! - 1000);
    expect(traces.slice('nope', 0, 1)).toEqual({ plateId: 'nope', t: [], grams: [] });
  });

  it('given a shopper took from p1, inventory counts one fewer there', async () => {
    const { app, login, visit } = await build();
    const before = (await app.inject({ url: '/api/inventory', headers: await login('operator') })).json() as {
      plates: { plateId: string; count: number }[];
    };
    await visit();
    const after = (await app.inject({ url: '/api/inventory', headers: await login('operator') })).json() as {
      plates: { plateId: string; count: number }[];
    };
    const p1 = (v: typeof before) => v.plates.find((p) => p.plateId === 'p1')!.count;
    expect(p1(before) - p1(after)).toBe(2);
    const metrics = (await app.inject({ url: '/api/metrics', headers: await login('operator') })).json() as {
      series: { visits: number; basketSize: number | null }[];
    };
    expect(metrics.series.reduce((n, b) => n + b.visits, 0)).toBe(1);
    expect(metrics.series.find((b) => b.basketSize !== null)?.basketSize).toBe(2);
  });

  it('settling an event nobody holds in review is a 404 naming it', async () => {
    const { app, login } = await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/reviews/se-x/settle',
      headers: await login('reviewer'),
      payload: { visitId: null, sku: null, quantity: 0 },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'WO_NOT_FOUND', detail: expect.stringContaining('se-x') });
  });
});
