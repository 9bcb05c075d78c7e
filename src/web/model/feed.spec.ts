import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VisitEvent } from '../../store/events.js';
import { applyFeed, emptyView, parseFeedMessage, type FeedMessage } from './feed.js';

const entered = (id: number, visitId: string): FeedMessage => ({
  id,
  at: 1000 + id,
  type: 'visit',
  event: {
    type: 'ShopperEntered',
    visitId,
    t: 10,
    token: `tok-${visitId}`,
    method: 'qr',
    gateId: 'g1',
    channel: 'gate',
  } as VisitEvent,
});
const picked = (id: number, visitId: string, sku: string, quantity = 1): FeedMessage => ({
  id,
  at: 1000 + id,
  type: 'visit',
  event: {
    type: 'ItemPicked',
    visitId,
    t: 20,
    eventId: `se-${id}`,
    sku,
    quantity,
    confidence: 0.9,
    source: 'shelf',
  } as VisitEvent,
});

describe('the dashboard view folded from the feed', () => {
  it('knows which smart cart a cart visit is on until the visit closes', () => {
    const onCart: FeedMessage = {
      id: 1,
      at: 1001,
      type: 'visit',
      event: {
        type: 'ShopperEntered',
        visitId: 'v1',
        t: 10,
        token: 'tok',
        method: 'cart',
        gateId: 'cart-01',
        channel: 'cart',
      } as VisitEvent,
    };
    const open = [onCart, entered(2, 'v2')].reduce(applyFeed, emptyView());
    expect(open.cartOf).toEqual({ v1: 'cart-01' });
    const receipt = {
      type: 'ReceiptIssued',
      visitId: 'v1',
      t: 40,
      version: 1,
      token: 'tok',
      enteredAt: 10,
      exitedAt: 30,
      lines: [],
      total: 0,
      tax: 0,
      currency: 'USD',
      reviewed: false,
    } as VisitEvent;
    const closed = [
      {
        id: 3,
        at: 1003,
        type: 'visit',
        event: { type: 'ShopperExited', visitId: 'v1', t: 30 } as VisitEvent,
      },
      { id: 4, at: 1004, type: 'visit', event: receipt },
    ].reduce((v, m) => applyFeed(v, m as FeedMessage), open);
    expect(closed.cartOf).toEqual({});
  });

  it('given a shopper entered and picked two FIJI, the cart holds two FIJI', () => {
    const view = [entered(1, 'v1'), picked(2, 'v1', 'fiji', 2)].reduce(applyFeed, emptyView());
    expect(view.visits.v1?.cart.fiji?.quantity).toBe(2);
    expect(view.position).toBe(2);
    expect(view.lines.map((l) => l.text)).toEqual(['v1 picked 2 × fiji', 'v1 entered (gate g1)']);
  });

  it('when a resumed stream repeats a message, the view does not count it twice', () => {
    const view = [entered(1, 'v1'), picked(2, 'v1', 'fiji'), picked(2, 'v1', 'fiji')].reduce(
      applyFeed,
      emptyView(),
    );
    expect(view.visits.v1?.cart.fiji?.quantity).toBe(1);
  });

  it('a shelf event lights its plates; a newer receipt version replaces the older', () => {
    const shelf: FeedMessage = {
      id: 1,
      at: 5000,
      type: 'shelf',
      event: {
        eventId: 'se',
        shelfId: 's',
        plates: [{ plateId: 'p1', deltaGrams: -500 }],
        startT: 0,
        endT: 1,
        deltaGrams: -500,
        deltaStdGrams: 2,
        position: [0, 0, 1],
        hypotheses: [],
        reliable: true,
      },
    };
    const receipt = (id: number, version: number): FeedMessage => ({
      id,
      at: 6000,
      type: 'receipt',
      receipt: {
        visitId: 'v1',
        version,
        shopper: 't',
        enteredAt: 0,
        exitedAt: 1,
        issuedAt: 2,
        lines: [],
        total: version * 100,
        tax: 0,
        currency: 'USD',
        reviewed: version > 1,
      },
    });
    const view = [shelf, receipt(2, 2), receipt(3, 1)].reduce(applyFeed, emptyView());
    expect(view.litPlates.p1).toBe(5000);
    expect(view.receipts.v1?.version).toBe(2);
  });

  it('people frames never change the folded view (the map reads them directly)', () => {
    const view = emptyView();
    expect(applyFeed(view, { id: 0, at: 1, type: 'people', frame: { t: 1, people: [] } })).toBe(view);
  });
});

describe('parsing feed messages from the wire', () => {
  it('accepts what the server sends', () => {
    expect(
      parseFeedMessage(
        JSON.stringify({ id: 3, at: 1, type: 'people', storeId: 's', frame: { t: 1, people: [] } }),
      )?.type,
    ).toBe('people');
    expect(parseFeedMessage(JSON.stringify({ id: 4, at: 1, ...entered(4, 'v').valueOf() }))?.type).toBe(
      'visit',
    );
  });

  it.each([
    ['not JSON', '{'],
    ['no id', JSON.stringify({ at: 1, type: 'people', frame: { t: 1, people: [] } })],
    ['negative id', JSON.stringify({ id: -1, at: 1, type: 'people', frame: { t: 1, people: [] } })],
    ['unknown type', JSON.stringify({ id: 1, at: 1, type: 'weather' })],
    ['people without frame', JSON.stringify({ id: 1, at: 1, type: 'people' })],
    ['receipt without lines', JSON.stringify({ id: 1, at: 1, type: 'receipt', receipt: { visitId: 'v' } })],
    ['an array', '[1,2]'],
  ])('rejects %s', (_name, text) => {
    expect(parseFeedMessage(text)).toBeNull();
  });

  it('never throws on arbitrary text or JSON, and folding what it accepts never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const m = parseFeedMessage(text);
          if (m && m.type !== 'visit' && m.type !== 'shelf') applyFeed(emptyView(), m);
        },
      ),
    );
  });
});
