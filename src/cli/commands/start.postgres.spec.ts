import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../adapters/mqtt/testing.js';
import { TestGateway } from '../../adapters/payments/test-gateway.js';
import { parseDatabaseUrl } from '../../adapters/sql/database.js';
import { tinyStore } from '../../adapters/sql/ledgerStoreContract.test.js';
import {
  dropTestSchemas,
  postgresAvailable,
  tempPostgresUrl,
  TEST_POSTGRES_URL,
} from '../../adapters/sql/testing.js';
import { createCommerce } from '../../commerce/commerce.js';
import { commerceSchemaFor, openCommercePostgres } from '../../commerce/store/postgres.js';
import { createCommerceRepo } from '../../commerce/store/repo.js';
import { demoCatalog, entered, manualClock, receiptIssued } from '../../commerce/testing.js';
import { WalkoutError } from '../../protocol/errors.js';
import { runStart } from './start.js';

/**
 * `walkout start --db postgres://…` keeps the money side on the same PostgreSQL server, in a schema
 * of its own: accounts survive a restart, and the engine's fractional event times are taken.
 * Skips when PostgreSQL is not running, unless WALKOUT_REQUIRE_SERVICES=1, where it fails.
 */
const available = await postgresAvailable();
afterAll(async () => {
  if (available) await dropTestSchemas();
});

// Sign-ins are HMAC-signed: the same secret in both runs, as an operator would configure it.
const env = { WALKOUT_SIGNING_SECRET: 'start-postgres-signing-secret', WALKOUT_OPERATOR_KEY: 'op-start-pg' };

