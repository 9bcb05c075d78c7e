import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

/**
 * A local stand-in for the parts of the Stripe API the adapter uses, answering as Stripe does:
 * form-encoded requests, PaymentIntents with manual capture, cancel, refunds, payment method
 * lookup, `Idempotency-Key` replay (same key and body → same answer with `Idempotent-Replayed`;
 * same key, other body → 400 idempotency_error), card declines as 402 card errors, scripted 500s.
 * Customers and attaching a payment method to one are there too, with live mode's rule that a
 * payment method not attached to a customer pays once only (Stripe's test mode clones its `pm_card_*`
 * ids on each use and would hide a missing attachment). Test payment methods: pm_card_visa,
 * pm_card_mastercard, pm_card_chargeDeclined, pm_card_chargeDeclinedInsufficientFunds; a suffix
 * (`pm_card_visa_ana`) makes a distinct card of the same kind.
 */
interface Intent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  capture_method: 'manual' | 'automatic';
  payment_method: string;
  status: 'requires_capture' | 'succeeded' | 'canceled';
  metadata: Record<string, string>;
  refunded: number;
  customer: string | null;
}

const METHODS: Record<string, { brand: string; last4: string; decline?: string }> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', decline: 'generic_decline' },
  pm_card_chargeDeclinedInsufficientFunds: { brand: 'visa', last4: '9995', decline: 'insufficient_funds' },
};

/** Parses Stripe's form encoding (`a=1&metadata[k]=v&list[0]=x`) into a flat map of top-level fields and nested maps. */
function methodOf(id: string) {
  const m = /^(pm_card_[A-Za-z]+)(?:_[A-Za-z0-9]{1,40})?$/.exec(id);
  return m ? METHODS[m[1]!] : undefined;
}

export function parseStripeForm(body: string): Record<string, string | Record<string, string>> {
  const out: Record<string, string | Record<string, string>> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const m = /^([^[\]]+)\[([^[\]]*)\]$/.exec(k);
    if (m) {
      const inner = out[m[1]!];
      const map = typeof inner === 'object' ? inner : {};
      map[m[2]!] = v;
      out[m[1]!] = map;
    } else out[k] = v;
  }
  return out;
}

