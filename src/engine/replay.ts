import type { DeviceMessage } from '../protocol/messages.js';
import type { PeopleFrame, ReplayResult, ResultReceipt, ResultReview } from '../protocol/results.js';
import type { StoreDefinition } from '../protocol/store.js';
import type { CartAlert } from '../store/cartVisit.js';
import type { ShelfEvent, VisitEvent } from '../store/events.js';
import { createEngine } from './engine.js';
import type { EngineOutput, EngineStats } from './types.js';

/** What an offline run of the engine produced. */
export interface ReplayOutcome {
  result: ReplayResult;
  people: PeopleFrame[];
  events: VisitEvent[];
  shelfEvents: ShelfEvent[];
  /** Cart alerts as the engine raised (and later resolved) them. */
  alerts: RaisedAlert[];
  stats: EngineStats & { rejected: number };
}

/** A cart alert with the store's clock when it came out: the newest event time ingested (null at the end). */
export interface RaisedAlert extends CartAlert {
  raisedAt: number | null;
}

/** A line of input: a checked message, or the reason it was rejected. */
export type ReplayInput = { ok: true; message: DeviceMessage } | { ok: false; reason: string };

/**
 * Runs the engine over a recording in the order its lines arrive, as a live store would hear them,
 * and collects receipts and reviews in the contract's result format.
 */
export async function replay(
  store: StoreDefinition,
  input: Iterable<ReplayInput> | AsyncIterable<ReplayInput>,
  options: {
    people?: boolean;
    onPeople?: (frame: PeopleFrame) => void;
    onProgress?: (processed: number) => void;
  } = {},
): Promise<ReplayOutcome> {
  const engine = createEngine(store);
  const collector = new ResultCollector(options.people ?? false, options.onPeople);
  let rejected = 0;
  let n = 0;
  let clock = -Infinity;
  for await (const line of input) {
    n += 1;
    if (!line.ok) {
      rejected += 1;
      continue;
    }
    const t = (line.message.payload as { t?: unknown }).t;
    if (typeof t === 'number' && t > clock) clock = t;
    collector.add(engine.ingest(line.message).outputs, clock);
    if (options.onProgress && n % 50_000 === 0) options.onProgress(n);
  }
  collector.add(engine.finish());
  return { ...collector.done(), stats: { ...engine.stats(), rejected } };
}

/** Folds engine outputs into the result file's receipts and reviews. */
export class ResultCollector {
  private readonly tokens = new Map<string, string>();
  private readonly receipts: ResultReceipt[] = [];
  /** Index in `receipts` of each visit's receipt. */
  private readonly receiptOf = new Map<string, number>();
  private readonly reviews: ResultReview[] = [];
  private readonly people: PeopleFrame[] = [];
  private readonly events: VisitEvent[] = [];
  private readonly shelfEvents: ShelfEvent[] = [];
  private readonly alerts: RaisedAlert[] = [];

  constructor(
    private readonly keepPeople: boolean,
    private readonly onPeople?: (frame: PeopleFrame) => void,
  ) {}

  /** Adds outputs; `clock` is the store's event-time clock when they came out, for alert delays. */
  add(outputs: readonly EngineOutput[], clock?: number): void {
    for (const o of outputs) {
      if (o.type === 'people') {
        if (this.keepPeople) this.people.push(o.frame);
        this.onPeople?.(o.frame);
        continue;
      }
      if (o.type === 'shelf') this.shelfEvents.push(o.event);
      // A copy: the engine's alert object changes when it is resolved.
      if (o.type === 'cart-alert')
        this.alerts.push({
          ...o.alert,
          raisedAt: clock !== undefined && Number.isFinite(clock) ? clock : null,
        });
      if (o.type !== 'visit') continue;
      const e = o.event;
      this.events.push(e);
      if (e.type === 'ShopperEntered') this.tokens.set(e.visitId, e.token);
      else if (e.type === 'ReviewRequested') {
        this.reviews.push({
          shopper: this.tokens.get(e.visitId) ?? e.visitId,
          sku: e.sku ?? 'unknown',
          reason: e.reason.detail,
        });
      } else if (e.type === 'ReceiptIssued') {
        // A re-issued receipt (a review settled after the first) replaces the visit's earlier
        // version: the result holds each visit's receipt as it finally stands, and when it did.
        const receipt: ResultReceipt = {
          shopper: e.token,
          enteredAt: e.enteredAt,
          exitedAt: e.exitedAt,
          issuedAt: e.t,
          lines: e.lines,
          total: e.total,
          currency: e.currency,
          reviewed: e.reviewed,
        };
        const earlier = this.receiptOf.get(e.visitId);
        if (earlier !== undefined) this.receipts[earlier] = receipt;
        else this.receiptOf.set(e.visitId, this.receipts.push(receipt) - 1);
      }
    }
  }

  done(): {
    result: ReplayResult;
    people: PeopleFrame[];
    events: VisitEvent[];
    shelfEvents: ShelfEvent[];
    alerts: RaisedAlert[];
  } {
    return {
      result: { receipts: this.receipts, reviews: this.reviews },
      people: this.people,
      events: this.events,
      shelfEvents: this.shelfEvents,
      alerts: this.alerts,
    };
  }
}
