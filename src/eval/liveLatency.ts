/**
 * The pure parts of `walkout bench live`: which simulated visits are measured, how event time maps
 * to the wall clock, how a gate scan gets a real entry token, and the latency figures.
 * The I/O (child store, MQTT, shopper accounts, live channels) is in liveBench.ts.
 */
import { z } from 'zod';
import { GateScan } from '../protocol/messages.js';
import { percentile } from './score.js';

/** One simulated visit the live run makes a shopper account for and measures. */
export interface LiveVisitPlan {
  /** The simulator's token for the visit (replaced by a real entry token at the gate). */
  simToken: string;
  /** People on the one scan (a group is one account). */
  party: number;
  /** Event time of the gate scan (simulation clock). */
  scanT: number;
  enteredAt: number;
  /** When the last person of the visit left (simulation clock, the truth's exitedAt). */
  exitedAt: number;
}

/** The simulator's truth of a visit, as `SimTruth.visits` has it. */
export interface TruthVisit {
  shopper: string;
  people: readonly string[];
  enteredAt: number;
  exitedAt: number;
}

/** The party size a QR token may carry (the shopper API caps it at 10). */
const MAX_PARTY = 10;

/**
 * The visits to measure: those entering within the first `minutes` of the recording (all when
 * `minutes` is undefined), each with the event time of its gate scan, in scan order.
 */
export function planLiveVisits(
  visits: readonly TruthVisit[],
  scans: readonly { t: number; token: string }[],
  from: number,
  minutes?: number,
): LiveVisitPlan[] {
  const scanOf = new Map<string, number>();
  for (const s of scans) if (!scanOf.has(s.token)) scanOf.set(s.token, s.t);
  const until = minutes === undefined ? Number.POSITIVE_INFINITY : from + minutes * 60_000;
  return visits
    .filter((v) => v.enteredAt < until)
    .map((v) => {
      const scanT = scanOf.get(v.shopper);
      if (scanT === undefined)
        throw new Error(`the simulation has no gate scan for visit ${v.shopper}; cannot give it an account`);
      return {
        simToken: v.shopper,
        party: Math.min(MAX_PARTY, Math.max(1, v.people.length)),
        scanT,
        enteredAt: v.enteredAt,
        exitedAt: v.exitedAt,
      };
    })
    .sort((a, b) => a.scanT - b.scanT);
}

/** Maps the simulation's event time onto the wall clock, so the store sees current event times. */
export interface LiveClock {
  /** Added to every event time: wall0 − simulation start. */
  offset: number;
  /** The wall-clock moment (ms epoch) of an event time of the simulation. */
  toWall(t: number): number;
  /** The payload with its event time `t` moved to the wall clock (unchanged when it has none). */
  shift(payload: unknown): unknown;
}

/** The clock that puts the simulation's start `simStart` at wall time `wall0`. */
export function liveClock(simStart: number, wall0: number): LiveClock {
  const offset = wall0 - simStart;
  return {
    offset,
    toWall: (t) => t + offset,
    shift(payload) {
      if (typeof payload !== 'object' || payload === null) return payload;
      const t = (payload as { t?: unknown }).t;
      return typeof t === 'number' ? { ...payload, t: t + offset } : payload;
    },
  };
}

/** The simulator's token of a gate scan payload, or null when the payload is not a scan. */
export function scanToken(payload: unknown): string | null {
  const parsed = GateScan.safeParse(payload);
  return parsed.success ? parsed.data.token : null;
}

/**
 * The gate scan with the shopper's real entry token in place of the simulator's: a QR code shown
 * at the gate (whatever method the simulator drew), at the same event time.
 */
export function withEntryToken(payload: unknown, token: string): GateScan {
  const parsed = GateScan.safeParse(payload);
  if (!parsed.success) throw new Error(`not a gate scan payload: ${JSON.stringify(payload)?.slice(0, 120)}`);
  return GateScan.parse({ ...parsed.data, token, method: 'qr' });
}

/** What happened to one measured visit on its shopper's live receipt channel. */
export interface VisitOutcome {
  simToken: string;
  /** Wall time the visit's last person left (its exit gate pass was published then). */
  exitWall: number;
  /** Wall time the first receipt arrived on the live channel, or null. */
  deliveredAt: number | null;
  /** The first receipt's issue time (the store's wall clock), or null. */
  issuedAt: number | null;
  /** Receipt events the channel carried for the visit in all (revisions count too). */
  receipts: number;
}

