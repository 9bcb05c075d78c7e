/** Shared nouns of the money side: accounts, visits, receipts, disputes, outbox jobs. */

/** Wall clock, injected so the domain never reads time itself. */
export interface Clock {
  now(): number;
}

/** An account's standing: only `good` accounts get through the gate. */
export type AccountStatus = 'good' | 'payment_due' | 'suspended';

export interface Account {
  id: string;
  email: string;
  status: AccountStatus;
  createdAt: number;
}

/** A tokenized card: the gateway's token and what a shopper may see of the card. */
export interface PaymentMethod {
  id: string;
  accountId: string;
  gatewayToken: string;
  /** The gateway's customer the card is attached to (Stripe needs it with every payment); null on the test gateway. */
  gatewayCustomer: string | null;
  brand: string;
  last4: string;
  createdAt: number;
}

export type EntryMethod = 'qr' | 'card' | 'palm';

/** Why an entry token was refused, at the gate (`admitToken`) or when the engine reports the entry. */
export type EntryRefusal =
  | 'malformed'
  | 'bad-signature'
  | 'expired'
  | 'unknown-token'
  | 'already-used'
  | 'no-account'
  | 'payment-due'
  | 'suspended'
  | 'no-payment-method';

/** An entry the engine reported with a token the money side refused: no hold, no charge, no receipt. */
export interface RefusedEntry {
  visitId: string;
  /** The token as the engine reported it. */
  token: string;
  /** The method as the engine reported it (`qr`, `card`, `palm`, `cart` or null). */
  method: string | null;
  gateId: string;
  channel: string;
  reason: EntryRefusal;
  /** The account the token names, when it names one (an expired or reused token, a due account). */
  accountId: string | null;
  /** The event time of the entry (`ShopperEntered.t`), rounded to the millisecond. */
  enteredAt: number;
  /** Wall time at which the refusal was recorded. */
  recordedAt: number;
  /** What the engine said at exit, if it did: what left the store unpaid. */
  issued: IssuedVisit | null;
}

export type HoldStatus = 'pending' | 'held' | 'declined' | 'released' | 'captured' | 'none';
export type PaymentStatus = 'open' | 'captured' | 'charged' | 'released' | 'due' | 'settled';

/** The money view of one visit. */
export interface CommerceVisit {
  visitId: string;
  accountId: string;
  token: string;
  method: EntryMethod;
  paymentMethodId: string | null;
  enteredAt: number;
  holdId: string | null;
  holdAmount: number;
  holdStatus: HoldStatus;
  paymentStatus: PaymentStatus;
  chargeId: string | null;
  chargedAmount: number;
  dueAmount: number;
  /** Bumped each time a shopper settles a due payment, so the new charge gets a new idempotency key. */
  settleRound: number;
  /**
   * The newest capture or charge sent for this visit, exactly as sent. Settling a due payment replays
   * it (same key, same request) before any new charge: a call whose answers were all lost may still
   * have gone through, and charging anew would charge twice.
   */
  lastPayment: PaymentAttempt | null;
  currency: string;
  /** What the store engine said at exit (null while the visit is open). */
  issued: IssuedVisit | null;
}

/** A gateway call that may move money, with its idempotency key. */
export type PaymentAttempt =
  | { op: 'capture'; key: string; holdId: string; amount: number }
  | {
      op: 'charge';
      key: string;
      paymentMethod: string;
      customer: string | null;
      amount: number;
      currency: string;
      reference: string;
    };

/** The facts of a ReceiptIssued event that the money side keeps. */
export interface IssuedVisit {
  /** The engine's receipt version (1 at the exit; higher after a review changed it). */
  version?: number;
  exitedAt: number;
  issuedAt: number;
  lines: { sku: string; quantity: number; unitPrice: number; grams?: number }[];
  total: number;
  tax: number;
  currency: string;
  reviewed: boolean;
}

export interface ReceiptLineView {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  grams?: number;
  /** unitPrice × quantity, before tax. */
  amount: number;
  taxRate: number;
}

export interface ReceiptRefund {
  disputeId: string;
  sku: string;
  quantity: number;
  amount: number;
  at: number;
}

export interface ReceiptPayment {
  status: 'captured' | 'charged' | 'none' | 'due' | 'settled';
  amount: number;
  method: { brand: string; last4: string } | null;
  reference: string | null;
}

/** One version of a visit's receipt; a refund makes a new version and keeps the old ones. */
export interface Receipt {
  id: string;
  visitId: string;
  version: number;
  accountId: string;
  store: { id: string; name: string };
  enteredAt: number;
  exitedAt: number;
  issuedAt: number;
  lines: ReceiptLineView[];
  subtotal: number;
  tax: number;
  total: number;
  refunds: ReceiptRefund[];
  refunded: number;
  /** What the shopper pays in the end: total − refunded. */
  net: number;
  currency: string;
  payment: ReceiptPayment;
  reviewed: boolean;
  reason: 'issued' | 'refund' | 'settled' | 'revised';
}

export type DisputeKind = 'not-taken' | 'wrong-quantity';
export type DisputeStatus = 'refunded' | 'queued' | 'approved' | 'rejected';

/** A shopper's flag on one receipt line; kept for ever as a labelled accuracy example. */
export interface Dispute {
  id: string;
  visitId: string;
  accountId: string;
  sku: string;
  kind: DisputeKind;
  chargedQuantity: number;
  claimedQuantity: number;
  amount: number;
  status: DisputeStatus;
  decidedBy: string | null;
  note: string | null;
  createdAt: number;
  decidedAt: number | null;
}

/** What the store sells, as far as receipts need it (names and tax rates by sku). */
export interface Catalog {
  storeId: string;
  storeName: string;
  products: ReadonlyMap<string, { name: string; taxRate: number }>;
}
