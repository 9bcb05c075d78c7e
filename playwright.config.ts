import { createServer } from 'node:net';
import { defineConfig } from '@playwright/test';

/** A port nobody listens on now (the demo store of the browser tests takes it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

// The config is evaluated in the runner and again in each worker: the port is chosen once and
// handed down through the environment.
process.env.WALKOUT_E2E_PORT ??= String(await freePort());
const port = Number(process.env.WALKOUT_E2E_PORT);
const baseURL = `http://127.0.0.1:${port}`;

/**
 * Browser tests of the dashboard and the shopper app on Debian's Chromium (never a downloaded
 * browser), against a demo store that the web server section starts: it builds the web app, then
 * runs `walkout demo` from source at 2× speed on a fresh SQLite database.
 */
export default defineConfig({
  testDir: 'test/browser',
  testMatch: '**/*.e2e.ts',
  timeout: 300_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL,
    browserName: 'chromium',
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: process.env.WALKOUT_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
      // Each launch gets a fresh temporary profile from Playwright (it refuses --user-data-dir here).
    },
  },
  webServer: {
    command: `npx vite build --config src/web/vite.config.ts --logLevel warn && exec npx tsx src/cli/run-dev.ts demo --port ${port} --host 127.0.0.1 --speed 2 --quiet`,
    url: `${baseURL}/api/store`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
