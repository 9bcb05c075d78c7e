import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { LiveStore } from '../liveStore.js';
import { problem, sendProblem } from '../problems.js';
import { Problem, VisitDetail, VisitParams, VisitStatus, VisitSummary } from '../schemas.js';

/** Visits: the list, and one visit with its cart and ledger. */
export const visitRoutes: FastifyPluginAsyncZod<{ live: LiveStore }> = async (app, { live }) => {
  app.get(
    '/api/visits',
    {
      schema: {
        tags: ['visits'],
        summary: 'Visits of the store, newest first',
        querystring: z.object({
          status: VisitStatus.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.object({ visits: z.array(VisitSummary) }) },
      },
    },
    async (req) => ({
      visits: await live.visits({
        limit: req.query.limit,
        ...(req.query.status ? { status: req.query.status } : {}),
      }),
    }),
  );

  app.get(
    '/api/visits/:visitId',
    {
      schema: {
        tags: ['visits'],
        summary: 'One visit with its cart and ledger events',
        params: VisitParams,
        response: { 200: VisitDetail, 404: Problem },
      },
    },
    async (req, reply) => {
      const found = await live.visit(req.params.visitId);
      if (!found)
        return sendProblem(reply, problem('WO_NOT_FOUND', `no visit "${req.params.visitId}" in this store`));
      const { summary, visit, events } = found;
      return {
        ...summary,
        peopleInside: visit?.peopleInside ?? 0,
        groupSize: visit?.groupSize ?? 0,
        cart: Object.values(visit?.cart ?? {}).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)),
        openReviews: Object.entries(visit?.openReviews ?? {}).map(([eventId, r]) => ({ eventId, ...r })),
        // A ledger event is a plain JSON object; the schema names its common fields and keeps the rest.
        events: events.map(({ seq, event }) => ({
          seq,
          event: { ...event } as Record<string, unknown> & typeof event,
        })),
      };
    },
  );
};
