import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alertAdvice,
  cartIdOfPath,
  cartScreenModel,
  parseCartScreen,
  screenPhase,
  type CartScreenData,
} from './cart.js';

const screen = (over: Partial<CartScreenData> = {}): CartScreenData => ({
  cartId: 'cart-01',
  currency: 'USD',
  visit: {
    visitId: 'v1',
    token: 'tok',
    status: 'open',
    enteredAt: 0,
    exitedAt: null,
    pendingReviews: 0,
  },
  lines: [
    { sku: 'beans', name: 'Beans', quantity: 2, grams: null, unitPrice: 139, pricePerKg: null, amount: 278 },
    {
      sku: 'bananas',
      name: 'Bananas',
      quantity: 1,
      grams: 812,
      unitPrice: 162,
      pricePerKg: 199,
      amount: 162,
    },
  ],
  tax: 12,
  total: 452,
  alerts: [],
  ...over,
});

describe('the cart screen model', () => {
  it('shows the running total, unit items by count and produce by weight', () => {
    const m = cartScreenModel(screen());
    expect(m.state).toBe('shopping');
    expect(m.total).toBe('4.52 USD');
    expect(m.tax).toBe('0.12 USD');
    expect(m.items).toBe(3);
    expect(m.lines).toEqual([
      { key: 'beans', name: 'Beans', quantity: '2 ×', price: '1.39 USD each', amount: '2.78 USD' },
      { key: 'bananas', name: 'Bananas', quantity: '0.812 kg', price: '1.99 USD/kg', amount: '1.62 USD' },
    ]);
  });

  it('puts open alerts apart from resolved ones, each with what to do', () => {
    const m = cartScreenModel(
      screen({
        alerts: [
          { alertId: 'a2', kind: 'unscanned-item', detail: '412 g went in', t: 2, resolved: false },
          { alertId: 'a1', kind: 'unknown-barcode', detail: 'barcode 17', t: 1, resolved: true },
        ],
      }),
    );
    expect(m.open).toEqual([
      {
        alertId: 'a2',
        title: 'An item went into the basket without a scan',
        action: 'Scan the item or take it out.',
        detail: '412 g went in',
        resolved: false,
      },
    ]);
    expect(m.resolved.map((a) => a.alertId)).toEqual(['a1']);
  });

  it('every alert kind says what to do; an unknown kind sends the shopper to staff', () => {
    for (const kind of [
      'unscanned-item',
      'removed-without-scan',
      'scanned-not-in-basket',
      'unknown-barcode',
      'shelf-not-scanned',
    ])
      expect(alertAdvice(kind).action).not.toBe(alertAdvice('something-new').action);
    expect(alertAdvice('something-new').action).toMatch(/staff/);
  });

  it('an idle cart asks for a sign-in; a cart that left says the receipt comes', () => {
    expect(cartScreenModel(screen({ visit: null, lines: [], total: 0, tax: 0 }))).toMatchObject({
      state: 'idle',
      total: '0.00 USD',
      headline: expect.stringMatching(/sign in/i),
    });
    const leaving = screen({
      visit: {
        visitId: 'v1',
        token: 'tok',
        status: 'settling',
        enteredAt: 0,
        exitedAt: 5,
        pendingReviews: 1,
      },
    });
    expect(cartScreenModel(leaving)).toMatchObject({
      state: 'leaving',
      headline: expect.stringMatching(/staff/),
    });
  });
});

describe('reading what the server sends', () => {
  it('takes a screen as JSON text or as a parsed object', () => {
    expect(parseCartScreen(JSON.stringify(screen()))).toEqual(screen());
    expect(parseCartScreen(screen({ visit: null }))).toEqual(screen({ visit: null }));
  });

  it.each([
    ['not JSON', '{'],
    ['a problem', JSON.stringify({ code: 'WO_NOT_FOUND', detail: 'no cart' })],
    ['a line without a name', JSON.stringify(screen({ lines: [{ sku: 'x' } as never] }))],
    ['an alert without resolved', JSON.stringify(screen({ alerts: [{ alertId: 'a', kind: 'k' } as never] }))],
  ])('refuses %s', (_what, text) => {
    expect(parseCartScreen(text)).toBeNull();
  });

  it('never throws on junk', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.jsonValue()), (v) => void parseCartScreen(v)));
  });

  it.each([
    [200, 'live'],
    [401, 'sign-in'],
    [403, 'forbidden'],
    [404, 'waiting'],
    [500, 'error'],
  ] as const)('HTTP %i means %s', (status, phase) => {
    expect(screenPhase(status)).toBe(phase);
  });

  it.each([
    ['/cart/cart-01', 'cart-01'],
    ['/cart/cart-01/', 'cart-01'],
    ['/cart/a%20b', 'a b'],
    ['/cart', null],
    ['/cart/a/b', null],
    ['/app/cart-01', null],
    ['/cart/%E0%A4%A', null],
  ])('the path %s names the cart %j', (path, cartId) => {
    expect(cartIdOfPath(path)).toBe(cartId);
  });
});
