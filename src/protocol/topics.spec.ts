import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMessage, topicFor } from './topics.js';

const T = 1580250245199.5;

describe('device messages', () => {
  it('accepts every message kind of the contract', () => {
    const good: [string, unknown][] = [
      ['walkout/v1/s1/plates/g1-s1-p1/weight', { t: T, hz: 60, grams: [1398.28, 1398.52] }],
      [
        'walkout/v1/s1/cameras/cam-1/poses',
        { t: T, frame: 1, poses: [{ keypoints: Array.from({ length: 17 }, () => [1, 2, 0.5]) }] },
      ],
      ['walkout/v1/s1/trackers/t1/people', { t: T, people: [{ id: 'p7', joints: { nose: [1, 2, 1.7] } }] }],
      ['walkout/v1/s1/gates/gate-in/scan', { t: T, token: 'abc', method: 'qr' }],
      ['walkout/v1/s1/gates/gate-in/pass', { t: T, direction: 'in' }],
      ['walkout/v1/s1/carts/c1/scan', { t: T, gtin: '00012345678905', action: 'add' }],
      ['walkout/v1/s1/carts/c1/weight', { t: T, grams: 1543.2 }],
      ['walkout/v1/s1/carts/c1/login', { t: T, token: 'abc' }],
      ['walkout/v1/s1/carts/c1/exit', { t: T, gateId: 'gate-out' }],
      ['walkout/v1/s1/devices/d1/status', { t: T, ok: true, detail: 'fine' }],
    ];
    for (const [topic, payload] of good)
      expect(parseMessage(topic, payload), topic).toMatchObject({ ok: true });
    expect(topicFor('s1', 'gate-scan', 'gate-in')).toBe('walkout/v1/s1/gates/gate-in/scan');
  });

  it.each([
    ['walkout/v1/s1/plates/p1/weight', { t: T, hz: 60, grams: [] }, 'payload.grams'],
    ['walkout/v1/s1/plates/p1/weight', { t: T, hz: 60, grams: ['x'] }, 'payload.grams.0'],
    ['walkout/v1/s1/plates/p1/weight', { hz: 60, grams: [1] }, 'payload.t'],
    ['walkout/v1/s1/gates/g/pass', { t: T, direction: 'sideways' }, 'payload.direction'],
    [
      'walkout/v1/s1/cameras/c/poses',
      { t: T, frame: 1, poses: [{ keypoints: [[1, 2, 3]] }] },
      'payload.poses.0.keypoints',
    ],
    ['walkout/v1/s1/carts/c/scan', { t: T, gtin: 'abc', action: 'add' }, 'payload.gtin'],
    ['walkout/v1/s1/gates/g/teleport', { t: T }, 'unknown message type'],
    ['walkout/v2/s1/gates/g/scan', { t: T, token: 'a' }, 'expected walkout/v1/'],
    ['walkout/v1/s 1/gates/g/scan', { t: T, token: 'a' }, 'store id'],
  ])('rejects %s %j naming %s', (topic, payload, named) => {
    const r = parseMessage(topic, payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(named);
  });

  it('never throws on generated junk, and says why it rejects it', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.constantFrom('walkout/v1/s/plates/p/weight', 'walkout/v1/s/gates/g/scan')),
        fc.anything(),
        (topic, payload) => {
          const r = parseMessage(topic, payload);
          if (!r.ok) expect(r.reason.length).toBeGreaterThan(5);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects weight payloads with broken fields, whatever else they hold', () => {
    fc.assert(
      fc.property(
        fc.record({
          t: fc.oneof(fc.constant(-1), fc.constant('now'), fc.constant(Number.NaN)),
          hz: fc.double(),
          grams: fc.array(fc.double()),
        }),
        (payload) => {
          expect(parseMessage('walkout/v1/s/plates/p/weight', payload).ok).toBe(false);
        },
      ),
    );
  });
});
