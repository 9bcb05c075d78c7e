import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { redact } from '../../adapters/sql/database.js';
import { WalkoutError } from '../../protocol/errors.js';
import type { CommerceDb, CommerceTables } from './repo.js';
import { migrateCommerce } from './sqlite.js';

/** Suffix of the money side's schema: the store's schema (or `public`) followed by it. */
export const COMMERCE_SCHEMA_SUFFIX = '_commerce';

// PostgreSQL cuts longer names to 63 bytes without an error, so two schemas could end up as one.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The schema the money side keeps its tables in beside a store schema: `<store schema>_commerce`,
 * `public_commerce` for a store without one. A schema of its own gives the commerce migrations their
 * own `kysely_migration` table, which the store's migrator would refuse (it lists migrations the
 * store does not know).
 */
export function commerceSchemaFor(storeSchema: string | null): string {
  const base = storeSchema ?? 'public';
  const schema = `${base}${COMMERCE_SCHEMA_SUFFIX}`;
  if (!SCHEMA_NAME.test(schema))
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `database URL: schema "${base}" leaves no room for the money side's schema "${schema}" ` +
        `(PostgreSQL names are at most 63 characters): choose a schema of at most ${63 - COMMERCE_SCHEMA_SUFFIX.length}`,
    );
  return schema;
}

/**
 * Opens the commerce tables in `schema` of a PostgreSQL database (created if missing) and migrates
 * them; a server that cannot be reached is a WalkoutError naming the URL without its password.
 */
export async function openCommercePostgres(connectionString: string, schema: string): Promise<CommerceDb> {
  if (!SCHEMA_NAME.test(schema))
    throw new WalkoutError('WO_INPUT_INVALID', `commerce schema "${schema}" must match [a-z_][a-z0-9_]*`);
  const where = `${redact(connectionString)} (schema ${schema})`;
  // pg waits for the operating system's TCP timeout by default: a firewalled host would hang the start.
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  try {
    try {
      await client.connect();
    } catch (error) {
      throw new WalkoutError(
        'WO_INPUT_INVALID',
        `cannot reach PostgreSQL at ${redact(connectionString)}: ${(error as Error).message}`,
      );
    }
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } catch (error) {
      throw new WalkoutError(
        'WO_INPUT_INVALID',
        `cannot create the money side's schema in ${where}: ${(error as Error).message}`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  const pool = new pg.Pool({ connectionString, max: 10, options: `-c search_path=${schema}` });
  // An idle connection the server closed (a restart, a failover) leaves the pool and the next query
  // opens another; unhandled, the pool's 'error' event would end the process.
  pool.on('error', () => undefined);
  const db = new Kysely<CommerceTables>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateCommerce(db, schema);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `cannot open the money side's tables in ${where}: ${(error as Error).message}`,
    );
  }
  return db;
}
