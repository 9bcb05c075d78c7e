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

export interface HoldRequest {
  amount: number;
  currency: string;
  paymentMethod: string;
  /** Our reference (the visit id), stored on the gateway side for reconciliation. */
  reference: string;
  idempotencyKey: string;
}

export interface PaymentGateway {
  readonly name: string;
  /** Checks a tokenized payment method and returns what may be shown of it. */
  describeMethod(paymentMethod: string): Promise<CardDetails>;
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
