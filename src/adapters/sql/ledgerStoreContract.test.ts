// The behaviour every Walkout database must show; sqlite.spec.ts and postgres.spec.ts run it.
// (Named .test.ts so vitest does not run it alone and the build leaves it out.)
import { afterEach, describe, expect, it } from 'vitest';
import { parseStoreDefinition, type StoreDefinition } from '../../protocol/store.js';
import type { VisitEvent } from '../../store/events.js';
import { foldVisit, type Visit } from '../../store/visit.js';
import { openDatabase, type WalkoutDatabase } from './database.js';
import { ledgerRepository } from './ledgerRepository.js';
import { receiptRepository, type StoredReceipt } from './receiptRepository.js';
import { storeRepository } from './storeRepository.js';

/** A small store: one shelf, two products. */
export function tinyStore(id = 'tiny-1'): StoreDefinition {
  return parseStoreDefinition({
    id,
    name: 'Tiny Market',
    currency: 'USD',
    floor: [
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
    ],
    gates: [{ id: 'gate-in' }, { id: 'gate-out' }],
    fixtures: [
      {
        id: 'f1',
        shelves: [
          {
            id: 'f1-s1',
            plates: [
              { id: 'p1', box: { min: [1, 1, 1], max: [1.4, 1.4, 1.2] }, facing: [0, -1, 0] },
              { id: 'p2', box: { min: [1.4, 1, 1], max: [1.8, 1.4, 1.2] }, facing: [0, -1, 0] },
            ],
          },
        ],
      },
    ],
    products: [
      {
        sku: 'fiji-500',
        gtin: '00632565000012',
        name: 'FIJI Water 0.5 L',
        price: 249,
        weight: { mean: 538, std: 4 },
      },
      { sku: 'chips', name: 'Chips', price: 199, weight: { mean: 120, std: 3 } },
    ],
    planogram: [
      { plate: 'p1', sku: 'fiji-500', count: 12 },
      { plate: 'p2', sku: 'chips', count: 8 },
    ],
  });
}

/** The ledger of one visit: entered, picked two FIJI, exited, receipt. */
export function visitHistory(
  visitId: string,
  token = `tok-${visitId}`,
  t0 = 1_600_000_000_000,
): VisitEvent[] {
  return [
    { type: 'ShopperEntered', visitId, t: t0, token, method: 'qr', gateId: 'gate-in', channel: 'gate' },
    {
      type: 'ItemPicked',
      visitId,
      t: t0 + 10_000,
      eventId: 'se-1',
      sku: 'fiji-500',
      quantity: 2,
      confidence: 0.98,
      source: 'shelf',
    },
    { type: 'ShopperExited', visitId, t: t0 + 40_000 },
    {
      type: 'ReceiptIssued',
      visitId,
      t: t0 + 42_000,
      version: 1,
      token,
      enteredAt: t0,
      exitedAt: t0 + 40_000,
      lines: [{ sku: 'fiji-500', quantity: 2, unitPrice: 249 }],
      total: 498,
      tax: 0,
      currency: 'USD',
      reviewed: false,
    },
  ];
}

function receiptOf(visitId: string, version = 1): StoredReceipt {
  return {
    visitId,
    version,
    shopper: `tok-${visitId}`,
    enteredAt: 1,
    exitedAt: 2,
    issuedAt: 3 + version,
    lines: [{ sku: 'fiji-500', quantity: 2, unitPrice: 249 }],
    total: 498,
    tax: 0,
    currency: 'USD',
    reviewed: false,
  };
}

/**
 * Runs the database behaviour suite; `makeUrl` gives a fresh, empty database URL each call
 * (opening the same URL twice must reach the same data).
 */
