import { afterEach, describe, expect, it } from 'vitest';
import { tinyStore } from '../adapters/sql/ledgerStoreContract.test.js';
import { entered } from '../commerce/testing.js';
import { parseStoreDefinition, type StoreDefinition } from '../protocol/store.js';
import { parseDatabaseUrl } from '../adapters/sql/database.js';
import {
  commerceDatabaseBeside,
  describeCommerceDatabase,
  openCommerceSide,
  type CommerceSide,
} from './commerceSide.js';
import { parseMoneyConfig } from './moneyConfig.js';

const opened: CommerceSide[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((side) => side.close()));
});

async function open(store: StoreDefinition | null, env: Record<string, string> = {}): Promise<CommerceSide> {
  const side = await openCommerceSide({
    database: { kind: 'sqlite', file: ':memory:' },
    store,
    config: parseMoneyConfig({ env }).config,
  });
  opened.push(side);
  return side;
}

const withSettings = (over: Partial<StoreDefinition>, holdCents: number): StoreDefinition =>
  parseStoreDefinition({ ...tinyStore(), ...over, settings: { holdCents } });

/** A shopper with a test card walks in with a fresh QR code; returns the money side's visit row. */
async function walkIn(side: CommerceSide, visitId: string, email: string) {
  const { account } = await side.commerce.signUp(email);
  await side.commerce.addPaymentMethod(account.id, `tok_visa_${visitId}`);
  const { token } = await side.commerce.issueEntryToken(account.id, 1);
  await side.commerce.onVisitEvent(entered(visitId, token, Date.now()));
  return side.commerce.deps.repo.visit(visitId);
}

describe('the money side of a live store', () => {
  it("holds the store's settings.holdCents at entry, and follows a reloaded store's hold and currency", async () => {
    const side = await open(withSettings({}, 1500));
    expect(await walkIn(side, 'v1', 'ana@example.com')).toMatchObject({
      holdAmount: 1500,
      holdStatus: 'pending',
      currency: 'USD',
    });
    side.useStore(withSettings({ currency: 'EUR' }, 0));
    expect(await walkIn(side, 'v2', 'ben@example.com')).toMatchObject({
      holdAmount: 0,
      holdStatus: 'none',
      currency: 'EUR',
    });
  });

  it('holds the default 5000 before any store is loaded and for a store file without the setting', async () => {
    expect((await walkIn(await open(null), 'v1', 'ana@example.com'))?.holdAmount).toBe(5000);
    expect((await walkIn(await open(tinyStore()), 'v1', 'ana@example.com'))?.holdAmount).toBe(5000);
  });

  it('builds the adapters the configuration names: Stripe, the SMTP mailer, signed webhooks, the refund limit', async () => {
    const side = await open(tinyStore(), {
      WALKOUT_GATEWAY: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_unit',
      WALKOUT_STRIPE_API_URL: 'http://127.0.0.1:9',
      WALKOUT_SMTP_URL: 'smtp://127.0.0.1:9',
      WALKOUT_MAIL_FROM: 'receipts@tiny.example',
      WALKOUT_WEBHOOK_URLS: 'erp=http://127.0.0.1:9/hook',
      WALKOUT_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
      WALKOUT_AUTO_REFUND_LIMIT_CENTS: '700',
      WALKOUT_OPERATOR_KEY: 'op-unit',
    });
    const deps = side.commerce.deps;
    expect(deps.gateway.name).toBe('stripe');
    expect(deps.mailer).toBeDefined();
    expect(deps.webhooks?.targets).toEqual([
      { name: 'erp', url: 'http://127.0.0.1:9/hook', secret: 'whsec_0123456789abcdef' },
    ]);
    expect(deps.disputePolicy).toEqual({ autoRefundLimitPerMonth: 700 });
    expect(side.operatorKey).toBe('op-unit');

    const plain = (await open(tinyStore())).commerce.deps;
    expect(plain.gateway.name).toBe('test');
    expect(plain.mailer).toBeUndefined();
    expect(plain.webhooks).toBeUndefined();
  });

  it('keeps its tables beside the store database: a .commerce file, or a schema of its own on PostgreSQL', async () => {
    const beside = (url: string) => commerceDatabaseBeside(parseDatabaseUrl(url));
    expect(beside('sqlite:./data/walkout.db')).toEqual({
      kind: 'sqlite',
      file: './data/walkout.db.commerce',
    });
    expect(beside(':memory:')).toEqual({ kind: 'sqlite', file: ':memory:' });
    expect(beside('postgres://shop:pw@db.local:5432/walkout?schema=store_7')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://shop:pw@db.local:5432/walkout',
      schema: 'store_7_commerce',
    });
    const plain = beside('postgres://shop:pw@db.local/walkout');
    expect(plain).toMatchObject({ schema: 'public_commerce' });
    // The banner names where the money is, never the password.
    expect(describeCommerceDatabase(plain)).toBe(
      'postgres://shop:***@db.local/walkout (schema public_commerce)',
    );
    // PostgreSQL would cut a longer name to 63 characters without a word.
    expect(() => beside(`postgres://db.local/walkout?schema=${'s'.repeat(55)}`)).toThrow(
      /at most 63 characters.*at most 54/,
    );
    const side = await open(tinyStore());
    expect([side.location, side.notes]).toEqual(['sqlite::memory:', []]);
  });
});
