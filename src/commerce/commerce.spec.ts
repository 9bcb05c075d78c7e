import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestGateway } from '../adapters/payments/test-gateway.js';
import { createCommerce, type Commerce } from './commerce.js';
import { LiveReceipts } from './receipts/live.js';
import type { MailMessage } from './receipts/delivery.js';
import { openCommerceSqlite } from './store/sqlite.js';
import { createCommerceRepo, type CommerceDb } from './store/repo.js';
import { demoCatalog, entered, manualClock, receiptIssued } from './testing.js';
import type { Receipt } from './types.js';

let db: CommerceDb;
let gateway: TestGateway;
let commerce: Commerce;
let clock: ReturnType<typeof manualClock>;
let mails: MailMessage[];
let live: Receipt[];
let hub: LiveReceipts;

async function build(limit = 2_000) {
  if (db) await db.destroy();
  db = await openCommerceSqlite();
  gateway = new TestGateway();
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
    randomId: (bytes) => `id${String(++seq).padStart(Math.max(1, Math.ceil((bytes * 4) / 3) - 2), '0')}`,
  });
}

async function shopper(email = 'ana@example.com', card = 'tok_visa') {
  const { account } = await commerce.signUp(email);
  hub.subscribe(account.id, (r) => live.push(r));
  await commerce.addPaymentMethod(account.id, card);
  return account;
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
});
