import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** PostgreSQL of the test machine (trust auth); WALKOUT_PG_URL overrides. */
export const TEST_POSTGRES_URL = process.env.WALKOUT_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether tests must fail, not skip, when a local service is missing. */
export const servicesRequired = process.env.WALKOUT_REQUIRE_SERVICES === '1';

/** A fresh SQLite file URL in a new temp folder. */
export function tempSqliteUrl(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'walkout-db-')), 'walkout.db')}`;
}

let counter = 0;
/** A fresh PostgreSQL schema URL, unique to this process and call. */
export function tempPostgresUrl(): string {
  counter += 1;
  const schema = `wo_test_${process.pid}_${Date.now().toString(36)}_${counter}`;
  return `${TEST_POSTGRES_URL}${TEST_POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`;
}

/** Whether PostgreSQL answers; throws when services are required and it does not. */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    if (servicesRequired)
      throw new Error(
        `PostgreSQL at ${TEST_POSTGRES_URL} is required (WALKOUT_REQUIRE_SERVICES=1): ${(error as Error).message}`,
        { cause: error },
      );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops the test schemas this process made (best effort). */
export async function dropTestSchemas(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ nspname: string }>(
      `select nspname from pg_namespace where nspname like $1`,
      [`wo_test_${process.pid}_%`],
    );
    for (const r of rows) await client.query(`drop schema "${r.nspname}" cascade`);
  } catch {
    // cleanup only
  } finally {
    await client.end().catch(() => undefined);
  }
}
