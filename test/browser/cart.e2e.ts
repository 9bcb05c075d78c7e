import { expect, test } from '@playwright/test';
import { tempSqliteUrl } from '../../src/adapters/sql/testing.js';
import type { RawMessage } from '../../src/protocol/messages.js';
import { parseStoreDefinition } from '../../src/protocol/store.js';
import { basketReadings, byTime, cartMessage } from '../../src/server/cartTesting.js';
import { DEMO_STAFF, staffAuth } from '../../src/server/routes/auth.js';
import { startWalkoutServer, type WalkoutServer } from '../../src/server/server.js';
import { cartStore } from '../../src/sim/carts.js';

// The cart screen needs a store with carts and produce (the demo's store has neither), so this test
// runs its own store on free ports, serving the web app the config built, with the demo's staff.
const store = parseStoreDefinition(cartStore().definition);
const units = store.products.filter((p) => p.soldBy === 'unit' && p.gtin !== undefined);
const unit = units.find((p) => p.weight.mean > 300)!;
const sneaky = units.find((p) => p.weight.mean < 200)!;
const produce = store.products.find((p) => p.soldBy === 'weight')!;
const BANANA_GRAMS = 812;
const CART = 'cart-01';

let server: WalkoutServer;
test.beforeAll(async () => {
  server = await startWalkoutServer({
    store,
    databaseUrl: tempSqliteUrl(),
    port: 0,
    mqttPort: 0,
    host: '127.0.0.1',
    appDeps: { auth: staffAuth(DEMO_STAFF) },
  });
});
test.afterAll(async () => {
  await server?.close();
});

/**
 * Posts cart messages as the cart would send them, in stages: each stage starts a second past
 * the store's event-time clock (the newest message's time plus the wall time since), so none is late.
 */
function cartDevice() {
  let newest: { t: number; wall: number } | null = null;
  let basket = 0;
  return {
    /** `build(start)` gives the stage's messages; returns when the store took them. */
    async stage(build: (start: number) => RawMessage[]): Promise<void> {
      const start = newest ? newest.t + (Date.now() - newest.wall) + 1000 : Date.now();
      const messages = byTime(build(start));
      const res = await fetch(`${server.httpUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(messages),
      });
      const report = (await res.json()) as { accepted: number; received: number };
      expect(report.accepted, JSON.stringify(report)).toBe(report.received);
      newest = { t: Math.max(...messages.map((m) => (m.payload as { t: number }).t)), wall: Date.now() };
    },
    /** Basket readings from `start` for `ms`, with `grams` more landing `landsAfter` ms in. */
    readings(start: number, ms: number, grams = 0, landsAfter = 1000): RawMessage[] {
      const before = basket;
      basket += grams;
      return basketReadings(store.id, CART, start, start + ms, (t) =>
        t >= start + landsAfter ? basket : before,
      );
    },
  };
}

test.use({ viewport: { width: 820, height: 1000 } });

test('an operator watches a cart: items, produce by weight, the running total and an alert appear live', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const device = cartDevice();
  await page.goto(`${server.httpUrl}/cart/${CART}`);
  // Nobody signed in: the staff sign-in, then the screen waits for the cart to be used.
  await page.locator('input[name=name]').fill('operator');
  await page.locator('input[name=password]').fill('operator');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('cart-waiting')).toBeVisible();

  const screen = page.getByTestId('cart-screen');
  const lines = page.getByTestId('cart-line');
  const total = page.getByTestId('cart-total');
  const money = (minor: number) => `${(minor / 100).toFixed(2)} ${store.currency}`;

  // A shopper signs in, scans an item and puts it in the basket.
  await device.stage((s) => [
    cartMessage(store.id, CART, s, { token: 'shopper-e2e' }),
    cartMessage(store.id, CART, s + 1500, { gtin: unit.gtin!, action: 'add' }),
    ...device.readings(s, 4000, unit.weight.mean, 2000),
  ]);
  await expect(screen).toHaveAttribute('data-state', 'shopping');
  await expect(lines).toHaveCount(1);
  await expect(lines.first()).toContainText(unit.name);
  await expect(total).toHaveText(money(unit.price!));

  // Bananas, scanned by their PLU and weighed by the basket scale.
  await device.stage((s) => [
    cartMessage(store.id, CART, s + 500, { gtin: produce.gtin!, action: 'add' }),
    ...device.readings(s, 3000, BANANA_GRAMS),
  ]);
  const bananas = page.locator(`[data-testid=cart-line][data-sku="${produce.sku}"]`);
  await expect(bananas).toContainText(/0\.81\d kg/);
  await expect(bananas).toContainText(`${(produce.pricePerKg! / 100).toFixed(2)} ${store.currency}/kg`);
  await expect(lines).toHaveCount(2);
  const afterBananas = Number.parseFloat((await total.textContent()) ?? '');
  expect(afterBananas).toBeGreaterThan(unit.price! / 100);

  // An item goes in without a scan: once its grace period is over, the alert says what to do.
  await device.stage((s) => device.readings(s, 4000, sneaky.weight.mean));
  const alert = page.getByTestId('cart-alerts').getByTestId('cart-alert');
  await expect(alert).toHaveCount(1, { timeout: 30_000 });
  await expect(alert).toContainText('Scan the item or take it out');
  await expect(total).toHaveText(new RegExp(`^${afterBananas.toFixed(2)} `));
  await page.screenshot({ path: 'docs/screenshots/cart.png' });

  // The shopper scans it after all: it is charged and the alert goes away.
  await device.stage((s) => [
    cartMessage(store.id, CART, s + 500, { gtin: sneaky.gtin!, action: 'add' }),
    ...device.readings(s, 2000),
  ]);
  await expect(page.getByTestId('cart-alerts')).toHaveCount(0, { timeout: 30_000 });
  await expect(page.locator('[data-testid=cart-alert][data-resolved=true]')).toHaveCount(1);
  await expect(lines).toHaveCount(3);
  await expect(total).toHaveText(money(Math.round(afterBananas * 100) + sneaky.price!));

  // The dashboard's carts panel links the visit to this screen.
  await page.goto(`${server.httpUrl}/`);
  const link = page.getByTestId('cart-link');
  await expect(link).toHaveAttribute('href', `/cart/${CART}`);
  await link.click();
  await expect(page.getByTestId('cart-total')).toHaveText(
    money(Math.round(afterBananas * 100) + sneaky.price!),
  );
});
