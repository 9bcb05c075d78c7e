import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireStaff, type StaffAuth } from './auth.js';
import type { FeedEntry, StoreWatch } from './watch.js';
import { openEventStream } from '../../adapters/http/eventStream.js';

export interface FeedRoutesOptions {
  watch: StoreWatch;
  auth?: StaffAuth;
  /** Shortest gap between two people frames sent to one client (ms); 100 = 10 Hz, the map needs ≥ 5. */
  peopleEveryMs?: number;
  /** Comment line sent this often so proxies keep the stream open (ms). */
  heartbeatMs?: number;
}

/** One SSE frame: numbered entries carry `id:` so the browser resumes with Last-Event-ID; people frames do not. */
export function sseFrame(entry: FeedEntry): string {
  const data = JSON.stringify({ id: entry.id, at: entry.at, ...entry.message });
  return entry.id > 0 ? `id: ${entry.id}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

/** Parses a Last-Event-ID (or `?since=`): a non-negative integer, else null (start from what is held). */
export function parseLastEventId(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value.trim())) return null;
  return Number(value.trim());
}

/**
 * `GET /api/feed`: the store's bus as Server-Sent Events: visit and shelf events, cart alerts,
 * device reports and receipts (numbered, resumable with Last-Event-ID or `?since=`), and people
 * frames as snapshots at most every `peopleEveryMs`. A resume that reaches past what the server
 * still holds gets an `event: reset` first, so the client reloads its snapshots.
 */
export const feedRoutes: FastifyPluginAsyncZod<FeedRoutesOptions> = async (app, opts) => {
  const { watch } = opts;
  const peopleEveryMs = opts.peopleEveryMs ?? 100;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  app.get(
    '/api/feed',
    {
      preHandler: requireStaff(opts.auth, ['operator']),
      schema: {
        querystring: z.object({ since: z.string().max(20).optional(), access_token: z.string().optional() }),
      },
    },
    async (req, reply) => {
      const since = parseLastEventId(req.headers['last-event-id'] ?? req.query.since);
      const res = openEventStream(reply);
      res.write('retry: 1000\n\n');
      const backlog = watch.since(since);
      if (!backlog.complete) res.write('event: reset\ndata: {}\n\n');
      // A fresh client gets the recent numbered past; the newest people frame shows the floor at once.
      for (const entry of backlog.entries) res.write(sseFrame(entry));
      if (watch.latestPeople)
        res.write(
          sseFrame({
            id: 0,
            at: watch.latestPeople.at,
            message: { type: 'people', storeId: watch.latestPeople.storeId, frame: watch.latestPeople.frame },
          }),
        );
      let pendingPeople: FeedEntry | null = null;
      let congested = false;
      res.on('drain', () => (congested = false));
      const unsubscribe = watch.subscribe((entry) => {
        if (entry.id === 0) {
          pendingPeople = entry;
          return;
        }
        // Numbered entries are never dropped; a slow client only loses people snapshots.
        if (!res.write(sseFrame(entry))) congested = true;
      });
      const peopleTimer = setInterval(() => {
        if (!pendingPeople || congested) return;
        if (!res.write(sseFrame(pendingPeople))) congested = true;
        pendingPeople = null;
      }, peopleEveryMs);
      const beat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      req.raw.on('close', () => {
        clearInterval(peopleTimer);
        clearInterval(beat);
        unsubscribe();
      });
    },
  );
};
