import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { LiveStore } from '../liveStore.js';
import { problem, sendProblem } from '../problems.js';
import { requireStaff, type StaffAuth } from './auth.js';
import type { CartLine } from '../../store/visit.js';

export interface CartRoutesOptions {
  live: LiveStore;
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
