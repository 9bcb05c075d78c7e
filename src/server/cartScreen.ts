import { z } from 'zod';
import type { StoreDefinition } from '../protocol/store.js';
import type { CartAlert } from '../store/cartVisit.js';
import { priceCart } from '../store/receipt.js';
import type { Visit } from '../store/visit.js';
import type { CartKeeper } from './cartKeeper.js';
import type { LiveStore } from './liveStore.js';

// A string, not an enum: a kind the engine adds later must not make the answer fail to serialize.
export const CartAlertKind = z
  .string()
  .describe(
    'unscanned-item, removed-without-scan, scanned-not-in-basket, unknown-barcode or shelf-not-scanned',
  );

export const CartScreenLine = z.object({
  sku: z.string(),
  name: z.string(),
  quantity: z.number().int(),
  grams: z.number().nullable().describe('weighed grams of produce sold by weight; null for unit products'),
  unitPrice: z
    .number()
    .int()
    .describe('minor units: the price of one item, or of the weighed amount for produce (as on the receipt)'),
  pricePerKg: z.number().int().nullable().describe('minor units per kg for produce sold by weight'),
  amount: z.number().int().describe('minor units: unitPrice × quantity'),
});
export type CartScreenLine = z.infer<typeof CartScreenLine>;

export const CartScreenAlert = z.object({
  alertId: z.string(),
  kind: CartAlertKind,
  detail: z.string(),
  t: z.number().describe('event time the alert is about (ms)'),
  resolved: z.boolean(),
});
export type CartScreenAlert = z.infer<typeof CartScreenAlert>;

/** What a smart cart's screen shows: the visit on it (if any), its priced lines, total and alerts. */
export const CartScreen = z
  .object({
    cartId: z.string(),
    currency: z.string(),
    visit: z
      .object({
        visitId: z.string(),
        token: z.string(),
        status: z.enum(['open', 'settling']),
        enteredAt: z.number(),
        exitedAt: z.number().nullable(),
        pendingReviews: z.number().int(),
      })
      .nullable()
      .describe('the open or settling visit on the cart; null when the cart is idle'),
    lines: z.array(CartScreenLine),
    tax: z.number().int(),
    total: z.number().int().describe('minor units, tax included, priced as the receipt will be'),
    alerts: z
      .array(CartScreenAlert)
      .describe('open alerts first (newest first), then the most recent resolved ones'),
  })
  .meta({ id: 'CartScreen' });
export type CartScreen = z.infer<typeof CartScreen>;

/** Resolved alerts kept on the screen, so a shopper sees the problem went away. */
const RESOLVED_SHOWN = 5;

type OnCart = Visit & { status: 'open' | 'settling' };

/**
 * The open or settling visit on a cart: the newest the keeper heard of, else (after a restart,
 * when the keeper heard nothing yet) an open or settling visit the ledger says began on the cart.
 * `undefined`: no such cart was ever seen; `null`: the cart is idle.
 */
async function visitOnCart(
  live: LiveStore,
  keeper: CartKeeper,
  cartId: string,
): Promise<OnCart | null | undefined> {
  if (!keeper.known(cartId)) {
    const recent = [
      ...(await live.visits({ status: 'open', limit: 200 })),
      ...(await live.visits({ status: 'settling', limit: 200 })),
    ];
    for (const summary of recent) {
      const found = await live.visit(summary.visitId);
      const entered = found?.events[0]?.event;
      if (entered?.type === 'ShopperEntered' && entered.channel === 'cart' && entered.gateId === cartId)
        keeper.adopt(cartId, summary.visitId);
    }
    if (!keeper.known(cartId)) return undefined;
  }
  for (const visitId of keeper.visitsOf(cartId)) {
    const visit = (await live.visit(visitId))?.visit;
    // Not yet in the ledger (its first alert came before it): an older visit may still be settling.
    if (!visit) continue;
    if (visit.status === 'closed') return null;
    return visit;
  }
  return null;
}

/** Lines priced the way the receipt will price them (`priceCart`), with names and line amounts. */
export function cartLines(
  visit: Visit,
  store: StoreDefinition,
): { lines: CartScreenLine[]; total: number; tax: number } {
  const products = new Map(store.products.map((p) => [p.sku, p]));
  const priced = priceCart(visit, products);
  return {
    total: priced.total,
    tax: priced.tax,
    lines: priced.lines.map((l) => {
      const product = products.get(l.sku);
      return {
        sku: l.sku,
        name: product?.name ?? l.sku,
        quantity: l.quantity,
        grams: l.grams ?? null,
        unitPrice: l.unitPrice,
        pricePerKg: product?.soldBy === 'weight' ? (product.pricePerKg ?? 0) : null,
        amount: l.unitPrice * l.quantity,
      };
    }),
  };
}

/** Open alerts first, newest first; then the newest few resolved ones. */
export function orderAlerts(alerts: readonly CartAlert[]): CartScreenAlert[] {
  const newest = (a: CartAlert, b: CartAlert) => b.t - a.t || (a.alertId < b.alertId ? -1 : 1);
  const pick = ({ alertId, kind, detail, t, resolved }: CartAlert): CartScreenAlert => ({
    alertId,
    kind,
    detail,
    t,
    resolved,
  });
  return [
    ...alerts.filter((a) => !a.resolved).sort(newest),
    ...alerts
      .filter((a) => a.resolved)
      .sort(newest)
      .slice(0, RESOLVED_SHOWN),
  ].map(pick);
}

/** The cart's screen now; null when the store never saw this cart (or no store is loaded). */
export async function cartScreen(
  live: LiveStore,
  keeper: CartKeeper,
  cartId: string,
): Promise<CartScreen | null> {
  const store = live.store;
  if (!store) return null;
  const visit = await visitOnCart(live, keeper, cartId);
  if (visit === undefined) return null;
  if (visit === null)
    return { cartId, currency: store.currency, visit: null, lines: [], tax: 0, total: 0, alerts: [] };
  return {
    cartId,
    currency: store.currency,
    visit: {
      visitId: visit.visitId,
      token: visit.token,
      status: visit.status,
      enteredAt: visit.enteredAt,
      exitedAt: visit.status === 'settling' ? visit.exitedAt : null,
      pendingReviews: Object.keys(visit.openReviews).length,
    },
    ...cartLines(visit, store),
    alerts: orderAlerts(keeper.alertsOf(visit.visitId)),
  };
}
