import { afterAll } from 'vitest';
import { ledgerStoreContract } from './ledgerStoreContract.test.js';
import { dropTestSchemas, postgresAvailable, tempPostgresUrl } from './testing.js';

// Fails (not skips) when WALKOUT_REQUIRE_SERVICES=1 and PostgreSQL is down.
const available = await postgresAvailable();
ledgerStoreContract('PostgreSQL', tempPostgresUrl, available);
afterAll(dropTestSchemas);
