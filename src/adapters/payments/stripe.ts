import Stripe from 'stripe';
import {
  GatewayError,
  type HoldRequest,
  type PaymentGateway,
  type SavedMethod,
  type SaveMethodRequest,
} from '../../commerce/payments/gateway.js';

export interface StripeGatewayOptions {
  apiKey: string;
  /** For a local stand-in or a proxy: host, port and protocol of the API. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** Per-request timeout (ms). Retries are the outbox's job, so the SDK's own are off by default. */
  timeoutMs?: number;
  maxNetworkRetries?: number;
}

/** Maps a Stripe SDK error to a gateway failure: card errors decline, network and 5xx are transient. */
function toGatewayError(e: unknown): GatewayError {
  const err = e as {
    type?: string;
    code?: string;
    decline_code?: string;
    message?: string;
    statusCode?: number;
  };
  const message = err.message ?? String(e);
  switch (err.type) {
    case 'StripeCardError':
      return new GatewayError('declined', err.decline_code ?? err.code ?? 'card_declined', message);
    case 'StripeConnectionError':
      return new GatewayError('timeout', 'api_connection_error', message);
    case 'StripeRateLimitError':
    case 'StripeAPIError':
      return new GatewayError('unavailable', err.code ?? 'api_error', message);
    default:
      if (err.statusCode !== undefined && err.statusCode >= 500)
        return new GatewayError('unavailable', err.code ?? 'api_error', message);
      return new GatewayError('invalid', err.code ?? err.type ?? 'invalid_request_error', message);
  }
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toGatewayError(e);
  }
}

/**
 * The Stripe adapter: a hold is a PaymentIntent with `capture_method: manual`, confirmed at entry;
 * capture takes the exact total; release cancels; refunds go against the PaymentIntent. Every
 * request carries our idempotency key, so Stripe replays the first answer to a retry.
 */
export class StripeGateway implements PaymentGateway {
  readonly name = 'stripe';
  readonly stripe: Stripe;

  constructor(opts: StripeGatewayOptions) {
    this.stripe = new Stripe(opts.apiKey, {
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.port ? { port: opts.port } : {}),
      ...(opts.protocol ? { protocol: opts.protocol } : {}),
      timeout: opts.timeoutMs ?? 10_000,
      maxNetworkRetries: opts.maxNetworkRetries ?? 0,
      telemetry: false,
    });
  }

  /**
   * A card token from Stripe.js can pay once; attached to a customer it can pay every visit. The
   * account's first card creates its customer (one per account: the key is the account's), later
   * cards join it, so a retry after a crash finds the same customer instead of making a second one.
   */
  saveMethod(req: SaveMethodRequest): Promise<SavedMethod> {
    return call(async () => {
      const pm = await this.stripe.paymentMethods.retrieve(req.paymentMethod);
      if (!pm.card) throw new GatewayError('invalid', 'not_a_card', `${req.paymentMethod} is not a card`);
      const held = typeof pm.customer === 'string' ? pm.customer : (pm.customer?.id ?? null);
      let customer = req.customer;
      if (held && held !== customer)
        throw new GatewayError(
          'invalid',
          'payment_method_attached',
          `${req.paymentMethod} belongs to another Stripe customer`,
        );
      if (!customer) {
        const c = await this.stripe.customers.create(
          { email: req.email, metadata: { account: req.reference } },
          { idempotencyKey: `customer:${req.reference}` },
        );
        customer = c.id;
      }
      if (!held)
        await this.stripe.paymentMethods.attach(
          req.paymentMethod,
          { customer },
          { idempotencyKey: req.idempotencyKey },
        );
      return { brand: pm.card.brand, last4: pm.card.last4, customer };
    });
  }

  hold(req: HoldRequest): Promise<{ holdId: string }> {
    return call(async () => {
      const pi = await this.confirmIntent(req, 'manual');
      if (pi.status !== 'requires_capture')
        throw new GatewayError('declined', `status_${pi.status}`, `hold is ${pi.status}`);
      return { holdId: pi.id };
    });
  }

  capture(req: {
    holdId: string;
    amount: number;
    idempotencyKey: string;
  }): Promise<{ chargeId: string; amount: number }> {
    return call(async () => {
      const pi = await this.stripe.paymentIntents.capture(
        req.holdId,
        { amount_to_capture: req.amount },
        { idempotencyKey: req.idempotencyKey },
      );
      if (pi.status !== 'succeeded')
        throw new GatewayError('declined', `status_${pi.status}`, `capture left ${pi.status}`);
      return { chargeId: pi.id, amount: pi.amount_received };
    });
  }

  async release(req: { holdId: string; idempotencyKey: string }): Promise<void> {
    await call(() =>
      this.stripe.paymentIntents.cancel(req.holdId, {}, { idempotencyKey: req.idempotencyKey }),
    );
  }

  charge(req: HoldRequest): Promise<{ chargeId: string; amount: number }> {
    return call(async () => {
      const pi = await this.confirmIntent(req, 'automatic');
      if (pi.status !== 'succeeded')
        throw new GatewayError('declined', `status_${pi.status}`, `charge is ${pi.status}`);
      return { chargeId: pi.id, amount: pi.amount_received };
    });
  }

  /** Creates and confirms a PaymentIntent: a hold (`manual` capture) or a charge at once. */
  private confirmIntent(req: HoldRequest, capture: 'manual' | 'automatic'): Promise<Stripe.PaymentIntent> {
    return this.stripe.paymentIntents.create(
      {
        amount: req.amount,
        currency: req.currency.toLowerCase(),
        payment_method: req.paymentMethod,
        ...(req.customer ? { customer: req.customer } : {}),
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        ...(capture === 'manual' ? { capture_method: 'manual' as const } : {}),
        confirm: true,
        metadata: { reference: req.reference },
      },
      { idempotencyKey: req.idempotencyKey },
    );
  }

  refund(req: { chargeId: string; amount: number; idempotencyKey: string }): Promise<{ refundId: string }> {
    return call(async () => {
      const r = await this.stripe.refunds.create(
        { payment_intent: req.chargeId, amount: req.amount },
        { idempotencyKey: req.idempotencyKey },
      );
      return { refundId: r.id };
    });
  }
}
