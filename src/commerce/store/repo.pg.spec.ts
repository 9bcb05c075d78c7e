import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestGateway } from '../../adapters/payments/test-gateway.js';
import { WalkoutError } from '../../protocol/errors.js';
import { createCommerce } from '../commerce.js';
import { demoCatalog, entered, manualClock, receiptIssued } from '../testing.js';
import { createCommerceRepo, type CommerceRepo, type CommerceTables } from './repo.js';
import { migrateCommerce } from './sqlite.js';

/**
 * The commerce tables and the money flow on PostgreSQL (the fleet database), in a throwaway schema.
 * Skips when PostgreSQL is not running, unless WALKOUT_REQUIRE_SERVICES=1, where it fails.
 */
const url = process.env.WALKOUT_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `commerce_test_${process.pid}_${Date.now()}`;
let available = true;
try {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await probe.connect();
  await probe.query(`CREATE SCHEMA ${schema}`);
  await probe.end();
} catch (e) {
  if (process.env.WALKOUT_REQUIRE_SERVICES === '1')
    throw new Error(`PostgreSQL at ${url} is required: ${String(e)}`, { cause: e });
  available = false;
}

describe.skipIf(!available)('commerce on PostgreSQL', () => {
  let db: Kysely<CommerceTables>;
  beforeAll(async () => {
    db = new Kysely<CommerceTables>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 4 }),
      }),
    });
    // Its own migration table: other test schemas in this database have a kysely_migration too.
    await migrateCommerce(db, schema);
  });
  afterAll(async () => {
    await db?.destroy();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  /** A commerce on the test schema with the test gateway and a manual clock. */
  function commerceOn(repo: CommerceRepo, autoRefundLimitPerMonth?: number) {
    const clock = manualClock();
    const gateway = new TestGateway();
    const commerce = createCommerce({
      repo,
      gateway,
      clock,
      catalog: demoCatalog,
      signingSecret: 's',
      holdAmount: 5_000,
      currency: 'USD',
      ...(autoRefundLimitPerMonth !== undefined ? { disputePolicy: { autoRefundLimitPerMonth } } : {}),
    });
    return { commerce, gateway, clock };
  }

  it('given a shopper who took a chocolate bar, the capture, the receipt and a refund land in PostgreSQL', async () => {
    const { commerce, gateway, clock } = commerceOn(createCommerceRepo(db));
    // The outbox runs jobs in parallel lanes: a capture that finds its hold still running is put off
    // 50 ms of the (manual) clock, so let the clock move until nothing is left due.
    const settle = async () => {
      for (let i = 0; i < 20; i++) {
        const r = await commerce.drainOutbox();
        if (r.deferred === 0 && r.retried === 0) return;
        clock.advance(100);
      }
    };
    const { account } = await commerce.signUp('pg@example.com');
    await commerce.addPaymentMethod(account.id, 'tok_visa_pg');
    const { token } = await commerce.issueEntryToken(account.id);
    expect(await commerce.admitToken(token, clock.now())).toMatchObject({ ok: true });
    expect(await commerce.admitToken(token, clock.now())).toMatchObject({
      ok: false,
      reason: 'already-used',
    });
    expect(await commerce.onVisitEvent(entered('pv1', token, clock.now()))).toBe('handled');
    expect(await commerce.onVisitEvent(entered('pv1', token, clock.now()))).toBe('duplicate');
    await commerce.onVisitEvent(
      receiptIssued('pv1', token, clock.now(), clock.now() + 1_000, [
        { sku: 'choc-bar', quantity: 2, unitPrice: 300 },
      ]),
    );
    await settle();
    expect(gateway.capturedByReference().get('pv1')).toEqual({ charges: 1, amount: 660 });
    const d = await commerce.disputeLine(account.id, 'pv1', {
      sku: 'choc-bar',
      kind: 'wrong-quantity',
      quantity: 1,
    });
    expect(d.status).toBe('refunded');
    await settle();
    expect((await commerce.receiptHistory('pv1')).map((r) => r.net)).toEqual([660, 330]);
    // The accuracy figures count lines on the newest version only (a correlated max() on PostgreSQL too).
    expect((await createCommerceRepo(db).latestReceipts()).map((r) => [r.visitId, r.version])).toEqual([
      ['pv1', 2],
    ]);
    expect(await createCommerceRepo(db).jobs({ status: 'pending' })).toEqual([]);
    gateway.close();
  });

  describe('given two disputes of one shopper at the same moment', () => {
    /**
     * A commerce whose dispute transactions, having read the month's automatic refunds, wait there
     * (up to 300 ms) for the other: without a lock both read the sum before either adds to it.
     */
    async function racingDisputes(name: string, limit: number) {
      const repo = createCommerceRepo(db);
      let arrived = 0;
      let bothArrived = () => {};
      const together = new Promise<void>((r) => (bothArrived = r));
      const racing: CommerceRepo = {
        ...repo,
        async autoRefundedBetween(...args) {
          if (++arrived === 2) bothArrived();
          await Promise.race([together, new Promise((r) => setTimeout(r, 300))]);
          return repo.autoRefundedBetween(...args);
        },
      };
      const { commerce, gateway, clock } = commerceOn(racing, limit);
      const { account } = await commerce.signUp(`${name}@example.com`);
      const card = `tok_visa_${name}`;
      await commerce.addPaymentMethod(account.id, card);
      const visit = async (visitId: string) => {
        await commerce.onVisitEvent(entered(visitId, card, clock.now(), 'card'));
        await commerce.onVisitEvent(
          receiptIssued(visitId, card, clock.now(), clock.now() + 1_000, [
            { sku: 'choc-bar', quantity: 1, unitPrice: 300 },
          ]),
        );
        for (let i = 0; i < 20 && (await repo.nextDueAt()) !== undefined; i++) {
          await commerce.drainOutbox();
          clock.advance(100);
        }
      };
      return { commerce, gateway, account, visit, repo };
    }

    it('when together they pass the monthly limit, then only the one within it is refunded at once', async () => {
      // 3.30 each, 5.00 a month: one is refunded by the policy, the other waits for an operator.
      const { commerce, gateway, account, visit, repo } = await racingDisputes('lim', 500);
      await visit('pl1');
      await visit('pl2');
      const both = await Promise.all(
        ['pl1', 'pl2'].map((v) =>
          commerce.disputeLine(account.id, v, { sku: 'choc-bar', kind: 'not-taken' }),
        ),
      );
      expect(both.map((d) => d.status).sort()).toEqual(['queued', 'refunded']);
      const month = { from: 0, to: Number.MAX_SAFE_INTEGER };
      expect(await repo.autoRefundedBetween(account.id, month.from, month.to)).toBe(330);
      gateway.close();
    });

    it('when both claim the same line, then it is refunded once and the other is refused', async () => {
      const { commerce, gateway, account, visit } = await racingDisputes('line', 2_000);
      await visit('pl3');
      const both = await Promise.allSettled(
        [1, 2].map(() => commerce.disputeLine(account.id, 'pl3', { sku: 'choc-bar', kind: 'not-taken' })),
      );
      expect(both.filter((r) => r.status === 'fulfilled').map((r) => r.value.status)).toEqual(['refunded']);
      const refused = both.find((r) => r.status === 'rejected');
      expect(refused?.reason).toBeInstanceOf(WalkoutError);
      expect((refused?.reason as WalkoutError).code).toBe('WO_CONFLICT');
      expect(await commerce.disputes({ accountId: account.id })).toHaveLength(1);
      gateway.close();
    });
  });
});
