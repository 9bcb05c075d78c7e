import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { LiveStore } from '../liveStore.js';
import { requireStaff, type StaffAuth } from './auth.js';
import type { StoreWatch } from './watch.js';

/**
 * `GET /api/health/devices`: each plate, camera and gate with its last report (silent, noisy or
 * saturated plates as the engine reported them; cameras without frames), plus ingest counters.
 */
export const healthRoutes: FastifyPluginAsyncZod<{
  watch: StoreWatch;
  live: LiveStore;
  auth?: StaffAuth;
}> = async (app, opts) => {
  app.get('/api/health/devices', { preHandler: requireStaff(opts.auth, ['operator']) }, async () => ({
    devices: opts.watch.health(),
    ingest: opts.live.stats(),
  }));
};
