import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookEvent, WebhookSender, WebhookTarget } from '../../commerce/receipts/delivery.js';

/**
 * Webhooks, signed like Stripe's: header `Walkout-Signature: t=<ms>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp inside the signature stops replays of old deliveries; the event id in the body and
 * in `Walkout-Event-Id` lets a receiver drop the retries it already handled.
 */
export const SIGNATURE_HEADER = 'walkout-signature';
export const EVENT_ID_HEADER = 'walkout-event-id';

/** The signature header value for a body at time `t` (ms). */
export function signWebhook(secret: string, body: string, t: number): string {
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

export type WebhookCheck =
  { ok: true; t: number } | { ok: false; reason: 'malformed-header' | 'bad-signature' | 'too-old' };

/** Verifies a delivery: the header parses, the MAC matches the raw body, and it is within `toleranceMs` of `now`. */
export function verifyWebhook(
  secret: string,
  header: unknown,
  body: string,
  now: number,
  toleranceMs = 5 * 60_000,
): WebhookCheck {
  if (typeof header !== 'string' || header.length > 1000) return { ok: false, reason: 'malformed-header' };
  const parts = new Map<string, string[]>();
  for (const kv of header.split(',')) {
    const i = kv.indexOf('=');
    if (i <= 0) return { ok: false, reason: 'malformed-header' };
    const k = kv.slice(0, i).trim();
    parts.set(k, [...(parts.get(k) ?? []), kv.slice(i + 1).trim()]);
  }
  const tText = parts.get('t')?.[0];
  const macs = parts.get('v1') ?? [];
  if (!tText || !/^\d{1,16}$/.test(tText) || macs.length === 0)
    return { ok: false, reason: 'malformed-header' };
  const t = Number(tText);
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'), 'hex');
  const match = macs.some((m) => {
    if (!/^[0-9a-f]{64}$/.test(m)) return false;
    return timingSafeEqual(Buffer.from(m, 'hex'), expected);
  });
  if (!match) return { ok: false, reason: 'bad-signature' };
  if (Math.abs(now - t) > toleranceMs) return { ok: false, reason: 'too-old' };
  return { ok: true, t };
}

/** Posts events with fetch; a non-2xx answer or a network error throws so the outbox retries with backoff. */
export function httpWebhookSender(opts: { timeoutMs?: number; now?: () => number } = {}): WebhookSender {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const now = opts.now ?? Date.now;
  return {
    async send(target: WebhookTarget, event: WebhookEvent): Promise<void> {
      const body = JSON.stringify(event);
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(target.secret, body, now()),
          [EVENT_ID_HEADER]: event.id,
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Drain the body so the connection is reused or closed cleanly.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`webhook ${target.name}: receiver answered ${res.status}`);
    },
  };
}
