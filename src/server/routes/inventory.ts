import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireStaff, type StaffAuth } from './auth.js';
import type { StoreWatch } from './watch.js';

/** `GET /api/inventory`: stock per plate folded from shelf events, low plates and misplaced products. */
export const inventoryRoutes: FastifyPluginAsyncZod<{ watch: StoreWatch; auth?: StaffAuth }> = async (
  app,
  opts,
) => {
  app.get('/api/inventory', { preHandler: requireStaff(opts.auth, ['operator']) }, async () =>
    opts.watch.stock(),
  );
};
