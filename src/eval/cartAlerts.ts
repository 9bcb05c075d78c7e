/**
 * Scoring of smart-cart alerts against the carts scenario's truth. Pure: documents in, numbers out.
 */
import type { CartTruth } from '../sim/carts.js';
import type { RaisedAlert } from '../engine/replay.js';

/** How well the carts' alerts matched what really went unscanned. */
export interface CartAlertScore {
  /** Items put in without a scan. */
  unscanned: number;
  /** Of those, items an 'unscanned-item' alert on the right cart and visit flagged within the window. */
  caught: number;
  visits: number;
  /** Visits with an alert but no unscanned item and no mis-scan. */
  falseAlertVisits: number;
  /** Milliseconds from the item going in to the alert coming out (store clock), one per caught item. */
  delaysMs: number[];
}

/**
 * Matches alerts to unscanned items one to one: an 'unscanned-item' alert on the same cart and
 * visit (token), about the step from 1 s before the item went in (clock offsets), that came out
 * (store clock; its event time when unknown) at most `windowMs` after the item went in.
 */
export function scoreCartAlerts(
  truth: CartTruth,
  alerts: readonly RaisedAlert[],
  tokenOfVisit: ReadonlyMap<string, string>,
  windowMs = 30_000,
): CartAlertScore {
  // Each alert is reported when raised and again when resolved: count it once.
  const raised = new Map<string, RaisedAlert>();
  for (const a of alerts)
    if (!raised.has(`${a.visitId}/${a.alertId}`)) raised.set(`${a.visitId}/${a.alertId}`, a);
  const list = [...raised.values()].sort((a, b) => a.t - b.t);
  const used = new Set<RaisedAlert>();
  let caught = 0;
  const delaysMs: number[] = [];
  for (const u of [...truth.unscanned].sort((a, b) => a.t - b.t)) {
    const hit = list.find(
      (a) =>
        !used.has(a) &&
        a.kind === 'unscanned-item' &&
        a.cartId === u.cartId &&
        tokenOfVisit.get(a.visitId) === u.shopper &&
        a.t >= u.t - 1000 &&
        (a.raisedAt ?? a.t) <= u.t + windowMs,
    );
    if (!hit) continue;
    used.add(hit);
    caught += 1;
    delaysMs.push((hit.raisedAt ?? hit.t) - u.t);
  }
  const troubled = new Set([
    ...truth.unscanned.map((u) => u.shopper),
    ...truth.misscans.map((m) => m.shopper),
  ]);
  const alerted = new Set(list.map((a) => tokenOfVisit.get(a.visitId) ?? a.visitId));
  const falseAlertVisits = truth.visits.filter(
    (v) => alerted.has(v.shopper) && !troubled.has(v.shopper),
  ).length;
  return {
    unscanned: truth.unscanned.length,
    caught,
    visits: truth.visits.length,
    falseAlertVisits,
    delaysMs,
  };
}
