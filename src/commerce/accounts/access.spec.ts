import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessTokenFor, accountOfAccessToken, parseEmail } from './access.js';

describe('shopper access tokens', () => {
  it('name the account they were made for, and only with the same secret', () => {
    const t = accessTokenFor('s', 'acc_123');
    expect(accountOfAccessToken('s', t)).toBe('acc_123');
    expect(accountOfAccessToken('other', t)).toBeUndefined();
    expect(accountOfAccessToken('s', t.replace('acc_123', 'acc_124'))).toBeUndefined();
  });
  it('never name an account for generated strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(accountOfAccessToken('s', s)).toBeUndefined();
      }),
    );
  });
});

describe('parseEmail', () => {
  it('normalises case and spaces', () => expect(parseEmail('  Ana@Example.COM ')).toBe('ana@example.com'));
  it('names the field and what was expected', () => {
    for (const bad of ['', 'ana', 'ana@', '@x.y', 'a b@c.d', 42, null])
      expect(() => parseEmail(bad)).toThrow(/^email: expected/);
  });
  it('either returns an address with one @ or throws a named error, for any input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.emailAddress(), fc.anything()), (input) => {
        try {
          expect(parseEmail(input).split('@')).toHaveLength(2);
        } catch (e) {
          expect((e as Error).message).toMatch(/^email: /);
        }
      }),
    );
  });
});
