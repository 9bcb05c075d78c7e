import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestGateway, type TestGatewayScript } from '../adapters/payments/test-gateway.js';
import { startWebhookReceiver } from '../adapters/webhooks/receiver.js';
import { httpWebhookSender } from '../adapters/webhooks/webhooks.js';
import { createCommerce, type Commerce } from './commerce.js';
import { LiveReceipts } from './receipts/live.js';
import type { MailMessage } from './receipts/delivery.js';
import { openCommerceSqlite } from './store/sqlite.js';
import { createCommerceRepo, type CommerceDb } from './store/repo.js';
import { QR_TTL_MS, signQrToken } from './entry/tokens.js';
import { demoCatalog, entered, manualClock, receiptIssued } from './testing.js';
import type { Receipt } from './types.js';

let db: CommerceDb;
let gateway: TestGateway;
let commerce: Commerce;
let clock: ReturnType<typeof manualClock>;
let mails: MailMessage[];
let live: Receipt[];
let hub: LiveReceipts;

async function build(
  limit = 2_000,
  opts: { gatewayTimeoutMs?: number; gatewayScript?: TestGatewayScript } = {},
) {
  if (db) await db.destroy();
  db = await openCommerceSqlite();
  gateway = new TestGateway(':memory:', opts.gatewayScript);
  clock = manualClock();
  mails = [];
  live = [];
  hub = new LiveReceipts();
  let seq = 0;
  commerce = createCommerce({
    repo: createCommerceRepo(db),
    gateway,
    clock,
    catalog: demoCatalog,
    signingSecret: 'test-secret',
    holdAmount: 5_000,
    currency: 'USD',
    mailer: { send: async (m) => void mails.push(m) },
    live: hub,
    disputePolicy: { autoRefundLimitPerMonth: limit },
    backoff: { baseMs: 100, maxMs: 1_000, maxAttempts: 3 },
    onEnqueued: () => undefined,
    ...(opts.gatewayTimeoutMs !== undefined ? { gatewayTimeoutMs: opts.gatewayTimeoutMs } : {}),
    randomId: (bytes) => `id${String(++seq).padStart(Math.max(1, Math.ceil((bytes * 4) / 3) - 2), '0')}`,
  });
}

async function shopper(email = 'ana@example.com', card = 'tok_visa') {
  const { account } = await commerce.signUp(email);
  hub.subscribe(account.id, (r) => live.push(r));
  await commerce.addPaymentMethod(account.id, card);
  return account;
}

/** The test gateway's payment intents of a visit: [kind, status], by kind. */
function intents(reference: string): [string, string][] {
  return intentsOf(reference)
    .map((i): [string, string] => [i.id.replace(/[-_]?\d.*$/, ''), i.status])
    .sort((x, y) => (x[0] < y[0] ? -1 : 1));
}

/** A visit's receipt versions as [reason, net, payment status, payment amount]. */
async function versions(visitId: string): Promise<[string, number, string, number][]> {
  return (await commerce.receiptHistory(visitId)).map((r) => [
    r.reason,
    r.net,
    r.payment.status,
    r.payment.amount,
  ]);
}

function intentsOf(reference: string): { id: string; status: string }[] {
  return gateway.db
    .prepare('SELECT id, status FROM gw_intents WHERE reference = ? ORDER BY id')
    .all(reference) as {
    id: string;
    status: string;
  }[];
}

/** Drains the outbox, moving the clock past every backoff, until nothing is pending. */
async function settleAll() {
  for (let i = 0; i < 20; i++) {
    await commerce.drainOutbox();
    const next = await createCommerceRepo(db).nextDueAt();
    if (next === undefined) return;
    clock.set(Math.max(clock.now(), next));
  }
}

