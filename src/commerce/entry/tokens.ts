import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Entry QR tokens: `q1.<nonce>.<expiry>.<signature>`, at most 64 characters so a token is a
 * contract id and fits a small QR code. The nonce names a row in the token table (account, party,
 * single use); the HMAC lets the gate reject forged or altered tokens before touching the database.
 * Pure: the nonce and the time come from the caller.
 */
export const QR_PREFIX = 'q1';

/** How long a QR token stays valid (ms); short, so a screenshot is useless a minute later. */
export const QR_TTL_MS = 60_000;

const SIG_BYTES = 16;

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest().subarray(0, SIG_BYTES).toString('base64url');
}

/** Signs a QR token for a nonce (base64url, 8–32 chars) expiring at `expiresAt` (ms epoch). */
export function signQrToken(secret: string, nonce: string, expiresAt: number): string {
  if (!/^[A-Za-z0-9_-]{8,32}$/.test(nonce)) throw new Error('nonce: expected 8–32 base64url characters');
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0)
    throw new Error('expiresAt: expected ms since epoch');
  const body = `${QR_PREFIX}.${nonce}.${expiresAt.toString(36)}`;
  return `${body}.${sign(secret, body)}`;
}

export type QrCheck =
  | { ok: true; nonce: string; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

/** Reads a QR token's nonce and expiry if its shape and signature are right; says nothing about time. */
export function readQrToken(
  secret: string,
  token: string,
): { ok: true; nonce: string; expiresAt: number } | { ok: false; reason: 'malformed' | 'bad-signature' } {
  if (typeof token !== 'string' || token.length > 64) return { ok: false, reason: 'malformed' };
  const m = /^q1\.([A-Za-z0-9_-]{8,32})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, nonce, exp36, sig] = m as unknown as [string, string, string, string];
  // Compare the text, not decoded bytes: the last base64url character carries spare bits, and a
  // token must have exactly one spelling.
  const expected = Buffer.from(sign(secret, `${QR_PREFIX}.${nonce}.${exp36}`));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad-signature' };
  const expiresAt = parseInt(exp36, 36);
  if (!Number.isSafeInteger(expiresAt)) return { ok: false, reason: 'malformed' };
  return { ok: true, nonce, expiresAt };
}

/** Checks a QR token's shape, signature and expiry at `now`; says nothing about use or account. */
export function checkQrToken(secret: string, token: string, now: number): QrCheck {
  const read = readQrToken(secret, token);
  if (!read.ok) return read;
  if (now >= read.expiresAt) return { ok: false, reason: 'expired' };
  return read;
}

/** True when a string looks like a QR token (so the gate need not guess the entry method). */
export const isQrToken = (token: string): boolean => token.startsWith(`${QR_PREFIX}.`);
