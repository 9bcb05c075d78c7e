/**
 * The payment gateway as the money side sees it: holds, captures, releases, direct charges and
 * refunds, every call carrying an idempotency key so a retry after a crash or a lost response
 * never moves money twice. Adapters: the built-in test gateway and Stripe.
 */

/** What kind of failure a gateway call met; only transient ones are worth retrying. */
export type GatewayFailure = 'declined' | 'timeout' | 'unavailable' | 'invalid';

export class GatewayError extends Error {
  readonly failure: GatewayFailure;
  /** The gateway's own code (e.g. `card_declined`, `insufficient_funds`). */
  readonly code: string;
  constructor(failure: GatewayFailure, code: string, message: string) {
    super(message);
    this.name = 'GatewayError';
    this.failure = failure;
    this.code = code;
  }
  /** Timeouts and outages may pass; declines and invalid requests will not. */
  get retryable(): boolean {
    return this.failure === 'timeout' || this.failure === 'unavailable';
  }
}

export interface CardDetails {
  brand: string;
  last4: string;
}

/** A card kept for later visits: what may be shown of it and the gateway's customer holding it. */
export interface SavedMethod extends CardDetails {
  /** The gateway's customer the card is attached to (Stripe's `cus_…`); null where the gateway has none. */
  customer: string | null;
}

export interface SaveMethodRequest {
  paymentMethod: string;
  /** The account's customer on the gateway, from a card saved before; null for the first card. */
  customer: string | null;
  email: string;
  /** Our account id, stored on the gateway side. */
  reference: string;
  idempotencyKey: string;
}

export interface HoldRequest {
  amount: number;
  currency: string;
  paymentMethod: string;
  /** The customer the payment method is attached to (required by Stripe for a saved card). */
  customer: string | null;
  /** Our reference (the visit id), stored on the gateway side for reconciliation. */
  reference: string;
  idempotencyKey: string;
}

export interface PaymentGateway {
  readonly name: string;
  /**
   * Checks a tokenized payment method and keeps it for later visits (on Stripe a card token is
   * single-use until it is attached to a customer); returns what may be shown of it.
   */
  saveMethod(req: SaveMethodRequest): Promise<SavedMethod>;
  /** Places a pre-authorization hold; returns the hold's id. */
  hold(req: HoldRequest): Promise<{ holdId: string }>;
  /** Captures `amount` (≤ the hold) of a hold. */
  capture(req: {
    holdId: string;
    amount: number;
    idempotencyKey: string;
  }): Promise<{ chargeId: string; amount: number }>;
  /** Releases a hold when nothing is to be charged. */
  release(req: { holdId: string; idempotencyKey: string }): Promise<void>;
  /** Charges at once, without a hold (a total above the hold, or settling a due payment). */
  charge(req: HoldRequest): Promise<{ chargeId: string; amount: number }>;
  /** Refunds part or all of a charge. */
  refund(req: { chargeId: string; amount: number; idempotencyKey: string }): Promise<{ refundId: string }>;
}

/** Runs a gateway call with a deadline; a call past it counts as a (retryable) timeout. */
export async function withTimeout<T>(ms: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new GatewayError('timeout', 'timeout', `gateway did not answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([call(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
