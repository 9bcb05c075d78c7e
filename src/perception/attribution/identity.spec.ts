import { describe, expect, it } from 'vitest';
import { parseStoreDefinition } from '../../protocol/store.js';
import type { Visit } from '../../store/visit.js';
import type { TrackView } from '../vision/vision.js';
import { attributeByHands } from './assign.js';
import { TrackIdentity } from './identity.js';

const store = parseStoreDefinition({
  id: 's',
  name: 'S',
  currency: 'USD',
  floor: [
    [0, 0],
    [10, 0],
    [10, 8],
    [0, 8],
  ],
  zones: [
    {
      id: 'entry',
      kind: 'entry',
      polygon: [
        [0, 0],
        [2, 0],
        [2, 1],
        [0, 1],
      ],
    },
    {
      id: 'exit',
      kind: 'exit',
      polygon: [
        [8, 0],
        [10, 0],
        [10, 1],
        [8, 1],
      ],
    },
  ],
  gates: [
    { id: 'gate-in', zone: 'entry' },
    { id: 'gate-out', zone: 'exit' },
  ],
});

const visit = (visitId: string, enteredAt: number, groupSize = 1): Visit => ({
  status: 'open',
  visitId,
  token: `tok-${visitId}`,
  channel: 'gate',
  enteredAt,
  peopleInside: groupSize,
  groupSize,
  cart: {},
  openReviews: {},
  reviewed: false,
});
const track = (
  id: string,
  bornAt: number,
  born: [number, number],
  at: [number, number] = born,
  // Seen for a second since it appeared, unless said otherwise.
  lastSeenAt = bornAt + 1000,
): TrackView => ({
  id,
  confirmed: true,
  position: [at[0], at[1], 1],
  velocity: [0, 0, 0],
  leftWrist: null,
  rightWrist: null,
  stature: null,
  recentStature: null,
  statureSpread: null,
  bornAt,
  bornPlace: [born[0], born[1], 1],
  lastSeenAt,
  hits: 10,
});

const body = (stature: number, recentStature: number, hits: number) => ({ stature, recentStature, hits });

/** Visit a, whose one person (track t1) was bound at the gate. */
function oneAtTheGate(): { id: TrackIdentity; a: Visit } {
  const id = new TrackIdentity(store);
  const a = visit('a', 1000);
  id.update([track('t1', 1200, [1, 0.5])], [a], 1500);
  return { id, a };
}

/** Visits a (a person of 1.60 m, track t1) and b (1.80 m, t2), both bound at the gate. */
function shortAndTall(): { id: TrackIdentity; visits: Visit[] } {
  const id = new TrackIdentity(store);
  const visits = [visit('a', 1000), visit('b', 1500)];
  id.update(
    [
      { ...track('t1', 2000, [1, 0.5]), ...body(1.6, 1.6, 10) },
      { ...track('t2', 2500, [1.5, 0.5]), ...body(1.8, 1.8, 10) },
    ],
    visits,
    3000,
  );
  return { id, visits };
}

