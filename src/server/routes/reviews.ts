import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { LiveStore } from '../liveStore.js';
import { problem, sendProblem } from '../problems.js';
import { Problem } from '../schemas.js';
import { requireStaff, type StaffAuth } from './auth.js';
import type { ReviewItem, StoreWatch } from './watch.js';

export interface ReviewRoutesOptions {
  live: LiveStore;
  watch: StoreWatch;
  auth?: StaffAuth;
}

/** A reviewer's settlement as posted: whom to charge (null: nobody), which product and how many. */
export const SettleBody = z.object({
  visitId: z.string().min(1).max(128).nullable(),
  sku: z.string().min(1).max(64).nullable(),
  quantity: z.number().int().min(-100).max(100),
});

const EventParams = z.object({ eventId: z.string().min(1).max(128) });

/**
 * The review queue: `GET /api/reviews` lists shelf events waiting for a person with their
 * evidence; `POST /api/reviews/:eventId/settle` settles one through the engine (operators and
 * reviewers only).
 */
export const reviewRoutes: FastifyPluginAsyncZod<ReviewRoutesOptions> = async (app, opts) => {
  const { live, watch, auth } = opts;
  const staff = requireStaff(auth, ['operator', 'reviewer']);
  app.get('/api/reviews', { preHandler: staff }, async () => ({
    reviews: watch.reviews() satisfies ReviewItem[],
  }));
  app.get(
    '/api/reviews/:eventId',
    { preHandler: staff, schema: { params: EventParams } },
    async (req, reply) =>
      watch.review(req.params.eventId) ??
      sendProblem(reply, problem('WO_NOT_FOUND', `no open review for shelf event "${req.params.eventId}"`)),
  );
  app.post(
    '/api/reviews/:eventId/settle',
    {
      preHandler: staff,
      schema: {
        params: EventParams,
        body: SettleBody,
        response: { 200: z.object({ settled: z.literal(true), eventId: z.string() }), 404: Problem },
      },
    },
    async (req, reply) => {
      const { eventId } = req.params;
      if (!watch.review(eventId))
        return sendProblem(reply, problem('WO_NOT_FOUND', `no open review for shelf event "${eventId}"`));
      const who = auth?.caller(req);
      const by = who?.kind === 'staff' ? who.name : 'reviewer';
      const outputs = live.settleReview({ eventId, by, ...req.body });
      if (outputs.length === 0)
        return sendProblem(
          reply,
          problem('WO_NOT_FOUND', `the engine holds no open review for "${eventId}"`),
        );
      await live.flush();
      return { settled: true as const, eventId };
    },
  );
};
