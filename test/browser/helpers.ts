import type { Page } from '@playwright/test';

/** Signs in on the dashboard as one of the demo's staff. */
export async function signIn(page: Page, name = 'operator', password = name): Promise<void> {
  await page.goto('/');
  await page.locator('input[name=name]').fill(name);
  await page.locator('input[name=password]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Positions of the shopper markers on the map, by person id. */
export async function markerPositions(page: Page): Promise<Map<string, string>> {
  const rows = await page.$$eval('[data-testid=shopper-marker]', (els) =>
    els.map(
      (e) =>
        [
          (e as HTMLElement).dataset.person ?? '',
          `${(e as HTMLElement).dataset.x},${(e as HTMLElement).dataset.y}`,
        ] as const,
    ),
  );
  return new Map(rows);
}
