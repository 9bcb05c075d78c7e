import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../adapters/sql/database.js';
import { tinyStore } from '../adapters/sql/ledgerStoreContract.test.js';
import { tempSqliteUrl } from '../adapters/sql/testing.js';
import { buildApp } from './app.js';
import { openLiveStore } from './liveStore.js';
import { manualClock, scriptedVisit } from './testing.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function build(options: { url?: string; withStore?: boolean } = {}) {
  const clock = manualClock();
  const database = await openDatabase(options.url ?? tempSqliteUrl());
  const live = await openLiveStore({
    database,
    ...(options.withStore === false ? {} : { store: tinyStore() }),
    wallClock: clock.now,
    tickMs: 0,
  });
  const app = await buildApp({ live });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await live.close();
    await database.close();
  };
  cleanup.push(close);
  /** Lets wall time pass so the store settles and issues receipts. */
  const runClock = async (ms: number) => {
    for (let t = 0; t < ms; t += 200) {
      clock.advance(200);
      live.tick();
    }
    await live.flush();
  };
  return { app, live, clock, runClock, close };
}

function post(app: FastifyInstance, payload: string, contentType = 'application/json') {
  return app.inject({
    method: 'POST',
    url: '/api/messages',
    payload,
    headers: { 'content-type': contentType },
  });
}

async function snapshot(app: FastifyInstance) {
  const [store, visits, receipts] = await Promise.all(
    ['/api/store', '/api/visits', '/api/receipts'].map((url) => app.inject({ method: 'GET', url })),
  );
  return { store: store!.json(), visits: visits!.json(), receipts: receipts!.json() };
}

describe('the store definition API', () => {
  it('loads a store and gives it back', async () => {
    const { app } = await build({ withStore: false });
    expect((await app.inject({ method: 'GET', url: '/api/store' })).statusCode).toBe(404);
    const put = await app.inject({ method: 'PUT', url: '/api/store', payload: tinyStore() });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({
      id: 'tiny-1',
      name: 'Tiny Market',
      products: 2,
      plates: 2,
      gates: 2,
      cameras: 0,
    });
    expect((await app.inject({ method: 'GET', url: '/api/store' })).json()).toEqual(tinyStore());
  });

  it('rejects a bad definition naming the field, and keeps the old one', async () => {
    const { app } = await build();
    const bad = { ...tinyStore(), name: 'Other', currency: 'dollars' };
    const res = await app.inject({ method: 'PUT', url: '/api/store', payload: bad });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({
      code: 'WO_STORE_INVALID',
      status: 400,
      detail: expect.stringMatching(/currency: an ISO 4217 code/),
    });
    const unknownSku = { ...tinyStore(), planogram: [{ plate: 'p1', sku: 'ghost', count: 1 }] };
    expect(
      (await app.inject({ method: 'PUT', url: '/api/store', payload: unknownSku })).json().detail,
    ).toMatch(/planogram\.0\.sku: unknown product sku "ghost"/);
    expect((await app.inject({ method: 'GET', url: '/api/store' })).json().name).toBe('Tiny Market');
  });

  it('turns away generated junk store files with 400 and keeps its state', async () => {
    const { app } = await build();
    const before = await snapshot(app);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.string()), async (junk) => {
        const res = await app.inject({
          method: 'PUT',
          url: '/api/store',
          payload: typeof junk === 'string' ? junk : JSON.stringify(junk),
          headers: { 'content-type': 'application/json' },
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().code).toMatch(/^WO_/);
      }),
      { numRuns: 150, seed: 42 },
    );
    expect(await snapshot(app)).toEqual(before);
  });
});

