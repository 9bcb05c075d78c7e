import type { DeviceMessage } from '../protocol/messages.js';
import type { PeopleFrame } from '../protocol/results.js';
import type { ShelfEvent, VisitEvent } from '../store/events.js';
import type { Visit } from '../store/visit.js';
import type { CartAlert } from '../store/cartVisit.js';

/** What became of one ingested message. */
export type IngestOutcome = 'accepted' | 'duplicate' | 'late' | 'unknown-device';

/** Something the engine concluded; adapters persist, publish or print these. */
export type EngineOutput =
  | { type: 'visit'; event: VisitEvent }
  | { type: 'shelf'; event: ShelfEvent }
  | { type: 'people'; frame: PeopleFrame }
  | { type: 'cart-alert'; alert: CartAlert }
  | { type: 'device'; deviceId: string; t: number; ok: boolean; detail: string };

/** The deterministic store engine: device messages in event time in, store events out. */
export interface StoreEngine {
  /** Offers one checked message; returns what it caused once the watermark released it. */
  ingest(message: DeviceMessage): { outcome: IngestOutcome; outputs: EngineOutput[] };
  /** Advances the event-time clock with no message (the live adapter calls it from wall time). */
  tick(now: number): EngineOutput[];
  /** The recording ended: release everything, end open visits and issue their receipts. */
  finish(): EngineOutput[];
  /** A reviewer's decision on a shelf event sent to review. */
  settleReview(decision: ReviewDecision): EngineOutput[];
  /** Every visit the engine knows, open or closed. */
  visits(): Visit[];
  /** The event-time clock: the newest event time seen (or ticked). */
  readonly now: number;
  /** Messages with event time below this were processed; later arrivals below it are dropped. */
  readonly watermark: number;
  /** Counters of what was ingested, dropped and why. */
  stats(): EngineStats;
}

/** A reviewer's settlement of one shelf event. */
export interface ReviewDecision {
  eventId: string;
  /** The visit to charge (null: nobody, the event was not a take). */
  visitId: string | null;
  sku: string | null;
  quantity: number;
  by: string;
  t: number;
}

export interface EngineStats {
  accepted: number;
  duplicate: number;
  late: number;
  unknownDevice: number;
  processed: number;
}
