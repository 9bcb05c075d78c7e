import Database from 'better-sqlite3';
import {
  GatewayError,
  type CardDetails,
  type HoldRequest,
  type PaymentGateway,
  type SavedMethod,
  type SaveMethodRequest,
} from '../../commerce/payments/gateway.js';

/**
 * The built-in test gateway (the default): behaves like a card network's API, with idempotency
 * keys (same key → same answer, declines included; same key with other parameters → invalid),
 * scripted declines, outages, lost responses and delays. Its books live in SQLite (`:memory:` or a
 * file), so a process killed mid-call leaves them exactly as a real gateway would: the call either
 * happened or not, and a retry with the same key finds the answer.
 *
 * Test cards: `tok_visa` (4242), `tok_mastercard` (4444), `tok_amex` (0005); `tok_chargeDeclined`
 * declines every hold and charge; `tok_captureDeclined` holds but declines capture and charge
 * (the card was cancelled during the visit). A suffix (`tok_visa_ana`) makes a distinct card of
 * the same kind, as a real gateway hands out one token per saved card. Anything else is unknown.
 */
export interface TestGatewayScript {
  /** Delay of every call (ms), or per operation. */
  delayMs?: number | ((op: string) => number);
  /** The next calls of an operation fail: `unavailable` before doing anything, `lost` after doing it. */
  failures?: { op: string; kind: 'unavailable' | 'lost'; count: number }[];
}

const CARDS: Record<string, CardDetails & { declineHold?: boolean; declineCapture?: boolean }> = {
  tok_visa: { brand: 'visa', last4: '4242' },
  tok_mastercard: { brand: 'mastercard', last4: '4444' },
  tok_amex: { brand: 'amex', last4: '0005' },
  tok_chargeDeclined: { brand: 'visa', last4: '0002', declineHold: true, declineCapture: true },
  tok_captureDeclined: { brand: 'visa', last4: '0341', declineCapture: true },
};

function cardOf(token: string) {
  const m = /^(tok_[A-Za-z]+)(?:_[A-Za-z0-9]{1,40})?$/.exec(token);
  return m ? CARDS[m[1]!] : undefined;
}

interface Stored {
  ok: boolean;
  body: unknown;
}

export class TestGateway implements PaymentGateway {
  readonly name = 'test';
  readonly db: Database.Database;
  private readonly script: TestGatewayScript;

