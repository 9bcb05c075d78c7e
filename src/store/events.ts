import type { ReceiptLine } from '../protocol/results.js';

/** A candidate explanation of a shelf event: which product, how many, how likely. */
export interface ProductHypothesis {
  sku: string | null; // null: the change fits no product (unknown)
  quantity: number; // positive: taken; negative: put back
  probability: number;
}

/** One shopper's chance of having made a shelf event, with the evidence behind it. */
export interface ShopperCandidate {
  visitId: string;
  probability: number;
  /** How near the visit's hand stayed to the plate's front face during the event window (m), when cameras saw it. */
  handDistanceM?: number;
}

/** Why an event or a visit needs a person to look at it. */
export interface ReviewReason {
  kind: 'product' | 'shopper' | 'unknown-change' | 'unreliable-plate' | 'cart-mismatch';
  detail: string;
}

/** A shelf event: what changed on adjacent plates of one shelf, and where. */
export interface ShelfEvent {
  eventId: string;
  shelfId: string;
  plates: { plateId: string; deltaGrams: number }[];
  startT: number;
  endT: number;
  deltaGrams: number;
  deltaStdGrams: number;
  /** Position along the shelf where the weight changed (store frame, m). */
  position: [number, number, number];
  hypotheses: ProductHypothesis[];
  reliable: boolean;
}

interface Base {
  visitId: string;
  t: number;
}

/** The visit ledger: everything that happens to a shopper's visit, past tense, append only. */
export type VisitEvent =
  | (Base & {
      type: 'ShopperEntered';
      token: string;
      method: string | null;
      gateId: string;
      channel: 'gate' | 'cart';
    })
  | (Base & { type: 'MemberJoined'; gateId: string })
  | (Base & { type: 'PersonLeft'; gateId: string })
  | (Base & {
      type: 'ItemPicked';
      eventId: string;
      sku: string;
      quantity: number;
      grams?: number;
      confidence: number;
      source: 'shelf' | 'cart';
    })
  | (Base & {
      type: 'ItemReturned';
      eventId: string;
      sku: string;
      quantity: number;
      grams?: number;
      confidence: number;
      source: 'shelf' | 'cart';
    })
  | (Base & {
      type: 'ReviewRequested';
      eventId: string;
      reason: ReviewReason;
      sku: string | null;
      products: ProductHypothesis[];
      shoppers: ShopperCandidate[];
    })
  | (Base & { type: 'ReviewSettled'; eventId: string; by: string; sku: string | null; quantity: number })
  | (Base & {
      type: 'ShopperExited';
      /**
       * When the exit lane let a held cart go (event time, after t): its basket did not add up at
       * t and the receipt waits for the lane. Absent for everyone else.
       */
      releasedAt?: number;
    })
  | (Base & {
      type: 'ReceiptIssued';
      /** 1 for the receipt at the exit; a review or refund that changes it issues the next version. */
      version: number;
      token: string;
      enteredAt: number;
      exitedAt: number;
      lines: ReceiptLine[];
      total: number;
      tax: number;
      currency: string;
      reviewed: boolean;
    });

export type VisitEventType = VisitEvent['type'];
