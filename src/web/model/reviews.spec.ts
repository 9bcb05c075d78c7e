import { describe, expect, it } from 'vitest';
import { reviewChoices, type ReviewItem } from './reviews.js';

const item = (over: Partial<ReviewItem> = {}): ReviewItem => ({
  eventId: 'se-1',
  visitIds: ['v1'],
  t: 0,
  reason: { kind: 'shopper', detail: '2 shoppers' },
  sku: 'fiji',
  products: [
    { sku: 'fiji', quantity: 1, probability: 0.9 },
    { sku: null, quantity: 0, probability: 0.1 },
  ],
  shoppers: [
    { visitId: 'v1', probability: 0.6 },
    { visitId: 'v2', probability: 0.4 },
  ],
  shelf: null,
  people: null,
  trace: [],
  ...over,
});

describe('review actions', () => {
  it('given two candidate shoppers, the likelier is offered first and "nobody" last', () => {
    const choices = reviewChoices(item());
    expect(choices.map((c) => c.decision)).toEqual([
      { visitId: 'v1', sku: 'fiji', quantity: 1 },
      { visitId: 'v2', sku: 'fiji', quantity: 1 },
      { visitId: null, sku: null, quantity: 0 },
    ]);
  });

  it('a put-back is offered as a credit; without shopper candidates the asked visits stand in', () => {
    const choices = reviewChoices(
      item({ products: [{ sku: 'fiji', quantity: -1, probability: 1 }], shoppers: [] }),
    );
    expect(choices[0]).toEqual({
      label: 'credit …v1 1 × fiji',
      decision: { visitId: 'v1', sku: 'fiji', quantity: -1 },
    });
  });
});
