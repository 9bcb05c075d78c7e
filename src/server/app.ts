import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { WalkoutError } from '../protocol/errors.js';
import type { LiveStore } from './liveStore.js';
import { problem, sendProblem } from './problems.js';
import { ingestRoutes } from './routes/ingest.js';
import { receiptRoutes } from './routes/receipts.js';
import { storeRoutes } from './routes/store.js';
import { visitRoutes } from './routes/visits.js';

export interface AppDeps {
  live: LiveStore;
  /** fastify's logger option; off by default (tests), `walkout start` passes its own. */
  logger?: FastifyServerOptions['logger'];
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
      return sendProblem(reply, problem('WO_BAD_REQUEST', `request rejected: ${reasons.join('; ')}`, reasons));
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 415) return sendProblem(reply, problem('WO_UNSUPPORTED_MEDIA_TYPE', (error as Error).message));
    if (status === 413 || (status >= 400 && status < 500)) {
      return sendProblem(reply, { ...problem('WO_BAD_REQUEST', (error as Error).message), status });
    }
    reply.log.error(error);
    return sendProblem(reply, problem('WO_INTERNAL', 'the server failed; see its log'));
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, problem('WO_NOT_FOUND', `no route ${req.method} ${req.url}`)));

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Walkout store API',
        version: '1',
        description: 'Load a store definition, ingest device messages, read visits and receipts. Errors are problem JSON.',
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // One plugin per area, registered explicitly; each gets the live store as an option.
  await app.register(storeRoutes, { live: deps.live });
  await app.register(ingestRoutes, { live: deps.live });
  await app.register(visitRoutes, { live: deps.live });
  await app.register(receiptRoutes, { live: deps.live });
  return app;
}