export function ledgerStoreContract(name: string, makeUrl: () => string, enabled = true): void {
  describe.skipIf(!enabled)(`the ${name} database`, () => {
    const open: WalkoutDatabase[] = [];
    const connect = async (url: string) => {
      const database = await openDatabase(url);
      open.push(database);
      return database;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((d) => d.close()));
    });

    it('migrates a fresh database and opens an up-to-date one again', async () => {
      const url = makeUrl();
      const first = await connect(url);
      await first.close();
      open.splice(open.indexOf(first), 1);
      const second = await connect(url);
      expect(await storeRepository(second.db).list()).toEqual([]);
    });

    describe('given a store definition was loaded', () => {
      it('gives it back whole, with its products and planogram rows', async () => {
        const { db } = await connect(makeUrl());
        const stores = storeRepository(db);
        await stores.save(tinyStore(), 1000);
        expect(await stores.get('tiny-1')).toEqual(tinyStore());
        expect(await stores.latest()).toEqual(tinyStore());
        expect(await db.selectFrom('products').select('sku').orderBy('sku').execute()).toEqual([
          { sku: 'chips' },
          { sku: 'fiji-500' },
        ]);
        expect(
          await db.selectFrom('planogram').select(['plate_id', 'count']).orderBy('plate_id').execute(),
        ).toEqual([
          { plate_id: 'p1', count: 12 },
          { plate_id: 'p2', count: 8 },
        ]);
      });

      it('replaces it when loaded again, and names the newest as latest', async () => {
        const { db } = await connect(makeUrl());
        const stores = storeRepository(db);
        await stores.save(tinyStore(), 1000);
        await stores.save(tinyStore('other'), 2000);
        const renamed = {
          ...tinyStore(),
          name: 'Tiny Market II',
          products: tinyStore().products.slice(0, 1),
          planogram: tinyStore().planogram.slice(0, 1),
        };
        await stores.save(renamed, 3000);
        expect((await stores.get('tiny-1'))?.name).toBe('Tiny Market II');
        expect((await stores.latest())?.id).toBe('tiny-1');
        expect((await stores.list()).map((s) => s.id)).toEqual(['tiny-1', 'other']);
        expect(
          await db.selectFrom('products').select('sku').where('store_id', '=', 'tiny-1').execute(),
        ).toEqual([{ sku: 'fiji-500' }]);
      });

      it('has no definition for a store it never saw', async () => {
        const { db } = await connect(makeUrl());
        expect(await storeRepository(db).get('nope')).toBeNull();
        expect(await storeRepository(db).latest()).toBeNull();
      });
    });

    describe('the ledger', () => {
      it('keeps events in order and appending the same event again is a no-op', async () => {
        const { db } = await connect(makeUrl());
        const ledger = ledgerRepository(db);
        const history = visitHistory('v1');
        expect(await ledger.append('tiny-1', history.slice(0, 2))).toHaveLength(2);
        expect(await ledger.append('tiny-1', history)).toEqual(history.slice(2));
        expect(await ledger.append('tiny-1', history)).toEqual([]);
        const stored = await ledger.eventsOfVisit('tiny-1', 'v1');
        expect(stored.map((s) => s.event)).toEqual(history);
        expect(stored.map((s) => s.seq)).toEqual([...stored.map((s) => s.seq)].sort((a, b) => a - b));
      });

      it('keeps two picks of one visit apart by their shelf event, and stores apart by id', async () => {
        const { db } = await connect(makeUrl());
        const ledger = ledgerRepository(db);
        const [entered, picked] = visitHistory('v1') as [VisitEvent, VisitEvent & { type: 'ItemPicked' }];
        await ledger.append('tiny-1', [entered, picked, { ...picked, eventId: 'se-2', t: picked.t + 1 }]);
        await ledger.append('other', [entered]);
        expect(await ledger.eventsOfVisit('tiny-1', 'v1')).toHaveLength(3);
        expect(await ledger.eventsOfVisit('other', 'v1')).toHaveLength(1);
      });

      it('gives a restarting engine the events of the visits without a receipt only', async () => {
        const { db } = await connect(makeUrl());
        const ledger = ledgerRepository(db);
        const closed = visitHistory('v1');
        const open = visitHistory('v2').slice(0, 2);
        await ledger.append('tiny-1', [...closed.slice(0, 2), ...open, ...closed.slice(2)]);
        await ledger.saveVisit('tiny-1', foldVisit(closed) as Visit);
        await ledger.saveVisit('tiny-1', foldVisit(open) as Visit);
        expect(await ledger.eventsOfUnclosedVisits('tiny-1')).toEqual(open);
      });

      it('gives a follower what came after its cursor, page by page, and keeps each follower its own cursor', async () => {
        const { db } = await connect(makeUrl());
        const ledger = ledgerRepository(db);
        const events = [...visitHistory('v1'), ...visitHistory('v2')];
        await ledger.append('tiny-1', events);
        await ledger.append('other', visitHistory('v9'));
        const first = await ledger.eventsAfter('tiny-1', 0, 3);
        expect(first.map((r) => r.event)).toEqual(events.slice(0, 3));
        const rest = await ledger.eventsAfter('tiny-1', first.at(-1)!.seq);
        expect(rest.map((r) => r.event)).toEqual(events.slice(3));
        expect(await ledger.cursor('commerce', 'tiny-1')).toBe(0);
        await ledger.saveCursor('commerce', 'tiny-1', first.at(-1)!.seq);
        await ledger.saveCursor('commerce', 'tiny-1', rest.at(-1)!.seq);
        await ledger.saveCursor('audit', 'tiny-1', 1);
        expect(await ledger.cursor('commerce', 'tiny-1')).toBe(rest.at(-1)!.seq);
        expect(await ledger.cursor('audit', 'tiny-1')).toBe(1);
        expect(await ledger.cursor('commerce', 'other')).toBe(0);
        expect(await ledger.eventsAfter('tiny-1', rest.at(-1)!.seq)).toEqual([]);
      });
    });

    describe('the visits projection', () => {
      it('lists visits newest first, filters by status and reads one', async () => {
        const { db } = await connect(makeUrl());
        const ledger = ledgerRepository(db);
        await ledger.saveVisit('tiny-1', foldVisit(visitHistory('v1', 'a', 1000)) as Visit);
        await ledger.saveVisit('tiny-1', foldVisit(visitHistory('v2', 'b', 5000).slice(0, 2)) as Visit);
        expect((await ledger.visits('tiny-1')).map((v) => v.visitId)).toEqual(['v2', 'v1']);
        expect(await ledger.visits('tiny-1', { status: 'closed' })).toEqual([
          {
            visitId: 'v1',
            token: 'a',
            status: 'closed',
            enteredAt: 1000,
            exitedAt: 41_000,
            issuedAt: 43_000,
            total: 498,
            reviewed: false,
          },
        ]);
        expect(await ledger.visit('tiny-1', 'v2')).toMatchObject({
          status: 'open',
          exitedAt: null,
          total: null,
        });
        expect(await ledger.visit('tiny-1', 'nope')).toBeNull();
      });

      it('updates a visit as it moves on', async () => {
        const { db } = await connect(makeUrl());
        const ledger = ledgerRepository(db);
        const history = visitHistory('v1');
        for (let n = 1; n <= history.length; n += 1)
          await ledger.saveVisit('tiny-1', foldVisit(history.slice(0, n)) as Visit);
        expect(await ledger.visits('tiny-1')).toHaveLength(1);
        expect((await ledger.visit('tiny-1', 'v1'))?.status).toBe('closed');
      });
    });

    describe('receipts', () => {
      it('stores a receipt once and shows the latest version', async () => {
        const { db } = await connect(makeUrl());
        const receipts = receiptRepository(db);
        expect(await receipts.save('tiny-1', receiptOf('v1'))).toBe(true);
        expect(await receipts.save('tiny-1', receiptOf('v1'))).toBe(false);
        await receipts.save('tiny-1', receiptOf('v2'));
        await receipts.save('tiny-1', receiptOf('v1', 2));
        expect(await receipts.get('tiny-1', 'v1')).toEqual(receiptOf('v1', 2));
        expect((await receipts.list('tiny-1')).map((r) => [r.visitId, r.version])).toEqual([
          ['v1', 2],
          ['v2', 1],
        ]);
        expect(await receipts.get('tiny-1', 'nope')).toBeNull();
      });
    });

    describe('engine state', () => {
      it('saves the clock and accumulates rejection counts', async () => {
        const { db } = await connect(makeUrl());
        const stores = storeRepository(db);
        expect(await stores.clock('tiny-1')).toBeNull();
        await stores.saveClock('tiny-1', { watermark: 10.5, now: 12.25 }, 1);
        await stores.saveClock('tiny-1', { watermark: 20.5, now: 22.25 }, 2);
        expect(await stores.clock('tiny-1')).toEqual({ watermark: 20.5, now: 22.25 });
        await stores.addRejections('tiny-1', [{ reason: 'malformed', count: 2, lastDetail: 'a', lastAt: 1 }]);
        await stores.addRejections('tiny-1', [
          { reason: 'malformed', count: 3, lastDetail: 'b', lastAt: 2 },
          { reason: 'late', count: 1, lastDetail: 'c', lastAt: 3 },
        ]);
        expect(await stores.rejections('tiny-1')).toEqual([
          { reason: 'late', count: 1, lastDetail: 'c', lastAt: 3 },
          { reason: 'malformed', count: 5, lastDetail: 'b', lastAt: 2 },
        ]);
      });
    });

    it('keeps everything across a restart (write, close, reopen, read)', async () => {
      const url = makeUrl();
      const first = await connect(url);
      await storeRepository(first.db).save(tinyStore(), 1000);
      await first.db.transaction().execute(async (trx) => {
        await ledgerRepository(first.db).append('tiny-1', visitHistory('v1'), trx);
        await ledgerRepository(first.db).saveVisit('tiny-1', foldVisit(visitHistory('v1')) as Visit, trx);
        await receiptRepository(first.db).save('tiny-1', receiptOf('v1'), trx);
        await storeRepository(first.db).saveClock('tiny-1', { watermark: 5, now: 7 }, 1, trx);
      });
      await first.close();
      open.splice(open.indexOf(first), 1);

      const second = await connect(url);
      expect(await storeRepository(second.db).latest()).toEqual(tinyStore());
      expect((await ledgerRepository(second.db).eventsOfVisit('tiny-1', 'v1')).map((e) => e.event)).toEqual(
        visitHistory('v1'),
      );
      expect((await ledgerRepository(second.db).visit('tiny-1', 'v1'))?.status).toBe('closed');
      expect(await receiptRepository(second.db).get('tiny-1', 'v1')).toEqual(receiptOf('v1'));
      expect(await storeRepository(second.db).clock('tiny-1')).toEqual({ watermark: 5, now: 7 });
    });

    it('rolls a failed transaction back whole', async () => {
      const { db } = await connect(makeUrl());
      await expect(
        db.transaction().execute(async (trx) => {
          await ledgerRepository(db).append('tiny-1', visitHistory('v1'), trx);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await ledgerRepository(db).eventsOfVisit('tiny-1', 'v1')).toEqual([]);
    });
  });
}
