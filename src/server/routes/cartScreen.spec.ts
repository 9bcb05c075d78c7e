import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../adapters/sql/database.js';
import { tempSqliteUrl } from '../../adapters/sql/testing.js';
import type { RawMessage } from '../../protocol/messages.js';
import { parseStoreDefinition, type Product } from '../../protocol/store.js';
import { priceCart } from '../../store/receipt.js';
import { cartStore } from '../../sim/carts.js';
import { buildApp } from '../app.js';
import { orderAlerts, type CartScreen } from '../cartScreen.js';
import type { CartAlert } from '../../store/cartVisit.js';
import { basketReadings, byTime, cartMessage } from '../cartTesting.js';
import { openLiveStore } from '../liveStore.js';
import { manualClock, readEventStream, staffHeaders } from '../testing.js';
import { DEMO_STAFF, staffAuth } from './auth.js';

const store = parseStoreDefinition(cartStore().definition);
const products = new Map(store.products.map((p) => [p.sku, p]));
const units = store.products.filter((p) => p.soldBy === 'unit' && p.gtin !== undefined);
// Two unit products far apart in weight, so the unscanned one can never pass for the scanned one.
const unit = units.find((p) => p.weight.mean > 300)!;
const sneaky = units.find((p) => p.weight.mean < 200)!;
const produce: Product = store.products.find((p) => p.soldBy === 'weight')!;
const BANANA_GRAMS = 812;
const CART = 'cart-01';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Shoppers by access token, and the account each cart visit's token belongs to. */
const ACCOUNTS: Record<string, string> = { 'tok-ana': 'acc_ana', 'tok-bo': 'acc_bo' };

async function build(database = openDatabase(tempSqliteUrl()), clock = manualClock()) {
  const db = await database;
  const live = await openLiveStore({ database: db, store, wallClock: clock.now, tickMs: 0 });
  const auth = staffAuth(DEMO_STAFF, (token) => ACCOUNTS[token]);
  const accountOfVisit = async (visitId: string) => {
    const token = (await live.visit(visitId))?.summary.token;
    return token ? ACCOUNTS[token] : undefined;
  };
  const app = await buildApp({ live, auth, accountOfVisit, web: false });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await live.close();
  };
  cleanup.push(async () => {
    await close();
    await db.close();
  });
  const login = (name: string) => staffHeaders(app, name);
  let newest = { t: -Infinity, wall: clock.now() };
  /** The store's event-time clock now: the newest message's time plus the wall time since. */
  const eventNow = () => (Number.isFinite(newest.t) ? newest.t + clock.now() - newest.wall : clock.now());
  /** Offers messages, then lets `seconds` of wall time pass in 200 ms ticks, and waits for the ledger. */
  const feed = async (messages: RawMessage[], seconds = 0) => {
    for (const m of byTime(messages)) {
      expect(live.offer(m.topic, m.payload).outcome).toBe('accepted');
      const t = (m.payload as { t: number }).t;
      if (t > newest.t) newest = { t, wall: clock.now() };
    }
    for (let t = 0; t < seconds * 1000; t += 200) {
      clock.advance(200);
      live.tick();
    }
    await live.flush();
  };
  return { app, live, login, feed, eventNow, clock, db, close };
}

/** The first part of a visit on cart-01: sign-in, a scanned item, weighed bananas, an item slipped in unscanned. */
function shopping(t0: number, slipIn = true): RawMessage[] {
  const token = 'tok-ana';
  const basket = (t: number) =>
    (t >= t0 + 2500 ? unit.weight.mean : 0) +
    (t >= t0 + 6500 ? BANANA_GRAMS : 0) +
    (slipIn && t >= t0 + 10_000 ? sneaky.weight.mean : 0);
  return [
    cartMessage(store.id, CART, t0, { token }),
    cartMessage(store.id, CART, t0 + 2000, { gtin: unit.gtin!, action: 'add' }),
    cartMessage(store.id, CART, t0 + 6000, { gtin: produce.gtin!, action: 'add' }),
    ...basketReadings(store.id, CART, t0 - 1000, t0 + 14_000, basket),
  ];
}

async function screen(app: FastifyInstance, headers: Record<string, string>, cartId = CART) {
  const res = await app.inject({ url: `/api/carts/${cartId}`, headers });
  return { status: res.statusCode, body: res.json() as CartScreen & { code?: string; detail?: string } };
}

