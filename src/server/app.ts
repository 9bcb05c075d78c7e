import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { WalkoutError } from '../protocol/errors.js';
import type { PeopleFrame } from '../protocol/results.js';
import type { LiveStore } from './liveStore.js';
import { problem, sendProblem } from './problems.js';
import { ingestRoutes } from './routes/ingest.js';
import { receiptRoutes } from './routes/receipts.js';
import { storeRoutes } from './routes/store.js';
import { visitRoutes } from './routes/visits.js';
import { authRoutes, requireStaff, type StaffAuth } from './routes/auth.js';
import { cartRoutes, cartScreenRoutes } from './routes/carts.js';
import { CartKeeper } from './cartKeeper.js';
import { feedRoutes } from './routes/feed.js';
import { healthRoutes } from './routes/health.js';
import { inventoryRoutes } from './routes/inventory.js';
import { metricsRoutes } from './routes/metrics.js';
import { reviewRoutes } from './routes/reviews.js';
import { StoreWatch, type WeightTraces } from './routes/watch.js';
import { webRoutes } from './routes/web.js';

export interface AppDeps {
  live: LiveStore;
  /** fastify's logger option; off by default (tests), `walkout start` passes its own. */
  logger?: FastifyServerOptions['logger'];
  /** Staff sign-in; with it, the operator API (and visits, receipts) needs a signed-in role. */
  auth?: StaffAuth;
  /** Weight samples kept for review evidence (whoever feeds the live store records them). */
  traces?: WeightTraces;
  /** The account of a visit (the commerce side), so shoppers see their own cart. */
  accountOfVisit?: (visitId: string) => Promise<string | undefined>;
  /** More people for every people frame of the feed (the demo's synthetic crowd). */
  extraPeople?: (t: number) => PeopleFrame['people'];
  /** Serve the built web app at `/` and `/app` (default true). */
  web?: boolean;
  /** More plugins registered last (the commerce API, the demo's routes). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

/** Builds the HTTP application; it never listens (the `start` command does). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.logger ?? false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof WalkoutError) return sendProblem(reply, problem(error.code, error.message));
    if (hasZodFastifySchemaValidationErrors(error)) {
      const reasons = error.validation.map((v) => `${v.instancePath || '(root)'}: ${v.message ?? 'invalid'}`);
      return sendProblem(
        reply,
        problem('WO_BAD_REQUEST', `request rejected: ${reasons.join('; ')}`, reasons),
      );
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 415)
      return sendProblem(reply, problem('WO_UNSUPPORTED_MEDIA_TYPE', (error as Error).message));
    if (status === 413 || (status >= 400 && status < 500)) {
      return sendProblem(reply, { ...problem('WO_BAD_REQUEST', (error as Error).message), status });
    }
    reply.log.error(error);
    return sendProblem(reply, problem('WO_INTERNAL', 'the server failed; see its log'));
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, problem('WO_NOT_FOUND', `no route ${req.method} ${req.url}`)),
  );

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Walkout store API',
        version: '1',
        description:
          'Load a store definition, ingest device messages, read visits and receipts. Errors are problem JSON.',
      },
    },
    transform: jsonSchemaTransform,
    // Schemas with a `meta({ id })` become components; this fills them in so every $ref resolves.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // The dashboard's areas read what the live store publishes on its bus; staff sign-in guards them.
  const watch = new StoreWatch(
    deps.live.bus,
    () => deps.live.store,
    deps.traces ?? null,
    Date.now,
    2000,
    deps.extraPeople ?? null,
  );
  // Smart carts' screens follow the bus too: which visit is on each cart, and its alerts.
  const keeper = new CartKeeper(deps.live.bus);
  app.addHook('onClose', async () => {
    watch.close();
    keeper.close();
  });
  const auth = deps.auth;
  if (auth) {
    await app.register(authRoutes, { auth });
    const staffOnly = requireStaff(auth, ['operator', 'reviewer']);
    app.addHook('onRequest', async (req, reply) => {
      if (/^\/api\/(visits|receipts)(\/|\?|$)/.test(req.url)) return staffOnly(req, reply);
    });
  }
  // One plugin per area, registered explicitly; each gets the live store as an option.
  await app.register(storeRoutes, { live: deps.live });
  await app.register(ingestRoutes, { live: deps.live });
  await app.register(visitRoutes, { live: deps.live });
  await app.register(receiptRoutes, { live: deps.live });

  const guarded = auth ? { auth } : {};
  await app.register(feedRoutes, { watch, ...guarded });
  await app.register(reviewRoutes, { live: deps.live, watch, ...guarded });
  await app.register(inventoryRoutes, { watch, ...guarded });
  await app.register(healthRoutes, { watch, live: deps.live, ...guarded });
  await app.register(metricsRoutes, { watch, ...guarded });
  const cartOptions = {
    live: deps.live,
    keeper,
    ...guarded,
    ...(deps.accountOfVisit ? { accountOfVisit: deps.accountOfVisit } : {}),
  };
  await app.register(cartRoutes, cartOptions);
  await app.register(cartScreenRoutes, cartOptions);
  for (const plugin of deps.plugins ?? []) await plugin(app);
  if (deps.web !== false) await app.register(webRoutes);
  return app;
}
