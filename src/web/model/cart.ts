/**
 * A smart cart's screen (`/cart/{cartId}`): what `GET /api/carts/{cartId}` and its live stream
 * send, checked, and turned into what the screen shows. Pure: no DOM, no clock.
 */

/** One priced line as the server sends it (amounts in minor units). */
export interface CartScreenLine {
  sku: string;
  name: string;
  quantity: number;
  grams: number | null;
  unitPrice: number;
  pricePerKg: number | null;
  amount: number;
}

export type CartAlertKind =
  | 'unscanned-item'
  | 'removed-without-scan'
  | 'scanned-not-in-basket'
  | 'unknown-barcode'
  | 'shelf-not-scanned';

export interface CartScreenAlert {
  alertId: string;
  kind: CartAlertKind;
  detail: string;
  t: number;
  resolved: boolean;
}

/** The cart's screen as the server sends it. */
export interface CartScreenData {
  cartId: string;
  currency: string;
  visit: {
    visitId: string;
    token: string;
    status: 'open' | 'settling';
    enteredAt: number;
    exitedAt: number | null;
    pendingReviews: number;
  } | null;
  lines: CartScreenLine[];
  tax: number;
  total: number;
  alerts: CartScreenAlert[];
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/**
 * Checks a screen (parsed JSON or an SSE `data:` text); null when it is not one. The fields the
 * screen reads are checked; the server is trusted for the rest.
 */
export function parseCartScreen(data: unknown): CartScreenData | null {
  let v = data;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (!isObj(v) || !isStr(v.cartId) || !isStr(v.currency) || !isNum(v.total) || !isNum(v.tax)) return null;
  if (!(v.visit === null || (isObj(v.visit) && isStr(v.visit.visitId) && isStr(v.visit.status)))) return null;
  if (!Array.isArray(v.lines) || !Array.isArray(v.alerts)) return null;
  const lineOk = (l: unknown) =>
    isObj(l) && isStr(l.sku) && isStr(l.name) && isNum(l.quantity) && isNum(l.amount);
  const alertOk = (a: unknown) =>
    isObj(a) && isStr(a.alertId) && isStr(a.kind) && isStr(a.detail) && typeof a.resolved === 'boolean';
  if (!v.lines.every(lineOk) || !v.alerts.every(alertOk)) return null;
  return v as unknown as CartScreenData;
}

/** What an alert means to the person at the cart, and what they should do about it. */
export function alertAdvice(kind: CartAlertKind | string): { title: string; action: string } {
  switch (kind) {
    case 'unscanned-item':
      return {
        title: 'An item went into the basket without a scan',
        action: 'Scan the item or take it out.',
      };
    case 'removed-without-scan':
      return {
        title: 'Something left the basket without a scan',
        action: 'Scan it out, or put it back in the basket.',
      };
    case 'scanned-not-in-basket':
      return {
        title: 'Scanned, but not in the basket',
        action: 'Put the item in the basket, or scan it out again.',
      };
    case 'unknown-barcode':
      return {
        title: 'This barcode is not sold here',
        action: 'Take the item out and ask a member of staff.',
      };
    case 'shelf-not-scanned':
      return {
        title: 'The shelf saw you take an item you did not scan',
        action: 'Scan the item you took, or put it back on the shelf.',
      };
    default:
      return { title: 'Something on this cart does not add up', action: 'Ask a member of staff.' };
  }
}

/** Minor units as money: 1234 → "12.34 USD". */
export const money = (minor: number, currency: string): string => `${(minor / 100).toFixed(2)} ${currency}`;

/** One line as the screen shows it. */
export interface LineRow {
  key: string;
  name: string;
  /** "2 ×" for unit products, "0.812 kg" for produce. */
  quantity: string;
  /** "2.49 USD each" or "1.99 USD/kg". */
  price: string;
  amount: string;
}

export interface AlertRow {
  alertId: string;
  title: string;
  action: string;
  detail: string;
  resolved: boolean;
}

/** Everything the cart's screen shows, as text. */
export interface CartScreenModel {
  /** idle: no one signed in; shopping: a visit is open; leaving: the visit exited, its receipt is coming. */
  state: 'idle' | 'shopping' | 'leaving';
  headline: string;
  total: string;
  tax: string;
  items: number;
  lines: LineRow[];
  open: AlertRow[];
  resolved: AlertRow[];
}

/** Turns a screen into what is shown: totals as money, produce by weight, alerts with what to do. */
export function cartScreenModel(s: CartScreenData): CartScreenModel {
  const state = s.visit === null ? 'idle' : s.visit.status === 'open' ? 'shopping' : 'leaving';
  const headline =
    state === 'idle'
      ? 'Sign in on this cart to start: scan your entry code.'
      : state === 'shopping'
        ? 'Scan each item as it goes into the basket.'
        : s.visit && s.visit.pendingReviews > 0
          ? 'Thank you. A member of staff checks the rest; your receipt follows.'
          : 'Thank you. Your receipt is on its way.';
  const alertRow = (a: CartScreenAlert): AlertRow => ({
    alertId: a.alertId,
    ...alertAdvice(a.kind),
    detail: a.detail,
    resolved: a.resolved,
  });
  return {
    state,
    headline,
    total: money(s.total, s.currency),
    tax: money(s.tax, s.currency),
    items: s.lines.reduce((n, l) => n + (l.grams === null ? l.quantity : 1), 0),
    lines: s.lines.map((l) => ({
      key: l.sku,
      name: l.name,
      quantity: l.grams === null ? `${l.quantity} ×` : `${(l.grams / 1000).toFixed(3)} kg`,
      price:
        l.grams === null
          ? `${money(l.unitPrice, s.currency)} each`
          : `${money(l.pricePerKg ?? 0, s.currency)}/kg`,
      amount: money(l.amount, s.currency),
    })),
    open: s.alerts.filter((a) => !a.resolved).map(alertRow),
    resolved: s.alerts.filter((a) => a.resolved).map(alertRow),
  };
}

/** What the screen does after `GET /api/carts/{cartId}` answered with this HTTP status. */
export function screenPhase(status: number): 'live' | 'sign-in' | 'forbidden' | 'waiting' | 'error' {
  if (status === 200) return 'live';
  if (status === 401) return 'sign-in';
  if (status === 403) return 'forbidden';
  // The store has not seen the cart yet: it appears once a shopper signs in on it.
  if (status === 404) return 'waiting';
  return 'error';
}

/** The cart id of a `/cart/{cartId}` path, or null for any other path. */
export function cartIdOfPath(path: string): string | null {
  const m = /^\/cart\/([^/]+)\/?$/.exec(path);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}
