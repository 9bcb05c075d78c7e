/**
 * The dashboard's live view of the store, folded from the server's feed. Pure: no DOM, no clock
 * (wall times arrive with the messages), so it is tested as a table of feeds → views.
 */
import type { PeopleFrame } from '../../protocol/results.js';
import type { ShelfEvent, VisitEvent } from '../../store/events.js';
import { evolveVisit, type Visit } from '../../store/visit.js';

/** A receipt as the server stores it (the same fields as StoredReceipt). */
export interface ReceiptView {
  visitId: string;
  version: number;
  shopper: string;
  enteredAt: number;
  exitedAt: number;
  issuedAt: number;
  lines: { sku: string; quantity: number; unitPrice: number; grams?: number }[];
  total: number;
  tax: number;
  currency: string;
  reviewed: boolean;
}

/** One message of `GET /api/feed`, checked. `id` is 0 for people frames (not resumable). */
export type FeedMessage =
  | { id: number; at: number; type: 'visit'; event: VisitEvent }
  | { id: number; at: number; type: 'shelf'; event: ShelfEvent }
  | { id: number; at: number; type: 'people'; frame: PeopleFrame }
  | {
      id: number;
      at: number;
      type: 'cart-alert';
      alert: { visitId?: string; kind?: string; detail?: string };
    }
  | { id: number; at: number; type: 'device'; deviceId: string; t: number; ok: boolean; detail: string }
  | { id: number; at: number; type: 'receipt'; receipt: ReceiptView }
  | { id: number; at: number; type: 'store-loaded'; storeId: string; name: string }
  | { id: number; at: number; type: 'rejection'; reason: string; detail: string };

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/**
 * Parses one SSE `data:` payload; null for anything that is not a feed message of a known type
 * with the fields the view reads (the server is trusted for the rest of the shape).
 */
export function parseFeedMessage(data: string): FeedMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isObj(v) || !isNum(v.id) || v.id < 0 || !isNum(v.at) || !isStr(v.type)) return null;
  switch (v.type) {
    case 'visit':
    case 'shelf':
      return isObj(v.event) && isStr(v.event.type ?? v.event.eventId) && isNum(v.event.t ?? v.event.endT)
        ? (v as FeedMessage)
        : null;
    case 'people':
      return isObj(v.frame) && isNum(v.frame.t) && Array.isArray(v.frame.people) ? (v as FeedMessage) : null;
    case 'receipt':
      return isObj(v.receipt) && isStr(v.receipt.visitId) && Array.isArray(v.receipt.lines)
        ? (v as FeedMessage)
        : null;
    case 'device':
      return isStr(v.deviceId) && typeof v.ok === 'boolean' ? (v as FeedMessage) : null;
    case 'cart-alert':
      return isObj(v.alert) ? (v as FeedMessage) : null;
    case 'store-loaded':
      return isStr(v.storeId) ? (v as FeedMessage) : null;
    case 'rejection':
      return isStr(v.reason) ? (v as FeedMessage) : null;
    default:
      return null;
  }
}

/** One line of the event feed. */
export interface FeedLine {
  id: number;
  at: number;
  kind: 'visit' | 'shelf' | 'receipt' | 'device' | 'alert';
  text: string;
}

/** Everything the dashboard panels show from the feed (people frames stay outside: see live/feed). */
export interface FloorView {
  /** Id of the newest numbered message folded in. */
  position: number;
  lines: FeedLine[];
  visits: Record<string, Visit>;
  /** The smart cart each cart visit inside is on: visit id → cart id. */
  cartOf: Record<string, string>;
  receipts: Record<string, ReceiptView>;
  /** Plates that changed: plate id → wall time (ms) of the change, for the map to light them. */
  litPlates: Record<string, number>;
}

/** The view before any message. */
export const emptyView = (): FloorView => ({
  position: 0,
  lines: [],
  visits: {},
  cartOf: {},
  receipts: {},
  litPlates: {},
});

const MAX_LINES = 200;
const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;

