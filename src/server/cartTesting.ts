import type { RawMessage } from '../protocol/messages.js';
import { topicFor } from '../protocol/topics.js';

/** One smart-cart device message (`login`, `scan` or `exit`) at event time `t`, for tests. */
export function cartMessage(
  storeId: string,
  cartId: string,
  t: number,
  body: { token: string } | { gtin: string; action: 'add' | 'remove' } | { exit: true },
): RawMessage {
  if ('token' in body)
    return { topic: topicFor(storeId, 'cart-login', cartId), payload: { t, token: body.token } };
  if ('gtin' in body) return { topic: topicFor(storeId, 'cart-scan', cartId), payload: { t, ...body } };
  return { topic: topicFor(storeId, 'cart-exit', cartId), payload: { t, gateId: 'gate-out' } };
}

/**
 * The basket scale of a cart from `from` to `to` (event time): a reading every `periodMs` of
 * `grams(t)` with a gram of deterministic noise, as a real scale reads at about 4 Hz.
 */
export function basketReadings(
  storeId: string,
  cartId: string,
  from: number,
  to: number,
  grams: (t: number) => number,
  periodMs = 250,
): RawMessage[] {
  const out: RawMessage[] = [];
  for (let k = 0; from + k * periodMs < to; k++) {
    const t = from + k * periodMs;
    out.push({
      topic: topicFor(storeId, 'cart-weight', cartId),
      payload: { t, grams: Math.round((grams(t) + ((k * 7) % 3) - 1) * 10) / 10 },
    });
  }
  return out;
}

/** Messages in event-time order (how a device would send them). */
export function byTime(messages: RawMessage[]): RawMessage[] {
  return [...messages].sort((a, b) => (a.payload as { t: number }).t - (b.payload as { t: number }).t);
}