describe('identity from the gate', () => {
  it('gives a group of three, born at the entry after one scan, the same visit; the next scan gets its own', () => {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000, 3), visit('b', 20_000)];
    id.update(
      [track('t1', 2000, [1, 0.5]), track('t2', 4000, [1.2, 0.6]), track('t3', 7000, [0.8, 0.4])],
      visits.slice(0, 1),
      8000,
    );
    id.update(
      [
        track('t1', 2000, [1, 0.5], [4, 4]),
        track('t2', 4000, [1.2, 0.6], [4, 5]),
        track('t3', 7000, [0.8, 0.4], [5, 4]),
        track('t4', 21_000, [1, 0.5]),
      ],
      visits,
      22_000,
    );
    expect(['t1', 't2', 't3', 't4'].map((t) => id.sessionOf(t))).toEqual(['a', 'a', 'a', 'b']);
  });

  it('gives a person at one of two gates side by side the scan made at that gate, not the earlier one', () => {
    const twoGates = parseStoreDefinition({
      ...store,
      gates: [
        { id: 'gate-in-1', zone: 'entry', position: [0.4, 0.5] },
        { id: 'gate-in-2', zone: 'entry', position: [1.6, 0.5] },
        { id: 'gate-out', zone: 'exit' },
      ],
    });
    const id = new TrackIdentity(twoGates);
    // a scans at gate 1, b at gate 2 a moment later; b's person is the first the cameras see.
    const visits = [
      { ...visit('a', 1000), gateId: 'gate-in-1' },
      { ...visit('b', 1200), gateId: 'gate-in-2' },
    ];
    id.update([track('t1', 1400, [1.7, 0.6])], visits, 1600);
    id.update([track('t1', 1400, [1.7, 0.6], [1.8, 2]), track('t2', 1800, [0.3, 0.5])], visits, 2000);
    expect([id.sessionOf('t1'), id.sessionOf('t2')]).toEqual(['b', 'a']);
    // Between the gates nothing stands out: the earliest scan waiting, as with one gate.
    const mid = new TrackIdentity(twoGates);
    mid.update([track('t1', 1400, [1.05, 0.6])], visits, 1600);
    expect(mid.sessionOf('t1')).toBe('a');
  });

  it('does not bind a track born mid-store while every visit has all its people', () => {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000)];
    id.update([track('t1', 2000, [1, 0.5])], visits, 3000);
    // The visit's person is seen at (5, 5) right now; a track appearing 1.4 m away is not a second
    // track on them.
    id.update([track('t1', 2000, [1, 0.5], [5, 5], 10_000), track('ghost', 9000, [6, 6])], visits, 10_000);
    expect(id.sessionOf('ghost')).toBeNull();
  });

  it('gives a broken track back to the visit that lost a person nearby', () => {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000), visit('b', 1500)];
    id.update([track('t1', 2000, [1, 0.5]), track('t2', 2500, [1.5, 0.5])], visits, 3000);
    id.update(
      [track('t1', 2000, [1, 0.5], [5, 5], 9000), track('t2', 2500, [1.5, 0.5], [2, 6], 9000)],
      visits,
      9000,
    );
    // t1 is lost at (5,5); a new track appears a second later close by (no stature is known).
    id.update(
      [track('t2', 2500, [1.5, 0.5], [2, 6], 10_000), { ...track('t9', 10_000, [5.4, 5.2]), hits: 30 }],
      visits,
      10_500,
    );
    expect(id.sessionOf('t9')).toBe('a');
  });

  it('takes a track coasting unseen since a new one appeared beside it for that same person', () => {
    // a's track t1 still lives (the tracker keeps a lost person for seconds) but has not been seen
    // since t9 appeared where t1 was: t9 is a's person, not a second track on someone of b's.
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000), visit('b', 1500, 2)];
    id.update(
      [track('t1', 2000, [1, 0.5]), track('t2', 2500, [1.5, 0.5]), track('t3', 2600, [1.4, 0.5])],
      visits,
      3000,
    );
    const later = (t: number, extra: TrackView[]) => [
      track('t1', 2000, [1, 0.5], [5, 5], 9000),
      track('t2', 2500, [1.5, 0.5], [2, 6], t),
      ...extra,
    ];
    // b's second person (t3) was lost 1.3 m off; t9 appears right where a's t1 was last seen.
    id.update(later(9000, [track('t3', 2600, [1.4, 0.5], [6.4, 5.5], 9000)]), visits, 9000);
    id.update(
      later(10_500, [{ ...track('t9', 9100, [5.2, 5.1], [5.3, 5.1], 10_500), hits: 80 }]),
      visits,
      10_500,
    );
    expect(id.sessionOf('t9')).toBe('a');
  });

  it('hands a person over from a track the tracker let go to a second track it kept beside it', () => {
    // At the gate the tracker started t9 beside t1 (a's person), then followed the person with t9
    // and let t1 coast: t9 is a's person, though a's one place was taken when it appeared.
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000)];
    id.update([track('t1', 1200, [1, 0.5], [1, 0.5], 1500)], visits, 1500);
    id.update(
      [track('t1', 1200, [1, 0.5], [1, 0.5], 1600), track('t9', 1500, [1.6, 0.6], [1.6, 0.6], 1600)],
      visits,
      1600,
    );
    expect(id.sessionOf('t9')).toBeNull();
    id.update(
      [track('t1', 1200, [1, 0.5], [1, 0.5], 1600), track('t9', 1500, [1.6, 0.6], [1.9, 0.8], 2300)],
      visits,
      2300,
    );
    expect(id.sessionOf('t9')).toBe('a');
  });

  it('does not hand a person over to a track beside them while theirs is still seen', () => {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000)];
    id.update([track('t1', 1200, [1, 0.5], [1, 0.5], 1500)], visits, 1500);
    id.update(
      [track('t1', 1200, [1, 0.5], [1, 0.5], 2300), track('t9', 1500, [1.6, 0.6], [1.9, 0.8], 2300)],
      visits,
      2300,
    );
    expect(id.sessionOf('t9')).toBeNull();
  });

  it('does not give a track already in the store to a scan made after it appeared', () => {
    const { id, a } = oneAtTheGate();
    const adult = { stature: 1.72, recentStature: 1.72, hits: 80 };
    // Someone a's person cannot be (a's is seen elsewhere) appears mid-store; b scans just after.
    const b = visit('b', 5500);
    id.update(
      [track('t1', 1200, [1, 0.5], [2, 6], 6000), { ...track('t9', 5000, [7, 6], [7, 6], 6000), ...adult }],
      [a, b],
      6000,
    );
    expect(id.sessionOf('t9')).toBeNull();
  });

  it('does not give a track walking in from the entry to a scan made a second after it appeared', () => {
    const { id, a } = oneAtTheGate();
    // A second track on someone already inside appears at the entry and walks in; b scans after.
    const b = visit('b', 6000);
    id.update(
      [track('t1', 1200, [1, 0.5], [2, 6], 6100), track('t9', 5000, [1, 0.5], [1.5, 2.5], 6100)],
      [a, b],
      6100,
    );
    expect(id.sessionOf('t9')).not.toBe('b');
  });

  it('does not give a visit whose person is seen a track born a step away from them', () => {
    const { id, a } = oneAtTheGate();
    // a's person stands at (3.25, 2.2), seen; something appears 0.7 m beside them while b has just
    // scanned. It is not a second track on a's person (that would be on top of them): a ghost, or
    // someone the store cannot name yet, whose reaches must not go on a's receipt.
    const b = visit('b', 9300);
    id.update(
      [
        track('t1', 1200, [1, 0.5], [3.25, 2.2], 10_400),
        { ...track('t9', 9900, [3.97, 2.15], [3.97, 2.15], 10_400), hits: 80 },
      ],
      [a, b],
      10_400,
    );
    expect(id.sessionOf('t9')).not.toBe('a');
  });

  it('does not continue, at the entry, a track its visit has replaced: the newcomer is the next scan', () => {
    const id = new TrackIdentity(store);
    const a = visit('a', 1000);
    id.update([track('t1', 1200, [1, 0.5], [1, 0.5], 1500)], [a], 1500);
    // a's person walks on under a second track (t5) while t1 stays behind at the entry, unseen.
    const t1 = track('t1', 1200, [1, 0.5], [1.2, 0.9], 2500);
    id.update([t1, { ...track('t5', 2600, [3.9, 3], [4, 3], 3000), hits: 80 }], [a], 3000);
    expect(id.sessionOf('t5')).toBe('a');
    // b scans; its person appears where t1 was last seen, within a continuation's reach and time.
    const b = visit('b', 3200);
    id.update(
      [t1, { ...track('t5', 2600, [3.9, 3], [4.3, 3], 3400), hits: 90 }, track('t9', 3300, [1.1, 0.8])],
      [a, b],
      3400,
    );
    expect(id.sessionOf('t9')).toBe('b');
  });

  it("gives a track that took over someone's person, whose own track was lost, to that person's visit", () => {
    const { id, visits } = shortAndTall();
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5], [4.4, 5], 8800), ...body(1.6, 1.6, 50) },
        { ...track('t2', 2500, [1.5, 0.5], [5.2, 5], 8800), ...body(1.8, 1.8, 50) },
      ],
      visits,
      8800,
    );
    // b's track is lost; a's track now stands where b's person was and shows b's bones.
    const onB = (t: number) => [{ ...track('t1', 2000, [1, 0.5], [5.1, 5], t), ...body(1.6, 1.8, 100) }];
    id.update(onB(9000), visits, 9000);
    id.update(onB(9500), visits, 9500);
    // A glance is not enough: bones read off for a moment while someone bends.
    expect(id.sessionOf('t1')).toBe('a');
    id.update(onB(10_000), visits, 10_000);
    id.update(onB(10_600), visits, 10_600);
    expect(id.sessionOf('t1')).toBe('b');
  });

  it('swaps back two tracks that swapped people where their paths crossed, told by their bones', () => {
    const { id, visits } = shortAndTall();
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5], [3, 5], 5000), ...body(1.6, 1.6, 50) },
        { ...track('t2', 2500, [1.5, 0.5], [8, 5], 5000), ...body(1.8, 1.8, 50) },
      ],
      visits,
      5000,
    );
    // Each track now sees the other's body (recent stature), their whole medians not yet moved.
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5], [5, 5], 9000), ...body(1.6, 1.8, 100) },
        { ...track('t2', 2500, [1.5, 0.5], [5.5, 5], 9000), ...body(1.8, 1.6, 100) },
      ],
      visits,
      9000,
    );
    expect([id.sessionOf('t1'), id.sessionOf('t2')]).toEqual(['b', 'a']);
  });

  it('stops learning statures where two people pass close, so a swap there is still told by their bones', () => {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000), visit('b', 1500)];
    const seen = (x: number, hits: number) => ({ stature: x, recentStature: x, hits });
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5]), ...seen(1.69, 10) },
        { ...track('t2', 2500, [1.5, 0.5]), ...seen(1.73, 10) },
      ],
      visits,
      3000,
    );
    // Seen long enough apart, then side by side in an aisle.
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5], [4, 4], 20_000), ...seen(1.69, 150) },
        { ...track('t2', 2500, [1.5, 0.5], [4.5, 4], 20_000), ...seen(1.73, 150) },
      ],
      visits,
      20_000,
    );
    // The tracker swapped them there; by the next look each track's own median has followed the
    // other body too (a sliding median catches up in seconds).
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5], [5, 4], 26_000), ...seen(1.73, 300) },
        { ...track('t2', 2500, [1.5, 0.5], [3.5, 4], 26_000), ...seen(1.69, 300) },
      ],
      visits,
      26_000,
    );
    expect(id.sessionOf('t1')).toBe('b');
    expect(id.sessionOf('t2')).toBe('a');
  });

  it('does not swap tracks of people too alike to tell apart, nor on one track that looks wrong', () => {
    for (const [s1, r1, s2, r2] of [
      [1.7, 1.72, 1.72, 1.7], // two centimetres apart: within what bones can tell
      [1.6, 1.8, 1.8, 1.8], // only t1 looks like someone else
    ] as const) {
      const id = new TrackIdentity(store);
      const visits = [visit('a', 1000), visit('b', 1500)];
      id.update(
        [
          { ...track('t1', 2000, [1, 0.5]), stature: s1, recentStature: s1 },
          { ...track('t2', 2500, [1.5, 0.5]), stature: s2, recentStature: s2 },
        ],
        visits,
        3000,
      );
      id.update(
        [
          { ...track('t1', 2000, [1, 0.5], [3, 5], 5000), stature: s1, recentStature: s1, hits: 50 },
          { ...track('t2', 2500, [1.5, 0.5], [8, 5], 5000), stature: s2, recentStature: s2, hits: 50 },
        ],
        visits,
        5000,
      );
      id.update(
        [
          { ...track('t1', 2000, [1, 0.5], [5, 5], 9000), stature: s1, recentStature: r1, hits: 100 },
          { ...track('t2', 2500, [1.5, 0.5], [5.5, 5], 9000), stature: s2, recentStature: r2, hits: 100 },
        ],
        visits,
        9000,
      );
      expect([id.sessionOf('t1'), id.sessionOf('t2')]).toEqual(['a', 'b']);
    }
  });

  it('lets someone queueing before their own scan wait for it, not join the scan before', () => {
    const id = new TrackIdentity(store);
    const a = visit('a', 1000);
    id.update([track('t1', 2000, [1, 0.5])], [a], 3000);
    // t2 is at the gate 10 s before anyone else scans: it is nobody's yet.
    id.update([track('t1', 2000, [1, 0.5], [5, 5]), track('t2', 5000, [1.5, 0.4])], [a], 6000);
    expect(id.sessionOf('t2')).toBeNull();
    const b = visit('b', 12_000);
    id.update(
      [track('t1', 2000, [1, 0.5], [5, 5]), track('t2', 5000, [1.5, 0.4], [1.4, 0.6])],
      [a, b],
      12_500,
    );
    expect(['t1', 't2'].map((t) => id.sessionOf(t))).toEqual(['a', 'b']);
  });

  /** Visits a (1.60 m, track t1, lost at (5, 5)) and b (1.86 m, t2, lost at `tallLost`), both lost at 9 s. */
  function shortAndTallLost(
    tallLost: [number, number],
    [shortM, tallM] = [1.6, 1.86],
  ): { id: TrackIdentity; visits: Visit[] } {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000), visit('b', 1500)];
    const tall = { stature: tallM, recentStature: tallM };
    const short = { stature: shortM, recentStature: shortM };
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5]), ...short },
        { ...track('t2', 2500, [1.5, 0.5]), ...tall },
      ],
      visits,
      3000,
    );
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5], [5, 5], 9000), ...short },
        { ...track('t2', 2500, [1.5, 0.5], tallLost, 9000), ...tall },
      ],
      visits,
      9000,
    );
    return { id, visits };
  }

  it('names a track born mid-store by its stature, not by where someone was lost', () => {
    const { id, visits } = shortAndTallLost([8, 6]);
    // Both are lost; the new track appears where the short one was, but is tall.
    id.update([{ ...track('t9', 10_000, [5.3, 5.1]), stature: 1.85, recentStature: 1.85 }], visits, 10_500);
    expect(id.sessionOf('t9')).toBe('b');
  });

  it("weighs a track's bones by how much its sightings scatter: a noisy one is named by place", () => {
    const named = (statureSpread: number) => {
      const { id, visits } = shortAndTallLost([9, 7.5], [1.7, 1.75]);
      // Where a was lost (too long before to continue that track), with bones 1 cm short of b's
      // over 30 sightings.
      const t9 = { ...track('t9', 10_600, [5.3, 5.1]), stature: 1.74, recentStature: 1.74, hits: 30 };
      id.update([{ ...t9, statureSpread }], visits, 11_100);
      return id.sessionOf('t9');
    };
    expect(named(0.03)).toBe('b');
    expect(named(0.12)).toBe('a');
  });

  it('names again, once its stature is sure, a track named mid-store by where it appeared', () => {
    const named = (stature: number) => {
      const { id, visits } = shortAndTallLost([9, 7.5]);
      // Two seconds after both were lost, a new track appears where the short one was, seen too
      // little to measure.
      id.update([{ ...track('t9', 11_000, [5.3, 5.1], [5.3, 5.1], 11_300), hits: 3 }], visits, 11_300);
      const first = id.sessionOf('t9');
      // Two seconds on, its bones are known.
      const seen = { stature, recentStature: stature, hits: 30 };
      id.update([{ ...track('t9', 11_000, [5.3, 5.1], [5.6, 5.3], 13_300), ...seen }], visits, 13_300);
      return [first, id.sessionOf('t9')];
    };
    expect(named(1.85)).toEqual(['a', 'b']);
    expect(named(1.61)).toEqual(['a', 'a']);
  });

  it('lets a track named mid-store follow the person it found, so a swap with it is told by their bones', () => {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000), visit('b', 1500)];
    // a's person was seen too little at the entry: 1.66 m from 10 sightings (they are 1.70 m).
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5]), ...body(1.66, 1.66, 10) },
        { ...track('t2', 2500, [1.5, 0.5]), ...body(1.85, 1.85, 10) },
      ],
      visits,
      3000,
    );
    const t2 = (at: [number, number], seen: number, recent = 1.85) => ({
      ...track('t2', 2500, [1.5, 0.5], at, seen),
      ...body(1.85, recent, 10),
    });
    id.update(
      [{ ...track('t1', 2000, [1, 0.5], [5, 5], 9000), ...body(1.66, 1.66, 10) }, t2([2, 6], 9000)],
      visits,
      9000,
    );
    // t1 is lost; two seconds later t9 appears there, first seen too little to measure.
    const t9 = (at: [number, number], seen: number, b: ReturnType<typeof body> | object) => ({
      ...track('t9', 11_000, [5.3, 5.1], at, seen),
      ...b,
    });
    id.update([t2([2, 6], 11_300), t9([5.3, 5.1], 11_300, { hits: 3 })], visits, 11_300);
    id.update([t2([2, 6], 13_300), t9([5.6, 5.3], 13_300, body(1.7, 1.7, 30))], visits, 13_300);
    id.update([t2([3, 6], 20_000), t9([5, 6], 20_000, body(1.7, 1.7, 200))], visits, 20_000);
    expect([id.sessionOf('t9'), id.sessionOf('t2')]).toEqual(['a', 'b']);
    // Where they pass, the tracker swaps them: each track's recent bones are now the other's.
    id.update([t2([5, 5], 25_000, 1.7), t9([5.5, 5], 25_000, body(1.7, 1.85, 200))], visits, 25_000);
    expect([id.sessionOf('t9'), id.sessionOf('t2')]).toEqual(['b', 'a']);
  });

  it('does not name a track born mid-store after one of a group who already left by the exit', () => {
    const id = new TrackIdentity(store);
    // Visit a is two people (1.66 m and 1.82 m), visit b one (1.69 m).
    const visits = [visit('a', 1000, 2), visit('b', 1500)];
    const h = (x: number) => ({ stature: x, recentStature: x });
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5]), ...h(1.66) },
        { ...track('t2', 2100, [1.2, 0.5]), ...h(1.82) },
        { ...track('t3', 2600, [1.5, 0.5]), ...h(1.69) },
      ],
      visits,
      3000,
    );
    // The short one of a walks out through the exit zone; the other two are lost mid-store.
    id.update(
      [
        { ...track('t1', 2000, [1, 0.5], [9, 0.5], 8000), ...h(1.66) },
        { ...track('t2', 2100, [1.2, 0.5], [2, 6], 8000), ...h(1.82) },
        { ...track('t3', 2600, [1.5, 0.5], [8, 6], 8000), ...h(1.69) },
      ],
      visits,
      8000,
    );
    id.update([], [{ ...visits[0]!, peopleInside: 1 }, visits[1]!], 8500);
    // A track of 1.665 m appears between where a's tall one and b were lost: it is b, not a's short one.
    id.update(
      [{ ...track('t9', 12_000, [5, 6]), ...h(1.665) }],
      [{ ...visits[0]!, peopleInside: 1 }, visits[1]!],
      12_500,
    );
    expect(id.sessionOf('t9')).toBe('b');
  });

  it('picks, of several visits, the one whose person stands at the exit', () => {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000), visit('b', 1500)];
    id.update([track('t1', 2000, [1, 0.5]), track('t2', 2500, [1.5, 0.5])], visits, 3000);
    id.update(
      [track('t1', 2000, [1, 0.5], [5, 5], 60_000), track('t2', 2500, [1.5, 0.5], [9, 0.5], 60_000)],
      visits,
      60_000,
    );
    expect(id.nearestToExit(visits, 60_000)?.visitId).toBe('b');
  });

  it('gives a gate pass to the person who walked out of sight toward the exit just in time for it', () => {
    // Cameras see the exit lane poorly: both people vanish 1.5 m before it; a (lost 4 s ago) would
    // have passed long before, b (lost 1.2 s ago) reaches the gate now.
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000), visit('b', 1500), visit('c', 1800)];
    id.update(
      [track('t1', 2000, [1, 0.5]), track('t2', 2500, [1.5, 0.5]), track('t3', 2800, [1.2, 0.5])],
      visits,
      3000,
    );
    id.update(
      [
        track('t1', 2000, [1, 0.5], [9, 2.5], 56_000),
        track('t2', 2500, [1.5, 0.5], [8.5, 2.5], 58_800),
        track('t3', 2800, [1.2, 0.5], [4, 4], 60_000),
      ],
      visits,
      58_800,
    );
    id.update([track('t3', 2800, [1.2, 0.5], [4, 4], 60_000)], visits, 60_000);
    expect(id.nearestToExit(visits, 60_000)?.visitId).toBe('b');
  });
});

