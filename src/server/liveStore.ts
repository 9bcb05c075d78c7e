import type { Kysely } from 'kysely';
import type { WalkoutDatabase } from '../adapters/sql/database.js';
import {
  ledgerRepository,
  type StoredVisitEvent,
  type VisitSummary,
} from '../adapters/sql/ledgerRepository.js';
import { receiptRepository, type StoredReceipt } from '../adapters/sql/receiptRepository.js';
import type { WalkoutSchema } from '../adapters/sql/schema.js';
import { storeRepository, type RejectionCount } from '../adapters/sql/storeRepository.js';
import { createEngine } from '../engine/engine.js';
import type { EngineOutput, EngineStats, ReviewDecision, StoreEngine } from '../engine/types.js';
import type { DeviceMessage } from '../protocol/messages.js';
import type { StoreDefinition } from '../protocol/store.js';
import { parseMessage } from '../protocol/topics.js';
import type { VisitEvent } from '../store/events.js';
import { foldVisit, type Visit } from '../store/visit.js';
import { memoryBus, type Bus } from './bus.js';

/** What became of one message offered to the live store. */
export type LiveOutcome = 'accepted' | 'rejected' | 'duplicate' | 'late' | 'unknown-device';
export interface LiveIngestResult {
  outcome: LiveOutcome;
  /** Why, for every outcome but `accepted`. */
  reason?: string;
}

/** Counters since this process started. */
export interface LiveStats extends EngineStats {
  rejected: number;
}

export interface LiveStoreOptions {
  database: WalkoutDatabase;
  /** Loaded (and saved) at start; without it, the store loaded most recently, if any. */
  store?: StoreDefinition;
  bus?: Bus;
  /** The wall clock (ms); tests pass their own. */
  wallClock?: () => number;
  /** How often the event-time clock ticks (ms); 0 = never by itself (tests call `tick`). */
  tickMs?: number;
  /** `wall`: receipts carry the wall time they were issued (live); `event`: the engine's event time. */
  receiptTime?: 'wall' | 'event';
  /** Where persistence failures are reported; they never stop the store. */
  onError?: (error: Error) => void;
}

/** One live store: an engine wired to the database, the wall clock and the bus. */
export interface LiveStore {
  readonly store: StoreDefinition | null;
  readonly bus: Bus;
  /** Loads or replaces the store definition; the engine restarts from the ledger. */
  loadStore(store: StoreDefinition): Promise<void>;
  /** Checks a raw topic and payload against the contract, then ingests it. Never throws. */
  offer(topic: unknown, payload: unknown): LiveIngestResult;
  /** Like `offer`, for a payload still in its wire form (an MQTT message body). Never throws. */
  offerText(topic: string, payload: string | Uint8Array): LiveIngestResult;
  /** Ingests one checked message. */
  ingest(message: DeviceMessage): LiveIngestResult;
  /** Advances the event-time clock by the wall time passed since the newest message. */
  tick(): void;
  /** Resolves when everything ingested so far is in the database. */
  flush(): Promise<void>;
  stats(): LiveStats;
  visits(options?: { status?: Visit['status']; limit?: number }): Promise<VisitSummary[]>;
  visit(
    visitId: string,
  ): Promise<{ summary: VisitSummary; visit: Visit | null; events: StoredVisitEvent[] } | null>;
  receipts(options?: { limit?: number }): Promise<StoredReceipt[]>;
  receipt(visitId: string): Promise<StoredReceipt | null>;
  rejections(): Promise<RejectionCount[]>;
  /** Settles a shelf event sent to review (at the engine's current event time unless `t` is given). */
  settleReview(decision: Omit<ReviewDecision, 't'> & { t?: number }): EngineOutput[];
  /** Stops the clock, writes what is pending and the clock; the database stays open. */
  close(): Promise<void>;
}

/** Opens a live store on a database: loads the store and restores open visits from the ledger. */
export async function openLiveStore(options: LiveStoreOptions): Promise<LiveStore> {
  const live = new Live(options);
  const store = options.store ?? (await storeRepository(options.database.db).latest());
  if (store) await live.loadStore(store);
  live.start(options.tickMs ?? 200);
  return live;
}

class Live implements LiveStore {
  readonly bus: Bus;
  private readonly db: Kysely<WalkoutSchema>;
  private readonly stores;
  private readonly ledger;
  private readonly receiptRows;
  private readonly wall: () => number;
  private readonly receiptTime: 'wall' | 'event';
  private readonly onError: (error: Error) => void;
  private current: { store: StoreDefinition; engine: StoreEngine } | null = null;
  /** Newest event time seen, and the wall time it arrived: the live clock runs on from there. */
  private anchor: { t: number; wall: number } | null = null;
  private writes: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private pendingRejections = new Map<string, RejectionCount>();
  private rejected = 0;
  private lastSavedClock = { watermark: NaN, now: NaN };
  private loading: DeviceMessage[] | null = null;

