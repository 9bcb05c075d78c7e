import type { Kysely } from 'kysely';
import type { ReceiptLine } from '../../protocol/results.js';
import type { WalkoutSchema } from './schema.js';

type Db = Kysely<WalkoutSchema>;

/** A receipt as the store keeps and shows it (contract section 4, plus its visit and version). */
export interface StoredReceipt {
  visitId: string;
  version: number;
  shopper: string;
  enteredAt: number;
  exitedAt: number;
  issuedAt: number;
  lines: ReceiptLine[];
  total: number;
  tax: number;
  currency: string;
  reviewed: boolean;
}

/** Issued receipts; a later version of a visit's receipt (after a review) is a new row. */
export function receiptRepository(db: Db) {
  return {
    /** Stores a receipt; storing the same visit and version again changes nothing. Returns whether it was new. */
    async save(storeId: string, receipt: StoredReceipt, trx: Db = db): Promise<boolean> {
      const row = await trx
        .insertInto('receipts')
        .values({
          store_id: storeId,
          visit_id: receipt.visitId,
          version: receipt.version,
          body: JSON.stringify(receipt),
          issued_at: receipt.issuedAt,
        })
        .onConflict((oc) => oc.columns(['store_id', 'visit_id', 'version']).doNothing())
        .returning('version')
        .executeTakeFirst();
      return row !== undefined;
    },

    /** The latest version of a visit's receipt, or null. */
    async get(storeId: string, visitId: string, trx: Db = db): Promise<StoredReceipt | null> {
      const row = await trx
        .selectFrom('receipts')
        .select('body')
        .where('store_id', '=', storeId)
        .where('visit_id', '=', visitId)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? (JSON.parse(row.body) as StoredReceipt) : null;
    },

    /** The latest version of each receipt of a store, newest first. */
    async list(storeId: string, options: { limit?: number } = {}, trx: Db = db): Promise<StoredReceipt[]> {
      const rows = await trx
        .selectFrom('receipts as r')
        .select('r.body')
        .where('r.store_id', '=', storeId)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('receipts as newer')
                .select('newer.version')
                .whereRef('newer.store_id', '=', 'r.store_id')
                .whereRef('newer.visit_id', '=', 'r.visit_id')
                .whereRef('newer.version', '>', 'r.version'),
            ),
          ),
        )
        .orderBy('r.issued_at', 'desc')
        .orderBy('r.visit_id')
        .limit(options.limit ?? 1000)
        .execute();
      return rows.map((r) => JSON.parse(r.body) as StoredReceipt);
    },
  };
}
export type ReceiptRepository = ReturnType<typeof receiptRepository>;
