import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/** Where each follower of a store's ledger (the money side) has read up to, so a restart resumes there. */
export const ledgerCursors: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ledger_cursors')
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('ledger_cursors_pk', ['consumer', 'store_id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('ledger_cursors').ifExists().execute();
  },
};
