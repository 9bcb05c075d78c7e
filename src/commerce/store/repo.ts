import { PostgresAdapter, type Kysely, type Selectable, type Transaction } from 'kysely';
import type {
  Account,
  AccountStatus,
  CommerceVisit,
  Dispute,
  DisputeKind,
  DisputeStatus,
  EntryMethod,
  EntryRefusal,
  HoldStatus,
  IssuedVisit,
  PaymentAttempt,
  PaymentMethod,
  PaymentStatus,
  Receipt,
  RefusedEntry,
} from '../types.js';
import { jobKey, type OutboxJob, type OutboxKind } from '../outbox/jobs.js';

/** Column types of the commerce tables (see migrations.ts). Bigints may come back as strings from pg. */
export interface CommerceTables {
  commerce_accounts: { id: string; email: string; status: string; created_at: number };
  commerce_payment_methods: {
    id: string;
    account_id: string;
    gateway_token: string;
    gateway_customer: string | null;
    brand: string;
    last4: string;
    created_at: number;
  };
  commerce_palms: { palm_id: string; account_id: string; created_at: number };
  commerce_entry_tokens: {
    nonce: string;
    account_id: string;
    party: number;
    issued_at: number;
    expires_at: number;
    used_at: number | null;
    /** The visit the token let in (migration 002); null until the engine reports the entry. */
    visit_id: string | null;
  };
  /** Entries the engine reported whose token the money side refused (migration 002). */
  commerce_refused_entries: {
    visit_id: string;
    token: string;
    method: string | null;
    gate_id: string;
    channel: string;
    reason: string;
    account_id: string | null;
    entered_at: number;
    recorded_at: number;
    /** JSON of the ReceiptIssued facts (IssuedVisit) if the engine later issued one: what left unpaid. */
    issued: string | null;
  };
  commerce_visits: {
    visit_id: string;
    account_id: string;
    token: string;
    method: string;
    payment_method_id: string | null;
    entered_at: number;
    hold_id: string | null;
    hold_amount: number;
    hold_status: string;
    payment_status: string;
    charge_id: string | null;
    charged_amount: number;
    due_amount: number;
    settle_round: number;
    /** JSON of the newest capture or charge sent (PaymentAttempt), or null. */
    last_payment: string | null;
    currency: string;
    /** JSON of the ReceiptIssued facts (IssuedVisit), set once at exit. */
    issued: string | null;
  };
  commerce_inbox: { key: string; received_at: number };
  commerce_receipts: {
    id: string;
    visit_id: string;
    version: number;
    account_id: string;
    body: string;
    created_at: number;
  };
  commerce_disputes: {
    id: string;
    visit_id: string;
    account_id: string;
    sku: string;
    kind: string;
    charged_quantity: number;
    claimed_quantity: number;
    amount: number;
    status: string;
    decided_by: string | null;
    note: string | null;
    created_at: number;
    decided_at: number | null;
  };
  commerce_outbox: {
    id: import('kysely').Generated<number>;
    kind: string;
    key: string;
    payload: string;
    status: string;
    attempts: number;
    next_at: number;
    last_error: string | null;
    created_at: number;
    done_at: number | null;
  };
}

export type CommerceDb = Kysely<CommerceTables>;
/** A database handle or an open transaction: every query takes either. */
export type Tx = Kysely<CommerceTables> | Transaction<CommerceTables>;

export type OutboxStatus = 'pending' | 'done' | 'dead';

export interface OutboxRow {
  id: number;
  key: string;
  job: OutboxJob;
  status: OutboxStatus;
  attempts: number;
  nextAt: number;
  lastError: string | null;
}

const n = (v: number | string | bigint | null): number => Number(v);
/**
 * A time as the tables keep it: whole milliseconds. The engine's times may carry fractions (the
 * simulator's clock does), and PostgreSQL refuses those for a bigint column, in a value and in a
 * comparison alike; SQLite would keep them as REAL. Every time written or compared goes through here.
 */
const ms = (t: number): number => Math.round(t);
const msOrNull = (t: number | null): number | null => (t === null ? null : ms(t));
const nn = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

