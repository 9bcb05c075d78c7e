/**
 * The worker of the exactly-once kill test (exactly-once.spec.ts), run as its own process
 * (`node --import tsx kill-worker.ts`, or the test's esbuild bundle of it, which starts faster).
 * It loads, says `loaded`, and waits for `go <n>` on stdin, so the test can warm the next worker
 * while the current one runs. Then it feeds the first n visit events of EVENTS_FILE to the money
 * side and drains the outbox against SQLite, the test gateway (its own SQLite file) and the test's
 * SMTP server and webhook receiver, until the test SIGKILLs it.
 */
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { TestGateway } from '../../adapters/payments/test-gateway.js';
import { smtpMailer } from '../../adapters/smtp/mailer.js';
import { httpWebhookSender } from '../../adapters/webhooks/webhooks.js';
import type { VisitEvent } from '../../store/events.js';
import { createCommerce, inboxKey } from '../commerce.js';
import { createCommerceRepo } from '../store/repo.js';
import { openCommerceSqlite } from '../store/sqlite.js';
import { demoCatalog } from '../testing.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name}: expected in the environment`);
  return v;
};

/** Waits for the `go <eventCount>` line. */
function waitForGo(): Promise<number> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      const m = /^go (\d+)$/.exec(line.trim());
      if (m) resolve(Number(m[1]));
    });
  });
}

async function main(): Promise<void> {
  process.stdout.write('loaded\n');
  const eventCount = await waitForGo();
  const db = await openCommerceSqlite(env('COMMERCE_DB'));
  const gateway = new TestGateway(env('GATEWAY_DB'), { delayMs: Number(process.env.GATEWAY_DELAY_MS ?? 0) });
  const commerce = createCommerce({
    repo: createCommerceRepo(db),
    gateway,
    clock: { now: () => Date.now() },
    catalog: demoCatalog,
    signingSecret: env('SIGNING_SECRET'),
    holdAmount: 5_000,
    currency: 'USD',
    mailer: smtpMailer({
      host: '127.0.0.1',
      port: Number(env('SMTP_PORT')),
      from: 'receipts@walkout.test',
      ignoreTLS: true,
    }),
    webhooks: {
      sender: httpWebhookSender({ timeoutMs: 2_000 }),
      targets: [{ name: 'erp', url: env('WEBHOOK_URL'), secret: env('WEBHOOK_SECRET') }],
    },
    backoff: { baseMs: 20, maxMs: 200, maxAttempts: 50 },
    gatewayTimeoutMs: 2_000,
    // The PDF is tested elsewhere; loading pdfkit would double the restart time of 200+ restarts.
    emailPdf: false,
  });
  const events = readFileSync(env('EVENTS_FILE'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, eventCount)
    .map((l) => JSON.parse(l) as VisitEvent);
  process.stdout.write('ready\n');
  // What a previous life left undone goes first; events it already handled are skipped cheaply
  // (handling them again would be harmless, the inbox would say duplicate, but slow).
  const handled = new Set((await db.selectFrom('commerce_inbox').select('key').execute()).map((r) => r.key));
  await commerce.drainOutbox();
  for (const event of events) {
    const key = inboxKey(event);
    if (key && handled.has(key)) continue;
    await commerce.onVisitEvent(event);
    await commerce.drainOutbox(5);
  }
  for (;;) {
    await commerce.drainOutbox();
    const pending = await createCommerceRepo(db).jobs({ status: 'pending' });
    if (pending.length === 0) {
      process.stdout.write('idle\n');
      // Stay alive until killed, like a server.
      await new Promise((r) => setTimeout(r, 1_000_000));
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
