import { describe, expect, it } from 'vitest';
import { TestGateway } from './test-gateway.js';

const hold = (gw: TestGateway, key: string, amount = 5_000, pm = 'tok_visa') =>
  gw.hold({
    amount,
    currency: 'USD',
    paymentMethod: pm,
    customer: null,
    reference: 'v1',
    idempotencyKey: key,
  });

describe('the test gateway', () => {
  it('answers a repeated key with the first answer, and refuses the key with other parameters', async () => {
    const gw = new TestGateway();
    const a = await hold(gw, 'k1');
    expect(await hold(gw, 'k1')).toEqual(a);
    await expect(hold(gw, 'k1', 6_000)).rejects.toMatchObject({
      failure: 'invalid',
      code: 'idempotency_key_in_use',
    });
    expect(gw.ledger('v1')).toHaveLength(1);
    gw.close();
  });

  it('replays a decline for the same key, as Stripe does', async () => {
    const gw = new TestGateway();
    await expect(hold(gw, 'k2', 100, 'tok_chargeDeclined_x')).rejects.toMatchObject({
      failure: 'declined',
      retryable: false,
    });
    await expect(hold(gw, 'k2', 100, 'tok_chargeDeclined_x')).rejects.toMatchObject({ failure: 'declined' });
    gw.close();
  });

  it('does the work and loses the answer when scripted so; the retry with the key finds it', async () => {
    const gw = new TestGateway(':memory:', { failures: [{ op: 'hold', kind: 'lost', count: 1 }] });
    await expect(hold(gw, 'k3')).rejects.toMatchObject({ failure: 'timeout', retryable: true });
    const again = await hold(gw, 'k3');
    expect(gw.ledger('v1')).toEqual([expect.objectContaining({ id: again.holdId, status: 'held' })]);
    gw.close();
  });

  it('waits the scripted delay', async () => {
    const gw = new TestGateway(':memory:', { delayMs: (op) => (op === 'hold' ? 50 : 0) });
    const t = Date.now();
    await hold(gw, 'k4');
    expect(Date.now() - t).toBeGreaterThanOrEqual(45);
    gw.close();
  });
});
