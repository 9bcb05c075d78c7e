import { expect, test } from '@playwright/test';
import { markerPositions, signIn } from './helpers.js';

test.describe('operator dashboard', () => {
  test('the API refuses the operator areas without a staff session', async ({ request }) => {
    for (const path of [
      '/api/feed',
      '/api/reviews',
      '/api/inventory',
      '/api/metrics',
      '/api/health/devices',
      '/api/carts',
      '/api/receipts',
    ])
      expect((await request.get(path)).status(), path).toBe(401);
    // A reviewer sees the review queue but not the store's carts or feed.
    const login = await request.post('/api/auth/login', { data: { name: 'reviewer', password: 'reviewer' } });
    expect(login.status()).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    expect((await request.get('/api/reviews', { headers: auth })).status()).toBe(200);
    expect((await request.get('/api/carts', { headers: auth })).status()).toBe(403);
    expect((await request.get('/api/feed', { headers: auth })).status()).toBe(403);
  });

  test('given the demo store runs, shoppers move on the map and events stream in', async ({ page }) => {
    await signIn(page);
    await expect(page.getByTestId('store-map')).toBeVisible();
    await expect(page.getByTestId('shopper-marker').first()).toBeAttached({ timeout: 180_000 });
    // Some marker stands somewhere else a second later.
    await expect
      .poll(
        async () => {
          const before = await markerPositions(page);
          await page.waitForTimeout(1000);
          const after = await markerPositions(page);
          return [...after].filter(([id, xy]) => before.has(id) && before.get(id) !== xy).length;
        },
        { timeout: 120_000 },
      )
      .toBeGreaterThan(0);
    await expect(page.getByTestId('event-feed').locator('li').first()).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('inventory')).toBeVisible();
  });

  test('when a reviewer settles a review, the receipt of that visit changes', async ({ page }) => {
    await signIn(page);
    const item = page.getByTestId('review-item').first();
    await expect(item).toBeVisible({ timeout: 200_000 });
    const eventId = await item.getAttribute('data-event');
    const shopper = (await item.locator('[data-testid=settle]').first().textContent()) ?? '';
    expect(shopper).toMatch(/charge|credit/);
    // Which visit the first action charges: the receipt of that visit is the one to watch.
    const reviews = (await (await page.request.get('/api/reviews')).json()) as {
      reviews: {
        eventId: string;
        shoppers: { visitId: string; probability: number }[];
        visitIds: string[];
      }[];
    };
    const review = reviews.reviews.find((r) => r.eventId === eventId)!;
    const visitIds = review.visitIds;
    const receiptsBefore = await page.$$eval('[data-testid=receipt]', (els) =>
      els.map((e) => `${(e as HTMLElement).dataset.visit}:${(e as HTMLElement).dataset.version}`),
    );
    await page.screenshot({ path: 'docs/screenshots/dashboard.png' });
    await item.locator('[data-testid=settle]').first().click();
    await expect(page.locator(`[data-testid=review-item][data-event="${eventId}"]`)).toHaveCount(0, {
      timeout: 30_000,
    });
    // The visit settles when its shoppers leave; then its receipt (or a new version of it) appears.
    const receipt = page.locator(
      visitIds.map((v) => `[data-testid=receipt][data-visit="${v}"][data-reviewed=true]`).join(', '),
    );
    await expect(receipt.first()).toBeVisible({ timeout: 200_000 });
    const after = `${await receipt.first().getAttribute('data-visit')}:${await receipt.first().getAttribute('data-version')}`;
    expect(receiptsBefore).not.toContain(after);
  });

  test('with 50 shoppers live the map repaints at least 5 times a second', async ({ page }) => {
    await signIn(page);
    await expect(page.getByTestId('store-map')).toBeVisible();
    const crowd = await page.request.post('/api/demo/crowd', { data: { walkers: 50 } });
    expect(crowd.status()).toBe(200);
    try {
      await expect
        .poll(async () => (await markerPositions(page)).size, { timeout: 60_000 })
        .toBeGreaterThanOrEqual(50);
      // Counted in the page: people frames painted (map updates) and animation frames, over 5 s.
      const sample = async () => page.evaluate(() => ({ ...window.__walkoutMap!, at: performance.now() }));
      const a = await sample();
      await page.waitForTimeout(5000);
      const b = await sample();
      const seconds = (b.at - a.at) / 1000;
      const updatesPerSecond = (b.updates - a.updates) / seconds;
      const framesPerSecond = (b.frames - a.frames) / seconds;
      console.log(
        `map with ${b.people} people: ${updatesPerSecond.toFixed(1)} updates/s, ${framesPerSecond.toFixed(1)} animation frames/s`,
      );
      test
        .info()
        .annotations.push({ type: 'map-updates-per-second', description: updatesPerSecond.toFixed(1) });
      expect(b.people).toBeGreaterThanOrEqual(50);
      expect(updatesPerSecond).toBeGreaterThanOrEqual(5);
    } finally {
      await page.request.post('/api/demo/crowd', { data: { walkers: 0 } });
    }
  });
});
