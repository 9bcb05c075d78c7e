import type { Kysely } from 'kysely';
import { isPostgres, type Migration } from './index.js';

/** The first schema: store definitions, the visit ledger and its projections. */
export const initial: Migration = {
  async up(db: Kysely<unknown>) {
    const pg = isPostgres(db);
    await db.schema
      .createTable('stores')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('loaded_at', 'double precision', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('products')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('gtin', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('products_pk', ['store_id', 'sku'])
      .execute();
    await db.schema
      .createTable('planogram')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('plate_id', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('planogram_pk', ['store_id', 'plate_id', 'sku'])
      .execute();
    await db.schema
      .createTable('visits')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('token', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('entered_at', 'double precision', (c) => c.notNull())
      .addColumn('exited_at', 'double precision')
      .addColumn('issued_at', 'double precision')
      .addColumn('total', 'integer')
      .addColumn('reviewed', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('visits_pk', ['store_id', 'id'])
      .execute();
    await db.schema.createIndex('visits_status').on('visits').columns(['store_id', 'status']).execute();
    // seq orders the log; SQLite and PostgreSQL spell an auto-increment key differently.
    await db.schema
      .createTable('ledger_events')
      .addColumn('seq', pg ? 'serial' : 'integer', (c) =>
        pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('visit_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('event_key', 'text', (c) => c.notNull())
      .addColumn('t', 'double precision', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addUniqueConstraint('ledger_events_once', ['store_id', 'visit_id', 'type', 'event_key'])
      .execute();
    await db.schema
      .createTable('receipts')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('visit_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'double precision', (c) => c.notNull())
      .addPrimaryKeyConstraint('receipts_pk', ['store_id', 'visit_id', 'version'])
      .execute();
    await db.schema
      .createTable('engine_state')
      .addColumn('store_id', 'text', (c) => c.primaryKey())
      .addColumn('watermark', 'double precision', (c) => c.notNull())
      .addColumn('now', 'double precision', (c) => c.notNull())
      .addColumn('updated_at', 'double precision', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('rejections')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('last_detail', 'text', (c) => c.notNull())
      .addColumn('last_at', 'double precision', (c) => c.notNull())
      .addPrimaryKeyConstraint('rejections_pk', ['store_id', 'reason'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of [
      'rejections',
      'engine_state',
      'receipts',
      'ledger_events',
      'visits',
      'planogram',
      'products',
      'stores',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