  constructor(options: LiveStoreOptions) {
    this.db = options.database.db;
    this.stores = storeRepository(this.db);
    this.ledger = ledgerRepository(this.db);
    this.receiptRows = receiptRepository(this.db);
    this.bus = options.bus ?? memoryBus();
    this.wall = options.wallClock ?? Date.now;
    this.receiptTime = options.receiptTime ?? 'wall';
    this.onError = options.onError ?? ((error) => process.emitWarning(`live store: ${error.message}`));
  }

  get store(): StoreDefinition | null {
    return this.current?.store ?? null;
  }

  start(tickMs: number): void {
    if (tickMs > 0) {
      this.timer = setInterval(() => this.tick(), tickMs);
      this.timer.unref();
    }
  }

  async loadStore(store: StoreDefinition): Promise<void> {
    // Messages that arrive while the engine is swapped wait here, so the new engine sees them.
    // (What the old engine still held behind its watermark, at most latenessMs of data, is lost.)
    this.loading ??= [];
    try {
      if (this.current) this.enqueueClock(true);
      await this.flush();
      await this.stores.save(store, this.wall());
      const [restore, clock] = await Promise.all([
        this.ledger.eventsOfUnclosedVisits(store.id),
        this.stores.clock(store.id),
      ]);
      const engine = createEngine(store, {
        restore,
        ...(clock ? { watermark: clock.watermark, now: clock.now } : {}),
      });
      this.current = { store, engine };
      this.anchor = clock ? { t: clock.now, wall: this.wall() } : null;
      this.lastSavedClock = clock ?? { watermark: NaN, now: NaN };
      this.bus.publish({ type: 'store-loaded', storeId: store.id, name: store.name });
    } finally {
      const waiting = this.loading ?? [];
      this.loading = null;
      for (const message of waiting) this.ingest(message);
    }
  }

  offer(topic: unknown, payload: unknown): LiveIngestResult {
    const parsed = parseMessage(topic, payload);
    if (!parsed.ok) return this.reject('malformed', parsed.reason, typeof topic === 'string' ? topic : '');
    return this.ingest(parsed.message);
  }

