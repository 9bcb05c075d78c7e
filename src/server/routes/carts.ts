import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Id } from '../../protocol/ids.js';
import type { CartKeeper } from '../cartKeeper.js';
import { CartScreen, cartScreen } from '../cartScreen.js';
import type { LiveStore } from '../liveStore.js';
import { problem, sendProblem } from '../problems.js';
import { Problem } from '../schemas.js';
import { requireStaff, type StaffAuth } from './auth.js';
import type { CartLine } from '../../store/visit.js';
import { openEventStream } from '../../adapters/http/eventStream.js';

export interface CartRoutesOptions {
  live: LiveStore;
  /** What the bus said about each smart cart (its visits and alerts). */
  keeper: CartKeeper;
  auth?: StaffAuth;
  /** The account a visit belongs to (the commerce side knows); without it shoppers see no cart. */
  accountOfVisit?: (visitId: string) => Promise<string | undefined>;
}

/** A visit's cart as the dashboard and the shopper app show it. */
export interface CartView {
  visitId: string;
  token: string;
  status: 'open' | 'settling' | 'closed';
  enteredAt: number;
  lines: CartLine[];
  pendingReviews: number;
}

async function cartsOf(live: LiveStore, visitIds: string[]): Promise<CartView[]> {
  const out: CartView[] = [];
  for (const id of visitIds) {
    const found = await live.visit(id);
    const v = found?.visit;
    if (!v) continue;
    out.push({
      visitId: v.visitId,
      token: v.token,
      status: v.status,
      enteredAt: v.enteredAt,
      lines: Object.values(v.cart),
      pendingReviews: Object.keys(v.openReviews).length,
    });
  }
  return out;
}

/**
 * Carts of the visits in the store: `GET /api/carts` for operators (every open or settling visit),
 * `GET /api/me/cart` for a shopper (only their own visits, by the commerce side's account).
 */
export const cartRoutes: FastifyPluginAsyncZod<CartRoutesOptions> = async (app, opts) => {
  const { live, auth } = opts;
  app.get('/api/carts', { preHandler: requireStaff(auth, ['operator']) }, async () => {
    const open = await live.visits({ status: 'open', limit: 200 });
    const settling = await live.visits({ status: 'settling', limit: 200 });
    return {
      carts: await cartsOf(
        live,
        [...open, ...settling].map((v) => v.visitId),
      ),
    };
  });
  app.get('/api/me/cart', async (req, reply) => {
    const who = auth?.caller(req);
    if (!who || who.kind !== 'shopper')
      return sendProblem(
        reply,
        problem('WO_UNAUTHORIZED', 'authorization: expected "Bearer <access token>" from sign-up'),
      );
    const recent = [
      ...(await live.visits({ status: 'open', limit: 200 })),
      ...(await live.visits({ status: 'settling', limit: 200 })),
    ];
    const mine: string[] = [];
    for (const v of recent)
      if ((await opts.accountOfVisit?.(v.visitId)) === who.accountId) mine.push(v.visitId);
    return { carts: await cartsOf(live, mine) };
  });
};

const CartParams = z.object({ cartId: Id });
/** EventSource cannot send headers: a shopper's access token may come as `?access_token=`. */
const CartQuery = z.object({ access_token: z.string().max(4096).optional() });

/** How often a comment line keeps an idle cart stream open through proxies (ms). */
const HEARTBEAT_MS = 15_000;

/**
 * The cart's screen, for who may see it: operators, or the shopper whose visit is on the cart
 * (by `accountOfVisit`); nobody signed in gets 401, anyone else 403, an operator asking for a
 * cart the store never saw 404. Without staff auth configured (tests of other areas) everyone passes.
 */
