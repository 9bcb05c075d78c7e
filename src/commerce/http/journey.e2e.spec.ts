import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StripeGateway } from '../../adapters/payments/stripe.js';
import { startStripeStandIn, type StripeStandIn } from '../../adapters/payments/stripe-standin.js';
import { smtpMailer } from '../../adapters/smtp/mailer.js';
import { startTestSmtpServer } from '../../adapters/smtp/test-server.js';
import { startWebhookReceiver } from '../../adapters/webhooks/receiver.js';
import { httpWebhookSender } from '../../adapters/webhooks/webhooks.js';
import { createCommerce, startOutboxWorker } from '../commerce.js';
import { LiveReceipts } from '../receipts/live.js';
import { createCommerceRepo, type CommerceDb } from '../store/repo.js';
import { openCommerceSqlite } from '../store/sqlite.js';
import { readSse } from '../../eval/liveLatency.js';
import { demoCatalog, entered, receiptIssued } from '../testing.js';
import type { Receipt } from '../types.js';
import { commerceRoutes } from './routes.js';

/**
 * The whole shopper journey through the HTTP API, with the Stripe adapter on its stand-in, a real
 * SMTP server, a webhook receiver and the live feed: sign up, add a card, get a QR code, enter,
 * take, leave, receipt (live, e-mail, webhook, page, PDF), dispute a line, refund, new version.
 */
let app: FastifyInstance;
let base: string;
let db: CommerceDb;
let stripe: StripeStandIn;
let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
let worker: ReturnType<typeof startOutboxWorker>;
let commerce: ReturnType<typeof createCommerce>;
let mailer: ReturnType<typeof smtpMailer>;
const OPERATOR = 'op-key';

beforeAll(async () => {
  stripe = await startStripeStandIn();
  smtp = await startTestSmtpServer();
  hooks = await startWebhookReceiver('whsec_e2e');
  db = await openCommerceSqlite();
  const live = new LiveReceipts();
  mailer = smtpMailer({
    host: '127.0.0.1',
    port: smtp.port,
    from: 'receipts@demo.walkout.test',
    ignoreTLS: true,
  });
  let wake = () => {};
  commerce = createCommerce({
    repo: createCommerceRepo(db),
    gateway: new StripeGateway({
      apiKey: 'sk_test_e2e',
      host: '127.0.0.1',
      port: stripe.port,
      protocol: 'http',
      timeoutMs: 5_000,
    }),
    clock: { now: () => Date.now() },
    catalog: demoCatalog,
    signingSecret: 'e2e-secret',
    holdAmount: 5_000,
    currency: 'USD',
    mailer,
    webhooks: {
      sender: httpWebhookSender(),
      targets: [{ name: 'erp', url: hooks.url, secret: 'whsec_e2e' }],
    },
    live,
    disputePolicy: { autoRefundLimitPerMonth: 2_000 },
    onEnqueued: () => wake(),
  });
  worker = startOutboxWorker(commerce, { pollMs: 100 });
  wake = worker.wake;
  app = Fastify();
  await app.register(commerceRoutes, { prefix: '/api', commerce, live, operatorKey: OPERATOR });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api`;
});

afterAll(async () => {
  await worker?.stop();
  await app?.close();
  mailer?.close();
  await db?.destroy();
  await stripe?.close();
  await smtp?.close();
  await hooks?.close();
});

/** Reads receipts from the SSE feed as they come. */
function liveFeed(url: string) {
  const controller = new AbortController();
  const received: { receipt: Receipt; at: number }[] = [];
  const opened = fetch(url, { signal: controller.signal }).then((res) => {
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    void readSse(res, (blocks, at) => {
      for (const b of blocks)
        if (b.data) received.push({ receipt: (JSON.parse(b.data) as { receipt: Receipt }).receipt, at });
    });
  });
  return {
    received,
    opened,
    close: () => controller.abort(),
    async waitFor(n: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline)
          throw new Error(`live feed: waited for ${n} receipts, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received;
    },
  };
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

