import { expect, test } from '@playwright/test';

test.use({ viewport: { width: 390, height: 844 } });

test('a shopper signs up, adds a card, shows the QR, shops and gets the receipt', async ({ page }) => {
  await page.goto('/app');
  await page.locator('input[name=email]').fill(`ana+${Date.now()}@example.com`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: /Visa/ }).click();
  const qr = page.getByTestId('entry-qr');
  await expect(qr.locator('svg')).toBeVisible();
  const firstToken = await qr.getAttribute('data-token');
  expect(firstToken).toMatch(/^q1\./);
  // Someone else's token is not enough to see a cart: the API wants the shopper's own.
  expect((await page.request.get('/api/me/cart')).status()).toBe(401);
  await page.screenshot({ path: 'docs/screenshots/shopper-qr.png' });
  await page.getByTestId('demo-visit').click();
  // The used code is replaced by a fresh one.
  await expect(qr).not.toHaveAttribute('data-token', firstToken!);
  const cart = page.getByTestId('live-cart');
  await expect(cart.getByTestId('cart-line').first()).toBeVisible({ timeout: 60_000 });
  await page.screenshot({ path: 'docs/screenshots/shopper-cart.png' });
  const receipt = page.getByTestId('receipt-list').getByTestId('receipt').first();
  await expect(receipt).toBeVisible({ timeout: 90_000 });
  await expect(receipt.locator('li')).toHaveCount(2);
  await page.screenshot({ path: 'docs/screenshots/shopper-receipt.png', fullPage: true });
  // Disputing a line: the app reports what became of it.
  await receipt.getByTestId('dispute').first().click();
  await expect(page.getByText(/Dispute (refunded|queued|approved|rejected)/)).toBeVisible();
});
