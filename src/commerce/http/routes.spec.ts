import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestGateway } from '../../adapters/payments/test-gateway.js';
import { createCommerce, type Commerce } from '../commerce.js';
import { LiveReceipts } from '../receipts/live.js';
import { createCommerceRepo, type CommerceDb } from '../store/repo.js';
import { openCommerceSqlite } from '../store/sqlite.js';
import { readSse } from '../../eval/liveLatency.js';
import { demoCatalog, entered, manualClock, receiptIssued } from '../testing.js';
import { commerceRoutes } from './routes.js';

let app: FastifyInstance;
let db: CommerceDb;
let gateway: TestGateway;
let commerce: Commerce;
const clock = manualClock();
const OP = { 'x-walkout-key': 'op' };
/** Live feeds a test opened, closed after it (an open one would keep the server from closing). */
const openFeeds: (() => void)[] = [];

beforeEach(async () => {
  db = await openCommerceSqlite();
  gateway = new TestGateway();
  const live = new LiveReceipts();
  commerce = createCommerce({
    repo: createCommerceRepo(db),
    gateway,
    clock,
    catalog: demoCatalog,
    signingSecret: 's',
    holdAmount: 5_000,
    currency: 'USD',
    live,
    disputePolicy: { autoRefundLimitPerMonth: 100 },
  });
  app = Fastify();
  await app.register(commerceRoutes, { prefix: '/api', commerce, live, operatorKey: 'op' });
});
afterEach(async () => {
  for (const close of openFeeds.splice(0)) close();
  // The aborted feeds' sockets would otherwise hold the close until fetch's keep-alive ends (4 s).
  app.server.closeAllConnections();
  await app.close();
  await db.destroy();
  gateway.close();
});

async function signUp(email = 'ana@example.com', card: string | null = 'tok_visa') {
  const res = await app.inject({ method: 'POST', url: '/api/accounts', payload: { email } });
  const body = res.json<{ account: { id: string }; accessToken: string }>();
  const headers = { authorization: `Bearer ${body.accessToken}` };
  if (card)
    await app.inject({
      method: 'POST',
      url: '/api/me/payment-methods',
      headers,
      payload: { gatewayToken: card },
    });
  return { id: body.account.id, headers };
}

async function visit(
  visitId: string,
  card: string,
  lines = [{ sku: 'choc-bar', quantity: 1, unitPrice: 300 }],
  reviewed = false,
) {
  await commerce.onVisitEvent(entered(visitId, card, clock.now(), 'card'));
  const issued = receiptIssued(visitId, card, clock.now(), clock.now() + 1_000, lines);
  if (issued.type === 'ReceiptIssued') issued.reviewed = reviewed;
  await commerce.onVisitEvent(issued);
  for (let i = 0; i < 10; i++) {
    await commerce.drainOutbox();
    clock.advance(60_000);
  }
}

/** The live receipts feed over a real connection: each event's SSE id and the receipt it carries. */
async function liveFeed(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  openFeeds.push(() => controller.abort());
  const events: { id: string | null; receipt: string }[] = [];
  let connected = false;
  const res = await fetch(url, { headers, signal: controller.signal });
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  void readSse(res, (blocks) => {
    for (const b of blocks) {
      if (b.comments.includes('connected')) connected = true;
      if (b.data)
        events.push({ id: b.id, receipt: (JSON.parse(b.data) as { receipt: { id: string } }).receipt.id });
    }
  });
  const waitUntil = async (what: string, ok: () => boolean) => {
    for (const deadline = Date.now() + 5_000; !ok(); await new Promise((r) => setTimeout(r, 10)))
      if (Date.now() > deadline)
        throw new Error(`live feed: waited for ${what}, got ${JSON.stringify(events)}`);
  };
  await waitUntil('the connection', () => connected);
  return {
    events,
    ids: () => events.map((e) => e.receipt),
    waitFor: (n: number) => waitUntil(`${n} receipts`, () => events.length >= n),
    close: () => controller.abort(),
  };
}

