import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver } from './receiver.js';
import { httpWebhookSender, signWebhook, verifyWebhook } from './webhooks.js';

const secret = 'whsec_test';
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  receiver = await startWebhookReceiver(secret);
});
afterAll(() => receiver.close());

describe('webhook signatures', () => {
  const body = '{"id":"evt_1","type":"receipt.issued"}';
  const now = 1_764_000_000_000;

  it('accepts what was signed with the secret, within the tolerance', () => {
    expect(verifyWebhook(secret, signWebhook(secret, body, now), body, now + 1_000)).toEqual({
      ok: true,
      t: now,
    });
  });
  it('rejects another secret, an altered body, and an old delivery', () => {
    expect(verifyWebhook(secret, signWebhook('other', body, now), body, now)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyWebhook(secret, signWebhook(secret, body, now), body + ' ', now)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyWebhook(secret, signWebhook(secret, body, now), body, now + 600_000)).toEqual({
      ok: false,
      reason: 'too-old',
    });
  });
  it('rejects malformed headers', () => {
    for (const h of [undefined, '', 't=1', 'v1=abc', 't=x,v1=' + 'a'.repeat(64), 'garbage', 7]) {
      expect(verifyWebhook(secret, h, body, now)).toMatchObject({ ok: false });
    }
  });
  it('never accepts or throws on generated headers and bodies', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (header, b) => {
        expect(verifyWebhook(secret, header, b, now).ok).toBe(false);
      }),
    );
  });
});

describe('the webhook sender', () => {
  it('posts a signed event that the receiver verifies, and a redelivery is recognised by its id', async () => {
    const sender = httpWebhookSender();
    const target = { name: 'erp', url: receiver.url, secret };
    const event = { id: 'evt_v1.v1', type: 'receipt.issued' as const, created: 1, data: { total: 828 } };
    await sender.send(target, event);
    await sender.send(target, event);
    expect(receiver.events.get('evt_v1.v1')).toEqual(event);
    expect(receiver.duplicates).toBe(1);
  });
  it('throws on a non-2xx answer so the outbox retries', async () => {
    receiver.failNext(1);
    await expect(
      httpWebhookSender().send(
        { name: 'erp', url: receiver.url, secret },
        { id: 'evt_x', type: 'receipt.issued', created: 1, data: {} },
      ),
    ).rejects.toThrow(/503/);
  });
});
