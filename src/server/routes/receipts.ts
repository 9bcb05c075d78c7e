import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { LiveStore } from '../liveStore.js';
import { problem, sendProblem } from '../problems.js';
import { Problem, ReceiptView, VisitParams } from '../schemas.js';

/** Receipts: the list, and one visit's receipt. */
export const receiptRoutes: FastifyPluginAsyncZod<{ live: LiveStore }> = async (app, { live }) => {
  app.get(
    '/api/receipts',
    {
      schema: {
        tags: ['receipts'],
        summary: 'Issued receipts, newest first (latest version of each)',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: { 200: z.object({ receipts: z.array(ReceiptView) }) },
      },
    },
    async (req) => ({ receipts: await live.receipts({ limit: req.query.limit }) }),
  );

  app.get(
    '/api/receipts/:visitId',
    {
      schema: {
        tags: ['receipts'],
        summary: "A visit's receipt",
        params: VisitParams,
        response: { 200: ReceiptView, 404: Problem },
      },
    },
    async (req, reply) => {
      const receipt = await live.receipt(req.params.visitId);
      if (!receipt)
        return sendProblem(
          reply,
          problem('WO_NOT_FOUND', `no receipt for visit "${req.params.visitId}" yet`),
        );
      return receipt;
    },
  );
};
