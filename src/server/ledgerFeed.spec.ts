import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type WalkoutDatabase } from '../adapters/sql/database.js';
import { ledgerRepository } from '../adapters/sql/ledgerRepository.js';
import { visitHistory } from '../adapters/sql/ledgerStoreContract.test.js';
import { tempSqliteUrl } from '../adapters/sql/testing.js';
import type { VisitEvent } from '../store/events.js';
import { startLedgerFeed } from './ledgerFeed.js';

const opened: WalkoutDatabase[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

async function ledgerOn(url: string) {
  const database = await openDatabase(url);
  opened.push(database);
  return ledgerRepository(database.db);
}

describe('the ledger feed', () => {
  it('hands every event over in order, and after a restart only what came since', async () => {
    const url = tempSqliteUrl();
    let ledger = await ledgerOn(url);
    await ledger.append('tiny-1', visitHistory('v1'));
    const seen: VisitEvent[] = [];
    const options = {
      consumer: 'commerce',
      storeId: () => 'tiny-1',
      handle: async (e: VisitEvent) => void seen.push(e),
      onError: (m: string) => {
        throw new Error(m);
      },
      pollMs: 10_000,
    };
    let feed = startLedgerFeed({ ledger, ...options });
    await feed.caughtUp();
    expect(seen).toEqual(visitHistory('v1'));
    // Appended while it waits: a wake, not the poll, brings them.
    await ledger.append('tiny-1', visitHistory('v2').slice(0, 2));
    feed.wake();
    await feed.caughtUp();
    expect(seen).toHaveLength(6);
    await feed.stop();
    // The store committed more, then the process died; a new one on the same file resumes.
    await ledger.append('tiny-1', visitHistory('v2').slice(2));
    await opened.pop()!.close();
    ledger = await ledgerOn(url);
    feed = startLedgerFeed({ ledger, ...options });
    await feed.caughtUp();
    await feed.stop();
    expect(seen).toEqual([...visitHistory('v1'), ...visitHistory('v2')]);
  });

  it('retries an event its follower could not take, and does not skip it', async () => {
    const ledger = await ledgerOn(tempSqliteUrl());
    await ledger.append('tiny-1', visitHistory('v1'));
    const seen: string[] = [];
    const errors: string[] = [];
    let failures = 2;
    const feed = startLedgerFeed({
      ledger,
      consumer: 'commerce',
      storeId: () => 'tiny-1',
      handle: async (e) => {
        if (e.type === 'ShopperExited' && failures-- > 0) throw new Error('database is locked');
        seen.push(e.type);
      },
      onError: (m) => errors.push(m),
      retryMs: 5,
    });
    await feed.caughtUp();
    await feed.stop();
    expect(seen).toEqual(visitHistory('v1').map((e) => e.type));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('database is locked');
  });

  it('waits while no store is loaded', async () => {
    const ledger = await ledgerOn(tempSqliteUrl());
    await ledger.append('tiny-1', visitHistory('v1'));
    let store: string | null = null;
    const seen: VisitEvent[] = [];
    const feed = startLedgerFeed({
      ledger,
      consumer: 'commerce',
      storeId: () => store,
      handle: async (e) => void seen.push(e),
      onError: () => {},
    });
    await feed.caughtUp();
    expect(seen).toEqual([]);
    store = 'tiny-1';
    await feed.caughtUp();
    await feed.stop();
    expect(seen).toHaveLength(visitHistory('v1').length);
  });
});
