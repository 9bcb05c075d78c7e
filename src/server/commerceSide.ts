import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createCommerce, startOutboxWorker, type Commerce } from '../commerce/commerce.js';
import { commerceRoutes } from '../commerce/http/routes.js';
import { LiveReceipts } from '../commerce/receipts/live.js';
import { createCommerceRepo } from '../commerce/store/repo.js';
import { openCommerceSqlite } from '../commerce/store/sqlite.js';
import { commerceSchemaFor, openCommercePostgres } from '../commerce/store/postgres.js';
import type { CommerceDb } from '../commerce/store/repo.js';
import { redact, type DatabaseTarget } from '../adapters/sql/database.js';
import { StripeGateway } from '../adapters/payments/stripe.js';
import { TestGateway } from '../adapters/payments/test-gateway.js';
import { smtpMailer } from '../adapters/smtp/mailer.js';
import { httpWebhookSender } from '../adapters/webhooks/webhooks.js';
import type { PaymentGateway } from '../commerce/payments/gateway.js';
import type { Catalog } from '../commerce/types.js';
import type { StoreDefinition } from '../protocol/store.js';
import type { Bus } from './bus.js';
import { DEFAULT_MONEY_CONFIG, type MoneyConfig } from './moneyConfig.js';
import { startLedgerFeed } from './ledgerFeed.js';
import type { LedgerRepository } from '../adapters/sql/ledgerRepository.js';

/**
 * Where the money side keeps its tables: a SQLite file (`:memory:` for a throwaway run) or a schema
 * of a PostgreSQL database (created if missing).
 */
export type CommerceDatabase =
  { kind: 'sqlite'; file: string } | { kind: 'postgres'; connectionString: string; schema: string };

/**
 * The money side's database beside a store database: the file `<store file>.commerce` beside a
 * SQLite one (`:memory:` beside `:memory:`), the schema `<store schema>_commerce` (`public_commerce`
 * without one) on the same PostgreSQL server.
 */
export function commerceDatabaseBeside(store: DatabaseTarget): CommerceDatabase {
  if (store.kind === 'postgres')
    return {
      kind: 'postgres',
      connectionString: store.connectionString,
      schema: commerceSchemaFor(store.schema),
    };
  return { kind: 'sqlite', file: store.path === ':memory:' ? ':memory:' : `${store.path}.commerce` };
}

/** Where a commerce database is, without any password, for the banner and logs. */
export function describeCommerceDatabase(at: CommerceDatabase): string {
  return at.kind === 'sqlite' ? `sqlite:${at.file}` : `${redact(at.connectionString)} (schema ${at.schema})`;
}

/** Opens (and migrates) the commerce tables where `at` says. */
function openCommerceDatabase(at: CommerceDatabase): Promise<CommerceDb> {
  return at.kind === 'sqlite'
    ? openCommerceSqlite(at.file)
    : openCommercePostgres(at.connectionString, at.schema);
}

/** The money side of a live store: accounts, entry tokens, payments, receipts, disputes. */
export interface CommerceSide {
  commerce: Commerce;
  /** Where its tables are (`describeCommerceDatabase`), for the banner. */
  location: string;
  /** What an operator should know about how it was opened, one line each (`walkout: note:`). */
  notes: readonly string[];
  live: LiveReceipts;
  /** Key for the gate and operator calls under `/api/shop` (`x-walkout-key`). */
  operatorKey: string;
  /** Registers the shopper API under `/api/shop`. */
  plugin: (app: FastifyInstance) => Promise<void>;
  /** Points the catalog at a (new) store definition. */
  useStore(store: StoreDefinition): void;
  /**
   * Feeds the store's ledger, in order and from where it left off after a restart, to the money
   * side; the bus only wakes it. Stop it before closing.
   */
  follow(
    ledger: LedgerRepository,
    storeId: () => string | null,
    bus: Bus,
    onError: (message: string) => void,
  ): { stop(): Promise<void> };
  close(): Promise<void>;
}

/** The catalog the money side prices and names receipt lines with. */
export function catalogOf(store: StoreDefinition): Catalog {
  return {
    storeId: store.id,
    storeName: store.name,
    products: new Map(store.products.map((p) => [p.sku, { name: p.name, taxRate: p.taxRate }])),
  };
}

/**
 * The payment gateway the configuration names. The test gateway keeps its books in SQLite beside the
 * commerce file; beside PostgreSQL there is no file of ours, so it keeps them in memory (a note says
 * so): it moves no real money, and a file written wherever the server happens to run would be a
 * surprise, shared by every store started there.
 */