describe('GET /api/carts/{cartId}', () => {
  it('needs a session, the operator role for staff, a valid id and a cart the store has seen', async () => {
    const { app, login } = await build();
    expect((await screen(app, {})).status).toBe(401);
    expect((await screen(app, await login('reviewer'))).status).toBe(403);
    const operator = await login('operator');
    const bad = await screen(app, operator, 'cart 01!');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('WO_BAD_REQUEST');
    const unknown = await screen(app, operator, 'cart-99');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'WO_NOT_FOUND', detail: expect.stringContaining('cart-99') });
    expect(unknown.body.detail).toContain('signs in');
  });

  it('given a shopper scanned an item and weighed produce, the cart shows them priced as the receipt will be; an unscanned item raises an alert that a late scan resolves', async () => {
    const { app, login, feed, eventNow } = await build();
    const operator = await login('operator');
    const t0 = eventNow();
    await feed(shopping(t0), 2);

    // The sneaky item's step has not waited its grace period yet: two lines, no alert.
    let s = (await screen(app, operator)).body;
    expect(s.visit).toMatchObject({ token: 'tok-ana', status: 'open' });
    expect(s.alerts).toEqual([]);
    const bySku = new Map(s.lines.map((l) => [l.sku, l]));
    expect([...bySku.keys()].sort()).toEqual([unit.sku, produce.sku].sort());
    expect(bySku.get(unit.sku)).toMatchObject({
      name: unit.name,
      quantity: 1,
      grams: null,
      unitPrice: unit.price,
      pricePerKg: null,
      amount: unit.price,
    });
    const bananas = bySku.get(produce.sku)!;
    expect(Math.abs(bananas.grams! - BANANA_GRAMS)).toBeLessThanOrEqual(3);
    expect(bananas.pricePerKg).toBe(produce.pricePerKg);
    expect(bananas.amount).toBe(Math.round((produce.pricePerKg! * bananas.grams!) / 1000));
    // The running total is the receipt's pricing of the same cart.
    const visit = {
      cart: Object.fromEntries(
        s.lines.map((l) => [l.sku, { sku: l.sku, quantity: l.quantity, grams: l.grams ?? 0, confidence: 1 }]),
      ),
    };
    expect(s.total).toBe(priceCart(visit as never, products).total);
    expect(s.total).toBe(s.lines.reduce((n, l) => n + l.amount, 0) + s.tax);

    // Once the grace period is over, the unscanned item is an open alert.
    await feed([], 6);
    s = (await screen(app, operator)).body;
    expect(s.alerts).toHaveLength(1);
    expect(s.alerts[0]).toMatchObject({ kind: 'unscanned-item', resolved: false });
    expect(s.lines).toHaveLength(2);

    // The shopper scans it after all: it is charged and the alert is listed as resolved.
    const t1 = eventNow() + 2000;
    const weight = unit.weight.mean + BANANA_GRAMS + sneaky.weight.mean;
    await feed(
      [
        cartMessage(store.id, CART, t1, { gtin: sneaky.gtin!, action: 'add' }),
        ...basketReadings(store.id, CART, t1 - 1000, t1 + 9000, () => weight),
      ],
      6,
    );
    s = (await screen(app, operator)).body;
    expect(s.alerts).toEqual([expect.objectContaining({ kind: 'unscanned-item', resolved: true })]);
    expect(s.lines.map((l) => l.sku).sort()).toEqual([unit.sku, produce.sku, sneaky.sku].sort());
  });

  it('lists every open alert of the visit, newest first', async () => {
    const { app, login, feed, clock } = await build();
    const t0 = clock.now();
    // A barcode the store does not sell, then the sneaky item: two open alerts, newest first.
    await feed(
      [
        cartMessage(store.id, CART, t0, { token: 'tok-ana' }),
        cartMessage(store.id, CART, t0 + 1000, { gtin: '00000000000017', action: 'add' }),
        ...basketReadings(store.id, CART, t0 - 1000, t0 + 6000, (t) =>
          t >= t0 + 2000 ? sneaky.weight.mean : 0,
        ),
      ],
      9,
    );
    const s = (await screen(app, await login('operator'))).body;
    expect(s.alerts.map((a) => [a.kind, a.resolved])).toEqual([
      ['unscanned-item', false],
      ['unknown-barcode', false],
    ]);
  });

  it('the shopper on the cart sees it, another shopper does not; after the exit and the receipt the cart is idle', async () => {
    const { app, login, feed, eventNow } = await build();
    // Nothing slipped in: the visit has nothing to review and gets its receipt at once.
    await feed(shopping(eventNow(), false), 8);
    const ana = { authorization: 'Bearer tok-ana' };
    const bo = { authorization: 'Bearer tok-bo' };
    expect((await screen(app, ana)).status).toBe(200);
    expect((await screen(app, bo)).status).toBe(403);
    // A shopper cannot learn which other carts exist.
    expect((await screen(app, bo, 'cart-99')).status).toBe(403);

    const t1 = eventNow() + 2000;
    const weight = unit.weight.mean + BANANA_GRAMS;
    await feed(
      [
        cartMessage(store.id, CART, t1, { exit: true }),
        ...basketReadings(store.id, CART, t1 - 1000, t1 + 1000, () => weight),
      ],
      10,
    );
    const operator = await login('operator');
    const idle = (await screen(app, operator)).body;
    expect(idle).toMatchObject({ cartId: CART, visit: null, lines: [], total: 0, alerts: [] });
    expect((await screen(app, ana)).status).toBe(403);
  });

  it('after a restart the visit on the cart is found in the ledger', async () => {
    const clock = manualClock();
    const url = tempSqliteUrl();
    const first = await build(openDatabase(url), clock);
    await first.feed(shopping(clock.now()), 2);
    await first.close();
    const again = await build(openDatabase(url), clock);
    const s = (await screen(again.app, await again.login('operator'))).body;
    expect(s.visit).toMatchObject({ token: 'tok-ana', status: 'open' });
    expect(s.lines).toHaveLength(2);
  });
});

