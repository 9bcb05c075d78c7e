import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WalkoutError } from '../../protocol/errors.js';
import { parseStoreDefinition, StoreDefinition } from '../../protocol/store.js';
import type { LiveStore } from '../liveStore.js';
import { problem, sendProblem } from '../problems.js';
import { Problem, StoreSummary } from '../schemas.js';

function summarize(store: StoreDefinition): z.infer<typeof StoreSummary> {
  return {
    id: store.id,
    name: store.name,
    products: store.products.length,
    plates: store.fixtures.reduce((n, f) => n + f.shelves.reduce((m, s) => m + s.plates.length, 0), 0),
    gates: store.gates.length,
    cameras: store.cameras.length,
  };
}

/** Store definition: load or replace it, read it back. */
export const storeRoutes: FastifyPluginAsyncZod<{ live: LiveStore }> = async (app, { live }) => {
  app.get(
    '/api/store',
    {
      schema: {
        tags: ['store'],
        summary: 'The store definition in use',
        response: { 200: StoreDefinition, 404: Problem },
      },
    },
    async (_req, reply) => {
      const store = live.store;
      if (!store)
        return sendProblem(
          reply,
          problem('WO_NOT_FOUND', 'no store definition is loaded yet (PUT /api/store)'),
        );
      return store;
    },
  );

  app.put(
    '/api/store',
    {
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags: ['store'],
        summary: 'Load or replace the store definition (store.json, contract section 3)',
        description:
          'A definition that does not fit is rejected with the fields named, and the old one stays in use.',
        body: z.unknown().describe('a store definition (store.json)'),
        response: { 200: StoreSummary, 400: Problem },
      },
    },
    async (req) => {
      // parseStoreDefinition throws a WalkoutError naming each misfit field; the error handler answers 400.
      const store = parseStoreDefinition(req.body);
      try {
        await live.loadStore(store);
      } catch (error) {
        if (error instanceof WalkoutError) throw error;
        throw new WalkoutError('WO_INTERNAL', `could not load the store: ${(error as Error).message}`);
      }
      return summarize(store);
    },
  );
};
