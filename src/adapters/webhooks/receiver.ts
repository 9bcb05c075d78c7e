import Fastify, { type FastifyInstance } from 'fastify';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifyWebhook } from './webhooks.js';

/**
 * A webhook receiver that does what an integrator's should: verify the signature on the raw body,
 * drop event ids already handled, answer 2xx. For tests (and as an example). `failNext` scripts
 * 503 answers to exercise the sender's retries.
 */
export async function startWebhookReceiver(secret: string): Promise<{
  app: FastifyInstance;
  url: string;
  /** Every accepted first delivery, by event id. */
  events: Map<string, unknown>;
  /** Deliveries of ids already seen. */
  duplicates: number;
  rejected: number;
  failNext(n: number): void;
  close(): Promise<void>;
}> {
  const app = Fastify();
  const state = { duplicates: 0, rejected: 0, fail: 0 };
  const events = new Map<string, unknown>();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/hook', async (req, reply) => {
    if (state.fail > 0) {
      state.fail--;
      return reply.code(503).send('busy');
    }
    const raw = req.body as string;
    const check = verifyWebhook(secret, req.headers[SIGNATURE_HEADER], raw, Date.now());
    if (!check.ok) {
      state.rejected++;
      return reply.code(400).send(check.reason);
    }
    const event = JSON.parse(raw) as { id: string };
    if (event.id !== req.headers[EVENT_ID_HEADER]) return reply.code(400).send('event id mismatch');
    if (events.has(event.id)) state.duplicates++;
    else events.set(event.id, event);
    return reply.code(204).send();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}/hook`,
    events,
    get duplicates() {
      return state.duplicates;
    },
    get rejected() {
      return state.rejected;
    },
    failNext: (n) => void (state.fail += n),
    close: () => app.close(),
  };
}