  constructor(file = ':memory:', script: TestGatewayScript = {}) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS gw_calls (key TEXT PRIMARY KEY, op TEXT NOT NULL, request TEXT NOT NULL,
        ok INTEGER NOT NULL, response TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS gw_intents (id TEXT PRIMARY KEY, reference TEXT NOT NULL, method TEXT NOT NULL,
        amount INTEGER NOT NULL, currency TEXT NOT NULL, status TEXT NOT NULL, captured INTEGER NOT NULL DEFAULT 0,
        refunded INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS gw_refunds (id TEXT PRIMARY KEY, intent TEXT NOT NULL, amount INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS gw_seq (n INTEGER NOT NULL);
    `);
    if (!this.db.prepare('SELECT n FROM gw_seq').get())
      this.db.prepare('INSERT INTO gw_seq VALUES (0)').run();
    this.script = { ...script, failures: script.failures?.map((f) => ({ ...f })) ?? [] };
  }

  /** Scripts the next `count` calls of `op` to fail. */
  failNext(op: string, kind: 'unavailable' | 'lost', count = 1): void {
    this.script.failures!.push({ op, kind, count });
  }

  /** Its tokens are reusable as they are, so saving a card only checks it (no customers). */
  async saveMethod(req: SaveMethodRequest): Promise<SavedMethod> {
    await this.delay('save');
    const card = cardOf(req.paymentMethod);
    if (!card)
      throw new GatewayError('invalid', 'resource_missing', `no such payment method: ${req.paymentMethod}`);
    return { brand: card.brand, last4: card.last4, customer: null };
  }

  hold(req: HoldRequest): Promise<{ holdId: string }> {
    return this.call('hold', req.idempotencyKey, req, () => {
      const card = this.card(req.paymentMethod);
      if (card.declineHold) throw new GatewayError('declined', 'card_declined', 'Your card was declined.');
      const id = this.nextId('hold');
      this.db
        .prepare(
          'INSERT INTO gw_intents (id, reference, method, amount, currency, status) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(id, req.reference, req.paymentMethod, req.amount, req.currency, 'held');
      return { holdId: id };
    });
  }

  capture(req: {
    holdId: string;
    amount: number;
    idempotencyKey: string;
  }): Promise<{ chargeId: string; amount: number }> {
    return this.call('capture', req.idempotencyKey, req, () => {
      const intent = this.intent(req.holdId);
      if (intent.status !== 'held')
        throw new GatewayError(
          'invalid',
          'intent_unexpected_state',
          `hold ${req.holdId} is ${intent.status}`,
        );
      if (req.amount > intent.amount || req.amount <= 0) {
        throw new GatewayError(
          'invalid',
          'amount_too_large',
          `capture ${req.amount} outside (0, ${intent.amount}]`,
        );
      }
      if (this.card(intent.method).declineCapture)
        throw new GatewayError('declined', 'card_declined', 'Your card was declined.');
      this.db
        .prepare("UPDATE gw_intents SET status = 'captured', captured = ? WHERE id = ?")
        .run(req.amount, req.holdId);
      return { chargeId: req.holdId, amount: req.amount };
    });
  }

  async release(req: { holdId: string; idempotencyKey: string }): Promise<void> {
    await this.call('release', req.idempotencyKey, req, () => {
      const intent = this.intent(req.holdId);
      if (intent.status !== 'held')
        throw new GatewayError(
          'invalid',
          'intent_unexpected_state',
          `hold ${req.holdId} is ${intent.status}`,
        );
      this.db.prepare("UPDATE gw_intents SET status = 'released' WHERE id = ?").run(req.holdId);
      return {};
    });
  }

  charge(req: HoldRequest): Promise<{ chargeId: string; amount: number }> {
    return this.call('charge', req.idempotencyKey, req, () => {
      const card = this.card(req.paymentMethod);
      if (card.declineCapture || card.declineHold)
        throw new GatewayError('declined', 'card_declined', 'Your card was declined.');
      const id = this.nextId('ch');
      this.db
        .prepare(
          'INSERT INTO gw_intents (id, reference, method, amount, currency, status, captured) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, req.reference, req.paymentMethod, req.amount, req.currency, 'captured', req.amount);
      return { chargeId: id, amount: req.amount };
    });
  }

  refund(req: { chargeId: string; amount: number; idempotencyKey: string }): Promise<{ refundId: string }> {
    return this.call('refund', req.idempotencyKey, req, () => {
      const intent = this.intent(req.chargeId);
      if (intent.status !== 'captured')
        throw new GatewayError('invalid', 'charge_not_captured', `${req.chargeId} is ${intent.status}`);
      if (req.amount <= 0 || intent.refunded + req.amount > intent.captured) {
        throw new GatewayError(
          'invalid',
          'amount_too_large',
          `refund ${req.amount} exceeds what is left of ${req.chargeId}`,
        );
      }
      const id = this.nextId('re');
      this.db
        .prepare('INSERT INTO gw_refunds (id, intent, amount) VALUES (?, ?, ?)')
        .run(id, req.chargeId, req.amount);
      this.db
        .prepare('UPDATE gw_intents SET refunded = refunded + ? WHERE id = ?')
        .run(req.amount, req.chargeId);
      return { refundId: id };
    });
  }

  /** The gateway's books for one reference (visit): what was held, captured and refunded. */
  ledger(
    reference: string,
  ): { id: string; status: string; amount: number; captured: number; refunded: number }[] {
    return this.db
      .prepare(
        'SELECT id, status, amount, captured, refunded FROM gw_intents WHERE reference = ? ORDER BY id',
      )
      .all(reference) as { id: string; status: string; amount: number; captured: number; refunded: number }[];
  }

  /** Money actually taken per reference (captured minus nothing): for exactly-once checks. */
  capturedByReference(): Map<string, { charges: number; amount: number }> {
    const rows = this.db
      .prepare(
        "SELECT reference, COUNT(*) AS charges, SUM(captured) AS amount FROM gw_intents WHERE status = 'captured' GROUP BY reference",
      )
      .all() as { reference: string; charges: number; amount: number }[];
    return new Map(rows.map((r) => [r.reference, { charges: r.charges, amount: r.amount }]));
  }

  /** Count of calls by operation that reached the books (idempotent replays not counted). */
  callCount(op?: string): number {
    const row = (
      op
        ? this.db.prepare('SELECT COUNT(*) AS c FROM gw_calls WHERE op = ?').get(op)
        : this.db.prepare('SELECT COUNT(*) AS c FROM gw_calls').get()
    ) as { c: number };
    return row.c;
  }

  close(): void {
    this.db.close();
  }

  private card(method: string) {
    const card = cardOf(method);
    if (!card) throw new GatewayError('invalid', 'resource_missing', `no such payment method: ${method}`);
    return card;
  }

  private intent(id: string): {
    status: string;
    amount: number;
    method: string;
    captured: number;
    refunded: number;
  } {
    const row = this.db
      .prepare('SELECT status, amount, method, captured, refunded FROM gw_intents WHERE id = ?')
      .get(id);
    if (!row) throw new GatewayError('invalid', 'resource_missing', `no such payment: ${id}`);
    return row as { status: string; amount: number; method: string; captured: number; refunded: number };
  }

  private nextId(prefix: string): string {
    const { n } = this.db.prepare('UPDATE gw_seq SET n = n + 1 RETURNING n').get() as { n: number };
    return `${prefix}_${n.toString().padStart(6, '0')}`;
  }

  private async delay(op: string): Promise<void> {
    const d =
      typeof this.script.delayMs === 'function' ? this.script.delayMs(op) : (this.script.delayMs ?? 0);
    if (d > 0) await new Promise((r) => setTimeout(r, d));
  }

  private takeFailure(op: string): 'unavailable' | 'lost' | undefined {
    const f = this.script.failures!.find((x) => x.op === op && x.count > 0);
    if (!f) return undefined;
    f.count--;
    return f.kind;
  }

  /** One idempotent call: replay a stored answer, or do the work and store its answer atomically. */
  private async call<T>(op: string, key: string, request: object, work: () => T): Promise<T> {
    await this.delay(op);
    const failure = this.takeFailure(op);
    if (failure === 'unavailable')
      throw new GatewayError('unavailable', 'api_connection_error', `${op}: gateway unavailable`);
    const requestJson = JSON.stringify({ op, ...request, idempotencyKey: undefined });
    const run = this.db.transaction((): Stored => {
      const prior = this.db
        .prepare('SELECT op, request, ok, response FROM gw_calls WHERE key = ?')
        .get(key) as { op: string; request: string; ok: number; response: string } | undefined;
      if (prior) {
        if (prior.request !== requestJson) {
          return {
            ok: false,
            body: {
              failure: 'invalid',
              code: 'idempotency_key_in_use',
              message: `key ${key} was used with other parameters`,
            },
          };
        }
        return { ok: prior.ok === 1, body: JSON.parse(prior.response) };
      }
      let stored: Stored;
      try {
        stored = { ok: true, body: work() };
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        stored = { ok: false, body: { failure: e.failure, code: e.code, message: e.message } };
      }
      this.db
        .prepare('INSERT INTO gw_calls (key, op, request, ok, response, at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(key, op, requestJson, stored.ok ? 1 : 0, JSON.stringify(stored.body), Date.now());
      return stored;
    });
    const result = run.immediate();
    if (failure === 'lost') throw new GatewayError('timeout', 'timeout', `${op}: response lost`);
    if (!result.ok) {
      const b = result.body as { failure: 'declined' | 'invalid'; code: string; message: string };
      throw new GatewayError(b.failure, b.code, b.message);
    }
    return result.body as T;
  }
}
