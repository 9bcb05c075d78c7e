import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseNdjsonLine } from '../../adapters/files/recording.js';
import type { LiveIngestResult, LiveStore } from '../liveStore.js';
import { problem, sendProblem } from '../problems.js';
import { IngestReport, Problem } from '../schemas.js';

/** Largest batch one request may carry. */
const BODY_LIMIT = 64 * 1024 * 1024;
const MAX_REASONS = 100;
const YIELD_EVERY = 1000;

/** Reads a request body as a list of (topic, payload) offers, or says why it cannot. */
export function readMessageBatch(
  text: string,
  contentType: string,
): { ok: true; offers: ((live: LiveStore) => LiveIngestResult)[] } | { ok: false; reason: string } {
  if (text.trim() === '')
    return { ok: false, reason: 'the body is empty: expected a JSON array of {topic, payload} or NDJSON' };
  const ndjson = /ndjson|jsonl|json-seq/i.test(contentType);
  if (!ndjson) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      if (/json/i.test(contentType) || !text.includes('\n')) {
        return { ok: false, reason: `the body is not JSON: ${(error as Error).message}` };
      }
      return readMessageBatch(text, 'application/x-ndjson');
    }
    const items = Array.isArray(json) ? json : [json];
    return {
      ok: true,
      offers: items.map((item, i) => (live: LiveStore) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item) || !('topic' in item)) {
          return { outcome: 'rejected', reason: `[${i}]: expected an object with "topic" and "payload"` };
        }
        const { topic, payload } = item as { topic: unknown; payload: unknown };
        const result = live.offer(topic, payload);
        return result.outcome === 'rejected' ? { ...result, reason: `[${i}]: ${result.reason}` } : result;
      }),
    };
  }
  const lines = text.split('\n');
  const offers: ((live: LiveStore) => LiveIngestResult)[] = [];
  lines.forEach((line, i) => {
    const parsed = parseNdjsonLine(line, i + 1);
    if (!parsed) return;
    offers.push((live) =>
      parsed.ok ? live.ingest(parsed.message) : { outcome: 'rejected', reason: parsed.reason },
    );
  });
  if (offers.length === 0) return { ok: false, reason: 'the NDJSON body has no lines' };
  return { ok: true, offers };
}

/** Device ingest over HTTP: the same messages as MQTT, posted in batches. */
export const ingestRoutes: FastifyPluginAsyncZod<{ live: LiveStore }> = async (app, { live }) => {
  // This plugin reads its bodies itself, so a batch that is not JSON gets a reason, not a parser error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/api/messages',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['ingest'],
        summary: 'Ingest device messages (contract section 2)',
        description:
          'A JSON array of {"topic", "payload"} (application/json) or NDJSON with one such object a line ' +
          '(application/x-ndjson). Each message is accepted, rejected with a reason, or counted as a duplicate, ' +
          'late or from an unknown device. 200 when at least one message was valid, 400 with the reasons when none was.',
        body: z.unknown().describe('JSON array of {topic, payload}, or NDJSON text'),
        response: { 200: IngestReport, 400: Problem },
      },
    },
    async (req, reply) => {
      const text = typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? '');
      const batch = readMessageBatch(text, req.headers['content-type'] ?? '');
      if (!batch.ok) return sendProblem(reply, problem('WO_BAD_REQUEST', batch.reason));
      const report: IngestReport = {
        received: 0,
        accepted: 0,
        duplicate: 0,
        late: 0,
        unknownDevice: 0,
        rejected: 0,
        rejections: [],
      };
      for (const [index, offer] of batch.offers.entries()) {
        // A big batch yields now and then, so MQTT, the clock and other requests keep going.
        if (index > 0 && index % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        const result = offer(live);
        report.received += 1;
        switch (result.outcome) {
          case 'accepted':
            report.accepted += 1;
            break;
          case 'duplicate':
            report.duplicate += 1;
            break;
          case 'late':
            report.late += 1;
            break;
          case 'unknown-device':
            report.unknownDevice += 1;
            break;
          case 'rejected':
            report.rejected += 1;
            if (report.rejections.length < MAX_REASONS)
              report.rejections.push({ index, reason: result.reason ?? 'rejected' });
        }
      }
      // Answer once what was accepted is in the database.
      await live.flush();
      if (report.rejected === report.received) {
        const reasons = report.rejections.map((r) => r.reason);
        return sendProblem(
          reply,
          problem(
            'WO_MESSAGE_REJECTED',
            `none of the ${report.received} messages was valid; first: ${reasons[0] ?? ''}`,
            reasons,
          ),
        );
      }
      return report;
    },
  );

  app.get(
    '/api/status',
    {
      schema: {
        tags: ['ingest'],
        summary: 'What the store has heard: counters, event-time clock and rejections by reason',
        response: {
          200: z.object({
            storeId: z.string().nullable(),
            stats: z.object({
              accepted: z.number(),
              duplicate: z.number(),
              late: z.number(),
              unknownDevice: z.number(),
              processed: z.number(),
              rejected: z.number(),
            }),
            rejections: z.array(
              z.object({ reason: z.string(), count: z.number(), lastDetail: z.string(), lastAt: z.number() }),
            ),
          }),
        },
      },
    },
    async () => ({
      storeId: live.store?.id ?? null,
      stats: live.stats(),
      rejections: await live.rejections(),
    }),
  );
};
