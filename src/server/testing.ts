import type { FastifyInstance } from 'fastify';
import type { RawMessage } from '../protocol/messages.js';
import { topicFor } from '../protocol/topics.js';

/** Device messages of one scripted visit to the tiny test store: scan in, take `taken` FIJI from p1, pass out. */
export function scriptedVisit(
  options: { storeId?: string; token?: string; t0?: number; taken?: number; seconds?: number } = {},
): RawMessage[] {
  const storeId = options.storeId ?? 'tiny-1';
  const t0 = options.t0 ?? 1_600_000_000_000;
  const taken = options.taken ?? 2;
  const seconds = options.seconds ?? 16;
  const hz = 60;
  const perPacket = 12;
  const packetMs = (perPacket * 1000) / hz;
  const messages: RawMessage[] = [
    {
      topic: topicFor(storeId, 'gate-scan', 'gate-in'),
      payload: { t: t0 + 500, token: options.token ?? 'shopper-1', method: 'qr' },
    },
  ];
  const pickAt = t0 + 6000;
  for (let t = t0; t < t0 + seconds * 1000; t += packetMs) {
    const p1 = Array.from({ length: perPacket }, (_, i) => {
      const ts = t + (i * 1000) / hz;
      return 12 * 538 - (ts >= pickAt ? taken * 538 : 0) + 0.3 * Math.sin(ts / 37);
    });
    const p2 = Array.from({ length: perPacket }, (_, i) => 8 * 120 + 0.3 * Math.cos((t + i) / 41));
    messages.push({ topic: topicFor(storeId, 'plate-weight', 'p1'), payload: { t, hz, grams: p1 } });
    messages.push({ topic: topicFor(storeId, 'plate-weight', 'p2'), payload: { t, hz, grams: p2 } });
  }
  messages.push({
    topic: topicFor(storeId, 'gate-pass', 'gate-out'),
    payload: { t: t0 + (seconds - 2) * 1000, direction: 'out' },
  });
  return messages.sort((a, b) => (a.payload as { t: number }).t - (b.payload as { t: number }).t);
}

/** A wall clock a test moves by hand. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** Signs a member of staff in (the demo staff's password is their name); returns the auth header. */
export async function staffHeaders(app: FastifyInstance, name: string): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password: name } });
  return { authorization: `Bearer ${(res.json() as { token: string }).token}` };
}

/**
 * Reads a Server-Sent Events endpoint of the app over a real port until `until` holds (or 5 s
 * pass); `whileOpen` runs once, after the first `data:` line came. Returns the non-empty lines.
 */
export async function readEventStream(
  app: FastifyInstance,
  path: string,
  headers: Record<string, string>,
  until: (lines: string[]) => boolean,
  whileOpen: () => Promise<void> = async () => {},
): Promise<string[]> {
  const address = app.server.listening
    ? `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    : await app.listen({ port: 0, host: '127.0.0.1' });
  const controller = new AbortController();
  const res = await fetch(`${address}${path}`, { headers, signal: controller.signal });
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  if (res.headers.get('content-type') !== 'text/event-stream')
    throw new Error(`${path} is not an event stream: ${res.headers.get('content-type')}`);
  const reader = res.body!.getReader();
  const lines: string[] = [];
  let text = '';
  let acted = false;
  const deadline = Date.now() + 5000;
  while (!until(lines) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    const parts = text.split('\n');
    text = parts.pop()!;
    lines.push(...parts.filter((l) => l.length > 0));
    if (!acted && lines.some((l) => l.startsWith('data:'))) {
      acted = true;
      await whileOpen();
    }
  }
  controller.abort();
  return lines;
}