describe('who left, asked a moment after the exit pass', () => {
  it('is not someone still seen inside after the pass, even one who stood by the exit before it', () => {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000), visit('b', 1500)];
    id.update([track('t1', 2000, [1, 0.5]), track('t2', 2500, [1.5, 0.5])], visits, 3000);
    // Pass at 60 s: a browses 0.85 m from the exit and is still seen at 61.2 s; b walked out of
    // sight 2.5 m short of the exit 3.5 s before the pass (a slow walker; the lane is poorly seen).
    id.update(
      [track('t1', 2000, [1, 0.5], [9, 1.85], 61_200), track('t2', 2500, [1.5, 0.5], [9, 3.5], 56_500)],
      visits,
      61_200,
    );
    expect(id.nearestToExit(visits, 60_000)?.visitId).toBe('b');
  });

  it('is not a visit whose every person is seen inside after the pass, whatever an older sighting says', () => {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000), visit('b', 1500)];
    id.update([track('t1', 2000, [1, 0.5]), track('t2', 2500, [1.5, 0.5])], visits, 3000);
    // a's track is lost 2.4 m from the exit 2.2 s before the pass (a walk that would reach it at
    // 59.98 s); b stands in the exit zone until 59.97 s.
    id.update(
      [track('t1', 2000, [1, 0.5], [9, 3.4], 57_800), track('t2', 2500, [1.5, 0.5], [9.2, 0.5], 57_800)],
      visits,
      57_800,
    );
    // a is found again beside where they were lost, too late to continue that track, and named.
    id.update(
      [
        track('t2', 2500, [1.5, 0.5], [9.2, 0.4], 59_970),
        track('t4', 59_900, [8.8, 3.6], [8.8, 3.6], 59_970),
      ],
      visits,
      59_970,
    );
    expect(id.sessionOf('t4')).toBe('a');
    // Pass at 60 s; a is still seen inside at 61.1 s.
    id.update([track('t4', 59_900, [8.8, 3.6], [8, 4], 61_100)], visits, 61_100);
    expect(id.nearestToExit(visits, 60_000)?.visitId).toBe('b');
  });

  it('is not someone still standing in the exit lane after the pass: whoever passed is gone from sight', () => {
    const id = new TrackIdentity(store);
    const visits = [visit('a', 1000), visit('b', 1500)];
    id.update([track('t1', 2000, [1, 0.5]), track('t2', 2500, [1.5, 0.5])], visits, 3000);
    // Pass at 60 s: both stood in the exit zone; b was lost there just before the pass, a waits
    // there and is still seen at 61 s (they leave on the next pass).
    id.update(
      [track('t1', 2000, [1, 0.5], [9, 0.5], 61_000), track('t2', 2500, [1.5, 0.5], [9.2, 0.4], 59_800)],
      visits,
      61_000,
    );
    expect(id.nearestToExit(visits, 60_000)?.visitId).toBe('b');
  });
});

