import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { ledgerStoreContract } from './ledgerStoreContract.test.js';
import { dropTestSchemas, postgresAvailable, TEST_POSTGRES_URL, tempPostgresUrl } from './testing.js';

// Fails (not skips) when WALKOUT_REQUIRE_SERVICES=1 and PostgreSQL is down.
const available = await postgresAvailable();
ledgerStoreContract('PostgreSQL', tempPostgresUrl, available);
afterAll(dropTestSchemas);

describe.skipIf(!available)('the store database on PostgreSQL', () => {
  it('lives through the server closing its idle connections (a restart, a failover)', async () => {
    const database = await openDatabase(tempPostgresUrl());
    try {
      const pid = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db);
      const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await admin.connect();
      await admin.query('select pg_terminate_backend($1)', [pid.rows[0]!.pid]);
      await admin.end();
      // The pool hears of it as an 'error' on an idle client; the process must not end, and the
      // next query gets a fresh connection.
      await new Promise((r) => setTimeout(r, 200));
      const again = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      expect(again.rows[0]!.one).toBe(1);
    } finally {
      await database.close();
    }
  });
});