describe('the order of alerts', () => {
  it('puts open alerts first and keeps only the five newest resolved ones', () => {
    const alert = (n: number, resolved: boolean): CartAlert => ({
      alertId: `a${n}`,
      cartId: CART,
      visitId: 'v',
      t: n * 1000,
      kind: 'unscanned-item',
      detail: '',
      resolved,
    });
    const all = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => alert(n, n % 3 !== 0));
    expect(orderAlerts(all).map((a) => [a.alertId, a.resolved])).toEqual([
      ['a6', false],
      ['a3', false],
      ['a8', true],
      ['a7', true],
      ['a5', true],
      ['a4', true],
      ['a2', true],
    ]);
  });
});

/** Reads the cart's live screen until `until` holds (or 5 s pass); returns the screens sent. */
async function readScreens(
  app: FastifyInstance,
  headers: Record<string, string>,
  until: (screens: CartScreen[]) => boolean,
  whileOpen: () => Promise<void> = async () => {},
): Promise<CartScreen[]> {
  const screensOf = (lines: string[]) =>
    lines.filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as CartScreen);
  return screensOf(
    await readEventStream(
      app,
      `/api/carts/${CART}/live`,
      headers,
      (lines) => until(screensOf(lines)),
      whileOpen,
    ),
  );
}

describe('GET /api/carts/{cartId}/live', () => {
  it('sends the screen at once, then again when an alert is raised', async () => {
    const { app, login, feed, clock } = await build();
    await feed(shopping(clock.now()), 2);
    const operator = await login('operator');
    const screens = await readScreens(
      app,
      operator,
      (s) => s.some((x) => x.alerts.length > 0),
      () => feed([], 6),
    );
    expect(screens[0]!.lines).toHaveLength(2);
    expect(screens[0]!.alerts).toEqual([]);
    expect(screens.at(-1)!.alerts[0]).toMatchObject({ kind: 'unscanned-item', resolved: false });
  });

  it('refuses like the GET: nobody signed in, and unknown carts', async () => {
    const { app, login } = await build();
    expect((await app.inject({ url: `/api/carts/${CART}/live` })).statusCode).toBe(401);
    const res = await app.inject({ url: `/api/carts/${CART}/live`, headers: await login('operator') });
    expect(res.statusCode).toBe(404);
  });
});