describe('commerce', () => {
  beforeEach(async () => {
    await build();
  });
  afterEach(async () => {
    await db.destroy();
    db = undefined as unknown as CommerceDb;
    gateway.close();
  });

  describe('given a shopper with a card', () => {
    it('when they scan a fresh QR token, then the gate admits them once and only once', async () => {
      const a = await shopper();
      const { token } = await commerce.issueEntryToken(a.id);
      expect(token.length).toBeLessThanOrEqual(64);
      expect(await commerce.admitToken(token, clock.now())).toMatchObject({
        ok: true,
        accountId: a.id,
        method: 'qr',
        party: 1,
      });
      expect(await commerce.admitToken(token, clock.now())).toEqual({ ok: false, reason: 'already-used' });
    });

    it('when the token is a minute old, altered or foreign, then the gate says why not', async () => {
      const a = await shopper();
      const { token } = await commerce.issueEntryToken(a.id);
      expect(await commerce.admitToken(token, clock.now() + 60_000)).toEqual({
        ok: false,
        reason: 'expired',
      });
      const altered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
      expect(await commerce.admitToken(altered, clock.now())).toEqual({ ok: false, reason: 'bad-signature' });
      expect(await commerce.admitToken('q1.nonsense', clock.now(), 'qr')).toEqual({
        ok: false,
        reason: 'malformed',
      });
      expect(await commerce.admitToken('tok_unknown', clock.now())).toEqual({
        ok: false,
        reason: 'unknown-token',
      });
    });

    it('when a group token is issued, then one scan admits the party', async () => {
      const a = await shopper();
      const { token } = await commerce.issueEntryToken(a.id, 3);
      expect(await commerce.admitToken(token, clock.now())).toMatchObject({ ok: true, party: 3 });
    });

    it('when they tap their card or palm, then the card token or the palm id names the account', async () => {
      const a = await shopper();
      await commerce.registerPalm(a.id, 'palmco:8f2a77');
      expect(await commerce.admitToken('tok_visa', clock.now(), 'card')).toMatchObject({
        ok: true,
        accountId: a.id,
        method: 'card',
      });
      expect(await commerce.admitToken('palmco:8f2a77', clock.now(), 'palm')).toMatchObject({
        ok: true,
        accountId: a.id,
        method: 'palm',
      });
      expect(await commerce.admitToken('palmco:unknown', clock.now(), 'palm')).toEqual({
        ok: false,
        reason: 'unknown-token',
      });
    });

    it('when they take two FIJI and a chocolate bar and leave, then the exact total is captured and the receipt delivered', async () => {
      const a = await shopper();
      const { token } = await commerce.issueEntryToken(a.id);
      const t0 = clock.now();
      expect(await commerce.onVisitEvent(entered('v1', token, t0))).toBe('handled');
      expect(await commerce.onVisitEvent(entered('v1', token, t0))).toBe('duplicate');
      await settleAll();
      expect(gateway.ledger('v1')).toEqual([expect.objectContaining({ status: 'held', amount: 5_000 })]);
      const issued = receiptIssued('v1', token, t0, t0 + 60_000, [
        { sku: 'choc-bar', quantity: 1, unitPrice: 300 },
        { sku: 'fiji-500', quantity: 2, unitPrice: 249 },
      ]);
      expect(await commerce.onVisitEvent(issued)).toBe('handled');
      expect(await commerce.onVisitEvent(issued)).toBe('duplicate');
      await settleAll();
      expect(gateway.ledger('v1')).toEqual([expect.objectContaining({ status: 'captured', captured: 828 })]);
      const [r] = await commerce.receipts(a.id);
      expect(r).toMatchObject({
        version: 1,
        total: 828,
        tax: 30,
        subtotal: 798,
        payment: { status: 'captured', amount: 828, method: { last4: '4242' } },
      });
      expect(mails).toHaveLength(1);
      expect(live.map((x) => x.id)).toEqual(['v1.v1']);
      expect(mails[0]!.to).toBe('ana@example.com');
      expect(mails[0]!.text).toContain('2 × FIJI Water 0.5 L');
      expect(mails[0]!.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');
    });

    it('when they take nothing, then the hold is released and an empty receipt says nothing was charged', async () => {
      const a = await shopper();
      const { token } = await commerce.issueEntryToken(a.id);
      await commerce.onVisitEvent(entered('v2', token, clock.now()));
      await commerce.onVisitEvent(receiptIssued('v2', token, clock.now(), clock.now() + 1_000, []));
      await settleAll();
      expect(gateway.ledger('v2')).toEqual([expect.objectContaining({ status: 'released', captured: 0 })]);
      const [r] = await commerce.receipts(a.id);
      expect(r).toMatchObject({ total: 0, payment: { status: 'none' } });
      expect(mails[0]!.text).toContain('nothing was charged');
    });

    it('when the total is above the hold, then the store charges the total and releases the hold', async () => {
      const a = await shopper();
      await commerce.onVisitEvent(entered('v3', 'tok_visa', clock.now(), 'card'));
      await commerce.onVisitEvent(
        receiptIssued('v3', 'tok_visa', clock.now(), clock.now() + 1_000, [
          { sku: 'fiji-500', quantity: 30, unitPrice: 249 },
        ]),
      );
      await settleAll();
      const books = gateway.ledger('v3');
      expect(books.map((b) => b.status).sort()).toEqual(['captured', 'released']);
      expect(books.find((b) => b.status === 'captured')!.captured).toBe(7_470);
      expect((await commerce.receipts(a.id))[0]!.payment.status).toBe('charged');
    });

    it('when the gateway is down for a while, then the capture is retried with backoff and happens once', async () => {
      await shopper();
      gateway.failNext('capture', 'unavailable', 1);
      gateway.failNext('capture', 'lost', 1);
      await commerce.onVisitEvent(entered('v4', 'tok_visa', clock.now(), 'card'));
      await commerce.onVisitEvent(
        receiptIssued('v4', 'tok_visa', clock.now(), clock.now() + 1_000, [
          { sku: 'fiji-500', quantity: 1, unitPrice: 249 },
        ]),
      );
      await settleAll();
      expect(gateway.capturedByReference().get('v4')).toEqual({ charges: 1, amount: 249 });
      expect(mails).toHaveLength(1);
    });

    it('when the capture at exit answers only after the commerce stopped waiting, then it counts as a timeout, is retried with the same key and charges once', async () => {
      // The first capture takes 150 ms at the gateway; the commerce waits 40 ms for an answer.
      let slow = 1;
      await build(2_000, {
        gatewayTimeoutMs: 40,
        gatewayScript: { delayMs: (op) => (op === 'capture' && slow-- > 0 ? 150 : 0) },
      });
      const a = await shopper();
      const keys: string[] = [];
      const capture = gateway.capture.bind(gateway);
      gateway.capture = (req) => {
        keys.push(req.idempotencyKey);
        return capture(req);
      };
      await commerce.onVisitEvent(entered('v4t', 'tok_visa', clock.now(), 'card'));
      await settleAll();
      await commerce.onVisitEvent(
        receiptIssued('v4t', 'tok_visa', clock.now(), clock.now() + 1_000, [
          { sku: 'fiji-500', quantity: 2, unitPrice: 249 },
        ]),
      );
      expect(await commerce.drainOutbox()).toEqual({ done: 0, retried: 1, deferred: 0, dead: 0 });
      expect(await createCommerceRepo(db).job('settle:v4t:0')).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'gateway did not answer within 40 ms',
      });
      // The slow call goes through at the gateway after the commerce gave up on it.
      await new Promise((r) => setTimeout(r, 200));
      expect(gateway.ledger('v4t')).toEqual([expect.objectContaining({ status: 'captured', captured: 498 })]);
      expect(await commerce.receipts(a.id)).toEqual([]);

      await settleAll();
      expect(keys).toEqual(['capture:v4t', 'capture:v4t']);
      expect(gateway.callCount('capture')).toBe(1);
      expect(gateway.capturedByReference().get('v4t')).toEqual({ charges: 1, amount: 498 });
      expect((await commerce.receipts(a.id)).map((r) => [r.id, r.payment.status, r.payment.amount])).toEqual([
        ['v4t.v1', 'captured', 498],
      ]);
      expect(mails).toHaveLength(1);
      expect(live.map((r) => r.id)).toEqual(['v4t.v1']);
      expect(await createCommerceRepo(db).jobs({ status: 'dead' })).toEqual([]);
    });
  });

  describe('given the engine revises a receipt after the exit', () => {
    it('when a review lowers the total, then the difference is refunded and a revised version is issued', async () => {
      const a = await shopper();
      const t0 = clock.now();
      await commerce.onVisitEvent(entered('r1', 'tok_visa', t0, 'card'));
      const lines = [
        { sku: 'choc-bar', quantity: 2, unitPrice: 300 },
        { sku: 'fiji-500', quantity: 1, unitPrice: 249 },
      ];
      await commerce.onVisitEvent(receiptIssued('r1', 'tok_visa', t0, t0 + 1_000, lines));
      const v2 = receiptIssued('r1', 'tok_visa', t0, t0 + 1_000, lines.slice(1), demoCatalog, 2);
      expect(await commerce.onVisitEvent(v2)).toBe('handled');
      expect(await commerce.onVisitEvent(v2)).toBe('duplicate');
      await settleAll();
      expect(gateway.ledger('r1')[0]).toMatchObject({ captured: 909, refunded: 660 });
      const history = await commerce.receiptHistory('r1');
      expect(history.map((r) => [r.version, r.reason, r.total, r.net])).toEqual([
        [1, 'issued', 909, 909],
        [2, 'revised', 249, 249],
      ]);
      expect(history[1]!.lines.map((l) => l.sku)).toEqual(['fiji-500']);
      expect((await commerce.receipts(a.id)).length).toBe(2);
    });

    it('when a review raises the total, then the difference is charged once, and a stale version changes nothing', async () => {
      await shopper();
      const t0 = clock.now();
      await commerce.onVisitEvent(entered('r2', 'tok_visa', t0, 'card'));
      await commerce.onVisitEvent(
        receiptIssued('r2', 'tok_visa', t0, t0 + 1_000, [{ sku: 'fiji-500', quantity: 1, unitPrice: 249 }]),
      );
      await settleAll();
      await commerce.onVisitEvent(
        receiptIssued(
          'r2',
          'tok_visa',
          t0,
          t0 + 1_000,
          [{ sku: 'fiji-500', quantity: 2, unitPrice: 249 }],
          demoCatalog,
          2,
        ),
      );
      await settleAll();
      expect(
        await commerce.onVisitEvent(receiptIssued('r2', 'tok_visa', t0, t0 + 1_000, [], demoCatalog, 1)),
      ).toBe('duplicate');
      const books = gateway.ledger('r2');
      expect(books.reduce((s, b) => s + b.captured, 0)).toBe(498);
      expect((await commerce.receiptHistory('r2')).at(-1)).toMatchObject({
        version: 2,
        reason: 'revised',
        total: 498,
        payment: { amount: 498 },
      });
    });
  });

  describe('given a card that declines the capture', () => {
    it('then the account is payment_due, the gate refuses it, and settling with a new card lets it in again', async () => {
      const a = await shopper('bo@example.com', 'tok_captureDeclined');
      await commerce.onVisitEvent(entered('v5', 'tok_captureDeclined', clock.now(), 'card'));
      await commerce.onVisitEvent(
        receiptIssued('v5', 'tok_captureDeclined', clock.now(), clock.now() + 1_000, [
          { sku: 'fiji-500', quantity: 2, unitPrice: 249 },
        ]),
      );
      await settleAll();
      expect((await commerce.account(a.id)).status).toBe('payment_due');
      expect(await commerce.admitToken('tok_captureDeclined', clock.now(), 'card')).toEqual({
        ok: false,
        reason: 'payment-due',
      });
      await expect(commerce.issueEntryToken(a.id)).rejects.toThrow(/payment_due/);
      expect((await commerce.receipts(a.id))[0]!.payment).toMatchObject({ status: 'due', amount: 498 });

      await commerce.addPaymentMethod(a.id, 'tok_mastercard');
      expect(await commerce.settleDue(a.id)).toEqual({ queued: 1 });
      await settleAll();
      expect((await commerce.account(a.id)).status).toBe('good');
      const history = await commerce.receiptHistory('v5');
      expect(history.map((r) => [r.version, r.reason, r.payment.status])).toEqual([
        [1, 'issued', 'due'],
        [2, 'settled', 'settled'],
      ]);
      expect(gateway.capturedByReference().get('v5')).toEqual({ charges: 1, amount: 498 });
      // The hold on the cancelled card is given back, not left on it.
      expect(intents('v5')).toEqual([
        ['ch', 'captured'],
        ['hold', 'released'],
      ]);
    });

    /** A visit of two FIJI on a card that holds but declines the capture: the payment is due. */
    async function declinedCapture(visitId: string, name: string) {
      const card = `tok_captureDeclined_${name}`;
      const a = await shopper(`${name}@example.com`, card);
      await commerce.onVisitEvent(entered(visitId, card, clock.now(), 'card'));
      await commerce.onVisitEvent(
        receiptIssued(visitId, card, clock.now(), clock.now() + 1_000, [
          { sku: 'fiji-500', quantity: 2, unitPrice: 249 },
        ]),
      );
      await settleAll();
      expect((await commerce.account(a.id)).status).toBe('payment_due');
      expect(intents(visitId)).toEqual([['hold', 'held']]);
      return { a, card };
    }

    it('when every line is disputed while the payment is due, then the hold is released, nothing is charged and the gate admits them again', async () => {
      const { a, card } = await declinedCapture('v5d', 'fa');
      await commerce.disputeLine(a.id, 'v5d', { sku: 'fiji-500', kind: 'not-taken' });
      await settleAll();
      expect((await commerce.account(a.id)).status).toBe('good');
      expect(intents('v5d')).toEqual([['hold', 'released']]);
      expect(gateway.callCount('charge')).toBe(0);
      expect((await commerce.receiptHistory('v5d')).at(-1)).toMatchObject({
        reason: 'settled',
        net: 0,
        payment: { status: 'settled', amount: 0 },
      });
      expect(await commerce.admitToken(card, clock.now(), 'card')).toMatchObject({ ok: true });
    });

    it('when a review drops every line while the payment is due, then nothing is owed, the hold is released and the gate admits them again', async () => {
      const { a, card } = await declinedCapture('v5e', 'gu');
      await commerce.onVisitEvent(
        receiptIssued('v5e', card, clock.now(), clock.now() + 1_000, [], demoCatalog, 2),
      );
      await settleAll();
      expect((await commerce.account(a.id)).status).toBe('good');
      expect(intents('v5e')).toEqual([['hold', 'released']]);
      expect(await versions('v5e')).toEqual([
        ['issued', 498, 'due', 498],
        ['revised', 0, 'due', 0],
        ['settled', 0, 'settled', 0],
      ]);
      expect(await commerce.admitToken(card, clock.now(), 'card')).toMatchObject({ ok: true });
    });
  });

  describe('given a card that declines even the hold', () => {
    it('when the shopper enters by QR and leaves with items, then the direct charge is declined, the payment is due and the gate refuses them until a new card settles it, charged once', async () => {
      const a = await shopper('eve@example.com', 'tok_chargeDeclined_eve');
      const repo = createCommerceRepo(db);
      const { token } = await commerce.issueEntryToken(a.id);
      expect(await commerce.admitToken(token, clock.now())).toMatchObject({ ok: true, accountId: a.id });
      const t0 = clock.now();
      expect(await commerce.onVisitEvent(entered('h1', token, t0))).toBe('handled');
      await settleAll();
      // The hold was declined, but the visit goes on.
      expect(await repo.visit('h1')).toMatchObject({ holdStatus: 'declined', paymentStatus: 'open' });
      await commerce.onVisitEvent(
        receiptIssued('h1', token, t0, t0 + 60_000, [
          { sku: 'choc-bar', quantity: 1, unitPrice: 300 },
          { sku: 'fiji-500', quantity: 2, unitPrice: 249 },
        ]),
      );
      await settleAll();
      const calls = () =>
        gateway.db.prepare('SELECT key, ok FROM gw_calls WHERE key LIKE ? ORDER BY key').all('%:h1%');
      // At exit the store tried a direct charge of the total, which the card declined too.
      expect(calls()).toEqual([
        { key: 'charge:h1:0', ok: 0 },
        { key: 'hold:h1', ok: 0 },
      ]);
      expect(gateway.ledger('h1')).toEqual([]);
      expect(await repo.visit('h1')).toMatchObject({ paymentStatus: 'due', dueAmount: 828 });
      expect((await commerce.account(a.id)).status).toBe('payment_due');
      expect(await commerce.admitToken('tok_chargeDeclined_eve', clock.now(), 'card')).toEqual({
        ok: false,
        reason: 'payment-due',
      });
      await expect(commerce.issueEntryToken(a.id)).rejects.toThrow(/payment_due/);
      expect(await commerce.receipts(a.id)).toEqual([
        expect.objectContaining({
          id: 'h1.v1',
          total: 828,
          payment: expect.objectContaining({ status: 'due', amount: 828, reference: null }),
        }),
      ]);
      expect(mails.map((m) => m.text.split('\n').at(-1))).toEqual(['Payment: due (visa •••• 0002)']);
      expect(live.map((r) => r.id)).toEqual(['h1.v1']);

      await commerce.addPaymentMethod(a.id, 'tok_visa_eve');
      expect(await commerce.settleDue(a.id)).toEqual({ queued: 1 });
      await settleAll();
      expect((await commerce.account(a.id)).status).toBe('good');
      expect(gateway.capturedByReference().get('h1')).toEqual({ charges: 1, amount: 828 });
      expect(calls()).toEqual([
        { key: 'charge:h1:0', ok: 0 },
        { key: 'charge:h1:1', ok: 1 },
        { key: 'hold:h1', ok: 0 },
      ]);
      const history = await commerce.receiptHistory('h1');
      expect(history.map((r) => [r.version, r.reason, r.payment.status, r.payment.amount])).toEqual([
        [1, 'issued', 'due', 828],
        [2, 'settled', 'settled', 828],
      ]);
      expect(history[1]!.payment.method).toEqual({ brand: 'visa', last4: '4242' });
      expect(mails).toHaveLength(2);
      // Nothing is due any more: settling again charges nothing, and the gate lets them in.
      expect(await commerce.settleDue(a.id)).toEqual({ queued: 0 });
      await settleAll();
      expect(gateway.capturedByReference().get('h1')).toEqual({ charges: 1, amount: 828 });
      const again = await commerce.issueEntryToken(a.id);
      expect(await commerce.admitToken(again.token, clock.now())).toMatchObject({
        ok: true,
        accountId: a.id,
      });
      expect(await commerce.admitToken('tok_visa_eve', clock.now(), 'card')).toMatchObject({ ok: true });
    });
  });

  describe('given a capture whose every answer was lost', () => {
    /** A shopper's visit with two FIJI whose capture the gateway made, every answer to it lost. */
    async function lostCapture(visitId: string, name: string) {
      const card = `tok_visa_${name}`;
      const a = await shopper(`${name}@example.com`, card);
      await commerce.onVisitEvent(entered(visitId, card, clock.now(), 'card'));
      await settleAll();
      // The gateway captures each time, but no answer comes back (three attempts, then given up).
      gateway.failNext('capture', 'lost', 3);
      await commerce.onVisitEvent(
        receiptIssued(visitId, card, clock.now(), clock.now() + 1_000, [
          { sku: 'fiji-500', quantity: 2, unitPrice: 249 },
        ]),
      );
      await settleAll();
      return a;
    }

    it('then the payment is due, and settling finds the capture done and charges nothing more', async () => {
      const a = await lostCapture('v5l', 'cy');
      expect((await commerce.account(a.id)).status).toBe('payment_due');
      expect(await commerce.settleDue(a.id)).toEqual({ queued: 1 });
      await settleAll();
      expect((await commerce.account(a.id)).status).toBe('good');
      expect(gateway.capturedByReference().get('v5l')).toEqual({ charges: 1, amount: 498 });
      expect(gateway.callCount('charge')).toBe(0);
      expect((await commerce.receiptHistory('v5l')).map((r) => [r.payment.status, r.payment.amount])).toEqual(
        [
          ['due', 498],
          ['settled', 498],
        ],
      );
    });

    it('then a refund while it was due is given back from the capture the replay finds', async () => {
      const a = await lostCapture('v5r', 'di');
      await commerce.disputeLine(a.id, 'v5r', { sku: 'fiji-500', kind: 'wrong-quantity', quantity: 1 });
      await settleAll();
      await commerce.settleDue(a.id);
      await settleAll();
      expect(gateway.capturedByReference().get('v5r')).toEqual({ charges: 1, amount: 498 });
      const refunds = gateway.db.prepare('SELECT intent, amount FROM gw_refunds').all();
      expect(refunds).toEqual([{ intent: intentsOf('v5r')[0]!.id, amount: 249 }]);
      expect((await commerce.receiptHistory('v5r')).at(-1)!.payment).toMatchObject({
        status: 'settled',
        amount: 249,
      });
    });

    it('then disputes that refund every line while it was due give back in full what the replayed capture took', async () => {
      const a = await lostCapture('v5z', 'ed');
      // The gateway took the money; the store does not know it.
      expect(gateway.ledger('v5z')).toEqual([expect.objectContaining({ captured: 498, refunded: 0 })]);
      expect(await commerce.disputeLine(a.id, 'v5z', { sku: 'fiji-500', kind: 'not-taken' })).toMatchObject({
        status: 'refunded',
        amount: 498,
      });
      await settleAll();
      expect(gateway.ledger('v5z')).toEqual([
        expect.objectContaining({ status: 'captured', captured: 498, refunded: 498 }),
      ]);
      expect(gateway.callCount('charge')).toBe(0);
      expect((await commerce.account(a.id)).status).toBe('good');
      expect(await createCommerceRepo(db).visitsDue(a.id)).toEqual([]);
      expect(await versions('v5z')).toEqual([
        ['issued', 498, 'due', 498],
        ['refund', 0, 'due', 0],
        ['settled', 0, 'settled', 0],
      ]);
    });
  });

  describe('given a receipt with a line the shopper did not take', () => {
    async function visitWith(visitId: string, quantity: number) {
      await commerce.onVisitEvent(entered(visitId, 'tok_visa', clock.now(), 'card'));
      await commerce.onVisitEvent(
        receiptIssued(visitId, 'tok_visa', clock.now(), clock.now() + 1_000, [
          { sku: 'choc-bar', quantity, unitPrice: 300 },
          { sku: 'fiji-500', quantity: 1, unitPrice: 249 },
        ]),
      );
      await settleAll();
    }

    it('when it is below the monthly limit, then it is refunded at once and a new receipt version keeps the history', async () => {
      const a = await shopper();
      await visitWith('v6', 2);
      const d = await commerce.disputeLine(a.id, 'v6', {
        sku: 'choc-bar',
        kind: 'wrong-quantity',
        quantity: 1,
      });
      expect(d).toMatchObject({
        status: 'refunded',
        decidedBy: 'policy',
        amount: 330,
        chargedQuantity: 2,
        claimedQuantity: 1,
      });
      await settleAll();
      const history = await commerce.receiptHistory('v6');
      expect(history.map((r) => [r.version, r.reason, r.net])).toEqual([
        [1, 'issued', 909],
        [2, 'refund', 579],
      ]);
      expect(gateway.ledger('v6')[0]).toMatchObject({ captured: 909, refunded: 330 });
      expect(mails.map((m) => m.subject)).toEqual([
        'Demo Market receipt',
        'Demo Market receipt (updated, version 2)',
      ]);
      await expect(
        commerce.disputeLine(a.id, 'v6', { sku: 'choc-bar', kind: 'wrong-quantity', quantity: 1 }),
      ).rejects.toThrow(/quantity/);
    });

    it('when the line is disputed again before its refund went through, then the second dispute is refused and it is refunded once', async () => {
      const a = await shopper();
      await visitWith('v6b', 1);
      const first = await commerce.disputeLine(a.id, 'v6b', { sku: 'choc-bar', kind: 'not-taken' });
      expect(first.status).toBe('refunded');
      // The refund job has not run: the receipt still charges the chocolate bar.
      await expect(commerce.disputeLine(a.id, 'v6b', { sku: 'choc-bar', kind: 'not-taken' })).rejects.toThrow(
        /already refunded in full/,
      );
      await expect(
        Promise.all(
          [1, 2].map(() => commerce.disputeLine(a.id, 'v6b', { sku: 'fiji-500', kind: 'not-taken' })),
        ),
      ).rejects.toThrow(/already refunded in full/);
      await settleAll();
      expect(gateway.ledger('v6b')[0]).toMatchObject({ captured: 579, refunded: 579 });
      expect((await commerce.disputes()).map((d) => [d.sku, d.amount])).toEqual([
        ['choc-bar', 330],
        ['fiji-500', 249],
      ]);
      expect((await commerce.receiptHistory('v6b')).at(-1)).toMatchObject({ net: 0, refunded: 579 });
    });

    it('when it is above the monthly limit, then it waits for an operator, whose decision is the label', async () => {
      await build(200);
      const a = await shopper();
      await visitWith('v7', 1);
      const d = await commerce.disputeLine(a.id, 'v7', { sku: 'choc-bar', kind: 'not-taken' });
      expect(d.status).toBe('queued');
      await expect(commerce.disputeLine(a.id, 'v7', { sku: 'choc-bar', kind: 'not-taken' })).rejects.toThrow(
        /already waiting/,
      );
      await settleAll();
      expect(await commerce.receiptHistory('v7')).toHaveLength(1);
      expect(await commerce.decideDispute(d.id, { approve: true, by: 'op-1' })).toMatchObject({
        status: 'approved',
        decidedBy: 'op-1',
      });
      await expect(commerce.decideDispute(d.id, { approve: false, by: 'op-1' })).rejects.toThrow(
        /approved, not queued/,
      );
      await settleAll();
      expect((await commerce.receiptHistory('v7')).at(-1)).toMatchObject({
        version: 2,
        net: 249,
        refunded: 330,
      });
      const fiji = await commerce.disputeLine(a.id, 'v7', { sku: 'fiji-500', kind: 'not-taken' });
      expect(fiji.status).toBe('queued');
      await commerce.decideDispute(fiji.id, { approve: false, by: 'op-2', note: 'video shows the pick' });
      expect((await commerce.disputes()).map((x) => x.status)).toEqual(['approved', 'rejected']);
    });
  });

  describe('given the engine reports an entry (it cannot check tokens)', () => {
    const fiji = [{ sku: 'fiji-500', quantity: 1, unitPrice: 249 }];

    /** The engine's entry and exit of a visit; returns what the money side said to each. */
    async function visit(visitId: string, token: string, t: number, method: string | null = 'qr') {
      const entry = await commerce.onVisitEvent(entered(visitId, token, t, method));
      const exit = await commerce.onVisitEvent(receiptIssued(visitId, token, t, t + 30_000, fiji));
      await settleAll();
      return [entry, exit];
    }

    it('when the QR token had expired at the entry, then the visit is refused: no hold, no charge, no receipt, and operators see it', async () => {
      const a = await shopper();
      const { token, expiresAt } = await commerce.issueEntryToken(a.id);
      expect(await visit('x1', token, expiresAt)).toEqual(['refused', 'refused']);
      expect(gateway.ledger('x1')).toEqual([]);
      expect(await commerce.receipts(a.id)).toEqual([]);
      expect(mails).toHaveLength(0);
      expect(live).toHaveLength(0);
      expect(await commerce.refusedEntries()).toEqual([
        expect.objectContaining({
          visitId: 'x1',
          reason: 'expired',
          accountId: a.id,
          gateId: 'gate-in',
          enteredAt: expiresAt,
          issued: expect.objectContaining({ total: 249 }),
        }),
      ]);
    });

    it('when a second visit reports a token an earlier visit used, then the second is refused and the first is charged as usual', async () => {
      const a = await shopper();
      const { token } = await commerce.issueEntryToken(a.id);
      const t0 = clock.now();
      expect(await visit('u1', token, t0)).toEqual(['handled', 'handled']);
      expect(await visit('u2', token, t0 + 5_000)).toEqual(['refused', 'refused']);
      expect(gateway.ledger('u1')).toEqual([expect.objectContaining({ status: 'captured', captured: 249 })]);
      expect(gateway.ledger('u2')).toEqual([]);
      expect((await commerce.receipts(a.id)).map((r) => r.visitId)).toEqual(['u1']);
      expect(mails).toHaveLength(1);
      expect(await commerce.refusedEntries({ reason: 'already-used' })).toEqual([
        expect.objectContaining({ visitId: 'u2', accountId: a.id }),
      ]);
    });

    it('when the account is payment_due or suspended, then its QR, card and palm entries are refused', async () => {
      const a = await shopper();
      await commerce.registerPalm(a.id, 'palmco:8f2a77');
      const { token } = await commerce.issueEntryToken(a.id);
      const repo = createCommerceRepo(db);
      await repo.setAccountStatus(a.id, 'payment_due');
      const t = clock.now();
      expect(await commerce.onVisitEvent(entered('d1', token, t))).toBe('refused');
      expect(await commerce.onVisitEvent(entered('d2', 'tok_visa', t, 'card'))).toBe('refused');
      await repo.setAccountStatus(a.id, 'suspended');
      expect(await commerce.onVisitEvent(entered('d3', 'palmco:8f2a77', t, 'palm'))).toBe('refused');
      await settleAll();
      expect([...gateway.capturedByReference().keys()]).toEqual([]);
      expect(gateway.ledger('d1')).toEqual([]);
      expect((await commerce.refusedEntries()).map((r) => [r.visitId, r.reason, r.accountId])).toEqual([
        ['d1', 'payment-due', a.id],
        ['d2', 'payment-due', a.id],
        ['d3', 'suspended', a.id],
      ]);
      expect(await commerce.refusedEntries({ accountId: 'acc_other' })).toEqual([]);
    });

    it('when the gate admitted the token and then its scan reaches the engine, then the entry is accepted and charged, even past the expiry', async () => {
      const a = await shopper();
      const { token, expiresAt } = await commerce.issueEntryToken(a.id);
      // Admitted in the last second of the token's life; the engine's entry comes just after.
      expect(await commerce.admitToken(token, expiresAt - 1_000)).toMatchObject({ ok: true });
      expect(await visit('g1', token, expiresAt + 500)).toEqual(['handled', 'handled']);
      expect(gateway.ledger('g1')).toEqual([expect.objectContaining({ status: 'captured', captured: 249 })]);
      expect((await commerce.receipts(a.id))[0]).toMatchObject({ visitId: 'g1', total: 249 });
      // The admission is now bound to g1: neither a second visit nor the gate takes it again.
      expect(await commerce.onVisitEvent(entered('g2', token, expiresAt + 600))).toBe('refused');
      expect(await commerce.admitToken(token, expiresAt - 500)).toEqual({
        ok: false,
        reason: 'already-used',
      });
    });

    it('when the gate admitted a token whose entry never came, then a scan of it long after is refused', async () => {
      const a = await shopper();
      const { token } = await commerce.issueEntryToken(a.id);
      const t0 = clock.now();
      expect(await commerce.admitToken(token, t0)).toMatchObject({ ok: true });
      expect(await commerce.onVisitEvent(entered('late', token, t0 + QR_TTL_MS + 1))).toBe('refused');
      expect((await commerce.refusedEntries())[0]).toMatchObject({ visitId: 'late', reason: 'already-used' });
    });

    it('when the token is unknown, forged or not a QR token, then the visit is refused and listed with the reason', async () => {
      await shopper();
      const t = clock.now();
      const neverIssued = signQrToken('test-secret', 'NeverIssued1234', t + QR_TTL_MS);
      const forged = signQrToken('another-secret', 'NeverIssued1234', t + QR_TTL_MS);
      expect(await visit('k1', neverIssued, t)).toEqual(['refused', 'refused']);
      expect(await visit('k2', forged, t)).toEqual(['refused', 'refused']);
      expect(await visit('k3', 'tok-1-00ab12', t, 'qr')).toEqual(['refused', 'refused']);
      expect(await visit('k4', 'tok_nobody', t, 'card')).toEqual(['refused', 'refused']);
      expect(await visit('k5', 'palmco:nobody', t, 'palm')).toEqual(['refused', 'refused']);
      expect(['k1', 'k2', 'k3', 'k4', 'k5'].flatMap((v) => gateway.ledger(v))).toEqual([]);
      expect((await commerce.refusedEntries()).map((r) => [r.visitId, r.reason, r.accountId])).toEqual([
        ['k1', 'unknown-token', null],
        ['k2', 'bad-signature', null],
        ['k3', 'malformed', null],
        ['k4', 'unknown-token', null],
        ['k5', 'unknown-token', null],
      ]);
    });

    it('when the same entry comes twice, then it is decided once, refused or accepted', async () => {
      const a = await shopper();
      const { token, expiresAt } = await commerce.issueEntryToken(a.id);
      const late = entered('t1', token, expiresAt + 1);
      expect(await commerce.onVisitEvent(late)).toBe('refused');
      expect(await commerce.onVisitEvent(late)).toBe('duplicate');
      const exit = receiptIssued('t1', token, expiresAt + 1, expiresAt + 9_000, fiji);
      expect(await commerce.onVisitEvent(exit)).toBe('refused');
      expect(await commerce.onVisitEvent(exit)).toBe('duplicate');
      expect(await commerce.refusedEntries()).toHaveLength(1);

      const fresh = await commerce.issueEntryToken(a.id);
      const ok = entered('t2', fresh.token, clock.now());
      expect(await commerce.onVisitEvent(ok)).toBe('handled');
      // The token is bound to t2 now; the copy is the inbox's duplicate, not a reuse.
      expect(await commerce.onVisitEvent(ok)).toBe('duplicate');
      await settleAll();
      expect(gateway.ledger('t2')).toEqual([expect.objectContaining({ status: 'held', amount: 5_000 })]);
      expect(await commerce.refusedEntries()).toHaveLength(1);
    });
  });
});

