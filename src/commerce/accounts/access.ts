import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Shopper access tokens for the app API: `<accountId>.<hmac>`. Stateless, so the HTTP layer needs
 * no session table; rotating the signing secret signs everyone out.
 */
export function accessTokenFor(secret: string, accountId: string): string {
  return `${accountId}.${createHmac('sha256', `access:${secret}`).update(accountId).digest('base64url')}`;
}

/** The account an access token names, or undefined when the token is malformed or forged. */
export function accountOfAccessToken(secret: string, token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length > 200) return undefined;
  const accountId = token.slice(0, dot);
  // Compared as text: base64url's last character has spare bits, so decoded bytes would accept aliases.
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(accessTokenFor(secret, accountId).slice(dot + 1));
  return given.length === expected.length && timingSafeEqual(given, expected) ? accountId : undefined;
}

/** A normalised e-mail address, or an error naming the field. Deliberately simple: one @, a dot in the domain. */
export function parseEmail(input: unknown): string {
  if (typeof input !== 'string') throw new Error('email: expected a string');
  const email = input.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new Error(
      `email: expected an address like name@example.com, got ${JSON.stringify(input.slice(0, 80))}`,
    );
  }
  return email;
}
