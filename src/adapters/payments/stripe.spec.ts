import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../commerce/payments/gateway.js';
import { StripeGateway } from './stripe.js';
import { parseStripeForm, startStripeStandIn, type StripeStandIn } from './stripe-standin.js';

let standIn: StripeStandIn;
let stripe: StripeGateway;
let customer: string;

beforeAll(async () => {
  standIn = await startStripeStandIn();
  stripe = new StripeGateway({
    apiKey: 'sk_test_standin',
    host: '127.0.0.1',
    port: standIn.port,
    protocol: 'http',
    timeoutMs: 2_000,
  });
  ({ customer } = (await save('pm_card_visa', null, 'acc_1')) as { customer: string });
});
afterAll(() => standIn.close());

const save = (pm: string, cus: string | null, account: string) =>
  stripe.saveMethod({
    paymentMethod: pm,
    customer: cus,
    email: `${account}@example.com`,
    reference: account,
    idempotencyKey: `method:${account}:${pm}`,
  });

/** A hold on the saved visa; a declining card goes unsaved (Stripe declines it when attached too). */
const hold = (key: string, amount = 5_000, pm = 'pm_card_visa') =>
  stripe.hold({
    amount,
    currency: 'USD',
    paymentMethod: pm,
    customer: pm === 'pm_card_visa' ? customer : null,
    reference: key,
    idempotencyKey: `hold:${key}`,
  });

describe('the Stripe adapter against the stand-in', () => {
  it('holds at entry, captures the exact total at exit, and refunds part of it', async () => {
    const { holdId } = await hold('v1');
    expect(standIn.intents.get(holdId)).toMatchObject({
      status: 'requires_capture',
      amount_capturable: 5_000,
      metadata: { reference: 'v1' },
    });
    expect(await stripe.capture({ holdId, amount: 828, idempotencyKey: 'capture:v1' })).toEqual({
      chargeId: holdId,
      amount: 828,
    });
    expect(standIn.intents.get(holdId)).toMatchObject({ status: 'succeeded', amount_received: 828 });
    const { refundId } = await stripe.refund({ chargeId: holdId, amount: 330, idempotencyKey: 'refund:d1' });
    expect(refundId).toMatch(/^re_/);
    await expect(
      stripe.refund({ chargeId: holdId, amount: 600, idempotencyKey: 'refund:d2' }),
    ).rejects.toMatchObject({ failure: 'invalid', code: 'amount_too_large' });
  });

  it('releases a hold when nothing was taken', async () => {
    const { holdId } = await hold('v2');
    await stripe.release({ holdId, idempotencyKey: 'release:v2' });
    expect(standIn.intents.get(holdId)!.status).toBe('canceled');
  });

  it('replays the first answer to a retried key, and refuses a key reused with other parameters', async () => {
    const a = await hold('v3');
    const b = await hold('v3');
    expect(b.holdId).toBe(a.holdId);
    expect(standIn.requests.filter((r) => r.key === 'hold:v3').map((r) => r.replayed)).toEqual([false, true]);
    await expect(hold('v3', 6_000)).rejects.toMatchObject({ failure: 'invalid' });
    const c1 = await stripe.capture({ holdId: a.holdId, amount: 100, idempotencyKey: 'capture:v3' });
    const c2 = await stripe.capture({ holdId: a.holdId, amount: 100, idempotencyKey: 'capture:v3' });
    expect(c2).toEqual(c1);
  });

  it('turns a card decline into a non-retryable decline, and an outage into a retryable failure', async () => {
    const declined = await hold('v4', 5_000, 'pm_card_chargeDeclinedInsufficientFunds').catch(
      (e: unknown) => e,
    );
    expect(declined).toBeInstanceOf(GatewayError);
    expect(declined).toMatchObject({ failure: 'declined', code: 'insufficient_funds', retryable: false });
    standIn.failNext(1);
    const outage = await hold('v5').catch((e: unknown) => e);
    expect(outage).toMatchObject({ failure: 'unavailable', retryable: true });
    // Stripe does not store 5xx answers: the retry with the same key goes through.
    expect((await hold('v5')).holdId).toMatch(/^pi_/);
  });

  it("saves a tokenized card on the account's customer without ever seeing its number", async () => {
    expect(standIn.customers.get(customer)).toMatchObject({
      email: 'acc_1@example.com',
      metadata: { account: 'acc_1' },
    });
    expect(standIn.attached.get('pm_card_visa')).toBe(customer);
    // The account's second card joins the same customer; saving again changes nothing.
    expect(await save('pm_card_mastercard', customer, 'acc_1')).toEqual({
      brand: 'mastercard',
      last4: '4444',
      customer,
    });
    expect(await save('pm_card_mastercard', customer, 'acc_1')).toMatchObject({ customer });
    expect(standIn.customers.size).toBe(1);
    // A card saved on another account's customer is refused.
    await expect(save('pm_card_visa', null, 'acc_2')).rejects.toMatchObject({
      failure: 'invalid',
      code: 'payment_method_attached',
    });
    await expect(save('pm_nope', null, 'acc_3')).rejects.toMatchObject({
      failure: 'invalid',
      code: 'resource_missing',
    });
  });

  it('charges a saved card visit after visit, where an unsaved card pays once only', async () => {
    for (const v of ['r1', 'r2', 'r3']) {
      const { holdId } = await hold(v);
      await stripe.capture({ holdId, amount: 100, idempotencyKey: `capture:${v}` });
    }
    const once = (key: string) =>
      stripe.charge({
        amount: 100,
        currency: 'USD',
        paymentMethod: 'pm_card_visa_unsaved',
        customer: null,
        reference: key,
        idempotencyKey: `charge:${key}`,
      });
    expect((await once('u1')).amount).toBe(100);
    await expect(once('u2')).rejects.toMatchObject({
      failure: 'invalid',
      code: 'payment_method_unexpected_state',
    });
    // A saved card sent without its customer is refused too, as Stripe does.
    await expect(
      stripe.hold({
        amount: 100,
        currency: 'USD',
        paymentMethod: 'pm_card_visa',
        customer: null,
        reference: 'r4',
        idempotencyKey: 'hold:r4',
      }),
    ).rejects.toMatchObject({ failure: 'invalid' });
  });

  it('times out against a server that does not answer', async () => {
    const silent = new StripeGateway({
      apiKey: 'sk_test',
      host: '10.255.255.1',
      port: 81,
      protocol: 'http',
      timeoutMs: 300,
    });
    await expect(
      silent.saveMethod({
        paymentMethod: 'pm_card_visa',
        customer: null,
        email: 'x@example.com',
        reference: 'acc_x',
        idempotencyKey: 'method:x',
      }),
    ).rejects.toMatchObject({ retryable: true });
  });
});

describe('parseStripeForm', () => {
  it('reads flat and bracketed fields', () => {
    expect(parseStripeForm('amount=5&metadata[reference]=v1&confirm=true')).toEqual({
      amount: '5',
      confirm: 'true',
      metadata: { reference: 'v1' },
    });
  });
  it('never throws on arbitrary bodies', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseStripeForm(s)));
  });
});
