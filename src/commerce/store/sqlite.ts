import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { commerceMigrations } from './migrations.js';
import type { CommerceDb, CommerceTables } from './repo.js';

/** Opens a SQLite file (or `:memory:`) for the commerce tables and migrates it; for tests and workers. */
export async function openCommerceSqlite(file = ':memory:'): Promise<CommerceDb> {
  const sqlite = new Database(file);
  // WAL + a busy timeout: a worker and a test may open the same file; a killed writer leaves no lock behind.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<CommerceTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateCommerce(db);
  return db;
}

/**
 * Runs the commerce migrations with kysely's Migrator; throws with the failing migration's name.
 * On PostgreSQL pass the schema the tables live in: without one the Migrator takes a
 * `kysely_migration` table in any schema of the database (the store's, say) for its own.
 */
export async function migrateCommerce(db: CommerceDb, schema: string | null = null): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => commerceMigrations };
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`commerce migration ${failed} failed: ${String(error)}`);
  }
}
