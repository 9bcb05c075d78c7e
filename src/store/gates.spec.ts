import { describe, expect, it } from 'vitest';
import type { VisitEvent } from './events.js';
import { GateSessions } from './gates.js';
import { evolveVisit, type Visit } from './visit.js';

function run(steps: ((g: GateSessions, open: Visit[]) => VisitEvent[])[]): {
  events: VisitEvent[];
  visits: Visit[];
} {
  const g = new GateSessions();
  const visits = new Map<string, Visit>();
  const events: VisitEvent[] = [];
  for (const step of steps) {
    for (const e of step(g, [...visits.values()])) {
      events.push(e);
      const v = evolveVisit(visits.get(e.visitId) ?? null, e);
      if (v) visits.set(e.visitId, v);
    }
  }
  return { events, visits: [...visits.values()] };
}
const first = (c: readonly Visit[]) => c[0];

describe('sessions from the gates', () => {
  it('a scan and three passes in make one visit of three; it ends when three passed out', () => {
    const { events, visits } = run([
      (g, o) => g.scan('gate-in', 0, 'tok', 'qr', o),
      (g, o) => g.pass('gate-in', 500, 'in', o, first),
      (g, o) => g.pass('gate-in', 1500, 'in', o, first),
      (g, o) => g.pass('gate-in', 2500, 'in', o, first),
      (g, o) => g.pass('gate-out', 60_000, 'out', o, first),
      (g, o) => g.pass('gate-out', 61_000, 'out', o, first),
    ]);
    expect(visits[0]).toMatchObject({ groupSize: 3, peopleInside: 1, status: 'open' });
    const done = run([
      (g, o) => g.scan('gate-in', 0, 'tok', 'qr', o),
      (g, o) => g.pass('gate-in', 500, 'in', o, first),
      (g, o) => g.pass('gate-in', 1500, 'in', o, first),
      (g, o) => g.pass('gate-out', 60_000, 'out', o, first),
      (g, o) => g.pass('gate-out', 61_000, 'out', o, first),
    ]);
    expect(done.visits[0]).toMatchObject({ status: 'settling', exitedAt: 61_000 });
    expect(events.filter((e) => e.type === 'MemberJoined')).toHaveLength(2);
  });

  it('a pass more than 10 s after the scan, or after the next scan, is not in the group', () => {
    const { visits } = run([
      (g, o) => g.scan('gate-in', 0, 'a', null, o),
      (g, o) => g.pass('gate-in', 100, 'in', o, first),
      (g, o) => g.pass('gate-in', 10_500, 'in', o, first),
      (g, o) => g.scan('gate-in', 11_000, 'b', null, o),
      (g, o) => g.pass('gate-in', 11_100, 'in', o, first),
    ]);
    expect(visits.map((v) => [v.token, v.groupSize])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });

  it('a token scanned again while its visit is open does not open a second visit', () => {
    const { visits } = run([
      (g, o) => g.scan('gate-in', 0, 'a', null, o),
      (g, o) => g.scan('gate-in', 5000, 'a', null, o),
    ]);
    expect(visits).toHaveLength(1);
  });
});
