import { describe, expect, it } from 'vitest';
import { reviewReason } from './reviewReason.js';

const change = { deltaGrams: -412.3, reliable: true, plateId: 'p1' };

describe('why a shelf event goes to review', () => {
  it('names the shopper when the store is less sure who than what', () => {
    const r = reviewReason(
      { sku: 'a', quantity: 1, probability: 1 },
      { visitId: 'v', probability: 0.5 },
      2,
      change,
    );
    expect(r).toEqual({ kind: 'shopper', detail: '2 shoppers could have made this change' });
  });

  it('names the product when the shopper is near certain but two products weigh alike', () => {
    const r = reviewReason(
      { sku: 'a', quantity: -1, probability: 0.37 },
      { visitId: 'v', probability: 0.999 },
      5,
      change,
    );
    expect(r).toEqual({ kind: 'product', detail: 'best product guess only 37% likely' });
  });

  it('names a change that fits no product, then an unreliable plate, before anything else', () => {
    const who = { visitId: 'v', probability: 0.5 };
    expect(reviewReason({ sku: null, quantity: 0, probability: 1 }, who, 2, change)).toEqual({
      kind: 'unknown-change',
      detail: 'a change of -412.3 g fits no product',
    });
    expect(
      reviewReason({ sku: 'a', quantity: 1, probability: 1 }, who, 2, { ...change, reliable: false }),
    ).toEqual({ kind: 'unreliable-plate', detail: 'plate readings unreliable on p1' });
  });
});
