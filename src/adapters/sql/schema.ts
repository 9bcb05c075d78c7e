import type { Generated } from 'kysely';

/** Tables of the Walkout database; JSON columns hold text so SQLite and PostgreSQL share one migration. */
export interface WalkoutSchema {
  stores: { id: string; definition: string; loaded_at: number };
  products: { store_id: string; sku: string; gtin: string | null; name: string; body: string };
  planogram: { store_id: string; plate_id: string; sku: string; count: number };
  visits: {
    store_id: string;
    id: string;
    token: string;
    status: string;
    entered_at: number;
    exited_at: number | null;
    issued_at: number | null;
    total: number | null;
    /** 0 or 1: SQLite has no boolean. */
    reviewed: number;
  };
  ledger_events: {
    seq: Generated<number>;
    store_id: string;
    visit_id: string;
    type: string;
    event_key: string;
    t: number;
    body: string;
  };
  receipts: { store_id: string; visit_id: string; version: number; body: string; issued_at: number };
  engine_state: { store_id: string; watermark: number; now: number; updated_at: number };
  /** How far each follower of a store's ledger has read (the last `seq` it handled). */
  ledger_cursors: { consumer: string; store_id: string; seq: number };
  rejections: { store_id: string; reason: string; count: number; last_detail: string; last_at: number };
}
