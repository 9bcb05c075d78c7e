import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkQrToken, QR_TTL_MS, signQrToken } from './tokens.js';

const secret = 'gate-secret';
const now = Date.UTC(2026, 10, 25, 12);

describe('entry QR tokens', () => {
  it('a token the store signed is accepted until it expires, and fits a contract id', () => {
    const token = signQrToken(secret, 'AbCdEfGhIjKlMnOp', now + QR_TTL_MS);
    expect(token).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    expect(checkQrToken(secret, token, now)).toEqual({
      ok: true,
      nonce: 'AbCdEfGhIjKlMnOp',
      expiresAt: now + QR_TTL_MS,
    });
    expect(checkQrToken(secret, token, now + QR_TTL_MS)).toEqual({ ok: false, reason: 'expired' });
  });

  it('another store’s secret, or any changed character, is a bad signature', () => {
    const token = signQrToken(secret, 'AbCdEfGhIjKlMnOp', now + QR_TTL_MS);
    expect(checkQrToken('other', token, now)).toEqual({ ok: false, reason: 'bad-signature' });
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: token.length - 1 }),
        fc.constantFrom(...'ABCxyz019_-'),
        (i, c) => {
          fc.pre(token[i] !== c && token[i] !== '.');
          const changed = token.slice(0, i) + c + token.slice(i + 1);
          expect(checkQrToken(secret, changed, now).ok).toBe(false);
        },
      ),
    );
  });

  it('never accepts or throws on generated strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        expect(checkQrToken(secret, s, now).ok).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^q1\.[A-Za-z0-9_-]{8,32}\.[0-9a-z]{1,11}\.[A-Za-z0-9_-]{22}$/), (s) => {
        expect(checkQrToken(secret, s, now)).toMatchObject({ ok: false });
      }),
    );
  });

  it('rejects a nonce or expiry it cannot sign, naming the field', () => {
    expect(() => signQrToken(secret, 'short', now)).toThrow(/^nonce: /);
    expect(() => signQrToken(secret, 'AbCdEfGhIjKlMnOp', -1)).toThrow(/^expiresAt: /);
  });
});
