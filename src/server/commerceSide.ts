import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createCommerce, startOutboxWorker, type Commerce } from '../commerce/commerce.js';
import { commerceRoutes } from '../commerce/http/routes.js';
import { LiveReceipts } from '../commerce/receipts/live.js';
import { createCommerceRepo } from '../commerce/store/repo.js';
import { openCommerceSqlite } from '../commerce/store/sqlite.js';
import { TestGateway } from '../adapters/payments/test-gateway.js';
import type { Catalog } from '../commerce/types.js';
import type { StoreDefinition } from '../protocol/store.js';
import type { Bus } from './bus.js';

/** The money side of a live store: accounts, entry tokens, payments, receipts, disputes. */
export interface CommerceSide {
  commerce: Commerce;
  live: LiveReceipts;
  /** Key for the gate and operator calls under `/api/shop` (`x-walkout-key`). */
  operatorKey: string;
  /** Registers the shopper API under `/api/shop`. */
  plugin: (app: FastifyInstance) => Promise<void>;
  /** Points the catalog at a (new) store definition. */
  useStore(store: StoreDefinition): void;
  /** Forwards the store's visit events, in order, to the money side; returns the unsubscribe. */
  follow(bus: Bus, onError: (message: string) => void): () => void;
  close(): Promise<void>;
}

/** The catalog the money side prices and names receipt lines with. */
export function catalogOf(store: StoreDefinition): Catalog {
  return {
    storeId: store.id,
    storeName: store.name,
    products: new Map(store.products.map((p) => [p.sku, { name: p.name, taxRate: p.taxRate }])),
  };
}

/**
 * Opens the money side on its own SQLite file (`:memory:` for a throwaway demo) with the built-in
 * test payment gateway, and starts its outbox worker.
 */
export async function openCommerceSide(opts: {
  file: string;
  store: StoreDefinition | null;
  signingSecret?: string;
  holdAmount?: number;
}): Promise<CommerceSide> {
  const db = await openCommerceSqlite(opts.file);
  const live = new LiveReceipts();
  // The catalog follows the store loaded; commerce reads it at each receipt.
  const catalog: {
    storeId: string;
    storeName: string;
    products: Map<string, { name: string; taxRate: number }>;
  } = {
    storeId: '',
    storeName: '',
    products: new Map(),
  };
  const useStore = (store: StoreDefinition) => {
    const c = catalogOf(store);
    catalog.storeId = c.storeId;
    catalog.storeName = c.storeName;
    catalog.products = new Map(c.products);
  };
  if (opts.store) useStore(opts.store);
  let wake = () => {};
  const commerce = createCommerce({
    repo: createCommerceRepo(db),
    gateway: new TestGateway(opts.file === ':memory:' ? ':memory:' : `${opts.file}.gateway`),
    clock: { now: () => Date.now() },
    catalog,
    signingSecret: opts.signingSecret ?? randomBytes(24).toString('base64url'),
    holdAmount: opts.holdAmount ?? 5_000,
    currency: opts.store?.currency ?? 'USD',
    live,
    onEnqueued: () => wake(),
  });
  const worker = startOutboxWorker(commerce, { pollMs: 250 });
  wake = worker.wake;
  const operatorKey = process.env.WALKOUT_OPERATOR_KEY ?? `op_${randomBytes(12).toString('base64url')}`;
  return {
    commerce,
    live,
    operatorKey,
    plugin: async (app) => {
      await app.register(commerceRoutes, { prefix: '/api/shop', commerce, live, operatorKey });
    },
    useStore,
    follow(bus, onError) {
      let chain = Promise.resolve();
      return bus.subscribe((m) => {
        if (m.type !== 'visit') return;
        // A smart cart reports its sign-in as method "cart"; the money side knows the token as a QR code.
        const event =
          m.event.type === 'ShopperEntered' && m.event.channel === 'cart' && m.event.token.startsWith('q1.')
            ? { ...m.event, method: 'qr' }
            : m.event;
        chain = chain
          .then(() => commerce.onVisitEvent(event).then(() => undefined))
          .catch((e: unknown) => onError(`commerce could not take ${event.type}: ${(e as Error).message}`));
      });
    },
    async close() {
      await worker.stop();
      await db.destroy();
    },
  };
}