describe('commerce routes', () => {
  it('names the field and what was expected when input is bad', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/accounts',
      payload: { email: 'not-an-address' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      code: 'WO_BAD_REQUEST',
      message: expect.stringMatching(/^email: expected an address/),
    });
    const missing = await app.inject({ method: 'POST', url: '/api/accounts', payload: { mail: 'a@b.co' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toContain('email');
    await signUp('dup@example.com', null);
    expect(
      (await app.inject({ method: 'POST', url: '/api/accounts', payload: { email: 'DUP@example.com' } }))
        .statusCode,
    ).toBe(409);
  });

  it('refuses shopper calls without a valid access token and gate calls without the key', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: 'Bearer acc_x.forged' } }))
        .statusCode,
    ).toBe(401);
    expect(
      (await app.inject({ method: 'POST', url: '/api/gate/admit', payload: { token: 'x' } })).statusCode,
    ).toBe(401);
  });

  it('will not issue a QR code before a card is on file, and declines an unknown card token', async () => {
    const { headers } = await signUp('nocard@example.com', null);
    const qr = await app.inject({ method: 'POST', url: '/api/me/entry-tokens', headers, payload: {} });
    expect(qr.statusCode).toBe(403);
    const card = await app.inject({
      method: 'POST',
      url: '/api/me/payment-methods',
      headers,
      payload: { gatewayToken: 'tok_nonsense' },
    });
    expect(card.statusCode).toBe(402);
  });

  it('shows a receipt only to its shopper, by version, as JSON, HTML and PDF', async () => {
    const ana = await signUp();
    const bo = await signUp('bo@example.com', 'tok_mastercard');
    await visit('v1', 'tok_visa');
    const mine = await app.inject({ method: 'GET', url: '/api/receipts/v1', headers: ana.headers });
    expect(mine.json()).toMatchObject({ latest: { version: 1, total: 330 } });
    expect(
      (await app.inject({ method: 'GET', url: '/api/receipts/v1', headers: bo.headers })).statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: 'GET', url: '/api/receipts/v1/html?version=1', headers: ana.headers }))
        .body,
    ).toContain('Dark Chocolate');
    expect(
      (await app.inject({ method: 'GET', url: '/api/receipts/v1/html?version=7', headers: ana.headers }))
        .statusCode,
    ).toBe(404);
    const pdf = await app.inject({ method: 'GET', url: '/api/receipts/v1/pdf', headers: ana.headers });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(
      (await app.inject({ method: 'GET', url: '/api/me/receipts', headers: ana.headers })).json().receipts,
    ).toHaveLength(1);
  });

  it('queues a dispute above the limit for an operator, whose approval refunds it', async () => {
    const ana = await signUp();
    await visit('v2', 'tok_visa');
    const d = await app.inject({
      method: 'POST',
      url: '/api/receipts/v2/disputes',
      headers: ana.headers,
      payload: { sku: 'choc-bar', kind: 'not-taken' },
    });
    expect(d.json()).toMatchObject({ status: 'queued', amount: 330 });
    const wrongSku = await app.inject({
      method: 'POST',
      url: '/api/receipts/v2/disputes',
      headers: ana.headers,
      payload: { sku: 'fiji-500', kind: 'not-taken' },
    });
    expect(wrongSku.statusCode).toBe(400);
    const queue = await app.inject({
      method: 'GET',
      url: '/api/operator/disputes?status=queued',
      headers: OP,
    });
    expect(queue.json().disputes).toHaveLength(1);
    const decided = await app.inject({
      method: 'POST',
      url: `/api/operator/disputes/${d.json().id}/decision`,
      headers: OP,
      payload: { approve: true, by: 'op-1' },
    });
    expect(decided.json()).toMatchObject({ status: 'approved' });
    await commerce.drainOutbox();
    expect(
      (await app.inject({ method: 'GET', url: '/api/receipts/v2', headers: ana.headers })).json().latest,
    ).toMatchObject({ version: 2, net: 0 });
  });

  it('exports disputes as labelled examples with the charged lines, and scores them for an operator', async () => {
    const ana = await signUp();
    // v5: two lines on a reviewed receipt; v6: one line. The limit is 100: fiji (50) is refunded at once.
    await visit(
      'v5',
      'tok_visa',
      [
        { sku: 'choc-bar', quantity: 1, unitPrice: 300 },
        { sku: 'fiji-500', quantity: 1, unitPrice: 50 },
      ],
      true,
    );
    await visit('v6', 'tok_visa');
    const dispute = async (visitId: string, sku: string) => {
      clock.advance(1_000); // examples come in dispute order
      const res = await app.inject({
        method: 'POST',
        url: `/api/receipts/${visitId}/disputes`,
        headers: ana.headers,
        payload: { sku, kind: 'not-taken' },
      });
      return res.json<{ id: string; status: string }>();
    };
    expect((await dispute('v5', 'fiji-500')).status).toBe('refunded');
    const rejected = await dispute('v5', 'choc-bar');
    await app.inject({
      method: 'POST',
      url: `/api/operator/disputes/${rejected.id}/decision`,
      headers: OP,
      payload: { approve: false, by: 'op-1', note: 'video shows the pick' },
    });
    expect((await dispute('v6', 'choc-bar')).status).toBe('queued');
    await commerce.drainOutbox();

    for (const url of ['/api/operator/disputes/examples', '/api/operator/disputes/accuracy'])
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(401);
    const exported = await app.inject({ method: 'GET', url: '/api/operator/disputes/examples', headers: OP });
    expect(exported.json()).toEqual({
      examples: [
        {
          visitId: 'v5',
          sku: 'fiji-500',
          kind: 'not-taken',
          chargedQuantity: 1,
          claimedQuantity: 0,
          label: 'store-wrong',
          labelledBy: 'policy',
          reviewed: true,
        },
        expect.objectContaining({ visitId: 'v5', sku: 'choc-bar', label: 'store-right', labelledBy: 'op-1' }),
        expect.objectContaining({ visitId: 'v6', label: 'pending', labelledBy: null, reviewed: false }),
      ],
      charged: {
        lines: 3,
        reviewedLines: 2,
        bySku: [
          { sku: 'choc-bar', lines: 2 },
          { sku: 'fiji-500', lines: 1 },
        ],
      },
    });

    const accuracy = await app.inject({ method: 'GET', url: '/api/operator/disputes/accuracy', headers: OP });
    expect(accuracy.statusCode).toBe(200);
    const figures = accuracy.json();
    expect(figures.total).toMatchObject({
      chargedLines: 3,
      disputes: 3,
      disputedLines: 3,
      storeWrong: 1,
      storeWrongByPolicy: 1,
      storeRight: 1,
      pending: 1,
      disputedPer1000: 1_000,
      storeRightShare: 0.5,
      operatorStoreRightShare: 1,
    });
    expect(figures.total.wrongPer1000).toBeCloseTo(1000 / 3, 9);
    expect(figures.bySku.map((s: { sku: string; chargedLines: number }) => [s.sku, s.chargedLines])).toEqual([
      ['choc-bar', 2],
      ['fiji-500', 1],
    ]);
    expect(
      figures.byReceipt.map((r: { receipt: string; disputes: number }) => [r.receipt, r.disputes]),
    ).toEqual([
      ['reviewed', 2],
      ['not-reviewed', 1],
    ]);
  });

  it('lists for operators the entries made with a token the store did not accept, and what left unpaid', async () => {
    await signUp('cy@example.com', 'tok_visa_cy');
    await visit('v7', 'tok_visa_cy');
    // A forged QR code reached the engine at the gate (and the shopper took a chocolate bar), and an
    // unknown card.
    const forged = 'q1.AAAAAAAAAAAA.zzzzzz.forgedforgedforgedforged';
    await commerce.onVisitEvent(entered('v8', forged, clock.now(), 'qr'));
    await commerce.onVisitEvent(
      receiptIssued('v8', forged, clock.now(), clock.now() + 1_000, [
        { sku: 'choc-bar', quantity: 1, unitPrice: 300 },
      ]),
    );
    await commerce.onVisitEvent(entered('v9', 'tok_nobody', clock.now(), 'card'));
    expect((await app.inject({ method: 'GET', url: '/api/operator/entries/refused' })).statusCode).toBe(401);
    const all = await app.inject({ method: 'GET', url: '/api/operator/entries/refused', headers: OP });
    expect(all.statusCode).toBe(200);
    const entries = all.json().entries as {
      visitId: string;
      reason: string;
      unpaid: { total: number } | null;
    }[];
    expect(entries.map((e) => e.visitId)).toEqual(['v8', 'v9']);
    expect(entries[0]!.unpaid?.total).toBe(330);
    expect(entries[0]!.reason).not.toBe('unknown-token');
    expect(entries[1]!).toMatchObject({ reason: 'unknown-token', unpaid: null });
    const unknown = await app.inject({
      method: 'GET',
      url: '/api/operator/entries/refused?reason=unknown-token',
      headers: OP,
    });
    expect(unknown.json().entries.map((e: { visitId: string }) => e.visitId)).toEqual(['v9']);
    const bad = await app.inject({
      method: 'GET',
      url: '/api/operator/entries/refused?reason=nope',
      headers: OP,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('reason');
  });

  it('replays on the live feed, after a reconnection with Last-Event-ID or ?since=, the receipts missed and none already had', async () => {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const ana = await signUp();
    const bo = await signUp('bo@example.com', 'tok_mastercard');
    const url = `${base}/api/me/receipts/live`;
    await visit('s1', 'tok_visa'); // before the app ever listened: not sent on a first connection
    const first = await liveFeed(url, ana.headers);
    await visit('s2', 'tok_visa', [
      { sku: 'choc-bar', quantity: 1, unitPrice: 300 },
      { sku: 'fiji-500', quantity: 1, unitPrice: 50 },
    ]);
    await first.waitFor(1);
    expect(first.events).toEqual([{ id: 's2.v1', receipt: 's2.v1' }]);
    first.close();

    // While the app is away: a refund of s2 (version 2), a visit s3, and someone else's visit.
    const d = await app.inject({
      method: 'POST',
      url: '/api/receipts/s2/disputes',
      headers: ana.headers,
      payload: { sku: 'fiji-500', kind: 'not-taken' },
    });
    expect(d.json()).toMatchObject({ status: 'refunded' });
    await visit('s3', 'tok_visa');
    await visit('s4', 'tok_mastercard');

    const again = await liveFeed(url, { ...ana.headers, 'last-event-id': first.events.at(-1)!.id! });
    await again.waitFor(2);
    await visit('s5', 'tok_visa');
    await again.waitFor(3);
    await new Promise((r) => setTimeout(r, 50));
    expect(again.events).toEqual([
      { id: 's2.v2', receipt: 's2.v2' },
      { id: 's3.v1', receipt: 's3.v1' },
      { id: 's5.v1', receipt: 's5.v1' },
    ]);
    again.close();

    const bySince = await liveFeed(`${url}?since=s3.v1`, ana.headers);
    await bySince.waitFor(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(bySince.ids()).toEqual(['s5.v1']);
    bySince.close();
    // Up to date: nothing to replay.
    const upToDate = await liveFeed(url, { ...ana.headers, 'last-event-id': 's5.v1' });
    await new Promise((r) => setTimeout(r, 50));
    expect(upToDate.ids()).toEqual([]);
    upToDate.close();
    const other = await liveFeed(url, { ...bo.headers, 'last-event-id': 's4.v1' });
    await new Promise((r) => setTimeout(r, 50));
    expect(other.ids()).toEqual([]);
    other.close();
  });

  it('sends a receipt issued while the live feed is replaying once, after the replay', async () => {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const ana = await signUp();
    await visit('p1', 'tok_visa');
    await visit('p2', 'tok_visa');
    // The replay's read of the receipts waits until p3's receipt is issued and published live.
    let release = () => {};
    const released = new Promise<void>((r) => (release = r));
    const receipts = commerce.receipts;
    commerce.receipts = async (accountId) => {
      await released;
      return receipts(accountId);
    };
    const feed = await liveFeed(`${base}/api/me/receipts/live`, { ...ana.headers, 'last-event-id': 'p1.v1' });
    await visit('p3', 'tok_visa');
    release();
    await feed.waitFor(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(feed.ids()).toEqual(['p2.v1', 'p3.v1']);
    feed.close();
  });

  it('refuses a shopper who owes money at the gate until they settle', async () => {
    const bo = await signUp('bo@example.com', 'tok_captureDeclined');
    await visit('v3', 'tok_captureDeclined');
    const refused = await app.inject({
      method: 'POST',
      url: '/api/gate/admit',
      headers: OP,
      payload: { token: 'tok_captureDeclined', method: 'card' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ reason: 'payment-due' });
    expect(
      (await app.inject({ method: 'GET', url: '/api/me', headers: bo.headers })).json().account.status,
    ).toBe('payment_due');
    await app.inject({
      method: 'POST',
      url: '/api/me/payment-methods',
      headers: bo.headers,
      payload: { gatewayToken: 'tok_amex' },
    });
    expect((await app.inject({ method: 'POST', url: '/api/me/settle', headers: bo.headers })).json()).toEqual(
      { queued: 1 },
    );
    await commerce.drainOutbox();
    const qr = await app.inject({
      method: 'POST',
      url: '/api/me/entry-tokens',
      headers: bo.headers,
      payload: { party: 1 },
    });
    expect(qr.statusCode).toBe(201);
    const admitted = await app.inject({
      method: 'POST',
      url: '/api/gate/admit',
      headers: OP,
      payload: { token: qr.json().token, t: clock.now() },
    });
    expect(admitted.json()).toMatchObject({ method: 'qr', party: 1 });
  });
});
