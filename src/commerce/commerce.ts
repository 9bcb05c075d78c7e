import { randomBytes } from 'node:crypto';
import { WalkoutError } from '../protocol/errors.js';
import type { VisitEvent } from '../store/events.js';
import { accessTokenFor, accountOfAccessToken, parseEmail } from './accounts/access.js';
import { checkQrToken, isQrToken, QR_TTL_MS, readQrToken, signQrToken } from './entry/tokens.js';
import {
  claimedQuantity,
  decideDispute,
  DEFAULT_DISPUTE_POLICY,
  monthOf,
  type DisputePolicy,
} from './disputes/policy.js';
import { GatewayError, withTimeout, type PaymentGateway } from './payments/gateway.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy, type OutboxJob } from './outbox/jobs.js';
import {
  chargedQuantity,
  firstReceipt,
  lineRefundAmount,
  paymentView,
  receiptText,
  refundedReceipt,
  revisedReceipt,
  settledReceipt,
} from './receipts/receipt.js';
import { receiptHtml } from './receipts/html.js';
import { receiptPdf } from './receipts/pdf.js';
import type { Mailer, WebhookSender, WebhookTarget } from './receipts/delivery.js';
import type { LiveReceipts } from './receipts/live.js';
import type { CommerceRepo, OutboxRow, Tx } from './store/repo.js';
import type {
  Account,
  Catalog,
  Clock,
  CommerceVisit,
  PaymentAttempt,
  Dispute,
  DisputeKind,
  EntryMethod,
  EntryRefusal,
  IssuedVisit,
  PaymentMethod,
  Receipt,
  ReceiptPayment,
} from './types.js';

export interface CommerceDeps {
  repo: CommerceRepo;
  gateway: PaymentGateway;
  clock: Clock;
  catalog: Catalog;
  /** Secret for entry QR tokens and shopper access tokens. */
  signingSecret: string;
  /** Pre-authorization hold placed at entry (minor units, per store). */
  holdAmount: number;
  currency: string;
  mailer?: Mailer;
  webhooks?: { sender: WebhookSender; targets: WebhookTarget[] };
  live?: LiveReceipts;
  disputePolicy?: DisputePolicy;
  backoff?: BackoffPolicy;
  /** Jobs the outbox runs at once (default 4): gateway calls take a few hundred ms, and exits come in bursts. */
  outboxConcurrency?: number;
  /** Deadline of one gateway call (ms). */
  gatewayTimeoutMs?: number;
  /** Source of unguessable ids (nonces, account ids); crypto by default, seedable in tests. */
  randomId?: (bytes: number) => string;
  /** Attach the receipt as a PDF to e-mails (default true). */
  emailPdf?: boolean;
  /** Called after jobs are queued, so a worker can wake at once instead of polling. */
  onEnqueued?: () => void;
}

/** Why the gate said no (the same reasons refuse an entry the engine reports). */
export type AdmitRefusal = EntryRefusal;

export type AdmitResult =
  | { ok: true; accountId: string; method: EntryMethod; party: number; paymentMethodId: string }
  | { ok: false; reason: AdmitRefusal };

/** What `onVisitEvent` did with an event. */
export type VisitEventOutcome = 'handled' | 'duplicate' | 'ignored' | 'unknown-visit' | 'refused';

type ShopperEntered = Extract<VisitEvent, { type: 'ShopperEntered' }>;

/** A card or palm entry: the account and its card, or why it is refused (with that account). */
type AccountEntry =
  | { ok: true; accountId: string; method: EntryMethod; paymentMethodId: string }
  | { ok: false; reason: EntryRefusal; accountId: string };

/** Who a reported entry stands for, or why it is refused (with the account, when the token names one). */
type EntryCheck =
  | { ok: true; accountId: string; method: EntryMethod; paymentMethodId: string | null }
  | { ok: false; reason: EntryRefusal; accountId: string | null };

export interface DrainReport {
  done: number;
  retried: number;
  deferred: number;
  dead: number;
}

/** The inbox key under which a visit event is recorded as handled (null: the money side ignores it). */
export function inboxKey(event: VisitEvent): string | null {
  if (event.type === 'ShopperEntered') return `entered:${event.visitId}`;
  if (event.type === 'ReceiptIssued') {
    const version = event.version ?? 1;
    return version <= 1 ? `receipt:${event.visitId}` : `receipt:${event.visitId}:v${version}`;
  }
  return null;
}

/** Raised by a job that must wait for another (a capture waiting for its hold); no attempt is counted. */
class Deferred extends Error {}

const bad = (message: string) => new WalkoutError('WO_BAD_REQUEST', message);

