import type { FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type FastifyPluginAsyncZod,
} from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import { WalkoutError } from '../../protocol/errors.js';
import type { Commerce } from '../commerce.js';
import {
  DisputeAccuracy,
  DisputeExamplesView,
  disputeAccuracy,
  exportDisputes,
} from '../disputes/accuracy.js';
import { receiptHtml } from '../receipts/html.js';
import type { LiveReceipts } from '../receipts/live.js';
import { receiptPdf } from '../receipts/pdf.js';
import type { EntryRefusal, Receipt } from '../types.js';
import { openEventStream } from '../../adapters/http/eventStream.js';

/** Options of the commerce plugin: the money side built by `createCommerce`, its live hub, and the operator key. */
export interface CommerceRoutesOptions {
  commerce: Commerce;
  /** The same hub passed to createCommerce as `live`; the SSE feed listens to it. */
  live: LiveReceipts;
  /** Shared secret for gate and operator calls (header `x-walkout-key`). */
  operatorKey: string;
  /** SSE heartbeat period (ms); proxies close silent connections. */
  heartbeatMs?: number;
}

const Problem = z.object({ code: z.string(), message: z.string() });
const AccountView = z.object({
  id: z.string(),
  email: z.string(),
  status: z.enum(['good', 'payment_due', 'suspended']),
  createdAt: z.number(),
});
const MethodView = z.object({ id: z.string(), brand: z.string(), last4: z.string() });
const Money = z.number().int();
const ReceiptView = z.object({
  id: z.string(),
  visitId: z.string(),
  version: z.number().int(),
  accountId: z.string(),
  store: z.object({ id: z.string(), name: z.string() }),
  enteredAt: z.number(),
  exitedAt: z.number(),
  issuedAt: z.number(),
  lines: z.array(
    z.object({
      sku: z.string(),
      name: z.string(),
      quantity: z.number(),
      unitPrice: Money,
      grams: z.number().optional(),
      amount: Money,
      taxRate: z.number(),
    }),
  ),
  subtotal: Money,
  tax: Money,
  total: Money,
  refunds: z.array(
    z.object({ disputeId: z.string(), sku: z.string(), quantity: z.number(), amount: Money, at: z.number() }),
  ),
  refunded: Money,
  net: Money,
  currency: z.string(),
  payment: z.object({
    status: z.enum(['captured', 'charged', 'none', 'due', 'settled']),
    amount: Money,
    method: z.object({ brand: z.string(), last4: z.string() }).nullable(),
    reference: z.string().nullable(),
  }),
  reviewed: z.boolean(),
  reason: z.enum(['issued', 'refund', 'settled', 'revised']),
});
const DisputeView = z.object({
  id: z.string(),
  visitId: z.string(),
  accountId: z.string(),
  sku: z.string(),
  kind: z.enum(['not-taken', 'wrong-quantity']),
  chargedQuantity: z.number(),
  claimedQuantity: z.number(),
  amount: z.number(),
  status: z.enum(['refunded', 'queued', 'approved', 'rejected']),
  decidedBy: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.number(),
  decidedAt: z.number().nullable(),
});
const REFUSALS = [
  'malformed',
  'bad-signature',
  'expired',
  'unknown-token',
  'already-used',
  'no-account',
  'payment-due',
  'suspended',
  'no-payment-method',
] as const satisfies readonly EntryRefusal[];
const RefusedEntryView = z.object({
  visitId: z.string(),
  token: z.string(),
  method: z.string().nullable(),
  gateId: z.string(),
  channel: z.string(),
  reason: z.enum(REFUSALS),
  accountId: z.string().nullable(),
  enteredAt: z.number(),
  recordedAt: z.number(),
  /** What the engine charged at the exit, unpaid: null until the visit ended. */
  unpaid: z
    .object({
      exitedAt: z.number(),
      lines: z.array(z.object({ sku: z.string(), quantity: z.number(), unitPrice: z.number() })),
      total: z.number(),
      currency: z.string(),
    })
    .nullable(),
});
const VisitParams = z.object({ visitId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a visit id') });
const VersionQuery = z.object({ version: z.coerce.number().int().positive().optional() });
const auth = { 401: Problem };

const problem = (code: string, message: string) => ({ code, message });

/**
 * The shopper, gate and operator HTTP API of the money side, as one fastify plugin. Shoppers
 * authenticate with the access token from sign-up (`Authorization: Bearer …`, or `?access_token=`
 * for EventSource); gates and operators with `x-walkout-key`.
 */
export const commerceRoutes: FastifyPluginAsyncZod<CommerceRoutesOptions> = async (app, opts) => {
  const { commerce, live } = opts;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof WalkoutError)
      return reply.code(error.status).send(problem(error.code, error.message));
    if (hasZodFastifySchemaValidationErrors(error)) {
      const detail = error.validation
        .slice(0, 5)
        .map(
          (v) =>
            `${v.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)'}: ${v.message ?? 'invalid'}`,
        )
        .join('; ');
      return reply
        .code(400)
        .send(problem('WO_BAD_REQUEST', `${error.validationContext ?? 'request'}: ${detail}`));
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) return reply.code(status).send(problem('WO_BAD_REQUEST', (error as Error).message));
    app.log.error(error);
    return reply.code(500).send(problem('WO_INTERNAL', 'internal error'));
  });

  /** The account the request's access token names; 401 otherwise. */
  function shopper(req: FastifyRequest): string {
    const header = req.headers.authorization;
    const query = (req.query as { access_token?: unknown } | undefined)?.access_token;
    const token = header?.startsWith('Bearer ')
      ? header.slice(7)
      : typeof query === 'string'
        ? query
        : undefined;
    const accountId = token ? commerce.authenticate(token) : undefined;
    if (!accountId)
      throw new WalkoutError(
        'WO_UNAUTHORIZED',
        'authorization: expected "Bearer <access token>" from sign-up',
      );
    return accountId;
  }
  function operator(req: FastifyRequest): void {
    if (req.headers['x-walkout-key'] !== opts.operatorKey)
      throw new WalkoutError('WO_UNAUTHORIZED', 'x-walkout-key: expected the operator key');
  }
  async function ownReceipts(req: FastifyRequest, visitId: string): Promise<Receipt[]> {
    const accountId = shopper(req);
    const history = await commerce.receiptHistory(visitId);
    if (history.length === 0 || history[0]!.accountId !== accountId)
      throw new WalkoutError('WO_NOT_FOUND', `receipt for visit ${visitId} not found`);
    return history;
  }
  function pick(history: Receipt[], version: number | undefined): Receipt {
    const r = version === undefined ? history.at(-1) : history.find((h) => h.version === version);
    if (!r) throw new WalkoutError('WO_NOT_FOUND', `version: ${version} not found (1–${history.length})`);
    return r;
  }

  // ---- shopper --------------------------------------------------------------------------------

  app.post(
    '/accounts',
    {
      schema: {
        body: z.object({ email: z.string().max(254) }),
        response: {
          201: z.object({ account: AccountView, accessToken: z.string() }),
          400: Problem,
          409: Problem,
        },
      },
    },
    async (req, reply) => reply.code(201).send(await commerce.signUp(req.body.email)),
  );

  app.get(
    '/me',
    {
      schema: {
        response: { 200: z.object({ account: AccountView, paymentMethods: z.array(MethodView) }), ...auth },
      },
    },
    async (req) => {
      const accountId = shopper(req);
      const methods = await commerce.paymentMethods(accountId);
      return {
        account: await commerce.account(accountId),
        paymentMethods: methods.map((m) => ({ id: m.id, brand: m.brand, last4: m.last4 })),
      };
    },
  );

  app.post(
    '/me/payment-methods',
    {
      schema: {
        body: z.object({ gatewayToken: z.string().min(1).max(255) }),
        response: { 201: MethodView, 402: Problem, 409: Problem, ...auth },
      },
    },
    async (req, reply) => {
      const m = await commerce.addPaymentMethod(shopper(req), req.body.gatewayToken);
      return reply.code(201).send({ id: m.id, brand: m.brand, last4: m.last4 });
    },
  );

  app.put(
    '/me/palm',
    {
      schema: {
        body: z.object({ palmId: z.string().min(1).max(128) }),
        response: { 204: z.null(), 400: Problem, ...auth },
      },
    },
    async (req, reply) => {
      await commerce.registerPalm(shopper(req), req.body.palmId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/entry-tokens',
    {
      schema: {
        body: z.object({ party: z.number().int().min(1).max(10).default(1) }).default({ party: 1 }),
        response: {
          201: z.object({ token: z.string(), expiresAt: z.number(), party: z.number(), qrSvg: z.string() }),
          403: Problem,
          ...auth,
        },
      },
    },
    async (req, reply) => {
      const t = await commerce.issueEntryToken(shopper(req), req.body.party);
      return reply.code(201).send({
        ...t,
        qrSvg: await QRCode.toString(t.token, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
      });
    },
  );

  app.post(
    '/me/settle',
    { schema: { response: { 200: z.object({ queued: z.number() }), ...auth } } },
    async (req) => commerce.settleDue(shopper(req)),
  );

  app.get(
    '/me/receipts',
    { schema: { response: { 200: z.object({ receipts: z.array(ReceiptView) }), ...auth } } },
    async (req) => {
      const all = await commerce.receipts(shopper(req));
      const latest = new Map<string, Receipt>();
      for (const r of all) latest.set(r.visitId, r);
      return { receipts: [...latest.values()] };
    },
  );

  // Live receipts over Server-Sent Events; `Last-Event-ID` (or ?since=) replays what was missed.
  app.get(
    '/me/receipts/live',
    {
      schema: {
        querystring: z.object({ access_token: z.string().optional(), since: z.string().optional() }),
      },
    },
    async (req, reply) => {
      const accountId = shopper(req);
      const since = (req.headers['last-event-id'] as string | undefined) ?? req.query.since;
      const res = openEventStream(reply);
      const send = (r: Receipt) =>
        res.write(
          `id: ${r.id}\nevent: receipt\ndata: ${JSON.stringify({ receipt: r, sentAt: Date.now() })}\n\n`,
        );
      res.write(': connected\n\n');
      // Subscribed before the replay reads the database, so nothing falls between the two; receipts
      // published meanwhile wait until the replay is sent, and those it already carried are dropped
      // (else they would come twice, and before older ones).
      let held: Receipt[] | null = since ? [] : null;
      const unsubscribe = live.subscribe(accountId, (r) => (held ? held.push(r) : send(r)));
      if (since) {
        const all = await commerce.receipts(accountId);
        // An id we do not know (another database's, say) replays everything.
        const missed = all.slice(all.findIndex((r) => r.id === since) + 1);
        for (const r of missed) send(r);
        const replayed = new Set(missed.map((r) => r.id));
        for (const r of held ?? []) if (!replayed.has(r.id)) send(r);
        held = null;
      }
      const beat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      req.raw.on('close', () => {
        clearInterval(beat);
        unsubscribe();
      });
    },
  );

  app.get(
    '/receipts/:visitId',
    {
      schema: {
        params: VisitParams,
        response: {
          200: z.object({ latest: ReceiptView, history: z.array(ReceiptView) }),
          404: Problem,
          ...auth,
        },
      },
    },
    async (req) => {
      const history = await ownReceipts(req, req.params.visitId);
      return { latest: history.at(-1)!, history };
    },
  );

  app.get(
    '/receipts/:visitId/html',
    {
      schema: {
        params: VisitParams,
        querystring: VersionQuery.extend({ access_token: z.string().optional() }),
      },
    },
    async (req, reply) => {
      const history = await ownReceipts(req, req.params.visitId);
      const r = pick(history, req.query.version);
      return reply.type('text/html; charset=utf-8').send(
        receiptHtml(
          r,
          history.filter((h) => h.version <= r.version),
        ),
      );
    },
  );

  app.get(
    '/receipts/:visitId/pdf',
    {
      schema: {
        params: VisitParams,
        querystring: VersionQuery.extend({ access_token: z.string().optional() }),
      },
    },
    async (req, reply) => {
      const r = pick(await ownReceipts(req, req.params.visitId), req.query.version);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="receipt-${r.id}.pdf"`)
        .send(await receiptPdf(r));
    },
  );

  app.post(
    '/receipts/:visitId/disputes',
    {
      schema: {
        params: VisitParams,
        body: z.object({
          sku: z.string().min(1).max(64),
          kind: z.enum(['not-taken', 'wrong-quantity']),
          quantity: z.number().int().nonnegative().optional(),
        }),
        response: { 201: DisputeView, 400: Problem, 404: Problem, 409: Problem, ...auth },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await commerce.disputeLine(shopper(req), req.params.visitId, req.body)),
  );

  // ---- gate -----------------------------------------------------------------------------------

  app.post(
    '/gate/admit',
    {
      schema: {
        body: z.object({
          token: z.string().min(1).max(4096),
          method: z.enum(['qr', 'card', 'palm']).optional(),
          t: z.number().optional(),
        }),
        response: {
          200: z.object({ accountId: z.string(), method: z.enum(['qr', 'card', 'palm']), party: z.number() }),
          403: z.object({ code: z.string(), message: z.string(), reason: z.string() }),
          ...auth,
        },
      },
    },
    async (req, reply) => {
      operator(req);
      const result = await commerce.admitToken(
        req.body.token,
        req.body.t ?? commerce.deps.clock.now(),
        req.body.method,
      );
      if (!result.ok)
        return reply
          .code(403)
          .send({ code: 'WO_FORBIDDEN', message: `entry refused: ${result.reason}`, reason: result.reason });
      return { accountId: result.accountId, method: result.method, party: result.party };
    },
  );

  // ---- operator -------------------------------------------------------------------------------

  app.get(
    '/operator/disputes',
    {
      schema: {
        querystring: z.object({ status: z.enum(['refunded', 'queued', 'approved', 'rejected']).optional() }),
        response: { 200: z.object({ disputes: z.array(DisputeView) }), ...auth },
      },
    },
    async (req) => {
      operator(req);
      return { disputes: await commerce.disputes(req.query.status ? { status: req.query.status } : {}) };
    },
  );

  /** Every dispute as a labelled example, with the charged lines to measure them against. */
  async function disputeExport(): Promise<DisputeExamplesView> {
    // Commerce has no facade for all receipts; the repository it was built with answers directly.
    return exportDisputes(await commerce.disputes(), await commerce.deps.repo.latestReceipts());
  }

  app.get(
    '/operator/disputes/examples',
    { schema: { response: { 200: DisputeExamplesView, ...auth } } },
    async (req) => {
      operator(req);
      return disputeExport();
    },
  );

  app.get(
    '/operator/disputes/accuracy',
    { schema: { response: { 200: DisputeAccuracy, ...auth } } },
    async (req) => {
      operator(req);
      return disputeAccuracy(await disputeExport());
    },
  );

  /** Entries the engine reported with a token the store did not accept: nobody pays for those visits. */
  app.get(
    '/operator/entries/refused',
    {
      schema: {
        querystring: z.object({
          reason: z.enum(REFUSALS).optional(),
          accountId: z.string().max(64).optional(),
        }),
        response: { 200: z.object({ entries: z.array(RefusedEntryView) }), ...auth },
      },
    },
    async (req) => {
      operator(req);
      const entries = await commerce.refusedEntries({
        ...(req.query.reason ? { reason: req.query.reason } : {}),
        ...(req.query.accountId ? { accountId: req.query.accountId } : {}),
      });
      return {
        entries: entries.map(({ issued, ...e }) => ({
          ...e,
          unpaid: issued
            ? {
                exitedAt: issued.exitedAt,
                lines: issued.lines.map((l) => ({
                  sku: l.sku,
                  quantity: l.quantity,
                  unitPrice: l.unitPrice,
                })),
                total: issued.total,
                currency: issued.currency,
              }
            : null,
        })),
      };
    },
  );

  app.post(
    '/operator/disputes/:disputeId/decision',
    {
      schema: {
        params: z.object({ disputeId: z.string().min(1).max(64) }),
        body: z.object({
          approve: z.boolean(),
          by: z.string().min(1).max(64),
          note: z.string().max(1000).optional(),
        }),
        response: { 200: DisputeView, 404: Problem, 409: Problem, ...auth },
      },
    },
    async (req) => {
      operator(req);
      return commerce.decideDispute(req.params.disputeId, req.body);
    },
  );
};
