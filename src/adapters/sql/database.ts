import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { WalkoutError } from '../../protocol/errors.js';
import { migrationProvider } from './migrations/index.js';
import type { WalkoutSchema } from './schema.js';

/** The default database of a single-machine store. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/walkout.db';

/** An open, migrated Walkout database. */
export interface WalkoutDatabase {
  db: Kysely<WalkoutSchema>;
  kind: 'sqlite' | 'postgres';
  /** Where it is, without any password, for logs. */
  location: string;
  close(): Promise<void>;
}

/** What a database URL names. */
export type DatabaseTarget =
  { kind: 'sqlite'; path: string } | { kind: 'postgres'; connectionString: string; schema: string | null };

/**
 * Reads a database URL: `sqlite:PATH`, a plain file path or `:memory:` for SQLite;
 * `postgres://user@host:port/db[?schema=NAME]` for PostgreSQL (schema: a search_path, created if missing).
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const text = url.trim();
  if (text === '')
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      'database URL: expected sqlite:PATH, a file path or postgres://...',
    );
  if (/^postgres(ql)?:\/\//.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new WalkoutError('WO_INPUT_INVALID', `database URL "${text}": not a valid postgres:// URL`);
    }
    const schema = parsed.searchParams.get('schema');
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new WalkoutError(
        'WO_INPUT_INVALID',
        `database URL: schema "${schema}" must match [a-z_][a-z0-9_]*`,
      );
    }
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', connectionString: parsed.toString(), schema };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `database URL "${text}": expected sqlite:PATH, a file path or postgres://...`,
    );
  }
  const path = text.startsWith('sqlite:') ? text.slice('sqlite:'.length) : text;
  if (path === '')
    throw new WalkoutError('WO_INPUT_INVALID', 'database URL "sqlite:": expected a file path after sqlite:');
  return { kind: 'sqlite', path };
}

/** Opens the database a URL names and brings its schema up to date. */
export async function openDatabase(url: string = DEFAULT_DATABASE_URL): Promise<WalkoutDatabase> {
  const target = parseDatabaseUrl(url);
  let database: WalkoutDatabase;
  if (target.kind === 'sqlite') {
    if (target.path !== ':memory:') mkdirSync(dirname(resolve(target.path)), { recursive: true });
    const sqlite = new Database(target.path);
    // WAL lets readers (the HTTP API) go on while the engine appends.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<WalkoutSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
    database = { db, kind: 'sqlite', location: `sqlite:${target.path}`, close: () => db.destroy() };
  } else {
    if (target.schema) {
      const client = new pg.Client({ connectionString: target.connectionString });
      try {
        await client.connect();
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${target.schema}"`);
      } catch (error) {
        throw new WalkoutError(
          'WO_INPUT_INVALID',
          `cannot reach PostgreSQL at ${redact(target.connectionString)}: ${(error as Error).message}`,
        );
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: 10,
      ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
    });
    // An idle connection the server closed (a restart, a failover) leaves the pool and the next query
    // opens another; unhandled, the pool's 'error' event would end the store's process.
    pool.on('error', () => undefined);
    const db = new Kysely<WalkoutSchema>({ dialect: new PostgresDialect({ pool }) });
    const location = `${redact(target.connectionString)}${target.schema ? ` (schema ${target.schema})` : ''}`;
    database = { db, kind: 'postgres', location, close: () => db.destroy() };
  }
  try {
    // Without ?schema= the tables go to the first schema of the search_path. Name it anyway: an
    // unnamed one lets the migrator take a `kysely_migration` in any other schema (the money side's
    // `public_commerce`, another store's) for the store's own.
    const schema = target.kind === 'postgres' ? (target.schema ?? (await currentSchema(database.db))) : null;
    await migrate(database.db, schema);
  } catch (error) {
    await database.close().catch(() => undefined);
    if (error instanceof WalkoutError) throw error;
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `cannot open database ${database.location}: ${(error as Error).message}`,
    );
  }
  return database;
}

/** Applies every pending migration; throws naming the one that failed. */
export async function migrate(db: Kysely<WalkoutSchema>, schema: string | null = null): Promise<void> {
  // With a schema, the migrator's own tables live there too, not in public.
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `migration ${failed} failed: ${(error as Error).message ?? String(error)}`,
    );
  }
}

/** The schema unqualified tables are created in (the search_path's first existing one), if any. */
async function currentSchema(db: Kysely<WalkoutSchema>): Promise<string | null> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? null;
}

/** A PostgreSQL URL fit for logs and errors: its password replaced by `***`. */
export function redact(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable)';
  }
}
