import type { StoredReceipt } from '../../adapters/sql/receiptRepository.js';
import type { PeopleFrame } from '../../protocol/results.js';
import type { StoreDefinition } from '../../protocol/store.js';
import type { ProductHypothesis, ReviewReason, ShelfEvent, ShopperCandidate } from '../../store/events.js';
import {
  evolveInventory,
  initialInventory,
  lowStock,
  type Inventory,
  type PlateStock,
} from '../../store/inventory.js';
import type { Bus, BusMessage } from '../bus.js';

/** One message of the live feed as the dashboard receives it; `id` orders them (people frames have none). */
export interface FeedEntry {
  id: number;
  /** Wall time the server saw it (ms). */
  at: number;
  message: BusMessage;
}

/** A shelf event waiting for a reviewer, with the evidence the dashboard shows. */
export interface ReviewItem {
  eventId: string;
  /** Visits the engine asked about this event (one per candidate visit that holds it). */
  visitIds: string[];
  t: number;
  reason: ReviewReason;
  sku: string | null;
  products: ProductHypothesis[];
  shoppers: ShopperCandidate[];
  shelf: ShelfEvent | null;
  /** Where people and their hands were nearest the event's time, if cameras saw them. */
  people: PeopleFrame | null;
  /** Weight samples of the event's plates around it, when the server recorded them. */
  trace: WeightTrace[];
}

/** Samples of one plate: event times (ms) and grams. */
export interface WeightTrace {
  plateId: string;
  t: number[];
  grams: number[];
}

/** Last report of one device. */
export interface DeviceHealth {
  deviceId: string;
  kind: 'plate' | 'camera' | 'gate' | 'other';
  ok: boolean | null;
  detail: string;
  /** Event time of the last report (plates, gates) or frame (cameras); null: never heard. */
  lastT: number | null;
}

/** One minute of store metrics. */
export interface MetricsBucket {
  /** Start of the minute (wall ms). */
  minute: number;
  visits: number;
  receipts: number;
  items: number;
  latencyMsSum: number;
  reviewed: number;
  reviews: number;
  disputes: number;
}

/**
 * Weight samples per plate for review evidence, kept for `keepMs` of event time and thinned to
 * at most `hz` samples a second (a chart needs no more, and 60 Hz for every plate adds up).
 */
export class WeightTraces {
  private readonly plates = new Map<string, { t: number[]; grams: number[] }>();
  constructor(
    private readonly keepMs = 90_000,
    private readonly hz = 20,
  ) {}

  /** Records one weight packet: sample i is at `t + i·1000/hz`. */
  record(plateId: string, t: number, hz: number, grams: readonly number[]): void {
    const trace = this.plates.get(plateId) ?? { t: [], grams: [] };
    this.plates.set(plateId, trace);
    const step = Math.max(1, Math.round(hz / this.hz));
    for (let i = 0; i < grams.length; i += step) {
      const ts = t + (i * 1000) / hz;
      if (trace.t.length > 0 && ts <= trace.t[trace.t.length - 1]!) continue;
      trace.t.push(ts);
      trace.grams.push(grams[i]!);
    }
    const cut = trace.t.findIndex((x) => x >= trace.t[trace.t.length - 1]! - this.keepMs);
    if (cut > 0) {
      trace.t.splice(0, cut);
      trace.grams.splice(0, cut);
    }
  }

  /** Samples of a plate between two event times. */
  slice(plateId: string, from: number, to: number): WeightTrace {
    const trace = this.plates.get(plateId);
    const out: WeightTrace = { plateId, t: [], grams: [] };
    if (!trace) return out;
    for (let i = 0; i < trace.t.length; i++) {
      const ts = trace.t[i]!;
      if (ts >= from && ts <= to) {
        out.t.push(ts);
        out.grams.push(trace.grams[i]!);
      }
    }
    return out;
  }
}

const MINUTE = 60_000;

/**
 * What the dashboard needs from the bus, kept in memory: the recent feed (for resuming), the
 * newest people frame, open reviews with evidence, inventory, device health and metrics per minute.
 * It only folds what the engine published; it decides nothing.
 */
