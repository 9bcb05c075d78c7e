import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

/**
 * The commerce tables, as kysely migrations. The SQL layer merges them into the main migrator;
 * commerce tests run them alone. Names are prefixed `commerce_` so they never clash with the ledger.
 * Money is integer minor units; times are milliseconds since the epoch (bigint-safe in JS numbers).
 */
export const commerceMigrations: Record<string, Migration> = {
  '2026_11_25_commerce_001_init': {
    async up(db: Kysely<unknown>): Promise<void> {
      // SQLite and PostgreSQL spell an auto-numbered key differently.
      const pg = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('commerce_accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('commerce_payment_methods')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('gateway_token', 'text', (c) => c.notNull().unique())
        .addColumn('brand', 'text', (c) => c.notNull())
        .addColumn('last4', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('commerce_palms')
        .addColumn('palm_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('commerce_entry_tokens')
        .addColumn('nonce', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('party', 'integer', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createTable('commerce_visits')
        .addColumn('visit_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('payment_method_id', 'text')
        .addColumn('entered_at', 'bigint', (c) => c.notNull())
        .addColumn('hold_id', 'text')
        .addColumn('hold_amount', 'integer', (c) => c.notNull())
        .addColumn('hold_status', 'text', (c) => c.notNull())
        .addColumn('payment_status', 'text', (c) => c.notNull())
        .addColumn('charge_id', 'text')
        .addColumn('charged_amount', 'integer', (c) => c.notNull())
        .addColumn('due_amount', 'integer', (c) => c.notNull())
        .addColumn('settle_round', 'integer', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('issued', 'text')
        .execute();
      await db.schema
        .createIndex('commerce_visits_account')
        .on('commerce_visits')
        .column('account_id')
        .execute();
      await db.schema
        .createTable('commerce_inbox')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('commerce_receipts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('visit_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('commerce_receipts_visit_version', ['visit_id', 'version'])
        .execute();
      await db.schema
        .createIndex('commerce_receipts_account')
        .on('commerce_receipts')
        .column('account_id')
        .execute();
      await db.schema
        .createTable('commerce_disputes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('visit_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('sku', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('charged_quantity', 'integer', (c) => c.notNull())
        .addColumn('claimed_quantity', 'integer', (c) => c.notNull())
        .addColumn('amount', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('note', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('decided_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('commerce_disputes_account')
        .on('commerce_disputes')
        .column('account_id')
        .execute();
      await db.schema
        .createTable('commerce_outbox')
        .addColumn('id', pg ? 'serial' : 'integer', (c) =>
          pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull().unique())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('done_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('commerce_outbox_due')
        .on('commerce_outbox')
        .columns(['status', 'next_at'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of [
        'commerce_outbox',
        'commerce_disputes',
        'commerce_receipts',
        'commerce_inbox',
        'commerce_visits',
        'commerce_entry_tokens',
        'commerce_palms',
        'commerce_payment_methods',
        'commerce_accounts',
      ]) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  },
  // The engine's ShopperEntered is checked like the gate's admit: a token binds to one visit, and
  // refusals are kept for operators.
  '2026_12_02_commerce_002_entry_checks': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('commerce_entry_tokens').addColumn('visit_id', 'text').execute();
      await db.schema
        .createTable('commerce_refused_entries')
        .addColumn('visit_id', 'text', (c) => c.primaryKey())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('method', 'text')
        .addColumn('gate_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text')
        .addColumn('entered_at', 'bigint', (c) => c.notNull())
        .addColumn('recorded_at', 'bigint', (c) => c.notNull())
        .addColumn('issued', 'text')
        .execute();
      await db.schema
        .createIndex('commerce_refused_entries_entered')
        .on('commerce_refused_entries')
        .column('entered_at')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('commerce_refused_entries').ifExists().execute();
      await db.schema.alterTable('commerce_entry_tokens').dropColumn('visit_id').execute();
    },
  },
  // A due payment is settled only after the last capture or charge is replayed with its own key.
  '2026_12_03_commerce_003_last_payment': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('commerce_visits').addColumn('last_payment', 'text').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('commerce_visits').dropColumn('last_payment').execute();
    },
  },
  // Stripe charges a saved card only with the customer it is attached to.
  '2026_12_04_commerce_004_gateway_customer': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('commerce_payment_methods').addColumn('gateway_customer', 'text').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('commerce_payment_methods').dropColumn('gateway_customer').execute();
    },
  },
};