describe('device ingest over HTTP', () => {
  it('given a shopper took two FIJI, the receipt has two FIJI; posting it again changes nothing', async () => {
    const { app, runClock } = await build();
    const messages = scriptedVisit();
    const res = await post(app, JSON.stringify(messages));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      received: messages.length,
      accepted: messages.length,
      rejected: 0,
      rejections: [],
    });
    await runClock(6000);
    const { receipts } = (await app.inject({ method: 'GET', url: '/api/receipts' })).json();
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({
      shopper: 'shopper-1',
      lines: [{ sku: 'fiji-500', quantity: 2, unitPrice: 249 }],
      total: 498,
      currency: 'USD',
    });
    const visitId: string = receipts[0].visitId;
    expect((await app.inject({ method: 'GET', url: `/api/receipts/${visitId}` })).json()).toEqual(
      receipts[0],
    );
    const visit = (await app.inject({ method: 'GET', url: `/api/visits/${visitId}` })).json();
    expect(visit).toMatchObject({ visitId, status: 'closed', cart: [{ sku: 'fiji-500', quantity: 2 }] });
    expect(visit.events.map((e: { event: { type: string } }) => e.event.type)).toEqual([
      'ShopperEntered',
      'ItemPicked',
      'PersonLeft',
      'ShopperExited',
      'ReceiptIssued',
    ]);

    const before = await snapshot(app);
    const again = await post(app, messages.map((m) => JSON.stringify(m)).join('\n'), 'application/x-ndjson');
    expect(again.statusCode).toBe(200);
    expect(again.json().accepted).toBe(0);
    await runClock(6000);
    expect(await snapshot(app)).toEqual(before);
  });

  it('answers 200 with counts and the reasons when some messages were accepted', async () => {
    const { app } = await build();
    const res = await post(
      app,
      JSON.stringify([
        { topic: 'walkout/v1/tiny-1/gates/gate-in/scan', payload: { t: 1000, token: 'abc' } },
        { topic: 'walkout/v1/tiny-1/gates/gate-in/scan', payload: { t: 'soon', token: 'abc' } },
        { topic: 'walkout/v1/tiny-1/plates/p77/weight', payload: { t: 1000, hz: 60, grams: [1] } },
        { topic: 'walkout/v1/tiny-1/gates/gate-in/scan', payload: { t: 1000, token: 'abc' } },
        42,
      ]),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      received: 5,
      accepted: 1,
      duplicate: 1,
      late: 0,
      unknownDevice: 1,
      rejected: 2,
      rejections: [
        { index: 1, reason: expect.stringMatching(/^\[1\]: gates\/gate-in\/scan: payload\.t: /) },
        { index: 4, reason: '[4]: expected an object with "topic" and "payload"' },
      ],
    });
  });

  it('answers 400 with the reasons when no message was valid, and for bodies that are not JSON or NDJSON', async () => {
    const { app } = await build();
    const none = await post(
      app,
      JSON.stringify([{ topic: 'walkout/v1/tiny-1/gates/x/teleport', payload: {} }, { nope: 1 }]),
    );
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({
      code: 'WO_MESSAGE_REJECTED',
      errors: [expect.stringMatching(/unknown message type/), expect.stringMatching(/expected an object/)],
    });
    const notJson = await post(app, '{"topic": ');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({
      code: 'WO_BAD_REQUEST',
      detail: expect.stringMatching(/not JSON/),
    });
    expect((await post(app, '')).statusCode).toBe(400);
    const ndjson = await post(
      app,
      'not json\n{"topic": "walkout/v1/tiny-1/gates/gate-in/scan", "payload": {"t": 5, "token": "z"}}\n',
      'application/x-ndjson',
    );
    expect(ndjson.statusCode).toBe(200);
    expect(ndjson.json()).toMatchObject({
      accepted: 1,
      rejected: 1,
      rejections: [{ index: 0, reason: 'line 1: not JSON' }],
    });
    expect((await post(app, 'junk', 'text/plain')).statusCode).toBe(400);
  });

  it('survives generated junk bodies with 200 or 400, never 500, and keeps its state', async () => {
    const { app } = await build();
    await post(app, JSON.stringify(scriptedVisit().slice(0, 40)));
    const before = await snapshot(app);
    const junkMessage = fc.record({
      topic: fc.oneof(
        fc.string(),
        fc.constantFrom(
          'walkout/v1/tiny-1/plates/p1/weight',
          'walkout/v1/tiny-1/gates/gate-in/scan',
          'walkout/v1/tiny-1/gates/gate-out/pass',
        ),
      ),
      payload: fc.jsonValue(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string().map((s) => ({ body: s, type: 'application/json' })),
          fc
            .array(fc.oneof(junkMessage, fc.jsonValue()))
            .map((a) => ({ body: JSON.stringify(a), type: 'application/json' })),
          fc
            .array(
              fc.oneof(
                fc.string(),
                junkMessage.map((m) => JSON.stringify(m)),
              ),
            )
            .map((l) => ({ body: l.join('\n'), type: 'application/x-ndjson' })),
        ),
        async ({ body, type }) => {
          const res = await post(app, body, type);
          expect([200, 400]).toContain(res.statusCode);
          expect(res.json()).toBeTypeOf('object');
        },
      ),
      { numRuns: 200, seed: 7 },
    );
    expect(await snapshot(app)).toEqual(before);
  });
});

describe('visits and receipts', () => {
  it('answers 404 problem JSON for an unknown visit, receipt or route', async () => {
    const { app } = await build();
    for (const url of ['/api/visits/nope', '/api/receipts/nope', '/api/nowhere']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'WO_NOT_FOUND', status: 404 });
    }
    expect((await app.inject({ method: 'GET', url: '/api/visits?status=lost' })).statusCode).toBe(400);
  });

  it('keeps receipts across a restart', async () => {
    const url = tempSqliteUrl();
    const first = await build({ url });
    await post(first.app, JSON.stringify(scriptedVisit()));
    await first.runClock(6000);
    const before = (await first.app.inject({ method: 'GET', url: '/api/receipts' })).json();
    expect(before.receipts).toHaveLength(1);
    await first.close();
    const second = await build({ url, withStore: false });
    expect((await second.app.inject({ method: 'GET', url: '/api/store' })).json().id).toBe('tiny-1');
    expect((await second.app.inject({ method: 'GET', url: '/api/receipts' })).json()).toEqual(before);
  });
});

describe('the API documentation', () => {
  it('serves OpenAPI at /docs/json with every route and the UI at /docs', async () => {
    const { app } = await build();
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/store',
        '/api/messages',
        '/api/visits',
        '/api/visits/{visitId}',
        '/api/receipts',
        '/api/receipts/{visitId}',
      ]),
    );
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty(ref);
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
