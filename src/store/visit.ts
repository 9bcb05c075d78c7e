import type { VisitEvent } from './events.js';

/** A line in a visit's cart: the net quantity of one product, with the doubt about it. */
export interface CartLine {
  sku: string;
  quantity: number;
  grams: number;
  /** Lowest confidence among the events behind this line. */
  confidence: number;
}

interface VisitCommon {
  visitId: string;
  token: string;
  channel: 'gate' | 'cart';
  /** The gate (or cart) the visit began at; absent on visits recorded before it was kept. */
  gateId?: string;
  enteredAt: number;
  /** People in the store on this visit right now. */
  peopleInside: number;
  /** People who ever entered on this visit's token. */
  groupSize: number;
  cart: Record<string, CartLine>;
  /** Shelf events of this visit still waiting for a person, by event id. */
  openReviews: Record<string, { sku: string | null; reason: string }>;
  reviewed: boolean;
}

/** A visit: open while its people are inside, settling after they left, closed with its receipt. */
export type Visit =
  | (VisitCommon & { status: 'open' })
  | (VisitCommon & { status: 'settling'; exitedAt: number; releasedAt?: number })
  | (VisitCommon & {
      status: 'closed';
      exitedAt: number;
      issuedAt: number;
      total: number;
      receiptVersion: number;
    });

/** Applies one ledger event to a visit (null before it began); unknown events leave it unchanged. */
export function evolveVisit(visit: Visit | null, event: VisitEvent): Visit | null {
  if (event.type === 'ShopperEntered') {
    if (visit) return visit;
    return {
      status: 'open',
      visitId: event.visitId,
      token: event.token,
      channel: event.channel,
      gateId: event.gateId,
      enteredAt: event.t,
      peopleInside: 1,
      groupSize: 1,
      cart: {},
      openReviews: {},
      reviewed: false,
    };
  }
  if (!visit) return visit;
  switch (event.type) {
    case 'MemberJoined':
      return { ...visit, peopleInside: visit.peopleInside + 1, groupSize: visit.groupSize + 1 };
    case 'PersonLeft':
      return { ...visit, peopleInside: Math.max(0, visit.peopleInside - 1) };
    case 'ItemPicked':
    case 'ItemReturned': {
      const sign = event.type === 'ItemPicked' ? 1 : -1;
      const prev = visit.cart[event.sku] ?? { sku: event.sku, quantity: 0, grams: 0, confidence: 1 };
      const next: CartLine = {
        sku: event.sku,
        quantity: prev.quantity + sign * event.quantity,
        grams: prev.grams + sign * (event.grams ?? 0),
        confidence: Math.min(prev.confidence, event.confidence),
      };
      const cart = { ...visit.cart };
      if (next.quantity === 0 && Math.abs(next.grams) < 1e-9) delete cart[event.sku];
      else cart[event.sku] = next;
      return { ...visit, cart };
    }
    case 'ReviewRequested':
      return {
        ...visit,
        reviewed: true,
        openReviews: {
          ...visit.openReviews,
          [event.eventId]: { sku: event.sku, reason: event.reason.detail },
        },
      };
    case 'ReviewSettled': {
      const openReviews = { ...visit.openReviews };
      delete openReviews[event.eventId];
      return { ...visit, openReviews };
    }
    case 'ShopperExited':
      return visit.status === 'open'
        ? {
            ...visit,
            status: 'settling',
            peopleInside: 0,
            exitedAt: event.t,
            ...(event.releasedAt !== undefined ? { releasedAt: event.releasedAt } : {}),
          }
        : visit;
    case 'ReceiptIssued':
      return {
        ...visit,
        status: 'closed',
        exitedAt: event.exitedAt,
        issuedAt: event.t,
        total: event.total,
        reviewed: event.reviewed,
        receiptVersion: event.version,
      };
    default:
      return visit;
  }
}

/** Folds a visit's whole history. */
export function foldVisit(events: readonly VisitEvent[]): Visit | null {
  return events.reduce<Visit | null>(evolveVisit, null);
}