async function readCart(
  req: FastifyRequest,
  opts: CartRoutesOptions,
  cartId: string,
): Promise<{ screen: CartScreen } | { problem: Problem }> {
  const who = opts.auth?.caller(req) ?? null;
  if (who?.kind === 'anonymous')
    return { problem: problem('WO_UNAUTHORIZED', 'sign in first (POST /api/auth/login)') };
  if (who?.kind === 'staff' && who.role !== 'operator')
    return { problem: problem('WO_FORBIDDEN', 'a cart screen needs the role operator') };
  const screen = await cartScreen(opts.live, opts.keeper, cartId);
  if (who?.kind === 'shopper') {
    const visitId = screen?.visit?.visitId;
    // A shopper learns nothing about carts that are not theirs, not even whether they exist.
    if (!visitId || (await opts.accountOfVisit?.(visitId)) !== who.accountId)
      return {
        problem: problem('WO_FORBIDDEN', `cart "${cartId}" is not signed in to your visit`),
      };
  }
  if (!screen)
    return {
      problem: problem(
        'WO_NOT_FOUND',
        `no cart "${cartId}" in this store: a cart is known once a shopper signs in on it (carts/${cartId}/login)`,
      ),
    };
  return { screen };
}

/**
 * One cart's screen: `GET /api/carts/{cartId}` (the visit on it, priced lines, total, alerts) and
 * `GET /api/carts/{cartId}/live`, Server-Sent Events with the whole screen each time something
 * about the cart changes (a sign-in, an item charged or returned, an alert raised or resolved,
 * the exit, the receipt).
 */
export const cartScreenRoutes: FastifyPluginAsyncZod<CartRoutesOptions> = async (app, opts) => {
  app.get(
    '/api/carts/:cartId',
    {
      schema: {
        tags: ['carts'],
        summary: "A smart cart's screen: the visit on it, its priced lines, running total and alerts",
        description:
          'For operators, and for the shopper whose visit is on the cart. An idle cart (no one signed in, ' +
          'or the last visit closed with its receipt) has `visit: null` and no lines.',
        params: CartParams,
        querystring: CartQuery,
        response: { 200: CartScreen, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const read = await readCart(req, opts, req.params.cartId);
      if ('problem' in read) return sendProblem(reply, read.problem);
      return read.screen;
    },
  );

  app.get(
    '/api/carts/:cartId/live',
    {
      schema: {
        tags: ['carts'],
        summary: "A smart cart's screen, live (Server-Sent Events)",
        description:
          'text/event-stream: each `data:` is the whole CartScreen (as `GET /api/carts/{cartId}`), sent at ' +
          'once and again whenever something about the cart changes. Same access as the GET; the stream ' +
          "ends when the caller may no longer see the cart (a shopper's visit ended) or the store forgot it.",
        params: CartParams,
        querystring: CartQuery,
        response: { 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const { cartId } = req.params;
      const first = await readCart(req, opts, cartId);
      if ('problem' in first) return sendProblem(reply, first.problem);
      const res = openEventStream(reply);
      res.write('retry: 1000\n\n');
      let last = JSON.stringify(first.screen);
      res.write(`data: ${last}\n\n`);
      let closed = false;
      let running = false;
      let again = false;
      // Changes that come while the screen is being read fold into one more read, not one each.
      const refresh = async () => {
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            const next = await readCart(req, opts, cartId);
            if (closed) return;
            if ('problem' in next) {
              res.end(`event: end\ndata: ${JSON.stringify(next.problem)}\n\n`);
              return stop();
            }
            const text = JSON.stringify(next.screen);
            if (text !== last) res.write(`data: ${text}\n\n`);
            last = text;
          } while (again && !closed);
        } catch (error) {
          req.log.error(error);
        } finally {
          running = false;
        }
      };
      const unsubscribe = opts.keeper.subscribe(cartId, () => void refresh());
      const beat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
      function stop() {
        closed = true;
        clearInterval(beat);
        unsubscribe();
      }
      res.on('close', stop);
      // What happened between the first read and the subscription is read once more.
      void refresh();
    },
  );
};