const toAccount = (r: Selectable<CommerceTables['commerce_accounts']>): Account => ({
  id: r.id,
  email: r.email,
  status: r.status as AccountStatus,
  createdAt: n(r.created_at),
});
const toMethod = (r: Selectable<CommerceTables['commerce_payment_methods']>): PaymentMethod => ({
  id: r.id,
  accountId: r.account_id,
  gatewayToken: r.gateway_token,
  gatewayCustomer: r.gateway_customer,
  brand: r.brand,
  last4: r.last4,
  createdAt: n(r.created_at),
});
/** Charges stored before cards had gateway customers carry none: replayed without one, as first sent. */
const toAttempt = (json: string): PaymentAttempt => {
  const a = JSON.parse(json) as PaymentAttempt;
  return a.op === 'charge' ? { ...a, customer: a.customer ?? null } : a;
};
const toVisit = (r: Selectable<CommerceTables['commerce_visits']>): CommerceVisit => ({
  visitId: r.visit_id,
  accountId: r.account_id,
  token: r.token,
  method: r.method as EntryMethod,
  paymentMethodId: r.payment_method_id,
  enteredAt: n(r.entered_at),
  holdId: r.hold_id,
  holdAmount: n(r.hold_amount),
  holdStatus: r.hold_status as HoldStatus,
  paymentStatus: r.payment_status as PaymentStatus,
  chargeId: r.charge_id,
  chargedAmount: n(r.charged_amount),
  dueAmount: n(r.due_amount),
  settleRound: n(r.settle_round),
  lastPayment: r.last_payment === null ? null : toAttempt(r.last_payment),
  currency: r.currency,
  issued: r.issued === null ? null : (JSON.parse(r.issued) as IssuedVisit),
});
const toDispute = (r: Selectable<CommerceTables['commerce_disputes']>): Dispute => ({
  id: r.id,
  visitId: r.visit_id,
  accountId: r.account_id,
  sku: r.sku,
  kind: r.kind as DisputeKind,
  chargedQuantity: n(r.charged_quantity),
  claimedQuantity: n(r.claimed_quantity),
  amount: n(r.amount),
  status: r.status as DisputeStatus,
  decidedBy: r.decided_by,
  note: r.note,
  createdAt: n(r.created_at),
  decidedAt: nn(r.decided_at),
});
const toRefused = (r: Selectable<CommerceTables['commerce_refused_entries']>): RefusedEntry => ({
  visitId: r.visit_id,
  token: r.token,
  method: r.method,
  gateId: r.gate_id,
  channel: r.channel,
  reason: r.reason as EntryRefusal,
  accountId: r.account_id,
  enteredAt: n(r.entered_at),
  recordedAt: n(r.recorded_at),
  issued: r.issued === null ? null : (JSON.parse(r.issued) as IssuedVisit),
});
const toOutbox = (r: Selectable<CommerceTables['commerce_outbox']>): OutboxRow => ({
  id: n(r.id),
  key: r.key,
  job: JSON.parse(r.payload) as OutboxJob,
  status: r.status as OutboxStatus,
  attempts: n(r.attempts),
  nextAt: n(r.next_at),
  lastError: r.last_error,
});