describe('the shopper journey', () => {
  it('signs up, adds a card, enters by QR, takes, leaves, gets the receipt everywhere, disputes a line, gets a refund and comes back', async () => {
    // Sign up and add a card (a Stripe PaymentMethod token: no card number reaches Walkout).
    const signUp = await fetch(`${base}/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'Ana@Example.com' }),
    });
    expect(signUp.status).toBe(201);
    const { account, accessToken } = (await signUp.json()) as {
      account: { id: string; email: string };
      accessToken: string;
    };
    expect(account.email).toBe('ana@example.com');
    const authed = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const card = await fetch(`${base}/me/payment-methods`, {
      method: 'POST',
      headers: authed,
      body: JSON.stringify({ gatewayToken: 'pm_card_visa' }),
    });
    expect(card.status).toBe(201);
    expect(await card.json()).toMatchObject({ brand: 'visa', last4: '4242' });

    // The app listens for receipts.
    const feed = liveFeed(`${base}/me/receipts/live?access_token=${encodeURIComponent(accessToken)}`);
    await feed.opened;

    // A QR code for two people, scanned once at the gate.
    const qr = await json(
      await fetch(`${base}/me/entry-tokens`, {
        method: 'POST',
        headers: authed,
        body: JSON.stringify({ party: 2 }),
      }),
    );
    expect(String(qr.qrSvg)).toContain('<svg');
    const token = String(qr.token);
    const gate = { 'x-walkout-key': OPERATOR, 'content-type': 'application/json' };
    const admit = await fetch(`${base}/gate/admit`, {
      method: 'POST',
      headers: gate,
      body: JSON.stringify({ token }),
    });
    expect(await admit.json()).toEqual({ accountId: account.id, method: 'qr', party: 2 });
    const again = await fetch(`${base}/gate/admit`, {
      method: 'POST',
      headers: gate,
      body: JSON.stringify({ token }),
    });
    expect(again.status).toBe(403);
    expect(await again.json()).toMatchObject({ reason: 'already-used' });

    // The store engine says they entered: a hold is placed on the card.
    const t0 = Date.now();
    await commerce.onVisitEvent(entered('visit-e2e', token, t0, 'qr'));
    const hold = await until('the hold', () =>
      [...stripe.intents.values()].find((pi) => pi.metadata.reference === 'visit-e2e'),
    );
    expect(hold).toMatchObject({ status: 'requires_capture', amount: 5_000, capture_method: 'manual' });

    // They take two chocolate bars and a FIJI and leave; the engine issues the receipt.
    const exitedAt = Date.now();
    await commerce.onVisitEvent(
      receiptIssued('visit-e2e', token, t0, exitedAt, [
        { sku: 'choc-bar', quantity: 2, unitPrice: 300 },
        { sku: 'fiji-500', quantity: 1, unitPrice: 249 },
      ]),
    );
    const [first] = await feed.waitFor(1);
    const liveLatencyMs = first!.at - exitedAt;
    expect(first!.receipt).toMatchObject({
      version: 1,
      total: 909,
      tax: 60,
      payment: { status: 'captured', amount: 909, method: { last4: '4242' } },
    });
    expect(liveLatencyMs).toBeLessThan(5_000);
    expect(stripe.intents.get(hold.id)).toMatchObject({ status: 'succeeded', amount_received: 909 });

    // The same receipt by e-mail (parsed back from the SMTP server) and by signed webhook.
    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toMatchObject({ text: 'ana@example.com' });
    expect(mail!.subject).toBe('Demo Market receipt');
    expect(mail!.text).toContain('2 × Dark Chocolate 100 g');
    expect(mail!.html).toContain('Dark Chocolate 100 g');
    expect(mail!.attachments[0]!.contentType).toBe('application/pdf');
    const hook = await until('the webhook', () => hooks.events.get('evt_visit-e2e.v1'));
    expect(hook).toMatchObject({ type: 'receipt.issued', data: { total: 909 } });

    // The receipt as a page and a PDF.
    const page = await fetch(`${base}/receipts/visit-e2e/html`, { headers: authed });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('FIJI Water 0.5 L');
    const pdf = await fetch(`${base}/receipts/visit-e2e/pdf`, { headers: authed });
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');

    // "I took one chocolate bar, not two": below the monthly limit, refunded at once.
    const dispute = await fetch(`${base}/receipts/visit-e2e/disputes`, {
      method: 'POST',
      headers: authed,
      body: JSON.stringify({ sku: 'choc-bar', kind: 'wrong-quantity', quantity: 1 }),
    });
    expect(dispute.status).toBe(201);
    expect(await dispute.json()).toMatchObject({ status: 'refunded', decidedBy: 'policy', amount: 330 });
    const [, second] = await feed.waitFor(2);
    expect(second!.receipt).toMatchObject({ version: 2, reason: 'refund', refunded: 330, net: 579 });
    expect(stripe.intents.get(hold.id)!.refunded).toBe(330);
    const mails = await smtp.waitFor(2);
    expect(mails[1]!.subject).toBe('Demo Market receipt (updated, version 2)');
    expect(mails[1]!.text).toContain('You pay 5.79 USD');
    await until('the second webhook', () => hooks.events.get('evt_visit-e2e.v2'));

    // The history is kept, and the dispute is a labelled example.
    const receipt = await json(await fetch(`${base}/receipts/visit-e2e`, { headers: authed }));
    expect((receipt.history as Receipt[]).map((r) => [r.version, r.net])).toEqual([
      [1, 909],
      [2, 579],
    ]);
    const examples = await json(await fetch(`${base}/operator/disputes/examples`, { headers: gate }));
    expect(examples.examples).toEqual([
      {
        visitId: 'visit-e2e',
        sku: 'choc-bar',
        kind: 'wrong-quantity',
        chargedQuantity: 2,
        claimedQuantity: 1,
        label: 'store-wrong',
        labelledBy: 'policy',
        reviewed: false,
      },
    ]);

    // They come back with the same card: Stripe charges a card token more than once only when it
    // is attached to a customer, which adding the card did.
    const qr2 = await json(
      await fetch(`${base}/me/entry-tokens`, { method: 'POST', headers: authed, body: '{}' }),
    );
    const token2 = String(qr2.token);
    expect(
      (
        await fetch(`${base}/gate/admit`, {
          method: 'POST',
          headers: gate,
          body: JSON.stringify({ token: token2 }),
        })
      ).status,
    ).toBe(200);
    const t1 = Date.now();
    await commerce.onVisitEvent(entered('visit-e2e-2', token2, t1, 'qr'));
    const hold2 = await until('the second hold', () =>
      [...stripe.intents.values()].find((pi) => pi.metadata.reference === 'visit-e2e-2'),
    );
    expect(hold2.customer).toBe(hold.customer);
    expect(hold2.customer).toMatch(/^cus_/);
    await commerce.onVisitEvent(
      receiptIssued('visit-e2e-2', token2, t1, Date.now(), [
        { sku: 'fiji-500', quantity: 1, unitPrice: 249 },
      ]),
    );
    const [, , third] = await feed.waitFor(3);
    expect(third!.receipt).toMatchObject({
      visitId: 'visit-e2e-2',
      payment: { status: 'captured', method: { last4: '4242' } },
    });
    expect(stripe.intents.get(hold2.id)).toMatchObject({ status: 'succeeded' });

    expect(hooks.rejected).toBe(0);
    feed.close();
    console.log(`journey: exit → live receipt ${liveLatencyMs} ms`);
  });
});