function gatewayOf(config: MoneyConfig, at: CommerceDatabase): { gateway: PaymentGateway; note?: string } {
  const g = config.gateway;
  if (g.kind === 'stripe')
    return {
      gateway: new StripeGateway({
        apiKey: g.secretKey,
        ...(g.api ? { host: g.api.host, port: g.api.port, protocol: g.api.protocol } : {}),
      }),
    };
  if (at.kind === 'postgres')
    return {
      gateway: new TestGateway(':memory:'),
      note:
        'the test gateway keeps its books in memory with a PostgreSQL database: holds and charges it made ' +
        'before a restart are unknown after it (a visit held across one is left due; accounts, cards and ' +
        'receipts are kept). --gateway stripe keeps payments across restarts',
    };
  return { gateway: new TestGateway(at.file === ':memory:' ? ':memory:' : `${at.file}.gateway`) };
}

/** The SMTP mailer for e-mail receipts. */
function mailerOf(email: NonNullable<MoneyConfig['email']>): ReturnType<typeof smtpMailer> {
  const { host, port, secure, auth } = email.smtp;
  return smtpMailer({ host, port, secure, from: email.from, ...(auth ? { auth } : {}) });
}

/**
 * Opens the money side on its own database (a SQLite file, `:memory:` for a throwaway demo, or a
 * PostgreSQL schema) with the gateway, mailer and webhooks `config` names (default: the built-in
 * test gateway, no e-mail, no webhooks), and starts its outbox worker. The hold follows the store's
 * `settings.holdCents`.
 */
export async function openCommerceSide(opts: {
  /** Where its tables are: see `commerceDatabaseBeside` for the one beside a store database. */
  database: CommerceDatabase;
  store: StoreDefinition | null;
  config?: MoneyConfig;
  /**
   * The money side's clock (default: the wall clock). The demo runs its store faster than real
   * time; tokens are issued and entries checked in one time, so it passes the store's clock.
   */
  now?: () => number;
}): Promise<CommerceSide> {
  // Without a config (the demo) only the operator key comes from the environment, as it always did.
  const config = opts.config ?? {
    ...DEFAULT_MONEY_CONFIG,
    operatorKey: process.env.WALKOUT_OPERATOR_KEY || null,
  };
  const db = await openCommerceDatabase(opts.database);
  const { gateway, note } = gatewayOf(config, opts.database);
  const live = new LiveReceipts();
  // The catalog follows the store loaded; commerce reads it at each receipt.
  const catalog: {
    storeId: string;
    storeName: string;
    products: Map<string, { name: string; taxRate: number }>;
  } = {
    storeId: '',
    storeName: '',
    products: new Map(),
  };
  // Hold and currency follow the store loaded too: commerce reads both at each entry.
  let settings = { holdCents: 5_000, currency: 'USD' };
  const useStore = (store: StoreDefinition) => {
    const c = catalogOf(store);
    catalog.storeId = c.storeId;
    catalog.storeName = c.storeName;
    catalog.products = new Map(c.products);
    settings = { holdCents: store.settings.holdCents, currency: store.currency };
  };
  if (opts.store) useStore(opts.store);
  const mailer = config.email ? mailerOf(config.email) : undefined;
  let wake = () => {};
  const commerce = createCommerce({
    repo: createCommerceRepo(db),
    gateway,
    clock: { now: opts.now ?? (() => Date.now()) },
    catalog,
    signingSecret: config.signingSecret ?? randomBytes(24).toString('base64url'),
    get holdAmount() {
      return settings.holdCents;
    },
    get currency() {
      return settings.currency;
    },
    ...(mailer ? { mailer } : {}),
    ...(config.webhooks
      ? { webhooks: { sender: httpWebhookSender(), targets: config.webhooks.targets } }
      : {}),
    disputePolicy: config.disputePolicy,
    live,
    onEnqueued: () => wake(),
  });
  const worker = startOutboxWorker(commerce, { pollMs: 250 });
  wake = worker.wake;
  const operatorKey = config.operatorKey ?? `op_${randomBytes(12).toString('base64url')}`;
  return {
    commerce,
    location: describeCommerceDatabase(opts.database),
    notes: note ? [note] : [],
    live,
    operatorKey,
    plugin: async (app) => {
      await app.register(commerceRoutes, { prefix: '/api/shop', commerce, live, operatorKey });
    },
    useStore,
    follow(ledger, storeId, bus, onError) {
      const feed = startLedgerFeed({
        ledger,
        consumer: 'commerce',
        storeId,
        // A cart's sign-in reports method "cart"; the entry check knows a QR token by its shape.
        handle: (e) => commerce.onVisitEvent(e),
        onError: (message) => onError(`commerce could not take the ledger: ${message}`),
      });
      // The bus says when the store appended something; the ledger says what.
      const unsubscribe = bus.subscribe((m) => {
        if (m.type === 'visit') feed.wake();
      });
      return {
        stop: async () => {
          unsubscribe();
          await feed.stop();
        },
      };
    },
    async close() {
      await worker.stop();
      mailer?.close();
      await db.destroy();
    },
  };
}