/** A line of text for a feed message, or null for what the feed does not list. */
export function describe(m: FeedMessage): FeedLine | null {
  const base = { id: m.id, at: m.at };
  switch (m.type) {
    case 'visit': {
      const e = m.event;
      const who = e.visitId.slice(0, 14);
      switch (e.type) {
        case 'ShopperEntered':
          return { ...base, kind: 'visit', text: `${who} entered (${e.channel} ${e.gateId})` };
        case 'ItemPicked':
          return { ...base, kind: 'visit', text: `${who} picked ${e.quantity} × ${e.sku}` };
        case 'ItemReturned':
          return { ...base, kind: 'visit', text: `${who} put back ${e.quantity} × ${e.sku}` };
        case 'ReviewRequested':
          return { ...base, kind: 'alert', text: `${who}: ${e.eventId} to review (${e.reason.kind})` };
        case 'ReviewSettled':
          return { ...base, kind: 'visit', text: `${who}: ${e.eventId} settled by ${e.by}` };
        case 'ShopperExited':
          return { ...base, kind: 'visit', text: `${who} exited` };
        default:
          return null;
      }
    }
    case 'shelf': {
      const best = m.event.hypotheses[0];
      const what = best
        ? `${best.quantity > 0 ? 'took' : 'put back'} ${Math.abs(best.quantity)} × ${best.sku ?? '?'}`
        : 'unknown';
      return {
        ...base,
        kind: 'shelf',
        text: `shelf ${m.event.shelfId}: ${m.event.deltaGrams.toFixed(0)} g, ${what}`,
      };
    }
    case 'receipt':
      return {
        ...base,
        kind: 'receipt',
        text: `receipt ${m.receipt.visitId.slice(0, 14)} v${m.receipt.version}: ${money(m.receipt.total, m.receipt.currency)}`,
      };
    case 'device':
      return m.ok ? null : { ...base, kind: 'device', text: `${m.deviceId}: ${m.detail}` };
    case 'cart-alert':
      return {
        ...base,
        kind: 'alert',
        text: `cart alert ${m.alert.kind ?? ''} ${m.alert.detail ?? ''}`.trim(),
      };
    default:
      return null;
  }
}

/**
 * Folds one numbered feed message into the view. Messages at or before the view's position were
 * seen (a resumed stream may repeat them) and leave it unchanged; people frames are not folded here.
 */
export function applyFeed(view: FloorView, m: FeedMessage): FloorView {
  if (m.type === 'people' || m.id === 0 || m.id <= view.position) return view;
  const next: FloorView = { ...view, position: m.id };
  const line = describe(m);
  if (line) next.lines = [line, ...view.lines].slice(0, MAX_LINES);
  switch (m.type) {
    case 'visit': {
      const v = evolveVisit(view.visits[m.event.visitId] ?? null, m.event);
      next.visits = { ...view.visits };
      // Closed visits leave the carts panel; their receipt shows instead.
      if (v && v.status !== 'closed') next.visits[m.event.visitId] = v;
      else delete next.visits[m.event.visitId];
      if (m.event.type === 'ShopperEntered' && m.event.channel === 'cart')
        next.cartOf = { ...view.cartOf, [m.event.visitId]: m.event.gateId };
      else if (!next.visits[m.event.visitId] && view.cartOf[m.event.visitId]) {
        next.cartOf = { ...view.cartOf };
        delete next.cartOf[m.event.visitId];
      }
      break;
    }
    case 'shelf': {
      next.litPlates = { ...view.litPlates };
      for (const p of m.event.plates) next.litPlates[p.plateId] = m.at;
      break;
    }
    case 'receipt': {
      const prev = view.receipts[m.receipt.visitId];
      if (!prev || prev.version <= m.receipt.version)
        next.receipts = { ...view.receipts, [m.receipt.visitId]: m.receipt };
      break;
    }
    case 'store-loaded':
      return { ...emptyView(), position: m.id };
  }
  return next;
}
