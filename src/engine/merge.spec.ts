import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceMessage } from '../protocol/messages.js';
import { EventTimeMerge } from './merge.js';

const scan = (t: number, token: string): DeviceMessage => ({
  kind: 'gate-scan',
  storeId: 's',
  deviceId: 'gate-in',
  payload: { t, token },
});

describe('EventTimeMerge', () => {
  it('holds messages until the watermark passes them, then releases them in event-time order', () => {
    const merge = new EventTimeMerge(1000);
    merge.offer(scan(1500, 'b'));
    merge.offer(scan(1000, 'a'));
    expect(merge.release()).toEqual([]);
    merge.offer(scan(2600, 'c'));
    expect(merge.release().map((m) => m.payload.t)).toEqual([1000, 1500]);
    expect(merge.watermark).toBe(1600);
  });

  it('drops a duplicate while its twin waits, and anything older than the watermark as late', () => {
    const merge = new EventTimeMerge(1000);
    expect(merge.offer(scan(1000, 'a'))).toBe('accepted');
    expect(merge.offer(scan(1000, 'a'))).toBe('duplicate');
    merge.offer(scan(3000, 'b'));
    merge.release();
    expect(merge.offer(scan(1000, 'a'))).toBe('late');
    expect(merge.offer(scan(1999, 'x'))).toBe('late');
  });

  it('gives the same sequence whatever the arrival order and duplicates within the lateness', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 60, maxLength: 60 }),
        fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
        (times, delays, dups) => {
          const msgs = times.map((t, i) => scan(t, `tok-${i % 7}`));
          const inOrder = drain(
            new EventTimeMerge(1000),
            [...msgs].sort((a, b) => a.payload.t - b.payload.t),
          );
          // Arrival = event time + a delay below the lateness, some twice.
          const arrivals = msgs.flatMap((m, i) => {
            const at = m.payload.t + delays[i]!;
            return dups[i]
              ? [
                  { at, m },
                  { at: at + 1, m },
                ]
              : [{ at, m }];
          });
          arrivals.sort((a, b) => a.at - b.at);
          const shuffled = drain(
            new EventTimeMerge(1000),
            arrivals.map((a) => a.m),
          );
          expect(shuffled).toEqual(inOrder);
        },
      ),
    );
  });
});

function drain(merge: EventTimeMerge, msgs: DeviceMessage[]): string[] {
  const out: string[] = [];
  for (const m of msgs) {
    merge.offer(m);
    out.push(...merge.release().map((r) => `${r.payload.t}/${(r.payload as { token: string }).token}`));
  }
  merge.tick(Infinity);
  out.push(...merge.release(Infinity).map((r) => `${r.payload.t}/${(r.payload as { token: string }).token}`));
  return out;
}