export interface StripeStandIn {
  app: FastifyInstance;
  port: number;
  intents: Map<string, Intent>;
  /** Customers by id, and the customer each attached payment method belongs to. */
  customers: Map<string, { id: string; email: string | null; metadata: Record<string, string> }>;
  attached: Map<string, string>;
  /** Requests received, replays included (method, path, idempotency key, replayed?). */
  requests: { method: string; path: string; key: string | undefined; replayed: boolean }[];
  /** The next `n` requests answer 500 before doing anything. */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1, port 0. */
export async function startStripeStandIn(): Promise<StripeStandIn> {
  const app = Fastify();
  const intents = new Map<string, Intent>();
  const refunds = new Map<
    string,
    { id: string; object: 'refund'; amount: number; payment_intent: string; status: 'succeeded' }
  >();
  const customers: StripeStandIn['customers'] = new Map();
  const attached = new Map<string, string>();
  // Payment methods that paid once without a customer: live Stripe refuses them after that.
  const spent = new Set<string>();
  const idem = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  const requests: StripeStandIn['requests'] = [];
  let failures = 0;
  let seq = 0;
  const nextId = (prefix: string) => `${prefix}_${String(++seq).padStart(14, '0')}`;

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseStripeForm(body as string));
  });

  const error = (status: number, e: Record<string, string>) => ({ status, body: { error: e } });
  const notFound = (id: string) =>
    error(404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: `No such payment_intent: '${id}'`,
    });

  /** Wraps a handler with Stripe's idempotency semantics and the scripted failures. */
  function idempotent(
    handler: (
      params: Record<string, string>,
      body: Record<string, string | Record<string, string>>,
    ) => { status: number; body: unknown },
  ) {
    return async (
      req: {
        method: string;
        url: string;
        headers: Record<string, string | string[] | undefined>;
        params: unknown;
        body: unknown;
      },
      reply: FastifyReply,
    ) => {
      const key =
        typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
      const path = req.url.split('?')[0]!;
      if (failures > 0) {
        failures--;
        requests.push({ method: req.method, path, key, replayed: false });
        return reply.code(500).send({ error: { type: 'api_error', message: 'scripted outage' } });
      }
      const body = (req.body ?? {}) as Record<string, string | Record<string, string>>;
      const fingerprint = createHash('sha256')
        .update(`${req.method} ${path} ${JSON.stringify(body)}`)
        .digest('hex');
      if (key) {
        const prior = idem.get(key);
        if (prior) {
          requests.push({ method: req.method, path, key, replayed: true });
          if (prior.fingerprint !== fingerprint) {
            return reply.code(400).send({
              error: {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with.`,
              },
            });
          }
          return reply.code(prior.status).header('idempotent-replayed', 'true').send(prior.body);
        }
      }
      requests.push({ method: req.method, path, key, replayed: false });
      const result = handler(req.params as Record<string, string>, body);
      // Like Stripe, 5xx answers are not stored: a retry runs again.
      if (key && result.status < 500)
        idem.set(key, { fingerprint, status: result.status, body: result.body });
      return reply.code(result.status).send(result.body);
    };
  }

  const view = (pi: Intent) => ({ ...pi, refunded: undefined });

  app.get('/v1/payment_methods/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const m = methodOf(id);
    if (!m)
      return reply.code(404).send({
        error: {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: `No such PaymentMethod: '${id}'`,
        },
      });
    return {
      id,
      object: 'payment_method',
      type: 'card',
      card: { brand: m.brand, last4: m.last4, exp_month: 12, exp_year: 2034 },
      customer: attached.get(id) ?? null,
    };
  });

  app.post(
    '/v1/customers',
    idempotent((_p, b) => {
      const c = {
        id: nextId('cus'),
        email: typeof b.email === 'string' ? b.email : null,
        metadata: typeof b.metadata === 'object' ? b.metadata : {},
      };
      customers.set(c.id, c);
      return { status: 200, body: { ...c, object: 'customer' } };
    }),
  );

  app.post(
    '/v1/payment_methods/:id/attach',
    idempotent((p, b) => {
      const m = methodOf(p.id!);
      if (!m)
        return error(404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: `No such PaymentMethod: '${p.id}'`,
        });
      const customer = typeof b.customer === 'string' ? b.customer : '';
      if (!customers.has(customer))
        return error(400, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: 'customer',
          message: `No such customer: '${customer}'`,
        });
      const prior = attached.get(p.id!);
      if ((prior && prior !== customer) || spent.has(p.id!))
        return error(400, {
          type: 'invalid_request_error',
          code: 'payment_method_unexpected_state',
          message: prior
            ? 'The payment method you provided has already been attached to a customer.'
            : 'This PaymentMethod was previously used without being attached to a Customer and may not be attached now.',
        });
      attached.set(p.id!, customer);
      return {
        status: 200,
        body: {
          id: p.id,
          object: 'payment_method',
          type: 'card',
          customer,
          card: { brand: m.brand, last4: m.last4 },
        },
      };
    }),
  );

  app.post(
    '/v1/payment_intents',
    idempotent((_p, b) => {
      const amount = Number(b.amount);
      if (!Number.isInteger(amount) || amount < 1)
        return error(400, {
          type: 'invalid_request_error',
          param: 'amount',
          message: 'Invalid integer: amount',
        });
      if (typeof b.currency !== 'string')
        return error(400, {
          type: 'invalid_request_error',
          param: 'currency',
          message: 'Missing required param: currency.',
        });
      const pmId = String(b.payment_method ?? '');
      const pm = methodOf(pmId);
      if (!pm)
        return error(400, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: 'payment_method',
          message: `No such PaymentMethod: '${pmId}'`,
        });
      const owner = attached.get(pmId) ?? null;
      const customer = typeof b.customer === 'string' ? b.customer : null;
      if (owner !== customer)
        return error(400, {
          type: 'invalid_request_error',
          code: 'payment_method_unexpected_state',
          param: 'customer',
          message: owner
            ? `The provided PaymentMethod belongs to a Customer (${owner}); pass that customer with it.`
            : `The provided PaymentMethod is not attached to the Customer '${customer}'.`,
        });
      if (!owner && spent.has(pmId))
        return error(400, {
          type: 'invalid_request_error',
          code: 'payment_method_unexpected_state',
          param: 'payment_method',
          message:
            'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.',
        });
      const manual = b.capture_method === 'manual';
      if (pm.decline) {
        return error(402, {
          type: 'card_error',
          code: 'card_declined',
          decline_code: pm.decline,
          message: 'Your card was declined.',
        });
      }
      const pi: Intent = {
        id: nextId('pi'),
        object: 'payment_intent',
        amount,
        amount_capturable: manual ? amount : 0,
        amount_received: manual ? 0 : amount,
        currency: b.currency,
        capture_method: manual ? 'manual' : 'automatic',
        payment_method: pmId,
        status: manual ? 'requires_capture' : 'succeeded',
        metadata: typeof b.metadata === 'object' ? b.metadata : {},
        refunded: 0,
        customer,
      };
      intents.set(pi.id, pi);
      if (!owner) spent.add(pmId);
      return { status: 200, body: view(pi) };
    }),
  );

  app.post(
    '/v1/payment_intents/:id/capture',
    idempotent((p, b) => {
      const pi = intents.get(p.id!);
      if (!pi) return notFound(p.id!);
      if (pi.status !== 'requires_capture') {
        return error(400, {
          type: 'invalid_request_error',
          code: 'payment_intent_unexpected_state',
          message: `This PaymentIntent's status is ${pi.status}.`,
        });
      }
      const amount = b.amount_to_capture === undefined ? pi.amount_capturable : Number(b.amount_to_capture);
      if (!Number.isInteger(amount) || amount < 1 || amount > pi.amount_capturable) {
        return error(400, {
          type: 'invalid_request_error',
          param: 'amount_to_capture',
          message: 'amount_to_capture must be at most the capturable amount',
        });
      }
      pi.status = 'succeeded';
      pi.amount_received = amount;
      pi.amount_capturable = 0;
      return { status: 200, body: view(pi) };
    }),
  );

  app.post(
    '/v1/payment_intents/:id/cancel',
    idempotent((p) => {
      const pi = intents.get(p.id!);
      if (!pi) return notFound(p.id!);
      if (pi.status !== 'requires_capture') {
        return error(400, {
          type: 'invalid_request_error',
          code: 'payment_intent_unexpected_state',
          message: `This PaymentIntent's status is ${pi.status}.`,
        });
      }
      pi.status = 'canceled';
      pi.amount_capturable = 0;
      return { status: 200, body: view(pi) };
    }),
  );

  app.post(
    '/v1/refunds',
    idempotent((_p, b) => {
      const pi = intents.get(String(b.payment_intent ?? ''));
      if (!pi) return notFound(String(b.payment_intent ?? ''));
      if (pi.status !== 'succeeded')
        return error(400, {
          type: 'invalid_request_error',
          code: 'charge_not_captured',
          message: 'This PaymentIntent has not been captured.',
        });
      const amount = b.amount === undefined ? pi.amount_received - pi.refunded : Number(b.amount);
      if (!Number.isInteger(amount) || amount < 1 || pi.refunded + amount > pi.amount_received) {
        return error(400, {
          type: 'invalid_request_error',
          code: 'amount_too_large',
          param: 'amount',
          message: 'Refund amount is greater than unrefunded amount on charge',
        });
      }
      pi.refunded += amount;
      const r = {
        id: nextId('re'),
        object: 'refund' as const,
        amount,
        payment_intent: pi.id,
        status: 'succeeded' as const,
      };
      refunds.set(r.id, r);
      return { status: 200, body: r };
    }),
  );

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    port,
    intents,
    customers,
    attached,
    requests,
    failNext: (n) => void (failures += n),
    close: () => app.close(),
  };
}