/** The money side of a store: accounts, entry, payments, receipts, disputes and the outbox that carries them out. */
export function createCommerce(deps: CommerceDeps) {
  const { repo, gateway, clock, catalog } = deps;
  const policy = deps.disputePolicy ?? DEFAULT_DISPUTE_POLICY;
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const gatewayTimeoutMs = deps.gatewayTimeoutMs ?? 10_000;
  const randomId = deps.randomId ?? ((bytes: number) => randomBytes(bytes).toString('base64url'));
  const wake = () => deps.onEnqueued?.();

  async function requireAccount(accountId: string, tx?: Tx): Promise<Account> {
    const account = await repo.account(accountId, tx);
    if (!account) throw new WalkoutError('WO_NOT_FOUND', `account ${accountId} not found`);
    return account;
  }

  /** Deliveries of a receipt version, one outbox row per channel and target. */
  async function enqueueDeliveries(receipt: Receipt, tx: Tx): Promise<void> {
    const at = clock.now();
    const jobs: OutboxJob[] = [];
    if (deps.live) jobs.push({ kind: 'deliver', receiptId: receipt.id, channel: 'live', target: 'app' });
    if (deps.mailer)
      jobs.push({ kind: 'deliver', receiptId: receipt.id, channel: 'email', target: 'shopper' });
    for (const t of deps.webhooks?.targets ?? [])
      jobs.push({ kind: 'deliver', receiptId: receipt.id, channel: 'webhook', target: t.name });
    for (const j of jobs) await repo.enqueue(j, at, tx);
  }

  /** Puts an account back in good standing once nothing is due. */
  async function refreshStanding(accountId: string, tx: Tx): Promise<void> {
    const account = await repo.account(accountId, tx);
    if (account?.status === 'payment_due' && (await repo.visitsDue(accountId, tx)).length === 0) {
      await repo.setAccountStatus(accountId, 'good', tx);
    }
  }

  /**
   * A due visit whose amount owed fell to 0 (a dispute or a revision took it all) is settled by a
   * settle round, not marked settled on the spot: its last capture or charge, sent but never
   * answered, may have gone through, and only replaying it finds out. The round gives back what it
   * took (or releases the hold), then puts the account back in good standing.
   */
  async function settleNothingOwed(visit: CommerceVisit, tx: Tx): Promise<void> {
    const round = visit.settleRound + 1;
    await repo.updateVisit(visit.visitId, { settleRound: round }, tx);
    await repo.enqueue({ kind: 'settle', visitId: visit.visitId, round }, clock.now(), tx);
  }

  /** How the gateway names a saved card: its token and the customer it is attached to. */
  const gatewayCard = (m: PaymentMethod) => ({ paymentMethod: m.gatewayToken, customer: m.gatewayCustomer });

  async function methodOf(visit: CommerceVisit, tx?: Tx): Promise<PaymentMethod | undefined> {
    if (visit.paymentMethodId) {
      const m = await repo.paymentMethod(visit.paymentMethodId, tx);
      if (m) return m;
    }
    return (await repo.paymentMethods(visit.accountId, tx))[0];
  }

  // ---- accounts -------------------------------------------------------------------------------

  /** Signs a shopper up by e-mail; returns the account and its API access token. */
  async function signUp(emailInput: unknown): Promise<{ account: Account; accessToken: string }> {
    let email: string;
    try {
      email = parseEmail(emailInput);
    } catch (e) {
      throw bad((e as Error).message);
    }
    if (await repo.accountByEmail(email))
      throw new WalkoutError('WO_CONFLICT', `email: ${email} already has an account`);
    const account: Account = { id: `acc_${randomId(9)}`, email, status: 'good', createdAt: clock.now() };
    await repo.insertAccount(account);
    return { account, accessToken: accessTokenFor(deps.signingSecret, account.id) };
  }

  /** Adds a tokenized card (the gateway's token; no card number ever reaches us). */
  async function addPaymentMethod(accountId: string, gatewayToken: string): Promise<PaymentMethod> {
    const account = await requireAccount(accountId);
    const existing = await repo.paymentMethodByToken(gatewayToken);
    if (existing) {
      if (existing.accountId !== accountId)
        throw new WalkoutError('WO_CONFLICT', 'gatewayToken: already on another account');
      return existing;
    }
    // One gateway customer per account: a second card joins the customer of the first.
    const customer =
      (await repo.paymentMethods(account.id)).find((m) => m.gatewayCustomer)?.gatewayCustomer ?? null;
    let saved;
    try {
      saved = await withTimeout(gatewayTimeoutMs, () =>
        gateway.saveMethod({
          paymentMethod: gatewayToken,
          customer,
          email: account.email,
          reference: account.id,
          idempotencyKey: `method:${account.id}:${gatewayToken}`,
        }),
      );
    } catch (e) {
      if (e instanceof GatewayError)
        throw new WalkoutError('WO_PAYMENT_FAILED', `gatewayToken: ${e.message}`);
      throw e;
    }
    const method: PaymentMethod = {
      id: `pm_${randomId(9)}`,
      accountId,
      gatewayToken,
      gatewayCustomer: saved.customer,
      brand: saved.brand,
      last4: saved.last4,
      createdAt: clock.now(),
    };
    await repo.insertPaymentMethod(method);
    return method;
  }

  /** Maps a palm-reader provider's opaque id to an account (no biometric data is stored). */
  async function registerPalm(accountId: string, palmId: string): Promise<void> {
    await requireAccount(accountId);
    if (!/^[A-Za-z0-9._:-]{4,128}$/.test(palmId))
      throw bad('palmId: expected 4–128 characters from A–Z a–z 0–9 . _ : -');
    await repo.insertPalm(palmId, accountId, clock.now());
  }

  // ---- entry ----------------------------------------------------------------------------------

  /** Issues a signed single-use QR token valid for about a minute, for `party` people. */
  async function issueEntryToken(
    accountId: string,
    party = 1,
  ): Promise<{ token: string; expiresAt: number; party: number }> {
    if (!Number.isInteger(party) || party < 1 || party > 10)
      throw bad('party: expected an integer from 1 to 10');
    const account = await requireAccount(accountId);
    if (account.status !== 'good')
      throw new WalkoutError('WO_FORBIDDEN', `account is ${account.status}: settle it before entering`);
    if ((await repo.paymentMethods(accountId)).length === 0)
      throw new WalkoutError('WO_FORBIDDEN', 'add a payment method before entering');
    const now = clock.now();
    const nonce = randomId(12);
    const expiresAt = now + QR_TTL_MS;
    await repo.insertEntryToken({ nonce, accountId, party, issuedAt: now, expiresAt });
    return { token: signQrToken(deps.signingSecret, nonce, expiresAt), expiresAt, party };
  }

  async function standing(accountId: string, tx?: Tx): Promise<AdmitRefusal | PaymentMethod> {
    const account = await repo.account(accountId, tx);
    if (!account) return 'no-account';
    if (account.status === 'payment_due') return 'payment-due';
    if (account.status !== 'good') return 'suspended';
    return (await repo.paymentMethods(accountId, tx))[0] ?? 'no-payment-method';
  }

  /**
   * The gate's check: a QR token we signed, not expired, not used, for an account in good
   * standing (used up by this call); or a card's gateway token; or a palm provider id.
   */
  async function admitToken(token: string, now: number, method?: EntryMethod | null): Promise<AdmitResult> {
    const kind: EntryMethod =
      method ?? (isQrToken(token) ? 'qr' : (await repo.paymentMethodByToken(token)) ? 'card' : 'palm');
    if (kind === 'qr') {
      const check = checkQrToken(deps.signingSecret, token, now);
      if (!check.ok) return check;
      const row = await repo.entryToken(check.nonce);
      if (!row) return { ok: false, reason: 'unknown-token' };
      if (row.usedAt !== null) return { ok: false, reason: 'already-used' };
      const s = await standing(row.accountId);
      if (typeof s === 'string') return { ok: false, reason: s };
      if (!(await repo.useEntryToken(check.nonce, now))) return { ok: false, reason: 'already-used' };
      return { ok: true, accountId: row.accountId, method: 'qr', party: row.party, paymentMethodId: s.id };
    }
    const entry = kind === 'card' ? await cardEntry(token) : await palmEntry(token);
    if (!entry) return { ok: false, reason: 'unknown-token' };
    return entry.ok ? { ...entry, party: 1 } : { ok: false, reason: entry.reason };
  }

  /** A card's gateway token as an entry, for an account in good standing; undefined when no card has it. */
  async function cardEntry(token: string, tx?: Tx): Promise<AccountEntry | undefined> {
    const card = await repo.paymentMethodByToken(token, tx);
    if (!card) return undefined;
    const s = await standing(card.accountId, tx);
    if (typeof s === 'string') return { ok: false, reason: s, accountId: card.accountId };
    return { ok: true, accountId: card.accountId, method: 'card', paymentMethodId: card.id };
  }

  /** A palm provider's id as an entry, for an account in good standing; undefined when no account has it. */
  async function palmEntry(palmId: string, tx?: Tx): Promise<AccountEntry | undefined> {
    const accountId = await repo.palmAccount(palmId, tx);
    if (!accountId) return undefined;
    const s = await standing(accountId, tx);
    if (typeof s === 'string') return { ok: false, reason: s, accountId };
    return { ok: true, accountId, method: 'palm', paymentMethodId: s.id };
  }

  /**
   * The check of an entry the engine reports (it cannot check tokens itself), inside the entry's
   * transaction. A QR token the gate admitted for this entry passes and is bound to the visit; any
   * other token gets the gate's rules at the event's time `t` (not the wall clock, so a replay
   * decides the same way), and a QR token that passes is used up and bound to the visit.
   */
  async function checkEntry(e: ShopperEntered, tx: Tx): Promise<EntryCheck> {
    const refuse = (reason: EntryRefusal, accountId: string | null = null): EntryCheck => ({
      ok: false,
      reason,
      accountId,
    });
    // A cart sign-in may report method "cart" for a QR token: the token's shape says what it is.
    const qr = e.method === 'qr' || (isQrToken(e.token) && e.method !== 'card' && e.method !== 'palm');
    if (qr) {
      const read = readQrToken(deps.signingSecret, e.token);
      if (!read.ok) return refuse(read.reason);
      const row = await repo.entryToken(read.nonce, tx);
      if (!row) return refuse('unknown-token');
      const pass: EntryCheck = { ok: true, accountId: row.accountId, method: 'qr', paymentMethodId: null };
      // Bound to this very visit already: the same entry again, not a reuse.
      if (row.visitId === e.visitId) return pass;
      if (row.visitId !== null) return refuse('already-used', row.accountId);
      if (row.usedAt !== null) {
        // The gate admitted it: this entry if it happened around the admission (the device scans,
        // then asks). An admission whose entry never came lets no later scan in.
        if (Math.abs(e.t - row.usedAt) > QR_TTL_MS) return refuse('already-used', row.accountId);
        if (!(await repo.bindEntryToken(row.nonce, e.visitId, null, tx)))
          return refuse('already-used', row.accountId);
        return pass;
      }
      // Nobody admitted it (a cart sign-in, a gate that does not ask, a replay): the gate's rules.
      if (e.t >= read.expiresAt) return refuse('expired', row.accountId);
      const s = await standing(row.accountId, tx);
      if (typeof s === 'string') return refuse(s, row.accountId);
      if (!(await repo.bindEntryToken(row.nonce, e.visitId, e.t, tx)))
        return refuse('already-used', row.accountId);
      return { ...pass, paymentMethodId: s.id };
    }
    const card = e.method !== 'palm' ? await cardEntry(e.token, tx) : undefined;
    return card ?? (await palmEntry(e.token, tx)) ?? refuse('unknown-token');
  }

  // ---- visit events -----------------------------------------------------------------------------

  /**
   * Takes the store engine's visit events: `ShopperEntered` opens the money side of a visit and
   * queues its hold, or, if its token does not pass (`checkEntry`), records the refusal and
   * nothing else; `ReceiptIssued` queues the capture (and, after it, the deliveries). Each event
   * is handled once, even if it comes twice; state and outbox rows commit together.
   */
  async function onVisitEvent(event: VisitEvent): Promise<VisitEventOutcome> {
    if (event.type === 'ShopperEntered') {
      const result = await repo.transaction(async (tx) => {
        // The inbox first: a second copy must not be checked again (its token is bound by now).
        if (!(await repo.markInbox(inboxKey(event)!, clock.now(), tx))) return 'duplicate' as const;
        const who = await checkEntry(event, tx);
        if (!who.ok) {
          await repo.insertRefusedEntry(
            {
              visitId: event.visitId,
              token: event.token,
              method: event.method,
              gateId: event.gateId,
              channel: event.channel,
              reason: who.reason,
              accountId: who.accountId,
              enteredAt: event.t,
              recordedAt: clock.now(),
              issued: null,
            },
            tx,
          );
          return 'refused' as const;
        }
        await repo.insertVisit(
          {
            visitId: event.visitId,
            accountId: who.accountId,
            token: event.token,
            method: who.method,
            paymentMethodId:
              who.paymentMethodId ?? (await repo.paymentMethods(who.accountId, tx))[0]?.id ?? null,
            enteredAt: event.t,
            holdId: null,
            holdAmount: deps.holdAmount,
            holdStatus: deps.holdAmount > 0 ? 'pending' : 'none',
            paymentStatus: 'open',
            chargeId: null,
            chargedAmount: 0,
            dueAmount: 0,
            settleRound: 0,
            lastPayment: null,
            currency: deps.currency,
            issued: null,
          },
          tx,
        );
        if (deps.holdAmount > 0)
          await repo.enqueue({ kind: 'hold', visitId: event.visitId }, clock.now(), tx);
        return 'handled' as const;
      });
      if (result === 'handled') wake();
      return result;
    }
    if (event.type === 'ReceiptIssued') {
      const version = event.version ?? 1;
      const result = await repo.transaction(async (tx) => {
        const visit = await repo.visit(event.visitId, tx);
        const refused = visit ? undefined : await repo.refusedEntry(event.visitId, tx);
        if (!visit && !refused) return 'unknown-visit' as const;
        if (!(await repo.markInbox(inboxKey(event)!, clock.now(), tx))) return 'duplicate' as const;
        const issued: IssuedVisit = {
          version,
          exitedAt: event.exitedAt,
          issuedAt: event.t,
          lines: event.lines.map((l) => ({
            sku: l.sku,
            quantity: l.quantity,
            unitPrice: l.unitPrice,
            ...(l.grams !== undefined ? { grams: l.grams } : {}),
          })),
          total: event.total,
          tax: event.tax,
          currency: event.currency,
          reviewed: event.reviewed,
        };
        if (!visit) {
          // Nothing is charged for a refused entry; operators see what left the store with it.
          if ((refused!.issued?.version ?? 0) < version)
            await repo.setRefusedIssued(event.visitId, issued, tx);
          return 'refused' as const;
        }
        // An older version arriving after a newer one changes nothing.
        if (visit.issued && (visit.issued.version ?? 1) >= version) return 'duplicate' as const;
        if (visit.issued) {
          // The engine revised a receipt (a review settled after the exit): charge or refund the difference.
          await repo.enqueue({ kind: 'revise', visitId: event.visitId, version, issued }, clock.now(), tx);
        } else {
          await repo.updateVisit(event.visitId, { issued }, tx);
          await repo.enqueue({ kind: 'settle', visitId: event.visitId, round: 0 }, clock.now(), tx);
        }
        return 'handled' as const;
      });
      if (result === 'handled') wake();
      return result;
    }
    return 'ignored';
  }

  // ---- disputes ---------------------------------------------------------------------------------

  /** A shopper flags a receipt line; refunded at once within the monthly limit, else queued for an operator. */
  async function disputeLine(
    accountId: string,
    visitId: string,
    claim: { sku: string; kind: DisputeKind; quantity?: number },
  ): Promise<Dispute> {
    const history = await repo.receiptHistory(visitId);
    const latest = history.at(-1);
    if (!latest || latest.accountId !== accountId)
      throw new WalkoutError('WO_NOT_FOUND', `receipt for visit ${visitId} not found`);
    const line = latest.lines.find((l) => l.sku === claim.sku);
    if (!line) throw bad(`sku: ${claim.sku} is not on the receipt of visit ${visitId}`);
    const now = clock.now();
    const month = monthOf(now);
    const dispute = await repo.transaction(async (tx) => {
      // The account's disputes one at a time, every check inside: two at once could otherwise both
      // pass the monthly limit, or both refund one line (on PostgreSQL, and between the awaits of
      // two requests on SQLite).
      await repo.lockAccount(accountId, tx);
      const ofLine = (await repo.disputesOfVisit(visitId, tx)).filter((d) => d.sku === claim.sku);
      if (ofLine.some((d) => d.status === 'queued'))
        throw new WalkoutError(
          'WO_CONFLICT',
          `sku: a dispute of ${claim.sku} is already waiting for an operator`,
        );
      // A refund granted but not yet on a receipt version (its job has not run) is refunded already.
      const granted = ofLine
        .filter((d) => d.status === 'refunded' || d.status === 'approved')
        .filter((d) => !latest.refunds.some((r) => r.disputeId === d.id))
        .reduce((s, d) => s + d.chargedQuantity - d.claimedQuantity, 0);
      const charged = chargedQuantity(latest, claim.sku) - granted;
      if (charged <= 0)
        throw new WalkoutError('WO_CONFLICT', `sku: ${claim.sku} was already refunded in full`);
      let claimed: number;
      try {
        claimed = claimedQuantity(claim.kind, charged, claim.quantity);
      } catch (e) {
        throw bad((e as Error).message);
      }
      const amount = lineRefundAmount(line, charged - claimed);
      const already = await repo.autoRefundedBetween(accountId, month.from, month.to, tx);
      const verdict = decideDispute(policy, amount, already);
      const d: Dispute = {
        id: `dsp_${randomId(9)}`,
        visitId,
        accountId,
        sku: claim.sku,
        kind: claim.kind,
        chargedQuantity: charged,
        claimedQuantity: claimed,
        amount,
        status: verdict === 'refund' ? 'refunded' : 'queued',
        decidedBy: verdict === 'refund' ? 'policy' : null,
        note: null,
        createdAt: now,
        decidedAt: verdict === 'refund' ? now : null,
      };
      await repo.insertDispute(d, tx);
      if (verdict === 'refund') await repo.enqueue({ kind: 'refund', disputeId: d.id }, now, tx);
      return d;
    });
    wake();
    return dispute;
  }

  /** An operator's decision on a queued dispute: approve refunds it, reject keeps the charge. */
  async function decide(
    disputeId: string,
    decision: { approve: boolean; by: string; note?: string },
  ): Promise<Dispute> {
    const now = clock.now();
    await repo.transaction(async (tx) => {
      const ok = await repo.decideDispute(
        disputeId,
        {
          status: decision.approve ? 'approved' : 'rejected',
          decidedBy: decision.by,
          note: decision.note ?? null,
          decidedAt: now,
        },
        tx,
      );
      if (!ok) {
        const d = await repo.dispute(disputeId, tx);
        throw d
          ? new WalkoutError('WO_CONFLICT', `dispute ${disputeId} is ${d.status}, not queued`)
          : new WalkoutError('WO_NOT_FOUND', `dispute ${disputeId} not found`);
      }
      if (decision.approve) await repo.enqueue({ kind: 'refund', disputeId }, now, tx);
    });
    wake();
    return (await repo.dispute(disputeId))!;
  }

  /** Retries every due payment of an account (with its newest card); the gate admits it again once paid. */
  async function settleDue(accountId: string): Promise<{ queued: number }> {
    const due = await repo.visitsDue(accountId);
    const now = clock.now();
    await repo.transaction(async (tx) => {
      const newest = (await repo.paymentMethods(accountId, tx))[0];
      for (const v of due) {
        const round = v.settleRound + 1;
        await repo.updateVisit(
          v.visitId,
          { settleRound: round, ...(newest ? { paymentMethodId: newest.id } : {}) },
          tx,
        );
        await repo.enqueue({ kind: 'settle', visitId: v.visitId, round }, now, tx);
      }
    });
    wake();
    return { queued: due.length };
  }

  // ---- the outbox -------------------------------------------------------------------------------

  async function runHold(visitId: string): Promise<void> {
    const visit = await repo.visit(visitId);
    if (!visit || visit.holdStatus !== 'pending') return;
    const method = await methodOf(visit);
    if (!method) {
      await repo.updateVisit(visitId, { holdStatus: 'declined' });
      return;
    }
    try {
      const { holdId } = await withTimeout(gatewayTimeoutMs, () =>
        gateway.hold({
          amount: visit.holdAmount,
          currency: visit.currency,
          ...gatewayCard(method),
          reference: visitId,
          idempotencyKey: `hold:${visitId}`,
        }),
      );
      await repo.updateVisit(visitId, { holdId, holdStatus: 'held', paymentMethodId: method.id });
    } catch (e) {
      // A declined hold does not stop the visit: at exit the store tries a direct charge.
      if (e instanceof GatewayError && !e.retryable)
        await repo.updateVisit(visitId, { holdStatus: 'declined' });
      else throw e;
    }
  }

  /** Pays for a visit at exit (round 0) or settles a due payment (round ≥ 1), then makes the receipt. */
  async function runSettle(row: OutboxRow, visitId: string, round: number): Promise<'done' | 'failed'> {
    let visit = await repo.visit(visitId);
    if (!visit?.issued) return 'done';
    if (round === 0 && visit.holdStatus === 'pending') {
      const hold = await repo.job(`hold:${visitId}`);
      if (hold?.status === 'pending') throw new Deferred('waiting for the hold');
      // The hold may have finished since the visit was read: read it again, or a held card would look unheld.
      visit = (await repo.visit(visitId))!;
    }
    const issued = visit.issued!;
    const method = await methodOf(visit);
    if (round === 0) {
      const total = issued.total;
      let payment: ReceiptPayment;
      let patch: Partial<CommerceVisit>;
      if (total === 0) {
        await releaseHold(visit);
        payment = paymentView('none', 0, method, null);
        patch = {
          holdStatus: visit.holdStatus === 'held' ? 'released' : visit.holdStatus,
          paymentStatus: 'released',
        };
      } else if (visit.holdStatus === 'held' && visit.holdId && total <= visit.holdAmount) {
        const c = await pay(visit, {
          op: 'capture',
          key: `capture:${visitId}`,
          holdId: visit.holdId,
          amount: total,
        });
        payment = paymentView('captured', c.amount, method, c.chargeId);
        patch = {
          holdStatus: 'captured',
          paymentStatus: 'captured',
          chargeId: c.chargeId,
          chargedAmount: c.amount,
        };
      } else {
        if (!method) throw new GatewayError('declined', 'no_payment_method', 'no payment method on file');
        const c = await pay(visit, {
          op: 'charge',
          key: `charge:${visitId}:0`,
          ...gatewayCard(method),
          amount: total,
          currency: issued.currency,
          reference: visitId,
        });
        await releaseHold(visit);
        payment = paymentView('charged', c.amount, method, c.chargeId);
        patch = {
          holdStatus: visit.holdStatus === 'held' ? 'released' : visit.holdStatus,
          paymentStatus: 'charged',
          chargeId: c.chargeId,
          chargedAmount: c.amount,
        };
      }
      await repo.transaction(async (tx) => {
        await repo.updateVisit(visitId, patch, tx);
        const receipt = firstReceipt({ ...visit, issued }, catalog, payment);
        await repo.insertReceipt(receipt, clock.now(), tx);
        await enqueueDeliveries(receipt, tx);
        await repo.finishJob(row.id, clock.now(), tx);
      });
      return 'done';
    }
    // Settling a due payment. The last capture or charge is replayed first, with its own key: if its
    // answers were lost it may have gone through, and the replay returns what it did (or does it now).
    // Only when the gateway says it was declined is a fresh charge made, with a fresh key (the old key
    // would replay its decline) and the shopper's newest card.
    // A due visit owing nothing goes on too (see settleNothingOwed): its last call may have taken money.
    if (visit.paymentStatus !== 'due') return 'done';
    let c: { chargeId: string; amount: number } | null = null;
    let holdStatus = visit.holdStatus;
    if (visit.lastPayment) {
      const last = visit.lastPayment;
      try {
        c = await pay(visit, last);
        if (last.op === 'capture') holdStatus = 'captured';
      } catch (e) {
        if (!(e instanceof GatewayError) || e.retryable) throw e;
      }
    }
    if (!c) {
      if (visit.holdStatus === 'held' && visit.holdId) {
        // The hold will not be captured now: give the shopper's funds back before charging.
        try {
          await releaseHold(visit);
        } catch (e) {
          // A hold the gateway no longer has (expired) needs no release.
          if (!(e instanceof GatewayError) || e.retryable) throw e;
        }
        holdStatus = 'released';
      }
      if (visit.dueAmount > 0) {
        if (!method) throw new GatewayError('declined', 'no_payment_method', 'no payment method on file');
        c = await pay(visit, {
          op: 'charge',
          key: `charge:${visitId}:${round}`,
          ...gatewayCard(method),
          amount: visit.dueAmount,
          currency: visit.currency,
          reference: visitId,
        });
      }
    }
    // A replayed capture takes the total as it was at exit; a refund while the payment was due
    // lowered what is owed (to 0, maybe), so the difference goes back at once.
    const charge = c;
    const excess = (charge?.amount ?? 0) - visit.dueAmount;
    if (charge && excess > 0)
      await withTimeout(gatewayTimeoutMs, () =>
        gateway.refund({
          chargeId: charge.chargeId,
          amount: excess,
          idempotencyKey: `refund:${visitId}:due`,
        }),
      );
    const paid = Math.min(charge?.amount ?? 0, visit.dueAmount);
    await repo.transaction(async (tx) => {
      await repo.updateVisit(
        visitId,
        {
          paymentStatus: 'settled',
          dueAmount: 0,
          holdStatus,
          chargeId: charge?.chargeId ?? null,
          chargedAmount: paid,
        },
        tx,
      );
      const prev = (await repo.receiptHistory(visitId, tx)).at(-1);
      if (prev) {
        const receipt = settledReceipt(prev, paymentView('settled', paid, method, charge?.chargeId ?? null));
        await repo.insertReceipt(receipt, clock.now(), tx);
        await enqueueDeliveries(receipt, tx);
      }
      await repo.finishJob(row.id, clock.now(), tx);
      await refreshStanding(visit.accountId, tx);
    });
    return 'done';
  }

  /** Releases a visit's hold, if it has one still held (one key per visit: a release happens once). */
  async function releaseHold(visit: CommerceVisit): Promise<void> {
    const holdId = visit.holdId;
    if (visit.holdStatus !== 'held' || !holdId) return;
    await withTimeout(gatewayTimeoutMs, () =>
      gateway.release({ holdId, idempotencyKey: `release:${visit.visitId}` }),
    );
  }

  /**
   * Sends a capture or charge, first noting it on the visit: whatever happens to its answer,
   * settling later replays exactly this call.
   */
  async function pay(
    visit: CommerceVisit,
    attempt: PaymentAttempt,
  ): Promise<{ chargeId: string; amount: number }> {
    if (JSON.stringify(visit.lastPayment) !== JSON.stringify(attempt))
      await repo.updateVisit(visit.visitId, { lastPayment: attempt });
    return withTimeout(gatewayTimeoutMs, () =>
      attempt.op === 'capture'
        ? gateway.capture({ holdId: attempt.holdId, amount: attempt.amount, idempotencyKey: attempt.key })
        : gateway.charge({
            amount: attempt.amount,
            currency: attempt.currency,
            paymentMethod: attempt.paymentMethod,
            customer: attempt.customer,
            reference: attempt.reference,
            idempotencyKey: attempt.key,
          }),
    );
  }

  /** A capture that finally failed: the shopper owes the total, the gate refuses them, the receipt says so. */
  async function paymentFailed(row: OutboxRow, visitId: string, round: number, error: string): Promise<void> {
    const visit = await repo.visit(visitId);
    if (!visit?.issued) return;
    const issued = visit.issued;
    const method = await methodOf(visit);
    await repo.transaction(async (tx) => {
      await repo.killJob(row.id, row.attempts + 1, error, clock.now(), tx);
      await repo.setAccountStatus(visit.accountId, 'payment_due', tx);
      if (round === 0) {
        await repo.updateVisit(visitId, { paymentStatus: 'due', dueAmount: issued.total }, tx);
        const receipt = firstReceipt(
          { ...visit, issued },
          catalog,
          paymentView('due', issued.total, method, null),
        );
        await repo.insertReceipt(receipt, clock.now(), tx);
        await enqueueDeliveries(receipt, tx);
      }
    });
  }

  async function runRefund(row: OutboxRow, disputeId: string): Promise<void> {
    const d = await repo.dispute(disputeId);
    if (!d) return;
    const visit = await repo.visit(d.visitId);
    if (!visit) return;
    let refundRef: string | null = null;
    if (
      (visit.paymentStatus === 'captured' ||
        visit.paymentStatus === 'charged' ||
        visit.paymentStatus === 'settled') &&
      visit.chargeId
    ) {
      const chargeId = visit.chargeId;
      const r = await withTimeout(gatewayTimeoutMs, () =>
        gateway.refund({ chargeId, amount: d.amount, idempotencyKey: `refund:${disputeId}` }),
      );
      refundRef = r.refundId;
    }
    const method = await methodOf(visit);
    await repo.transaction(async (tx) => {
      const prev = (await repo.receiptHistory(d.visitId, tx)).at(-1);
      if (prev) {
        let payment = prev.payment;
        if (visit.paymentStatus === 'due') {
          // Nothing was taken yet, as far as we know: the refund lowers what is owed, moving no money.
          const dueAmount = Math.max(0, visit.dueAmount - d.amount);
          await repo.updateVisit(d.visitId, { dueAmount }, tx);
          // Nothing owed any more: a capture whose answers were lost may still have taken the old total.
          if (dueAmount === 0) await settleNothingOwed(visit, tx);
          payment = paymentView('due', dueAmount, method, null);
        }
        const receipt = refundedReceipt(
          prev,
          {
            disputeId,
            sku: d.sku,
            quantity: d.chargedQuantity - d.claimedQuantity,
            amount: d.amount,
            at: clock.now(),
          },
          payment,
        );
        await repo.insertReceipt(receipt, clock.now(), tx);
        await enqueueDeliveries(receipt, tx);
        await refreshStanding(visit.accountId, tx);
      }
      void refundRef;
      await repo.finishJob(row.id, clock.now(), tx);
    });
  }

  /** A later version of the engine's receipt: refund or charge the difference, then a `revised` receipt version. */
  async function runRevise(
    row: OutboxRow,
    visitId: string,
    version: number,
    issued: IssuedVisit,
  ): Promise<void> {
    const visit = await repo.visit(visitId);
    if (!visit?.issued || (visit.issued.version ?? 1) >= version) return;
    if (visit.paymentStatus === 'open') {
      const settle = await repo.job(`settle:${visitId}:0`);
      if (settle?.status === 'pending') throw new Deferred('waiting for the payment at exit');
    }
    const delta = issued.total - visit.issued.total;
    const method = await methodOf(visit);
    const paid =
      visit.paymentStatus === 'captured' ||
      visit.paymentStatus === 'charged' ||
      visit.paymentStatus === 'settled' ||
      visit.paymentStatus === 'released';
    const patch: Partial<CommerceVisit> = { issued };
    let payment: ReceiptPayment | undefined;
    if (visit.paymentStatus === 'due') {
      const dueAmount = Math.max(0, visit.dueAmount + delta);
      patch.dueAmount = dueAmount;
      payment = paymentView('due', dueAmount, method, null);
    } else if (paid && delta < 0 && visit.chargeId) {
      const chargeId = visit.chargeId;
      await withTimeout(gatewayTimeoutMs, () =>
        gateway.refund({ chargeId, amount: -delta, idempotencyKey: `revise:${visitId}:${version}` }),
      );
      payment = paymentView(
        visit.paymentStatus === 'settled' ? 'settled' : 'captured',
        visit.chargedAmount + delta,
        method,
        chargeId,
      );
      patch.chargedAmount = visit.chargedAmount + delta;
    } else if (paid && delta > 0) {
      if (!method) throw new GatewayError('declined', 'no_payment_method', 'no payment method on file');
      const c = await withTimeout(gatewayTimeoutMs, () =>
        gateway.charge({
          amount: delta,
          currency: issued.currency,
          ...gatewayCard(method),
          reference: visitId,
          idempotencyKey: `charge:${visitId}:v${version}`,
        }),
      );
      // Refunds go against the main charge; a first charge after a released hold becomes the main one.
      if (!visit.chargeId) {
        patch.chargeId = c.chargeId;
        patch.paymentStatus = 'charged';
      }
      patch.chargedAmount = visit.chargedAmount + c.amount;
      payment = paymentView('charged', visit.chargedAmount + c.amount, method, visit.chargeId ?? c.chargeId);
    }
    await repo.transaction(async (tx) => {
      await repo.updateVisit(visitId, patch, tx);
      // A due visit the review left owing nothing is settled (hold released, a lost capture refunded).
      if (patch.dueAmount === 0) await settleNothingOwed(visit, tx);
      const prev = (await repo.receiptHistory(visitId, tx)).at(-1);
      if (prev) {
        const next = revisedReceipt(
          prev,
          firstReceipt({ ...visit, issued }, catalog, payment ?? prev.payment),
        );
        await repo.insertReceipt(next, clock.now(), tx);
        await enqueueDeliveries(next, tx);
      }
      await repo.finishJob(row.id, clock.now(), tx);
    });
  }

  async function runDelivery(
    receiptId: string,
    channel: 'email' | 'webhook' | 'live',
    target: string,
  ): Promise<void> {
    const receipt = await repo.receipt(receiptId);
    if (!receipt) return;
    if (channel === 'live') {
      deps.live?.publish(receipt);
      return;
    }
    if (channel === 'email') {
      const account = await repo.account(receipt.accountId);
      if (!account || !deps.mailer) return;
      const history = await repo.receiptHistory(receipt.visitId);
      await deps.mailer.send({
        to: account.email,
        subject: `${receipt.store.name} receipt${receipt.version > 1 ? ` (updated, version ${receipt.version})` : ''}`,
        text: receiptText(receipt),
        html: receiptHtml(
          receipt,
          history.filter((h) => h.version <= receipt.version),
        ),
        messageId: `<receipt-${receipt.id}@walkout.${catalog.storeId}>`,
        attachments:
          deps.emailPdf === false
            ? []
            : [
                {
                  filename: `receipt-${receipt.id}.pdf`,
                  content: await receiptPdf(receipt),
                  contentType: 'application/pdf',
                },
              ],
      });
      return;
    }
    const t = deps.webhooks?.targets.find((x) => x.name === target);
    if (!t || !deps.webhooks) return;
    await deps.webhooks.sender.send(t, {
      id: `evt_${receipt.id}`,
      type: receipt.version === 1 ? 'receipt.issued' : 'receipt.updated',
      created: receipt.issuedAt,
      data: receipt,
    });
  }

  /** Runs one job; returns how it ended. Money moves only through keys, so running a job twice is harmless. */
  async function runJob(row: OutboxRow): Promise<'done' | 'retried' | 'deferred' | 'dead'> {
    const job = row.job;
    try {
      switch (job.kind) {
        case 'hold':
          await runHold(job.visitId);
          await repo.finishJob(row.id, clock.now());
          return 'done';
        case 'settle':
          await runSettle(row, job.visitId, job.round);
          if ((await repo.job(row.key))?.status === 'pending') await repo.finishJob(row.id, clock.now());
          return 'done';
        case 'refund':
          await runRefund(row, job.disputeId);
          return 'done';
        case 'revise':
          await runRevise(row, job.visitId, job.version, job.issued);
          if ((await repo.job(row.key))?.status === 'pending') await repo.finishJob(row.id, clock.now());
          return 'done';
        case 'deliver':
          await runDelivery(job.receiptId, job.channel, job.target);
          await repo.finishJob(row.id, clock.now());
          return 'done';
        default: {
          const never: never = job;
          throw new Error(`unknown job ${JSON.stringify(never)}`);
        }
      }
    } catch (e) {
      const now = clock.now();
      if (e instanceof Deferred) {
        await repo.retryJob(row.id, row.attempts, now + 50, e.message);
        return 'deferred';
      }
      const message = e instanceof Error ? e.message : String(e);
      const hard = e instanceof GatewayError && !e.retryable;
      const attempts = row.attempts + 1;
      if (hard || attempts >= backoff.maxAttempts) {
        if (job.kind === 'settle') await paymentFailed(row, job.visitId, job.round, message);
        else if (job.kind === 'hold') {
          await repo.updateVisit(job.visitId, { holdStatus: 'declined' });
          await repo.killJob(row.id, attempts, message, now);
        } else await repo.killJob(row.id, attempts, message, now);
        return 'dead';
      }
      await repo.retryJob(row.id, attempts, now + backoffDelay(backoff, attempts, row.key), message);
      return 'retried';
    }
  }

  /**
   * Runs every job due now, oldest first, a few at a time, until none is left. One drain at a time
   * per database: jobs of one visit order themselves (a capture defers until its hold is done,
   * deliveries are queued only once the payment is settled).
   */
  async function drainOutbox(limit = 100): Promise<DrainReport> {
    const report: DrainReport = { done: 0, retried: 0, deferred: 0, dead: 0 };
    const concurrency = Math.max(1, deps.outboxConcurrency ?? 4);
    for (;;) {
      const rows = await repo.dueJobs(clock.now(), limit);
      if (rows.length === 0) return report;
      let progressed = false;
      let next = 0;
      const lane = async () => {
        while (next < rows.length) {
          const row = rows[next++]!;
          const outcome = await runJob(row);
          report[outcome]++;
          if (outcome !== 'deferred') progressed = true;
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, lane));
      if (!progressed) return report;
    }
  }

  return {
    deps,
    signUp,
    authenticate: (accessToken: string) => accountOfAccessToken(deps.signingSecret, accessToken),
    accessTokenFor: (accountId: string) => accessTokenFor(deps.signingSecret, accountId),
    account: requireAccount,
    paymentMethods: (accountId: string) => repo.paymentMethods(accountId),
    addPaymentMethod,
    registerPalm,
    issueEntryToken,
    admitToken,
    onVisitEvent,
    disputeLine,
    decideDispute: decide,
    disputes: repo.disputes,
    /** Entries the engine reported whose token was refused (no hold, no charge), oldest first: for operators. */
    refusedEntries: (filter: { reason?: EntryRefusal; accountId?: string } = {}) =>
      repo.refusedEntries(filter),
    settleDue,
    receipts: (accountId: string) => repo.receiptsOf(accountId),
    receiptHistory: (visitId: string) => repo.receiptHistory(visitId),
    drainOutbox,
    runJob,
  };
}

export type Commerce = ReturnType<typeof createCommerce>;

/**
 * Runs the outbox in the background: drains at once when woken, else every `pollMs`, and at the
 * next retry time. Returns `wake` (pass it as `onEnqueued`) and `stop`.
 */
export function startOutboxWorker(
  commerce: Pick<Commerce, 'drainOutbox'>,
  opts: { pollMs?: number; onError?: (e: unknown) => void } = {},
) {
  const pollMs = opts.pollMs ?? 200;
  let stopped = false;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let idle: Promise<void> = Promise.resolve();
  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(kick, ms);
  };
  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    idle = commerce
      .drainOutbox()
      .then(
        () => undefined,
        (e: unknown) => opts.onError?.(e),
      )
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          kick();
        } else schedule(pollMs);
      });
  }
  schedule(0);
  return {
    wake: kick,
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await idle;
    },
  };
}
