import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, jobKey } from './jobs.js';

describe('outbox jobs', () => {
  it('one cause, one key', () => {
    expect(jobKey({ kind: 'settle', visitId: 'v1', round: 0 })).toBe('settle:v1:0');
    expect(jobKey({ kind: 'deliver', receiptId: 'v1.v2', channel: 'email', target: 'shopper' })).toBe(
      'deliver:email:shopper:v1.v2',
    );
  });
  it('backs off exponentially within ±25%, capped, the same for the same key and attempt', () => {
    const policy = { baseMs: 100, maxMs: 10_000, maxAttempts: 8 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.string(), (attempt, key) => {
        const d = backoffDelay(policy, attempt, key);
        const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
        expect(d).toBeGreaterThanOrEqual(Math.floor(raw * 0.75));
        expect(d).toBeLessThanOrEqual(Math.ceil(raw * 1.25));
        expect(backoffDelay(policy, attempt, key)).toBe(d);
      }),
    );
  });
});
