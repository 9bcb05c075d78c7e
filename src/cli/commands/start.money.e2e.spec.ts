import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeStandIn, type StripeStandIn } from '../../adapters/payments/stripe-standin.js';
import { startTestSmtpServer } from '../../adapters/smtp/test-server.js';
import { startWebhookReceiver } from '../../adapters/webhooks/receiver.js';
import { eventually } from '../../adapters/mqtt/testing.js';
import { tinyStore } from '../../adapters/sql/ledgerStoreContract.test.js';
import type { Receipt } from '../../commerce/types.js';
import { scriptedVisit } from '../../server/testing.js';
import { runStart, type StartOptions } from './start.js';

/**
 * `walkout start` as an operator runs it with real money adapters: Stripe (its local stand-in),
 * e-mail receipts over a real SMTP server and a signed webhook, all configured through the
 * environment and flags, and one shopper's visit played over MQTT.
 */
const WEBHOOK_SECRET = 'whsec_start_0123456789';
let stripe: StripeStandIn;
let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  stripe = await startStripeStandIn();
  smtp = await startTestSmtpServer();
  hooks = await startWebhookReceiver(WEBHOOK_SECRET);
});
afterAll(async () => {
  await stripe?.close();
  await smtp?.close();
  await hooks?.close();
});

/** A store file (the tiny store, holding 15.00 at entry) and a fresh database. */
function options(over: Partial<StartOptions> = {}): StartOptions {
  const dir = mkdtempSync(join(tmpdir(), 'walkout-start-money-'));
  const store = join(dir, 'store.json');
  writeFileSync(store, JSON.stringify({ ...tinyStore(), settings: { holdCents: 1500 } }));
  return { store, db: `sqlite:${join(dir, 'w.db')}`, port: '0', mqttPort: '0', bus: 'memory', ...over };
}

const moneyEnv = () => ({
  WALKOUT_GATEWAY: 'stripe',
  STRIPE_SECRET_KEY: 'sk_test_walkoutstart',
  WALKOUT_STRIPE_API_URL: `http://127.0.0.1:${stripe.port}`,
  WALKOUT_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
  WALKOUT_WEBHOOK_URLS: `erp=${hooks.url}`,
  WALKOUT_WEBHOOK_SECRET: WEBHOOK_SECRET,
  WALKOUT_SIGNING_SECRET: 'start-money-signing-secret',
  WALKOUT_OPERATOR_KEY: 'op-start-money',
});

