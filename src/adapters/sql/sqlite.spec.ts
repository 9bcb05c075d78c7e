import { describe, expect, it } from 'vitest';
import { WalkoutError } from '../../protocol/errors.js';
import { openDatabase, parseDatabaseUrl } from './database.js';
import { ledgerStoreContract } from './ledgerStoreContract.test.js';
import { tempSqliteUrl } from './testing.js';

ledgerStoreContract('SQLite', tempSqliteUrl);

describe('database URLs', () => {
  it('reads sqlite:PATH, a plain path and postgres URLs with a schema', () => {
    expect(parseDatabaseUrl('sqlite:./data/w.db')).toEqual({ kind: 'sqlite', path: './data/w.db' });
    expect(parseDatabaseUrl('/tmp/x.db')).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(parseDatabaseUrl('postgres://postgres@127.0.0.1:5432/test?schema=abc')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://postgres@127.0.0.1:5432/test',
      schema: 'abc',
    });
  });

  it('rejects other schemes, empty paths and unsafe schema names with the reason', () => {
    expect(() => parseDatabaseUrl('mysql://x/y')).toThrow(/expected sqlite:PATH/);
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(WalkoutError);
    expect(() => parseDatabaseUrl('postgres://h/db?schema=a;drop')).toThrow(/schema/);
  });

  it('uses WAL for a SQLite file', async () => {
    const database = await openDatabase(tempSqliteUrl());
    const rows = await database.db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    expect(rows).toEqual([{ one: 1 }]);
    await database.close();
  });
});