describe('attribution by hands', () => {
  const present = [visit('a', 0), visit('b', 0), visit('c', 0)];
  it('gives the change to the visit whose hand was at the plate', () => {
    const c = attributeByHands(
      present,
      [
        { visitId: 'a', distanceM: 0.6 },
        { visitId: 'b', distanceM: 0.02 },
      ],
      Infinity,
    );
    expect(c[0]).toMatchObject({ visitId: 'b', handDistanceM: 0.02 });
    expect(c[0]!.probability).toBeGreaterThan(0.95);
  });

  it('is unsure when two hands were equally near (two shoppers at one shelf)', () => {
    const c = attributeByHands(
      present,
      [
        { visitId: 'a', distanceM: 0.05 },
        { visitId: 'b', distanceM: 0.06 },
      ],
      Infinity,
    );
    expect(c[0]!.probability).toBeLessThan(0.6);
  });

  it('is sure of the hand in the plate over a hand at the next plate, 15 cm off its face', () => {
    const c = attributeByHands(
      present,
      [
        { visitId: 'a', distanceM: 0.15 },
        { visitId: 'b', distanceM: 0.01 },
      ],
      Infinity,
    );
    expect(c[0]).toMatchObject({ visitId: 'b' });
    expect(c[0]!.probability).toBeGreaterThan(0.9);
  });

  it('is unsure when an unknown person was nearer than any known shopper', () => {
    const c = attributeByHands(present, [{ visitId: 'a', distanceM: 0.3 }], 0.01);
    expect(c[0]!.probability).toBeLessThan(0.5);
  });
});

describe('spare tracks', () => {
  it('counts everyone as followed only while each open visit has a live track per person inside', () => {
    const { id, visits } = shortAndTall();
    expect(id.everyoneFollowed(visits, 2500)).toBe(true);
    // b's track was last seen at 3500: since 4000, b's person is not followed.
    expect(id.everyoneFollowed(visits, 4000)).toBe(false);
    // A group of two with one track bound is missing a person.
    expect(id.everyoneFollowed([{ ...visits[0]!, peopleInside: 2 }, visits[1]!], 2500)).toBe(false);
    // Someone who has left needs no track.
    const gone: Visit = { ...visits[0]!, status: 'settling', exitedAt: 2800, peopleInside: 2 };
    expect(id.everyoneFollowed([gone, visits[1]!], 2500)).toBe(true);
  });
});