export class StoreWatch {
  private nextId = 1;
  private readonly feed: FeedEntry[] = [];
  private readonly listeners = new Set<(entry: FeedEntry) => void>();
  private readonly shelves = new Map<string, ShelfEvent>();
  private readonly frames: PeopleFrame[] = [];
  private readonly openReviews = new Map<string, ReviewItem>();
  private readonly devices = new Map<string, DeviceHealth>();
  private readonly buckets = new Map<number, MetricsBucket>();
  private inventory: Inventory = {};
  private store: StoreDefinition | null = null;
  private unsubscribe: () => void;
  /** The newest people frame, not yet in the ring (they come too often to keep each). */
  latestPeople: { at: number; frame: PeopleFrame; storeId: string } | null = null;

  constructor(
    bus: Bus,
    store: () => StoreDefinition | null,
    private readonly traces: WeightTraces | null = null,
    private readonly wall: () => number = Date.now,
    private readonly keep = 2000,
    /** More people to show on every frame (the demo's synthetic crowd for load tests). */
    private readonly extraPeople: ((t: number) => PeopleFrame['people']) | null = null,
  ) {
    this.reset(store());
    this.unsubscribe = bus.subscribe((m) => {
      if (m.type === 'store-loaded') this.reset(store());
      this.take(m);
    });
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  /** Calls `listener` with every new feed entry (people frames included, with id 0). */
  subscribe(listener: (entry: FeedEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Entries after `id` still held (all of them for null); `complete` is false when some were dropped. */
  since(id: number | null): { entries: FeedEntry[]; complete: boolean } {
    if (id === null) return { entries: [...this.feed], complete: true };
    const first = this.feed[0];
    const complete = !first || first.id <= id + 1;
    return { entries: this.feed.filter((e) => e.id > id), complete };
  }

  reviews(): ReviewItem[] {
    return [...this.openReviews.values()].sort((a, b) => a.t - b.t);
  }

  review(eventId: string): ReviewItem | undefined {
    return this.openReviews.get(eventId);
  }

  stock(): { plates: PlateStock[]; low: string[] } {
    return {
      plates: Object.values(this.inventory).sort((a, b) => a.plateId.localeCompare(b.plateId)),
      low: lowStock(this.inventory).map((s) => s.plateId),
    };
  }

  health(): DeviceHealth[] {
    return [...this.devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  metrics(): MetricsBucket[] {
    return [...this.buckets.values()].sort((a, b) => a.minute - b.minute);
  }

  /** Counts a dispute in its minute (the commerce side reports them). */
  countDispute(at: number): void {
    this.bucket(at).disputes += 1;
  }

  private reset(store: StoreDefinition | null): void {
    if (store === this.store) return;
    this.store = store;
    this.inventory = store ? initialInventory(store) : {};
    this.devices.clear();
    if (!store) return;
    for (const f of store.fixtures)
      for (const s of f.shelves)
        for (const p of s.plates)
          this.devices.set(p.id, {
            deviceId: p.id,
            kind: 'plate',
            ok: null,
            detail: 'no report yet',
            lastT: null,
          });
    for (const c of store.cameras)
      this.devices.set(c.id, {
        deviceId: c.id,
        kind: 'camera',
        ok: null,
        detail: 'no frames yet',
        lastT: null,
      });
    for (const g of store.gates)
      this.devices.set(g.id, {
        deviceId: g.id,
        kind: 'gate',
        ok: null,
        detail: 'no report yet',
        lastT: null,
      });
  }

  private bucket(at: number): MetricsBucket {
    const minute = Math.floor(at / MINUTE) * MINUTE;
    let b = this.buckets.get(minute);
    if (!b) {
      b = { minute, visits: 0, receipts: 0, items: 0, latencyMsSum: 0, reviewed: 0, reviews: 0, disputes: 0 };
      this.buckets.set(minute, b);
      // Two hours of minutes is plenty for the charts.
      for (const k of this.buckets.keys()) if (k < minute - 120 * MINUTE) this.buckets.delete(k);
    }
    return b;
  }

  private take(message: BusMessage): void {
    const at = this.wall();
    if (message.type === 'people') {
      const extra = this.extraPeople?.(message.frame.t) ?? [];
      if (extra.length > 0)
        message = { ...message, frame: { ...message.frame, people: [...message.frame.people, ...extra] } };
      this.latestPeople = { at, frame: message.frame, storeId: message.storeId };
      this.keepFrame(message.frame);
      for (const c of this.store?.cameras ?? []) {
        const d = this.devices.get(c.id);
        if (d) Object.assign(d, { ok: true, detail: 'frames arriving', lastT: message.frame.t });
      }
      const entry = { id: 0, at, message };
      for (const l of this.listeners) l(entry);
      return;
    }
    this.fold(message, at);
    const entry: FeedEntry = { id: this.nextId++, at, message };
    this.feed.push(entry);
    if (this.feed.length > this.keep) this.feed.splice(0, this.feed.length - this.keep);
    for (const l of this.listeners) l(entry);
  }

  private keepFrame(frame: PeopleFrame): void {
    const last = this.frames[this.frames.length - 1];
    // Evidence needs a few frames a second, not every one.
    if (last && frame.t - last.t < 200) return;
    this.frames.push(frame);
    const cut = this.frames.findIndex((f) => f.t >= frame.t - 120_000);
    if (cut > 0) this.frames.splice(0, cut);
  }

  private frameNear(t: number): PeopleFrame | null {
    let best: PeopleFrame | null = null;
    for (const f of this.frames) if (!best || Math.abs(f.t - t) < Math.abs(best.t - t)) best = f;
    return best && Math.abs(best.t - t) < 2000 ? best : null;
  }

  private fold(message: BusMessage, at: number): void {
    switch (message.type) {
      case 'shelf': {
        const e = message.event;
        this.shelves.set(e.eventId, e);
        if (this.shelves.size > 5000) this.shelves.delete(this.shelves.keys().next().value!);
        this.inventory = evolveInventory(this.inventory, e);
        return;
      }
      case 'device': {
        const prev = this.devices.get(message.deviceId);
        this.devices.set(message.deviceId, {
          deviceId: message.deviceId,
          kind: prev?.kind ?? 'other',
          ok: message.ok,
          detail: message.detail,
          lastT: message.t,
        });
        return;
      }
      case 'receipt': {
        const r: StoredReceipt = message.receipt;
        const b = this.bucket(at);
        b.receipts += 1;
        b.items += r.lines.reduce((n, l) => n + l.quantity, 0);
        b.latencyMsSum += Math.max(0, r.issuedAt - r.exitedAt);
        if (r.reviewed) b.reviewed += 1;
        return;
      }
      case 'visit': {
        const e = message.event;
        if (e.type === 'ShopperEntered') this.bucket(at).visits += 1;
        else if (e.type === 'ReviewRequested') {
          const prev = this.openReviews.get(e.eventId);
          if (prev) {
            if (!prev.visitIds.includes(e.visitId)) prev.visitIds.push(e.visitId);
            return;
          }
          this.bucket(at).reviews += 1;
          const shelf = this.shelves.get(e.eventId) ?? null;
          const mid = shelf ? (shelf.startT + shelf.endT) / 2 : e.t;
          const trace =
            shelf && this.traces
              ? shelf.plates.map((p) => this.traces!.slice(p.plateId, shelf.startT - 4000, shelf.endT + 4000))
              : [];
          this.openReviews.set(e.eventId, {
            eventId: e.eventId,
            visitIds: [e.visitId],
            t: e.t,
            reason: e.reason,
            sku: e.sku,
            products: e.products,
            shoppers: e.shoppers,
            shelf,
            people: this.frameNear(mid),
            trace,
          });
        } else if (e.type === 'ReviewSettled') this.openReviews.delete(e.eventId);
        return;
      }
      default:
        return;
    }
  }
}