describe('deliveries that fail for a while', () => {
  it('when the mail server and the webhook receiver refuse twice, then each is retried with backoff and delivered once', async () => {
    const hooks = await startWebhookReceiver('whsec_retry_0123456789');
    const mdb = await openCommerceSqlite();
    const gw = new TestGateway();
    const clock = manualClock();
    const sent: MailMessage[] = [];
    let mailFailures = 2;
    const c = createCommerce({
      repo: createCommerceRepo(mdb),
      gateway: gw,
      clock,
      catalog: demoCatalog,
      signingSecret: 'test-secret',
      holdAmount: 5_000,
      currency: 'USD',
      mailer: {
        send: async (m) => {
          if (mailFailures-- > 0) throw new Error('421 try again later');
          sent.push(m);
        },
      },
      webhooks: {
        sender: httpWebhookSender(),
        targets: [{ name: 'erp', url: hooks.url, secret: 'whsec_retry_0123456789' }],
      },
      backoff: { baseMs: 100, maxMs: 1_000, maxAttempts: 4 },
    });
    try {
      hooks.failNext(2);
      const { account } = await c.signUp('ana@example.com');
      await c.addPaymentMethod(account.id, 'tok_visa');
      await c.onVisitEvent(entered('d1', 'tok_visa', clock.now(), 'card'));
      await c.onVisitEvent(
        receiptIssued('d1', 'tok_visa', clock.now(), clock.now() + 1_000, [
          { sku: 'fiji-500', quantity: 1, unitPrice: 249 },
        ]),
      );
      const repo = createCommerceRepo(mdb);
      const retriedAt: number[] = [];
      for (let i = 0; i < 20; i++) {
        const report = await c.drainOutbox();
        if (report.retried > 0) retriedAt.push(clock.now());
        const next = await repo.nextDueAt();
        if (next === undefined) break;
        clock.set(Math.max(clock.now(), next));
      }
      expect(sent).toHaveLength(1);
      expect([...hooks.events.keys()]).toEqual(['evt_d1.v1']);
      expect(hooks.duplicates).toBe(0);
      // Two failed rounds, each waited out before the next try.
      expect(retriedAt.length).toBeGreaterThanOrEqual(2);
      expect(await repo.jobs({ status: 'dead' })).toEqual([]);
      expect(await repo.jobs({ status: 'pending' })).toEqual([]);
    } finally {
      await hooks.close();
      await mdb.destroy();
      gw.close();
    }
  });
});
