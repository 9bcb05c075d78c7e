import type { Kysely } from 'kysely';
import type { VisitEvent } from '../../store/events.js';
import type { Visit } from '../../store/visit.js';
import type { WalkoutSchema } from './schema.js';

type Db = Kysely<WalkoutSchema>;

/** One row of the visits projection. */
export interface VisitSummary {
  visitId: string;
  token: string;
  status: Visit['status'];
  enteredAt: number;
  exitedAt: number | null;
  issuedAt: number | null;
  total: number | null;
  reviewed: boolean;
}

/** A ledger event with its position in the store's log. */
export interface StoredVisitEvent {
  seq: number;
  event: VisitEvent;
}

/**
 * What makes a ledger event the same event again: a visit enters, exits and gets its receipt once;
 * shelf and review events carry their own id; gate passes are told apart by gate and time.
 */
export function eventKey(event: VisitEvent): string {
  switch (event.type) {
    case 'ItemPicked':
    case 'ItemReturned':
    case 'ReviewRequested':
    case 'ReviewSettled':
      return event.eventId;
    case 'MemberJoined':
    case 'PersonLeft':
      return `${event.gateId}@${event.t}`;
    case 'ReceiptIssued':
      return event.version === 1 ? '' : `v${event.version}`;
    case 'ShopperEntered':
    case 'ShopperExited':
      return '';
  }
}

/** The append-only visit ledger of every store, and the visits projection folded from it. */
export function ledgerRepository(db: Db) {
  return {
    /** Appends events in order; an event already in the ledger is skipped. Returns the ones appended. */
    async append(storeId: string, events: readonly VisitEvent[], trx: Db = db): Promise<VisitEvent[]> {
      const appended: VisitEvent[] = [];
      for (const event of events) {
        const row = await trx
          .insertInto('ledger_events')
          .values({
            store_id: storeId,
            visit_id: event.visitId,
            type: event.type,
            event_key: eventKey(event),
            t: event.t,
            body: JSON.stringify(event),
          })
          .onConflict((oc) => oc.columns(['store_id', 'visit_id', 'type', 'event_key']).doNothing())
          .returning('seq')
          .executeTakeFirst();
        if (row) appended.push(event);
      }
      return appended;
    },

    /** One visit's events, in ledger order. */
    async eventsOfVisit(storeId: string, visitId: string, trx: Db = db): Promise<StoredVisitEvent[]> {
      const rows = await trx
        .selectFrom('ledger_events')
        .select(['seq', 'body'])
        .where('store_id', '=', storeId)
        .where('visit_id', '=', visitId)
        .orderBy('seq')
        .execute();
      return rows.map(toStored);
    },

    /**
     * Up to `limit` events after position `afterSeq`, in ledger order: what a follower has not read
     * yet. The engine appends from one writer, one transaction at a time, so positions are never
     * filled in behind a reader.
     */
    async eventsAfter(
      storeId: string,
      afterSeq: number,
      limit = 500,
      trx: Db = db,
    ): Promise<StoredVisitEvent[]> {
      const rows = await trx
        .selectFrom('ledger_events')
        .select(['seq', 'body'])
        .where('store_id', '=', storeId)
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.map(toStored);
    },

    /** The last position `consumer` handled in a store's ledger (0 before the first). */
    async cursor(consumer: string, storeId: string, trx: Db = db): Promise<number> {
      const row = await trx
        .selectFrom('ledger_cursors')
        .select('seq')
        .where('consumer', '=', consumer)
        .where('store_id', '=', storeId)
        .executeTakeFirst();
      return row ? Number(row.seq) : 0;
    },

    /** Records that `consumer` has handled a store's ledger up to `seq`. */
    async saveCursor(consumer: string, storeId: string, seq: number, trx: Db = db): Promise<void> {
      await trx
        .insertInto('ledger_cursors')
        .values({ consumer, store_id: storeId, seq })
        .onConflict((oc) => oc.columns(['consumer', 'store_id']).doUpdateSet({ seq }))
        .execute();
    },

    /** Every event of the visits that have no receipt yet, in ledger order: what a restarting engine needs. */
    async eventsOfUnclosedVisits(storeId: string, trx: Db = db): Promise<VisitEvent[]> {
      const rows = await trx
        .selectFrom('ledger_events as e')
        .select(['e.body'])
        .where('e.store_id', '=', storeId)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('visits as v')
                .select('v.id')
                .whereRef('v.store_id', '=', 'e.store_id')
                .whereRef('v.id', '=', 'e.visit_id')
                .where('v.status', '=', 'closed'),
            ),
          ),
        )
        .orderBy('e.seq')
        .execute();
      return rows.map((r) => JSON.parse(r.body) as VisitEvent);
    },

    /** Writes one visit's projection row (insert or replace). */
    async saveVisit(storeId: string, visit: Visit, trx: Db = db): Promise<void> {
      const row = {
        token: visit.token,
        status: visit.status,
        entered_at: visit.enteredAt,
        exited_at: visit.status === 'open' ? null : visit.exitedAt,
        issued_at: visit.status === 'closed' ? visit.issuedAt : null,
        total: visit.status === 'closed' ? visit.total : null,
        reviewed: visit.reviewed ? 1 : 0,
      };
      await trx
        .insertInto('visits')
        .values({ store_id: storeId, id: visit.visitId, ...row })
        .onConflict((oc) => oc.columns(['store_id', 'id']).doUpdateSet(row))
        .execute();
    },

    /** The visits of a store, newest entry first. */
    async visits(
      storeId: string,
      options: { status?: Visit['status']; limit?: number } = {},
      trx: Db = db,
    ): Promise<VisitSummary[]> {
      let query = trx.selectFrom('visits').selectAll().where('store_id', '=', storeId);
      if (options.status) query = query.where('status', '=', options.status);
      const rows = await query
        .orderBy('entered_at', 'desc')
        .orderBy('id')
        .limit(options.limit ?? 1000)
        .execute();
      return rows.map(toSummary);
    },

    /** One visit's projection row, or null. */
    async visit(storeId: string, visitId: string, trx: Db = db): Promise<VisitSummary | null> {
      const row = await trx
        .selectFrom('visits')
        .selectAll()
        .where('store_id', '=', storeId)
        .where('id', '=', visitId)
        .executeTakeFirst();
      return row ? toSummary(row) : null;
    },
  };
}
export type LedgerRepository = ReturnType<typeof ledgerRepository>;

function toStored(r: { seq: number; body: string }): StoredVisitEvent {
  return { seq: Number(r.seq), event: JSON.parse(r.body) as VisitEvent };
}

function toSummary(r: WalkoutSchema['visits']): VisitSummary {
  return {
    visitId: r.id,
    token: r.token,
    status: r.status as Visit['status'],
    enteredAt: r.entered_at,
    exitedAt: r.exited_at,
    issuedAt: r.issued_at,
    total: r.total === null ? null : Number(r.total),
    reviewed: Number(r.reviewed) === 1,
  };
}