  offerText(topic: string, payload: string | Uint8Array): LiveIngestResult {
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return this.reject('malformed', `${topic}: payload is not JSON (${(error as Error).message})`, topic);
    }
    return this.offer(topic, json);
  }

  ingest(message: DeviceMessage): LiveIngestResult {
    const topic = `${message.storeId}/${message.kind}/${message.deviceId}`;
    if (this.loading) {
      this.loading.push(message);
      return { outcome: 'accepted' };
    }
    if (!this.current)
      return this.reject('no-store', 'no store definition is loaded (PUT /api/store)', topic);
    const { store, engine } = this.current;
    if (message.storeId !== store.id) {
      return this.reject(
        'wrong-store',
        `store "${message.storeId}" is not this store ("${store.id}")`,
        topic,
      );
    }
    let result: ReturnType<StoreEngine['ingest']>;
    try {
      result = engine.ingest(message);
    } catch (error) {
      // An engine bug on one message must not take the store down; the message is counted as rejected.
      this.onError(error as Error);
      return this.reject(
        'engine-error',
        `the engine failed on this message: ${(error as Error).message}`,
        topic,
      );
    }
    const t = message.payload.t;
    if (result.outcome === 'accepted' && (this.anchor === null || t > this.anchor.t))
      this.anchor = { t, wall: this.wall() };
    this.handle(store.id, result.outputs);
    switch (result.outcome) {
      case 'accepted':
        return { outcome: 'accepted' };
      case 'duplicate':
        this.countRejection('duplicate', `${topic} at t=${t} came before`);
        return { outcome: 'duplicate', reason: 'the same message came before' };
      case 'late':
        this.countRejection('late', `${topic} at t=${t} is behind the watermark ${engine.watermark}`);
        return { outcome: 'late', reason: `event time ${t} is behind the watermark ${engine.watermark}` };
      case 'unknown-device':
        this.countRejection('unknown-device', `${topic}: not in the store definition`);
        return {
          outcome: 'unknown-device',
          reason: `device "${message.deviceId}" is not in the store definition`,
        };
    }
  }

  tick(): void {
    if (!this.current || !this.anchor) return;
    const { store, engine } = this.current;
    // Event time runs on from the newest message at wall speed, so a recording from any date works live.
    const now = this.anchor.t + Math.max(0, this.wall() - this.anchor.wall);
    try {
      this.handle(store.id, engine.tick(now));
    } catch (error) {
      this.onError(error as Error);
    }
    this.enqueueClock(false);
    this.enqueueRejections(store.id);
  }

  flush(): Promise<void> {
    return this.writes;
  }

  stats(): LiveStats {
    const base = this.current?.engine.stats() ?? {
      accepted: 0,
      duplicate: 0,
      late: 0,
      unknownDevice: 0,
      processed: 0,
    };
    return { ...base, rejected: this.rejected };
  }

  async visits(options: { status?: Visit['status']; limit?: number } = {}): Promise<VisitSummary[]> {
    return this.current ? this.ledger.visits(this.current.store.id, options) : [];
  }

  async visit(visitId: string) {
    if (!this.current) return null;
    const storeId = this.current.store.id;
    const summary = await this.ledger.visit(storeId, visitId);
    if (!summary) return null;
    const events = await this.ledger.eventsOfVisit(storeId, visitId);
    return { summary, visit: foldVisit(events.map((e) => e.event)), events };
  }

  async receipts(options: { limit?: number } = {}): Promise<StoredReceipt[]> {
    return this.current ? this.receiptRows.list(this.current.store.id, options) : [];
  }

  async receipt(visitId: string): Promise<StoredReceipt | null> {
    return this.current ? this.receiptRows.get(this.current.store.id, visitId) : null;
  }

  async rejections(): Promise<RejectionCount[]> {
    if (!this.current) return [];
    this.enqueueRejections(this.current.store.id);
    await this.flush();
    return this.stores.rejections(this.current.store.id);
  }

  settleReview(decision: Omit<ReviewDecision, 't'> & { t?: number }): EngineOutput[] {
    if (!this.current) return [];
    const { store, engine } = this.current;
    const t = decision.t ?? (Number.isFinite(engine.now) ? engine.now : this.wall());
    const outputs = engine.settleReview({ ...decision, t });
    this.handle(store.id, outputs);
    return outputs;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    if (this.current) {
      this.enqueueClock(true);
      this.enqueueRejections(this.current.store.id);
    }
    await this.flush();
  }

  /** Publishes outputs now; visit events go to the database first, then to the bus. */
  private handle(storeId: string, outputs: EngineOutput[]): void {
    const events: VisitEvent[] = [];
    for (const output of outputs) {
      if (output.type === 'visit') events.push(output.event);
      else this.bus.publish({ ...output, storeId });
    }
    if (events.length === 0) return;
    const issuedAt = this.receiptTime === 'wall' ? this.wall() : null;
    this.enqueue(async () => {
      const receipts: StoredReceipt[] = [];
      const appended = await this.db.transaction().execute(async (trx) => {
        const fresh = await this.ledger.append(storeId, events, trx);
        for (const visitId of new Set(fresh.map((e) => e.visitId))) {
          const history = await this.ledger.eventsOfVisit(storeId, visitId, trx);
          const visit = foldVisit(history.map((h) => h.event));
          if (visit) await this.ledger.saveVisit(storeId, visit, trx);
        }
        for (const event of fresh) {
          if (event.type !== 'ReceiptIssued') continue;
          const receipt: StoredReceipt = {
            visitId: event.visitId,
            version: event.version,
            shopper: event.token,
            enteredAt: event.enteredAt,
            exitedAt: event.exitedAt,
            issuedAt: issuedAt ?? event.t,
            lines: event.lines,
            total: event.total,
            tax: event.tax,
            currency: event.currency,
            reviewed: event.reviewed,
          };
          if (await this.receiptRows.save(storeId, receipt, trx)) receipts.push(receipt);
        }
        return fresh;
      });
      // Only what is new reaches the bus: an event re-emitted after a restart was announced before.
      for (const event of appended) this.bus.publish({ type: 'visit', event, storeId });
      for (const receipt of receipts) this.bus.publish({ type: 'receipt', storeId, receipt });
    });
  }

  /** Saves the clock after the events it released, so a restart never skips unsaved events. */
  private enqueueClock(force: boolean): void {
    if (!this.current) return;
    const { store, engine } = this.current;
    const clock = { watermark: engine.watermark, now: engine.now };
    if (!Number.isFinite(clock.watermark) || !Number.isFinite(clock.now)) return;
    // Saving at most once a second of event time keeps an idle store from writing every tick.
    if (!force && Math.abs(clock.watermark - this.lastSavedClock.watermark) < 1000) return;
    this.lastSavedClock = clock;
    const at = this.wall();
    this.enqueue(() => this.stores.saveClock(store.id, clock, at));
  }

  private enqueueRejections(storeId: string): void {
    if (this.pendingRejections.size === 0) return;
    const counts = [...this.pendingRejections.values()];
    this.pendingRejections = new Map();
    this.enqueue(() => this.stores.addRejections(storeId, counts));
  }

  private enqueue(write: () => Promise<unknown>): void {
    this.writes = this.writes.then(write).then(
      () => undefined,
      (error: unknown) => this.onError(error instanceof Error ? error : new Error(String(error))),
    );
  }

  private reject(reason: string, detail: string, topic: string): LiveIngestResult {
    this.rejected += 1;
    this.countRejection(reason, detail);
    this.bus.publish({ type: 'rejection', storeId: this.current?.store.id ?? null, reason, detail, topic });
    return { outcome: 'rejected', reason: detail };
  }

  private countRejection(reason: string, detail: string): void {
    const at = this.wall();
    const prev = this.pendingRejections.get(reason);
    this.pendingRejections.set(reason, {
      reason,
      count: (prev?.count ?? 0) + 1,
      lastDetail: detail.slice(0, 500),
      lastAt: at,
    });
  }
}
