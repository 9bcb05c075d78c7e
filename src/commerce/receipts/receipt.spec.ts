import { describe, expect, it } from 'vitest';
import { demoCatalog } from '../testing.js';
import type { CommerceVisit } from '../types.js';
import { receiptHtml } from './html.js';
import {
  chargedQuantity,
  firstReceipt,
  formatMoney,
  lineRefundAmount,
  paymentView,
  refundedReceipt,
} from './receipt.js';

const visit: CommerceVisit & { issued: NonNullable<CommerceVisit['issued']> } = {
  visitId: 'v1',
  accountId: 'acc_1',
  token: 't',
  method: 'card',
  paymentMethodId: null,
  enteredAt: 0,
  holdId: null,
  holdAmount: 0,
  holdStatus: 'none',
  paymentStatus: 'open',
  chargeId: null,
  chargedAmount: 0,
  dueAmount: 0,
  settleRound: 0,
  lastPayment: null,
  currency: 'USD',
  issued: {
    exitedAt: 60_000,
    issuedAt: 61_500,
    lines: [
      { sku: 'choc-bar', quantity: 2, unitPrice: 300 },
      { sku: 'apples', quantity: 1, unitPrice: 412, grams: 1030 },
    ],
    total: 1072,
    tax: 60,
    currency: 'USD',
    reviewed: false,
  },
};

describe('receipts', () => {
  it('given two chocolate bars and loose apples, the receipt itemises them with tax and names', () => {
    const r = firstReceipt(visit, demoCatalog, paymentView('captured', 1072, undefined, 'pi_1'));
    expect(r.lines.map((l) => [l.name, l.quantity, l.amount])).toEqual([
      ['Dark Chocolate 100 g', 2, 600],
      ['Apples (loose)', 1, 412],
    ]);
    expect(r).toMatchObject({ id: 'v1.v1', subtotal: 1012, tax: 60, total: 1072, net: 1072 });
  });

  it('a refund makes the next version and keeps the lines', () => {
    const v1 = firstReceipt(visit, demoCatalog, paymentView('captured', 1072, undefined, 'pi_1'));
    const choc = v1.lines[0]!;
    expect(lineRefundAmount(choc, 1)).toBe(330);
    expect(lineRefundAmount(v1.lines[1]!, 1)).toBe(412);
    const v2 = refundedReceipt(
      v1,
      { disputeId: 'd1', sku: 'choc-bar', quantity: 1, amount: 330, at: 1 },
      v1.payment,
    );
    expect(v2).toMatchObject({ id: 'v1.v2', version: 2, refunded: 330, net: 742, reason: 'refund' });
    expect(chargedQuantity(v2, 'choc-bar')).toBe(1);
    expect(v1.version).toBe(1);
  });

  it('escapes what it prints into HTML', () => {
    const r = firstReceipt(
      visit,
      { ...demoCatalog, storeName: '<script>x</script>' },
      paymentView('none', 0, undefined, null),
    );
    expect(receiptHtml(r)).not.toContain('<script>x');
  });

  it('formats minor units', () => {
    expect(formatMoney(5, 'USD')).toBe('0.05 USD');
    expect(formatMoney(-1249, 'EUR')).toBe('-12.49 EUR');
  });
});