/** The commerce repository: named queries over the commerce tables, each taking an optional transaction. */
export function createCommerceRepo(db: CommerceDb) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    db,
    /** Runs `fn` in one transaction: a state change and the outbox rows it causes commit together. */
    transaction<T>(fn: (trx: Transaction<CommerceTables>) => Promise<T>): Promise<T> {
      return db.transaction().execute(fn);
    },

    async insertAccount(a: Account, tx: Tx = db): Promise<void> {
      await tx
        .insertInto('commerce_accounts')
        .values({ id: a.id, email: a.email, status: a.status, created_at: ms(a.createdAt) })
        .execute();
    },
    async account(id: string, tx: Tx = db): Promise<Account | undefined> {
      const r = await tx.selectFrom('commerce_accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toAccount(r);
    },
    async accountByEmail(email: string, tx: Tx = db): Promise<Account | undefined> {
      const r = await tx
        .selectFrom('commerce_accounts')
        .selectAll()
        .where('email', '=', email)
        .executeTakeFirst();
      return r && toAccount(r);
    },
    /**
     * Holds the account's row until `tx` ends, so transactions that read the account's disputes and
     * then add one take turns. PostgreSQL (read committed) would let two read the same sum: `SELECT …
     * FOR UPDATE`. SQLite needs nothing (and has no FOR UPDATE): kysely runs it on one connection,
     * one transaction at a time.
     */
    async lockAccount(id: string, tx: Transaction<CommerceTables>): Promise<void> {
      if (!pg) return;
      await tx.selectFrom('commerce_accounts').select('id').where('id', '=', id).forUpdate().execute();
    },
    async setAccountStatus(id: string, status: AccountStatus, tx: Tx = db): Promise<void> {
      await tx.updateTable('commerce_accounts').set({ status }).where('id', '=', id).execute();
    },

    async insertPaymentMethod(m: PaymentMethod, tx: Tx = db): Promise<void> {
      await tx
        .insertInto('commerce_payment_methods')
        .values({
          id: m.id,
          account_id: m.accountId,
          gateway_token: m.gatewayToken,
          gateway_customer: m.gatewayCustomer,
          brand: m.brand,
          last4: m.last4,
          created_at: ms(m.createdAt),
        })
        .execute();
    },
    async paymentMethods(accountId: string, tx: Tx = db): Promise<PaymentMethod[]> {
      const rows = await tx
        .selectFrom('commerce_payment_methods')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toMethod);
    },
    async paymentMethod(id: string, tx: Tx = db): Promise<PaymentMethod | undefined> {
      const r = await tx
        .selectFrom('commerce_payment_methods')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return r && toMethod(r);
    },
    async paymentMethodByToken(gatewayToken: string, tx: Tx = db): Promise<PaymentMethod | undefined> {
      const r = await tx
        .selectFrom('commerce_payment_methods')
        .selectAll()
        .where('gateway_token', '=', gatewayToken)
        .executeTakeFirst();
      return r && toMethod(r);
    },

    async insertPalm(palmId: string, accountId: string, at: number, tx: Tx = db): Promise<void> {
      await tx
        .insertInto('commerce_palms')
        .values({ palm_id: palmId, account_id: accountId, created_at: ms(at) })
        .onConflict((oc) => oc.column('palm_id').doUpdateSet({ account_id: accountId, created_at: ms(at) }))
        .execute();
    },
    async palmAccount(palmId: string, tx: Tx = db): Promise<string | undefined> {
      const r = await tx
        .selectFrom('commerce_palms')
        .select('account_id')
        .where('palm_id', '=', palmId)
        .executeTakeFirst();
      return r?.account_id;
    },

    async insertEntryToken(
      t: { nonce: string; accountId: string; party: number; issuedAt: number; expiresAt: number },
      tx: Tx = db,
    ): Promise<void> {
      await tx
        .insertInto('commerce_entry_tokens')
        .values({
          nonce: t.nonce,
          account_id: t.accountId,
          party: t.party,
          issued_at: ms(t.issuedAt),
          expires_at: ms(t.expiresAt),
          used_at: null,
          visit_id: null,
        })
        .execute();
    },
    async entryToken(nonce: string, tx: Tx = db) {
      const r = await tx
        .selectFrom('commerce_entry_tokens')
        .selectAll()
        .where('nonce', '=', nonce)
        .executeTakeFirst();
      return (
        r && {
          nonce: r.nonce,
          accountId: r.account_id,
          party: n(r.party),
          issuedAt: n(r.issued_at),
          expiresAt: n(r.expires_at),
          usedAt: nn(r.used_at),
          visitId: r.visit_id,
        }
      );
    },
    /** Marks a token used if it was not; true when this call was the one that used it (single use under races). */
    async useEntryToken(nonce: string, at: number, tx: Tx = db): Promise<boolean> {
      const r = await tx
        .updateTable('commerce_entry_tokens')
        .set({ used_at: ms(at) })
        .where('nonce', '=', nonce)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /**
     * Binds a token to the visit it let in: one the gate admitted (used, unbound), or, with `usedAt`,
     * one nobody used yet (used up now). True when this call bound it (one visit per token under races).
     */
    async bindEntryToken(
      nonce: string,
      visitId: string,
      usedAt: number | null,
      tx: Tx = db,
    ): Promise<boolean> {
      let q = tx
        .updateTable('commerce_entry_tokens')
        .where('nonce', '=', nonce)
        .where('visit_id', 'is', null);
      q =
        usedAt === null
          ? q.set({ visit_id: visitId }).where('used_at', 'is not', null)
          : q.set({ visit_id: visitId, used_at: ms(usedAt) }).where('used_at', 'is', null);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async insertRefusedEntry(e: RefusedEntry, tx: Tx = db): Promise<void> {
      await tx
        .insertInto('commerce_refused_entries')
        .values({
          visit_id: e.visitId,
          token: e.token,
          method: e.method,
          gate_id: e.gateId,
          channel: e.channel,
          reason: e.reason,
          account_id: e.accountId,
          entered_at: ms(e.enteredAt),
          recorded_at: ms(e.recordedAt),
          issued: e.issued === null ? null : JSON.stringify(e.issued),
        })
        .execute();
    },
    async refusedEntry(visitId: string, tx: Tx = db): Promise<RefusedEntry | undefined> {
      const r = await tx
        .selectFrom('commerce_refused_entries')
        .selectAll()
        .where('visit_id', '=', visitId)
        .executeTakeFirst();
      return r && toRefused(r);
    },
    /** What the engine said at exit for a refused visit (what left the store unpaid). */
    async setRefusedIssued(visitId: string, issued: IssuedVisit, tx: Tx = db): Promise<void> {
      await tx
        .updateTable('commerce_refused_entries')
        .set({ issued: JSON.stringify(issued) })
        .where('visit_id', '=', visitId)
        .execute();
    },
    /** Refused entries, oldest first, optionally of one reason or account. */
    async refusedEntries(
      filter: { reason?: EntryRefusal; accountId?: string } = {},
      tx: Tx = db,
    ): Promise<RefusedEntry[]> {
      let q = tx.selectFrom('commerce_refused_entries').selectAll();
      if (filter.reason) q = q.where('reason', '=', filter.reason);
      if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
      return (await q.orderBy('entered_at').orderBy('visit_id').execute()).map(toRefused);
    },

    /** Records that a visit event was handled; false when it had been already (events may come twice). */
    async markInbox(key: string, at: number, tx: Tx = db): Promise<boolean> {
      const r = await tx
        .insertInto('commerce_inbox')
        .values({ key, received_at: ms(at) })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    async insertVisit(v: CommerceVisit, tx: Tx = db): Promise<void> {
      await tx
        .insertInto('commerce_visits')
        .values({
          visit_id: v.visitId,
          account_id: v.accountId,
          token: v.token,
          method: v.method,
          payment_method_id: v.paymentMethodId,
          entered_at: ms(v.enteredAt),
          hold_id: v.holdId,
          hold_amount: v.holdAmount,
          hold_status: v.holdStatus,
          payment_status: v.paymentStatus,
          charge_id: v.chargeId,
          charged_amount: v.chargedAmount,
          due_amount: v.dueAmount,
          settle_round: v.settleRound,
          last_payment: v.lastPayment === null ? null : JSON.stringify(v.lastPayment),
          currency: v.currency,
          issued: v.issued === null ? null : JSON.stringify(v.issued),
        })
        .execute();
    },
    async visit(visitId: string, tx: Tx = db): Promise<CommerceVisit | undefined> {
      const r = await tx
        .selectFrom('commerce_visits')
        .selectAll()
        .where('visit_id', '=', visitId)
        .executeTakeFirst();
      return r && toVisit(r);
    },
    async updateVisit(
      visitId: string,
      patch: Partial<Omit<CommerceVisit, 'visitId' | 'accountId'>>,
      tx: Tx = db,
    ): Promise<void> {
      const set: Partial<CommerceTables['commerce_visits']> = {};
      if (patch.holdId !== undefined) set.hold_id = patch.holdId;
      if (patch.holdAmount !== undefined) set.hold_amount = patch.holdAmount;
      if (patch.holdStatus !== undefined) set.hold_status = patch.holdStatus;
      if (patch.paymentStatus !== undefined) set.payment_status = patch.paymentStatus;
      if (patch.chargeId !== undefined) set.charge_id = patch.chargeId;
      if (patch.chargedAmount !== undefined) set.charged_amount = patch.chargedAmount;
      if (patch.dueAmount !== undefined) set.due_amount = patch.dueAmount;
      if (patch.settleRound !== undefined) set.settle_round = patch.settleRound;
      if (patch.lastPayment !== undefined)
        set.last_payment = patch.lastPayment === null ? null : JSON.stringify(patch.lastPayment);
      if (patch.paymentMethodId !== undefined) set.payment_method_id = patch.paymentMethodId;
      if (patch.issued !== undefined)
        set.issued = patch.issued === null ? null : JSON.stringify(patch.issued);
      if (Object.keys(set).length === 0) return;
      await tx.updateTable('commerce_visits').set(set).where('visit_id', '=', visitId).execute();
    },
    async visitsDue(accountId: string, tx: Tx = db): Promise<CommerceVisit[]> {
      const rows = await tx
        .selectFrom('commerce_visits')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('payment_status', '=', 'due')
        .execute();
      return rows.map(toVisit);
    },

    async insertReceipt(r: Receipt, at: number, tx: Tx = db): Promise<void> {
      await tx
        .insertInto('commerce_receipts')
        .values({
          id: r.id,
          visit_id: r.visitId,
          version: r.version,
          account_id: r.accountId,
          body: JSON.stringify(r),
          created_at: ms(at),
        })
        .execute();
    },
    async receipt(id: string, tx: Tx = db): Promise<Receipt | undefined> {
      const r = await tx
        .selectFrom('commerce_receipts')
        .select('body')
        .where('id', '=', id)
        .executeTakeFirst();
      return r && (JSON.parse(r.body) as Receipt);
    },
    /** Every version of a visit's receipt, oldest first. */
    async receiptHistory(visitId: string, tx: Tx = db): Promise<Receipt[]> {
      const rows = await tx
        .selectFrom('commerce_receipts')
        .select('body')
        .where('visit_id', '=', visitId)
        .orderBy('version', 'asc')
        .execute();
      return rows.map((r) => JSON.parse(r.body) as Receipt);
    },
    /** The newest version of every visit's receipt, by visit id: what shoppers can dispute. */
    async latestReceipts(tx: Tx = db): Promise<Receipt[]> {
      const rows = await tx
        .selectFrom('commerce_receipts as r')
        .select('r.body')
        .where('r.version', '=', (eb) =>
          eb
            .selectFrom('commerce_receipts as n')
            .select((e) => e.fn.max('n.version').as('newest'))
            .whereRef('n.visit_id', '=', 'r.visit_id'),
        )
        .orderBy('r.visit_id', 'asc')
        .execute();
      return rows.map((r) => JSON.parse(r.body) as Receipt);
    },
    /** An account's receipts, every version, in the order they were made. */
    async receiptsOf(accountId: string, tx: Tx = db): Promise<Receipt[]> {
      const rows = await tx
        .selectFrom('commerce_receipts')
        .select('body')
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'asc')
        .orderBy('version', 'asc')
        // A total order: the live feed's replay finds the client's last receipt in it by position.
        .orderBy('id', 'asc')
        .execute();
      return rows.map((r) => JSON.parse(r.body) as Receipt);
    },

    async insertDispute(d: Dispute, tx: Tx = db): Promise<void> {
      await tx
        .insertInto('commerce_disputes')
        .values({
          id: d.id,
          visit_id: d.visitId,
          account_id: d.accountId,
          sku: d.sku,
          kind: d.kind,
          charged_quantity: d.chargedQuantity,
          claimed_quantity: d.claimedQuantity,
          amount: d.amount,
          status: d.status,
          decided_by: d.decidedBy,
          note: d.note,
          created_at: ms(d.createdAt),
          decided_at: msOrNull(d.decidedAt),
        })
        .execute();
    },
    async dispute(id: string, tx: Tx = db): Promise<Dispute | undefined> {
      const r = await tx.selectFrom('commerce_disputes').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toDispute(r);
    },
    async disputesOfVisit(visitId: string, tx: Tx = db): Promise<Dispute[]> {
      const rows = await tx
        .selectFrom('commerce_disputes')
        .selectAll()
        .where('visit_id', '=', visitId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toDispute);
    },
    async disputes(
      filter: { status?: DisputeStatus; accountId?: string } = {},
      tx: Tx = db,
    ): Promise<Dispute[]> {
      let q = tx.selectFrom('commerce_disputes').selectAll();
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
      return (await q.orderBy('created_at').orderBy('id').execute()).map(toDispute);
    },
    /** Sum of the refunds the policy granted by itself to an account in [from, to). */
    async autoRefundedBetween(accountId: string, from: number, to: number, tx: Tx = db): Promise<number> {
      const r = await tx
        .selectFrom('commerce_disputes')
        .select((eb) => eb.fn.sum<number | string | null>('amount').as('s'))
        .where('account_id', '=', accountId)
        .where('status', '=', 'refunded')
        .where('decided_by', '=', 'policy')
        .where('created_at', '>=', ms(from))
        .where('created_at', '<', ms(to))
        .executeTakeFirst();
      return Number(r?.s ?? 0);
    },
    async decideDispute(
      id: string,
      patch: { status: DisputeStatus; decidedBy: string; note: string | null; decidedAt: number },
      tx: Tx = db,
    ): Promise<boolean> {
      const r = await tx
        .updateTable('commerce_disputes')
        .set({
          status: patch.status,
          decided_by: patch.decidedBy,
          note: patch.note,
          decided_at: ms(patch.decidedAt),
        })
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Queues a job unless one with the same key exists; true when queued now. */
    async enqueue(job: OutboxJob, at: number, tx: Tx = db): Promise<boolean> {
      const r = await tx
        .insertInto('commerce_outbox')
        .values({
          kind: job.kind,
          key: jobKey(job),
          payload: JSON.stringify(job),
          status: 'pending',
          attempts: 0,
          next_at: ms(at),
          last_error: null,
          created_at: ms(at),
          done_at: null,
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    /** Pending jobs due at `now`, oldest first. */
    async dueJobs(now: number, limit: number, tx: Tx = db): Promise<OutboxRow[]> {
      const rows = await tx
        .selectFrom('commerce_outbox')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_at', '<=', ms(now))
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toOutbox);
    },
    async job(key: string, tx: Tx = db): Promise<OutboxRow | undefined> {
      const r = await tx.selectFrom('commerce_outbox').selectAll().where('key', '=', key).executeTakeFirst();
      return r && toOutbox(r);
    },
    async jobs(filter: { kind?: OutboxKind; status?: OutboxStatus } = {}, tx: Tx = db): Promise<OutboxRow[]> {
      let q = tx.selectFrom('commerce_outbox').selectAll();
      if (filter.kind) q = q.where('kind', '=', filter.kind);
      if (filter.status) q = q.where('status', '=', filter.status);
      return (await q.orderBy('id').execute()).map(toOutbox);
    },
    async finishJob(id: number, at: number, tx: Tx = db): Promise<void> {
      await tx
        .updateTable('commerce_outbox')
        .set({ status: 'done', done_at: ms(at) })
        .where('id', '=', id)
        .execute();
    },
    async retryJob(id: number, attempts: number, nextAt: number, error: string, tx: Tx = db): Promise<void> {
      await tx
        .updateTable('commerce_outbox')
        .set({ attempts, next_at: ms(nextAt), last_error: error.slice(0, 500) })
        .where('id', '=', id)
        .execute();
    },
    async killJob(id: number, attempts: number, error: string, at: number, tx: Tx = db): Promise<void> {
      await tx
        .updateTable('commerce_outbox')
        .set({ status: 'dead', attempts, last_error: error.slice(0, 500), done_at: ms(at) })
        .where('id', '=', id)
        .execute();
    },
    /** Earliest time a pending job becomes due, if any. */
    async nextDueAt(tx: Tx = db): Promise<number | undefined> {
      const r = await tx
        .selectFrom('commerce_outbox')
        .select((eb) => eb.fn.min<number | string | null>('next_at').as('m'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return r?.m == null ? undefined : Number(r.m);
    },
  };
}

export type CommerceRepo = ReturnType<typeof createCommerceRepo>;
