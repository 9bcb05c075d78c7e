import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** Where `vite build` puts the web app: dist/web at the repository root (from src/ and dist/ alike). */
export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../dist/web');

/** True when the web app was built (`npm run build`). */
export function webAppBuilt(dir = WEB_DIR): boolean {
  return existsSync(join(dir, 'index.html'));
}

/**
 * Serves the built dashboard (`/`), shopper app (`/app`) and smart-cart screens (`/cart/{cartId}`):
 * static files with long caching for hashed assets, and index.html for the app's own paths.
 * Without a build, `/` says how to make one.
 */
export const webRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, opts) => {
  const dir = opts.dir ?? WEB_DIR;
  if (!webAppBuilt(dir)) {
    app.get('/', async (_req, reply) =>
      reply.type('text/plain').send('The web app is not built: run `npm run build` (vite build) first.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, { root: dir, prefix: '/', index: ['index.html'] });
  const index = (_req: unknown, reply: { sendFile: (f: string) => unknown }) => reply.sendFile('index.html');
  app.get('/app', index);
  app.get('/app/*', index);
  app.get('/login', index);
  app.get('/cart', index);
  app.get('/cart/*', index);
};
