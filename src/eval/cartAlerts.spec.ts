import { describe, expect, it } from 'vitest';
import type { CartTruth } from '../sim/carts.js';
import type { RaisedAlert } from '../engine/replay.js';
import type { CartAlert } from '../store/cartVisit.js';
import { scoreCartAlerts } from './cartAlerts.js';

const truth: CartTruth = {
  visits: [
    { shopper: 'a', cartId: 'c1', loginAt: 0, exitAt: 100_000 },
    { shopper: 'b', cartId: 'c2', loginAt: 0, exitAt: 100_000 },
    { shopper: 'c', cartId: 'c1', loginAt: 200_000, exitAt: 300_000 },
  ],
  unscanned: [{ shopper: 'a', cartId: 'c1', t: 10_000, sku: 'x', onPurpose: false }],
  misscans: [{ shopper: 'b', cartId: 'c2', t: 20_000, kind: 'double-scan' }],
};
const tokens = new Map([
  ['v-a', 'a'],
  ['v-b', 'b'],
  ['v-c', 'c'],
]);
const alert = (
  visitId: string,
  cartId: string,
  t: number,
  kind: CartAlert['kind'],
  resolved = false,
  raisedAt: number | null = null,
): RaisedAlert => ({
  raisedAt,
  alertId: `${visitId}-step-1`,
  cartId,
  visitId,
  t,
  kind,
  detail: '',
  resolved,
});

describe('scoreCartAlerts', () => {
  it('counts an unscanned item caught by an alert on its cart within the window, once however often reported', () => {
    const s = scoreCartAlerts(
      truth,
      [alert('v-a', 'c1', 12_000, 'unscanned-item'), alert('v-a', 'c1', 12_000, 'unscanned-item', true)],
      tokens,
    );
    expect(s).toMatchObject({ unscanned: 1, caught: 1, visits: 3, falseAlertVisits: 0, delaysMs: [2000] });
    const timed = scoreCartAlerts(
      truth,
      [alert('v-a', 'c1', 12_000, 'unscanned-item', false, 19_500)],
      tokens,
    );
    expect(timed).toMatchObject({ caught: 1, delaysMs: [9500] });
  });

  it('misses an alert too late, of another kind, or on another visit of the same cart', () => {
    for (const a of [
      alert('v-a', 'c1', 41_000, 'unscanned-item'),
      alert('v-a', 'c1', 12_000, 'unscanned-item', false, 45_000),
      alert('v-a', 'c1', 12_000, 'scanned-not-in-basket'),
      alert('v-c', 'c1', 12_000, 'unscanned-item'),
    ])
      expect(scoreCartAlerts(truth, [a], tokens).caught).toBe(0);
  });

  it('counts a visit with alerts and nothing wrong as a false alert; a mis-scan visit is not one', () => {
    const s = scoreCartAlerts(
      truth,
      [alert('v-b', 'c2', 21_000, 'scanned-not-in-basket'), alert('v-c', 'c1', 250_000, 'unscanned-item')],
      tokens,
    );
    expect(s.falseAlertVisits).toBe(1);
  });
});