/** Runs `walkout start` on `db` until the returned stop() is awaited. */
async function started(db: string) {
  const dir = mkdtempSync(join(tmpdir(), 'walkout-start-pg-'));
  const store = join(dir, 'store.json');
  writeFileSync(store, JSON.stringify(tinyStore()));
  const lines: string[] = [];
  const abort = new AbortController();
  const running = runStart(
    { store, db, port: '0', mqttPort: '0', bus: 'memory' },
    (l) => lines.push(l),
    abort.signal,
    env,
  );
  // A start that fails ends `running` before any banner: surface its error, not a timeout.
  let failed: unknown;
  running.catch((error: unknown) => void (failed = error));
  await eventually(() => failed !== undefined || lines.some((l) => l.startsWith('Ctrl-C')), 'the banner');
  if (failed !== undefined) throw failed;
  const banner = lines.join('\n');
  return {
    banner,
    api: /API\s+(http:\/\/\S+)\/api/.exec(banner)![1]!,
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}

async function rows<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!available)('walkout start on PostgreSQL', () => {
  it('keeps the money side in <schema>_commerce: an account signed up before a restart signs in after it', async () => {
    const url = tempPostgresUrl();
    const schema = new URL(url).searchParams.get('schema')!;
    const first = await started(url);
    let accessToken: string;
    try {
      expect(first.banner).toContain(
        `money    accounts, payments and receipts on ${TEST_POSTGRES_URL} (schema ${schema}_commerce)`,
      );
      expect(first.banner).toContain('walkout: note: the test gateway keeps its books in memory');
      const signUp = await fetch(`${first.api}/api/shop/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ana@example.com' }),
      });
      expect(signUp.status).toBe(201);
      accessToken = ((await signUp.json()) as { accessToken: string }).accessToken;
      const card = await fetch(`${first.api}/api/shop/me/payment-methods`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ gatewayToken: 'tok_visa' }),
      });
      expect(card.status).toBe(201);
    } finally {
      await first.stop();
    }

    const second = await started(url);
    try {
      const me = await fetch(`${second.api}/api/shop/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({
        account: { email: 'ana@example.com' },
        paymentMethods: [{ brand: 'visa', last4: '4242' }],
      });
      const again = await fetch(`${second.api}/api/shop/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ana@example.com' }),
      });
      expect(again.status).toBe(409);
    } finally {
      await second.stop();
    }

    // Each migrator has its own table in its own schema, listing only its own migrations.
    const migrations = await rows<{ schema: string; name: string }>(
      `select '${schema}' as schema, name from "${schema}".kysely_migration
       union all select '${schema}_commerce', name from "${schema}_commerce".kysely_migration`,
    );
    expect(migrations.filter((m) => m.schema === schema).every((m) => !m.name.includes('commerce'))).toBe(
      true,
    );
    expect(migrations.filter((m) => m.schema === `${schema}_commerce`).map((m) => m.name)).toEqual([
      '2026_11_25_commerce_001_init',
      '2026_12_02_commerce_002_entry_checks',
      '2026_12_03_commerce_003_last_payment',
      '2026_12_04_commerce_004_gateway_customer',
    ]);
    expect(await rows(`select email from "${schema}_commerce".commerce_accounts`)).toEqual([
      { email: 'ana@example.com' },
    ]);
  });

  it('takes a visit whose event times have fractions of a millisecond (the simulator clock)', async () => {
    const target = parseDatabaseUrl(tempPostgresUrl());
    if (target.kind !== 'postgres') throw new Error('expected a PostgreSQL URL');
    const db = await openCommercePostgres(target.connectionString, commerceSchemaFor(target.schema));
    const t = 1767258494590.7;
    // Tokens are issued on a whole-millisecond clock (their expiry is part of the signed text);
    // the outbox then runs on a fractional one, as `walkout demo` passes the store's event time.
    const clock = manualClock(Math.floor(t) - 1_000);
    const gateway = new TestGateway();
    const commerce = createCommerce({
      repo: createCommerceRepo(db),
      gateway,
      clock,
      catalog: demoCatalog,
      signingSecret: 'fractional',
      holdAmount: 5_000,
      currency: 'USD',
    });
    try {
      const { account } = await commerce.signUp('frac@example.com');
      await commerce.addPaymentMethod(account.id, 'tok_visa_frac');
      const { token } = await commerce.issueEntryToken(account.id);
      clock.set(t + 0.25);
      expect(await commerce.onVisitEvent(entered('fv1', token, t))).toBe('handled');
      expect(
        await commerce.onVisitEvent(
          receiptIssued('fv1', token, t, t + 42_000.35, [{ sku: 'choc-bar', quantity: 1, unitPrice: 300 }]),
        ),
      ).toBe('handled');
      // A token the money side never issued: refused and kept for operators, fractions and all.
      expect(await commerce.onVisitEvent(entered('fv2', 'tok-sim-1', t + 0.4, null))).toBe('refused');
      expect(await commerce.onVisitEvent(receiptIssued('fv2', 'tok-sim-1', t + 0.4, t + 9_000.6, []))).toBe(
        'refused',
      );
      for (let i = 0; i < 20; i++) {
        const r = await commerce.drainOutbox();
        if (r.deferred === 0 && r.retried === 0) break;
        clock.advance(100.3);
      }
      expect(gateway.capturedByReference().get('fv1')).toEqual({ charges: 1, amount: 330 });
      const repo = createCommerceRepo(db);
      expect(await repo.visit('fv1')).toMatchObject({ enteredAt: Math.round(t), paymentStatus: 'captured' });
      expect((await commerce.receiptHistory('fv1')).map((r) => r.net)).toEqual([330]);
      expect(await repo.refusedEntry('fv2')).toMatchObject({ enteredAt: Math.round(t + 0.4) });
      const d = await commerce.disputeLine(account.id, 'fv1', { sku: 'choc-bar', kind: 'not-taken' });
      expect(d.status).toBe('refunded');
      expect(await repo.jobs({ status: 'dead' })).toEqual([]);
    } finally {
      gateway.close();
      await db.destroy();
    }
  });
});

describe('walkout start on a PostgreSQL it cannot reach', () => {
  it('stops with a one-line reason naming the URL without its password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walkout-start-pg-'));
    const store = join(dir, 'store.json');
    writeFileSync(store, JSON.stringify(tinyStore()));
    const attempt = runStart(
      {
        store,
        db: 'postgres://shop:s3cret-pw@127.0.0.1:1/walkout?schema=store_1',
        port: '0',
        mqttPort: '0',
        bus: 'memory',
      },
      () => undefined,
      undefined,
      env,
    );
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WalkoutError);
    expect((error as Error).message).toMatch(
      /^cannot reach PostgreSQL at postgres:\/\/shop:\*\*\*@127\.0\.0\.1:1\/walkout: /,
    );
    expect((error as Error).message).not.toContain('s3cret-pw');
  });
});