/** Polls until `probe` returns something, then returns it. */
async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('walkout start with Stripe, e-mail receipts and webhooks', () => {
  it("runs a shopper's whole journey: Stripe hold and capture, e-mailed receipt, webhook, dispute, refund and a new receipt version", async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const running = runStart(
      options({ mailFrom: 'Tiny Market <receipts@tiny.walkout.test>', autoRefundLimit: '0' }),
      (l) => lines.push(l),
      stop.signal,
      moneyEnv(),
    );
    try {
      await eventually(() => lines.some((l) => l.startsWith('Ctrl-C')), 'the banner');
      const banner = lines.join('\n');
      expect(banner).toContain(`payments Stripe (test mode) at http://127.0.0.1:${stripe.port}`);
      expect(banner).toContain(
        `receipts from Tiny Market <receipts@tiny.walkout.test> via smtp://127.0.0.1:${smtp.port}`,
      );
      expect(banner).toContain('webhooks erp → http://127.0.0.1:');
      expect(banner).toContain('gate/operator key op-start-money');
      expect(banner).not.toContain('sk_test_walkoutstart');
      expect(banner).not.toContain(WEBHOOK_SECRET);
      const api = /API\s+(http:\/\/\S+)\/api/.exec(banner)![1]!;
      const mqttUrl = /MQTT\s+(mqtt:\/\/\S+)/.exec(banner)![1]!;

      // The shopper signs up, adds a Stripe card and takes an entry QR code.
      const signUp = await post(`${api}/api/shop/accounts`, { email: 'ana@example.com' });
      expect(signUp.status).toBe(201);
      const auth = { authorization: `Bearer ${signUp.body.accessToken as string}` };
      const card = await post(`${api}/api/shop/me/payment-methods`, { gatewayToken: 'pm_card_visa' }, auth);
      expect(card).toMatchObject({ status: 201, body: { brand: 'visa', last4: '4242' } });
      const qr = await post(`${api}/api/shop/me/entry-tokens`, {}, auth);
      expect(qr.status).toBe(201);

      // The gate admits the QR code (with the operator key), then devices report the visit at
      // wall time: the scan, two FIJI taken, the exit.
      const token = qr.body.token as string;
      const t0 = Date.now();
      const admit = await post(
        `${api}/api/shop/gate/admit`,
        { token, method: 'qr', t: t0 + 500 },
        { 'x-walkout-key': 'op-start-money' },
      );
      expect(admit.status).toBe(200);
      const client = await mqtt.connectAsync(mqttUrl);
      for (const m of scriptedVisit({ token, t0 }))
        await client.publishAsync(m.topic, JSON.stringify(m.payload), { qos: 1 });
      await client.endAsync();

      // Stripe: a 15.00 hold (the store's settings.holdCents), captured at the exact total.
      const intent = await until(
        'the captured PaymentIntent',
        () => [...stripe.intents.values()].find((i) => i.status === 'succeeded'),
        30_000,
      );
      expect(intent).toMatchObject({
        amount: 1500,
        amount_received: 498,
        capture_method: 'manual',
        currency: 'usd',
      });
      expect(stripe.requests.map((r) => r.key)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^hold:/), expect.stringMatching(/^capture:/)]),
      );

      // E-mail: the receipt, parsed back from what the SMTP server accepted.
      const [mail] = await smtp.waitFor(1, 20_000);
      expect(mail!.from?.text).toBe('"Tiny Market" <receipts@tiny.walkout.test>');
      expect(mail!.to && !Array.isArray(mail!.to) ? mail!.to.text : '').toBe('ana@example.com');
      expect(mail!.subject).toBe('Tiny Market receipt');
      expect(mail!.messageId).toMatch(/^<receipt-.+\.v1@walkout\.tiny-1>$/);
      expect(mail!.text).toMatch(/4\.98/);
      expect(mail!.attachments.map((a) => a.contentType)).toEqual(['application/pdf']);

      // Webhook: one signed receipt.issued (the receiver refuses anything it cannot verify).
      const event = (await until('the webhook', () => [...hooks.events.values()][0])) as {
        id: string;
        type: string;
        data: Receipt;
      };
      expect(event.type).toBe('receipt.issued');
      expect(event.id).toBe(`evt_${event.data.id}`);
      expect(event.data).toMatchObject({ total: 498, payment: { status: 'captured' } });
      expect(hooks.rejected).toBe(0);

      // --auto-refund-limit 0: a dispute waits for an operator instead of refunding at once.
      const dispute = await post(
        `${api}/api/shop/receipts/${event.data.visitId}/disputes`,
        { sku: 'fiji-500', kind: 'not-taken' },
        auth,
      );
      expect(dispute).toMatchObject({ status: 201, body: { status: 'queued' } });

      // The operator agrees: the line (two FIJI) is refunded at Stripe, and the shopper gets the receipt's
      // next version by e-mail, with the refund in it and the first version kept.
      const decided = await post(
        `${api}/api/shop/operator/disputes/${dispute.body.id as string}/decision`,
        { approve: true, by: 'op-1', note: 'the video shows one bottle' },
        { 'x-walkout-key': 'op-start-money' },
      );
      expect(decided).toMatchObject({ status: 200, body: { status: 'approved' } });
      await until('the refund at Stripe', () => (intent.refunded === 498 ? true : undefined), 30_000);
      expect(stripe.requests.map((r) => r.key)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^refund:/)]),
      );
      const [, revised] = await smtp.waitFor(2, 20_000);
      expect(revised!.messageId).toMatch(/^<receipt-.+\.v2@walkout\.tiny-1>$/);
      expect(revised!.text).toMatch(/refund/i);
      const history = await fetch(`${api}/api/shop/receipts/${event.data.visitId}`, { headers: auth });
      expect(history.status).toBe(200);
      const receipts = (await history.json()) as {
        latest: { version: number; reason: string };
        history: { version: number }[];
      };
      expect(receipts.latest).toMatchObject({ version: 2, reason: 'refund' });
      expect(receipts.history.map((r) => r.version)).toEqual([1, 2]);
    } finally {
      stop.abort();
      await running;
    }
    expect(lines.at(-1)).toBe('walkout: closed');
  }, 90_000);

  it('refuses a money misconfiguration before opening anything, naming what is missing', async () => {
    await expect(runStart(options({ gateway: 'stripe' }), () => undefined, undefined, {})).rejects.toThrow(
      /^STRIPE_SECRET_KEY: not set; the Stripe gateway needs a secret key/,
    );
    await expect(
      runStart(options(), () => undefined, undefined, { WALKOUT_SMTP_URL: 'smtp://127.0.0.1:25' }),
    ).rejects.toThrow(/WALKOUT_MAIL_FROM \(or --mail-from\): not set/);
    await expect(
      runStart(options(), () => undefined, undefined, { WALKOUT_WEBHOOK_URLS: hooks.url }),
    ).rejects.toThrow(/WALKOUT_WEBHOOK_SECRET: not set/);
  });
});
