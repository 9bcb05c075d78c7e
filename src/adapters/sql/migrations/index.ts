import {
  PostgresAdapter,
  type Kysely,
  type Migration as KyselyMigration,
  type MigrationProvider,
} from 'kysely';
import { initial } from './001_initial.js';
import { ledgerCursors } from './002_ledger_cursors.js';

/** One schema change; `up` and `down` run inside the migrator's transaction. */
export type Migration = KyselyMigration;

/**
 * Every migration by name, applied in name order. To add one: a new file `NNN_what.ts` beside this
 * one exporting a Migration, and one line here.
 */
export const migrations: Record<string, Migration> = {
  '001_initial': initial,
  '002_ledger_cursors': ledgerCursors,
};

/** The in-code provider the kysely Migrator reads (no file-system scanning, so it works from dist/ too). */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

/** Whether a migration runs on PostgreSQL (some column types are spelt differently there). */
export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