/** The result of a live run (printed with `--json`). */
export const LiveLatencyResult = z.object({
  scenario: z.string(),
  seed: z.number().int(),
  minutes: z.number().nullable(),
  /** Visits measured: shoppers with an account who entered and exited during the run. */
  count: z.number().int(),
  delivered: z.number().int(),
  /** Exited, but no receipt on the live channel within the timeout. */
  missing: z.number().int(),
  /** Of the missing: the receipt came, but after the timeout (the store closed the visit late). */
  late: z.number().int(),
  /** Of the missing: nothing came live, yet the account has a receipt (issued, not pushed live). */
  missingButIssued: z.number().int(),
  /** Receipt events beyond the first per visit (revisions after a review, or duplicates). */
  extra: z.number().int(),
  /** Receipts that arrived before the true exit (the store closed the visit on someone else's exit); counted in delivered. */
  early: z.number().int(),
  /** Exit → receipt on the live channel (ms) over the delivered, early ones too (negative); null when none. */
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
  /** Exit → receipt issued by the store (its wall clock), the engine's share of the latency (ms). */
  issueP50Ms: z.number().nullable(),
  issueP99Ms: z.number().nullable(),
  /** Latest a message was published behind its wall-clock moment (the player keeping up), ms. */
  playLagMaxMs: z.number(),
  timeoutMs: z.number(),
  wallSeconds: z.number(),
  /** Each measured visit: the simulator's token, exit → first receipt (ms, null if none, late ones too), receipts. */
  visits: z.array(
    z.object({ shopper: z.string(), latencyMs: z.number().nullable(), receipts: z.number().int() }),
  ),
});
export type LiveLatencyResult = z.infer<typeof LiveLatencyResult>;

/**
 * The figures of a run's outcomes: counts, and exit → delivery percentiles (rounded to ms) over the
 * receipts that came within `timeoutMs` of the exit; a later one counts as missing (and late).
 */
export function summarizeLatency(
  outcomes: readonly VisitOutcome[],
  timeoutMs: number,
): Pick<
  LiveLatencyResult,
  | 'count'
  | 'delivered'
  | 'missing'
  | 'late'
  | 'extra'
  | 'early'
  | 'p50Ms'
  | 'p99Ms'
  | 'maxMs'
  | 'issueP50Ms'
  | 'issueP99Ms'
  | 'visits'
> {
  const arrived = outcomes.filter((o) => o.deliveredAt !== null);
  const delivered = arrived.filter((o) => o.deliveredAt! - o.exitWall <= timeoutMs);
  const latencies = delivered.map((o) => o.deliveredAt! - o.exitWall).sort((a, b) => a - b);
  const issue = delivered
    .filter((o) => o.issuedAt !== null)
    .map((o) => o.issuedAt! - o.exitWall)
    .sort((a, b) => a - b);
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v));
  return {
    count: outcomes.length,
    delivered: delivered.length,
    missing: outcomes.length - delivered.length,
    late: arrived.length - delivered.length,
    extra: outcomes.reduce((n, o) => n + Math.max(0, o.receipts - 1), 0),
    early: latencies.filter((l) => l < 0).length,
    p50Ms: ms(percentile(latencies, 0.5)),
    p99Ms: ms(percentile(latencies, 0.99)),
    maxMs: ms(latencies.at(-1)),
    issueP50Ms: ms(percentile(issue, 0.5)),
    issueP99Ms: ms(percentile(issue, 0.99)),
    visits: outcomes.map((o) => ({
      shopper: o.simToken,
      latencyMs: o.deliveredAt === null ? null : Math.round(o.deliveredAt - o.exitWall),
      receipts: o.receipts,
    })),
  };
}

/** One receipt event of the live channel (`event: receipt`), as the bench reads it. */
export const LiveReceiptEvent = z.object({
  receipt: z.object({ visitId: z.string(), version: z.number().int(), issuedAt: z.number() }),
  sentAt: z.number(),
});
export type LiveReceiptEvent = z.infer<typeof LiveReceiptEvent>;

/** One block of a Server-Sent Events stream: its event name, id, data and comment lines (`: connected`). */
export interface SseEvent {
  event: string;
  id: string | null;
  data: string | null;
  comments: string[];
}

/**
 * Splits Server-Sent Events text into complete events; returns them and the unfinished rest.
 * Comments (`: heartbeat`) come back as events with no data.
 */
export function parseSseChunk(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const blocks = buffer.replace(/\r\n/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const e: SseEvent = { event: 'message', id: null, data: null, comments: [] };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) e.comments.push(line.slice(1).trim());
      else if (line.startsWith('event:')) e.event = line.slice(6).trim();
      else if (line.startsWith('id:')) e.id = line.slice(3).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) e.data = data.join('\n');
    events.push(e);
  }
  return { events, rest };
}

/**
 * Reads a Server-Sent Events response until it ends or is aborted, handing over each chunk's
 * complete events with the chunk's arrival time. Resolves at the end (an abort is an end).
 */
export async function readSse(
  res: Response,
  onEvents: (events: SseEvent[], at: number) => void,
): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const at = Date.now();
      buffer += decoder.decode(value, { stream: true });
      const { events, rest } = parseSseChunk(buffer);
      buffer = rest;
      if (events.length > 0) onEvents(events, at);
    }
  } catch {
    // aborted by the reader's owner
  }
}
