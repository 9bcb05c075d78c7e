import type { Kysely } from 'kysely';
import { parseStoreDefinition, type StoreDefinition } from '../../protocol/store.js';
import type { WalkoutSchema } from './schema.js';

type Db = Kysely<WalkoutSchema>;

/** Where a live store's event-time clock stood when it last saved. */
export interface EngineClock {
  watermark: number;
  now: number;
}

/** How many messages were turned away for one reason, and the latest example. */
export interface RejectionCount {
  reason: string;
  count: number;
  lastDetail: string;
  lastAt: number;
}

/** Store definitions, their catalogue rows, the engine clock and rejection counters. */
export function storeRepository(db: Db) {
  return {
    /** Loads or replaces a store definition with its products and planogram. */
    async save(store: StoreDefinition, loadedAt: number, trx: Db = db): Promise<void> {
      const definition = JSON.stringify(store);
      await trx
        .insertInto('stores')
        .values({ id: store.id, definition, loaded_at: loadedAt })
        .onConflict((oc) => oc.column('id').doUpdateSet({ definition, loaded_at: loadedAt }))
        .execute();
      await trx.deleteFrom('products').where('store_id', '=', store.id).execute();
      await trx.deleteFrom('planogram').where('store_id', '=', store.id).execute();
      if (store.products.length > 0) {
        await trx
          .insertInto('products')
          .values(
            store.products.map((p) => ({
              store_id: store.id,
              sku: p.sku,
              gtin: p.gtin ?? null,
              name: p.name,
              body: JSON.stringify(p),
            })),
          )
          .execute();
      }
      // A plate may list one sku twice in a hand-written file; the last count wins.
      const facings = new Map(store.planogram.map((f) => [`${f.plate}\u0000${f.sku}`, f]));
      if (facings.size > 0) {
        await trx
          .insertInto('planogram')
          .values(
            [...facings.values()].map((f) => ({
              store_id: store.id,
              plate_id: f.plate,
              sku: f.sku,
              count: f.count,
            })),
          )
          .execute();
      }
    },

    /** The definition of one store, or null. */
    async get(storeId: string, trx: Db = db): Promise<StoreDefinition | null> {
      const row = await trx
        .selectFrom('stores')
        .select('definition')
        .where('id', '=', storeId)
        .executeTakeFirst();
      return row ? parseStoreDefinition(JSON.parse(row.definition)) : null;
    },

    /** The store loaded most recently, or null when none ever was. */
    async latest(trx: Db = db): Promise<StoreDefinition | null> {
      const row = await trx
        .selectFrom('stores')
        .select('definition')
        .orderBy('loaded_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? parseStoreDefinition(JSON.parse(row.definition)) : null;
    },

    /** Every store, newest first. */
    async list(trx: Db = db): Promise<{ id: string; loadedAt: number }[]> {
      const rows = await trx
        .selectFrom('stores')
        .select(['id', 'loaded_at'])
        .orderBy('loaded_at', 'desc')
        .execute();
      return rows.map((r) => ({ id: r.id, loadedAt: r.loaded_at }));
    },

    /** Saves the engine's event-time clock so a restart resumes behind the same watermark. */
    async saveClock(storeId: string, clock: EngineClock, updatedAt: number, trx: Db = db): Promise<void> {
      await trx
        .insertInto('engine_state')
        .values({ store_id: storeId, watermark: clock.watermark, now: clock.now, updated_at: updatedAt })
        .onConflict((oc) =>
          oc
            .column('store_id')
            .doUpdateSet({ watermark: clock.watermark, now: clock.now, updated_at: updatedAt }),
        )
        .execute();
    },

    /** The saved clock of a store, or null. */
    async clock(storeId: string, trx: Db = db): Promise<EngineClock | null> {
      const row = await trx
        .selectFrom('engine_state')
        .select(['watermark', 'now'])
        .where('store_id', '=', storeId)
        .executeTakeFirst();
      return row ? { watermark: row.watermark, now: row.now } : null;
    },

    /** Adds rejection counts (one row per reason; counts accumulate). */
    async addRejections(storeId: string, counts: readonly RejectionCount[], trx: Db = db): Promise<void> {
      for (const c of counts) {
        await trx
          .insertInto('rejections')
          .values({
            store_id: storeId,
            reason: c.reason,
            count: c.count,
            last_detail: c.lastDetail,
            last_at: c.lastAt,
          })
          .onConflict((oc) =>
            oc.columns(['store_id', 'reason']).doUpdateSet((eb) => ({
              count: eb('rejections.count', '+', eb.ref('excluded.count')),
              last_detail: eb.ref('excluded.last_detail'),
              last_at: eb.ref('excluded.last_at'),
            })),
          )
          .execute();
      }
    },

    /** Rejection counts of a store, by reason. */
    async rejections(storeId: string, trx: Db = db): Promise<RejectionCount[]> {
      const rows = await trx
        .selectFrom('rejections')
        .select(['reason', 'count', 'last_detail', 'last_at'])
        .where('store_id', '=', storeId)
        .orderBy('reason')
        .execute();
      return rows.map((r) => ({
        reason: r.reason,
        count: Number(r.count),
        lastDetail: r.last_detail,
        lastAt: r.last_at,
      }));
    },
  };
}
export type StoreRepository = ReturnType<typeof storeRepository>;
