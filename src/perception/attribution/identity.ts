import type { StoreDefinition } from '../../protocol/store.js';
import type { Visit } from '../../store/visit.js';
import { distanceToPolygon } from '../geometry.js';
import type { TrackView } from '../vision/vision.js';

/** Tunables of binding tracks to visits. */
export interface IdentityOptions {
  /** A track born this close to the entry zone (m) counts as born at the entry. */
  entryReachM: number;
  /** A track born at the entry this long after a scan (ms) may belong to it (groups walk in over ~10 s). */
  afterScanMs: number;
  /** A track born mid-store continues a lost one that ended at most this long before (ms)… */
  stitchGapMs: number;
  /** …this close (m), plus walking speed times the gap. */
  stitchReachM: number;
  /** Spread of a stature estimate around the person's own (m): bone lengths, a couple of seconds' worth. */
  statureSigmaM: number;
  /**
   * Spread of one sighting's stature (m): a young track's median over n sightings is off by about
   * this / √n, a long one's by statureFloorM (the simulator's standard store: 4 mm, 0.75 cm bias).
   */
  statureSampleSigmaM: number;
  statureFloorM: number;
}

export const DEFAULT_IDENTITY: IdentityOptions = {
  entryReachM: 0.7,
  afterScanMs: 15_000,
  stitchGapMs: 8_000,
  stitchReachM: 0.8,
  statureSigmaM: 0.025,
  statureSampleSigmaM: 0.05,
  statureFloorM: 0.007,
};

/** Spread of one sighting's stature (m) on the simulator's standard store, where the sigmas were measured. */
const REF_SPREAD_M = 0.04;
/** A person last seen this far from the exit (m) may be the one passing it now. */
const EXIT_REACH_M = 3;
/** Adult stature (m): mean and spread, for a person whose own the store has not measured. */
const ADULT_MEAN_M = 1.72;
const ADULT_SPREAD_M = 0.09;

/**
 * Of a visit's people still inside that `eligible` allows, the one whose stature is nearest the
 * track's (miss in m; null when either stature is unknown, which rules nobody out but ranks after
 * any known fit); ties go to the first.
 */
function likeliestPerson(
  people: ReadonlyMap<string, Person>,
  track: TrackView,
  eligible: (key: string, p: Person) => boolean,
): { key: string; person: Person; miss: number | null } | undefined {
  const h = track.stature ?? track.recentStature;
  let best: { key: string; person: Person; miss: number | null } | undefined;
  for (const [key, person] of people) {
    if (person.left || !eligible(key, person)) continue;
    const miss = h === null || Number.isNaN(person.stature) ? null : Math.abs(person.stature - h);
    if (!best || (miss !== null && (best.miss === null || miss < best.miss))) best = { key, person, miss };
  }
  return best;
}

/** Relative density of an adult stature h (1 at the mean). */
function adultDensity(h: number): number {
  return Math.exp(-0.5 * ((h - ADULT_MEAN_M) / ADULT_SPREAD_M) ** 2);
}

/**
 * A scan this long after a track appeared at the entry (ms) may still be its own (device clocks
 * differ). Longer gives the next scan a second track that appeared on someone already inside and
 * walked on (the entry is poorly seen): standard seeds 1-12, F1 0.921 at 1.5 s, 0.934 at 0.5 s.
 */
const SCAN_AFTER_BIRTH_MS = 500;
/**
 * A person appeared at one of several entry gates when it is this much nearer (m) than the next:
 * the simulator's gates stand 1.5 m apart, and a new track's first place is off by a few decimetres.
 */
const GATE_MARGIN_M = 0.4;
/** Someone seen this long after an exit pass (ms) did not pass it: whoever passes is gone from sight. */
const STAYED_MS = 300;
/** Within this of the exit zone (m), a lost person was in the exit lane: they left. */
const LANE_M = 0.8;
/** Walking pace toward the exit (m/s). */
const WALK_M_PER_S = 1.1;
/** How fast the place a person could be spreads while unseen (m/s): they browse, not march. */
const WANDER_M_PER_S = 0.6;

/** One of a visit's people: their stature and how many sightings it was learned from. */
interface Person {
  stature: number;
  samples: number;
  /** Learned no further: their track has passed close to someone of another visit, where tracks swap. */
  frozen: boolean;
  /** Lost in the exit lane: they left, and explain no track that appears later. */
  left: boolean;
}

interface Lost {
  trackId: string;
  visitId: string;
  at: number;
  position: [number, number];
  velocity: [number, number];
  stature: number | null;
}

/** Swapped tracks: both seen within this long (ms), of people this different in stature (m), this close (m). */
const SWAP_SEEN_MS = 500;
const SWAP_STATURE_GAP_M = 0.03;
const SWAP_NEAR_M = 2.5;

/** People closer than this (m) can be swapped by the tracker… */
const ENCOUNTER_M = 0.8;
/** …so a person seen this often (sightings) is learned no further from then on. */
const FREEZE_AFTER_SAMPLES = 100;

/** A track whose bones fit none of its visit's people for this long (ms) follows someone else… */
const MISFIT_MS = 1500;
/** …and goes to another visit's person nobody follows, lost at most this long before (ms). */
const STRAY_LOST_MS = 30_000;

/**
 * Place likelihood (1 on the spot, see `midStore`) of a track born right beside a sighting of a
 * visit's person: about half a metre away just after it. Standard seeds 1-12: F1 0.934 with a
 * metre (0.5) and the followed visit's odds at 0.15 anywhere; 0.942 with this and 0.02 elsewhere.
 */
const BESIDE_PLACE = 0.85;

/** A mid-store binding taken before this many sightings is scored again when the track reaches them. */
const REVISE_AT_HITS = 24;

/** A bound track that ends this close (m) to another of its visit was a duplicate of it (merged). */
const DUPLICATE_M = 0.45;
/** A new track continues a bound one that stopped being seen at most this long before it appeared (ms)… */
const CONTINUE_GAP_MS = 1500;
/** …within this distance of where that one was heading (m), plus CONTINUE_SPREAD_M_PER_S per second of the gap. */
const CONTINUE_REACH_M = 0.45;
const CONTINUE_SPREAD_M_PER_S = 0.5;
/** A track that appeared at most this long before a bound one was lost (ms) may be a second track on that person. */
const OVERLAP_MS = 1500;
/** …and that has not been seen for this long (ms): the tracker is letting it go. */
const OVERLAP_UNSEEN_MS = 250;

/**
 * Who each track is: a person at the entry belongs to the earliest scan still waiting for its
 * people (all the group's people do; someone queueing before their own scan waits unbound), and
 * gives the visit that person's stature. A track born mid-store is the visit's person of its
 * stature when one stands out (bone lengths do not change when paths cross), else continues a
 * track lost nearby shortly before; two tracks whose bones show they swapped people get their
 * visits swapped back. Pure: fed the tracks and visits, in event time.
 */
export class TrackIdentity {
  private readonly sessions = new Map<string, string>();
  /** Statures of each visit's people, learned from the tracks bound at the entry (key: track id). */
  private readonly people = new Map<string, Map<string, Person>>();
  private readonly decided = new Set<string>();
  /** Tracks that a later track continues: each is continued once. */
  private readonly continued = new Set<string>();
  private readonly lost: Lost[] = [];
  private current = new Map<string, TrackView>();
  /** Since when (ms), and where, a bound track's bones have not fitted any of its visit's people. */
  private readonly misfit = new Map<string, { since: number; position: [number, number] }>();
  private nextStray = 1;
  /** Tracks bound mid-store on a young stature, and the visit chosen then. */
  private readonly provisional = new Map<string, string>();
  private readonly entryZones: [number, number][][];
  /** Entry gates whose floor position the store gives (see `gateNear`). */
  private readonly entryGates: { id: string; position: [number, number] }[];
  private readonly exitZones: [number, number][][];

  constructor(
    store: StoreDefinition,
    private readonly opts: IdentityOptions = DEFAULT_IDENTITY,
  ) {
    const entry = store.zones.filter((z) => z.kind === 'entry');
    this.entryZones = entry.map((z) => z.polygon);
    this.exitZones = store.zones.filter((z) => z.kind === 'exit').map((z) => z.polygon);
    const entryZoneIds = new Set(entry.map((z) => z.id));
    this.entryGates = store.gates.flatMap((g) =>
      g.position && g.zone !== undefined && entryZoneIds.has(g.zone)
        ? [{ id: g.id, position: g.position }]
        : [],
    );
  }

  /** The visit a track belongs to, or null when the store does not know. */
  sessionOf(trackId: string): string | null {
    return this.sessions.get(trackId) ?? null;
  }

  /**
   * Takes in the current tracks: binds tracks born at the entry to the scan before them, and a track
   * that appears mid-store (a broken track) to the open visit that is missing a person, nearest to
   * where that person was last seen.
   */
  update(tracks: readonly TrackView[], visits: readonly Visit[], now: number): void {
    const next = new Map(tracks.map((t) => [t.id, t]));
    for (const [id, old] of this.current) {
      if (!next.has(id)) this.misfit.delete(id);
      const visitId = this.sessions.get(id);
      if (!next.has(id) && visitId) {
        // A duplicate the tracker merged into another track of the same visit: nobody was lost.
        const kept = tracks.some(
          (t) =>
            this.sessions.get(t.id) === visitId &&
            Math.hypot(t.position[0] - old.position[0], t.position[1] - old.position[1]) <= DUPLICATE_M,
        );
        if (kept) {
          this.continued.add(id);
          continue;
        }
        if (this.toExit([old.position[0], old.position[1]]) <= LANE_M) this.markLeft(visitId, old, tracks);
        this.lost.push({
          trackId: id,
          visitId,
          at: old.lastSeenAt,
          position: [old.position[0], old.position[1]],
          velocity: [old.velocity[0], old.velocity[1]],
          stature: old.stature,
        });
      }
    }
    while (this.lost.length > 0 && this.lost[0]!.at < now - 120_000) this.lost.shift();
    this.current = next;
    for (const track of tracks) this.learnStature(track);
    this.freezeAtEncounters(tracks);
    this.repairSwaps(tracks, now);
    const open = visits.filter((v) => v.status === 'open' && v.channel === 'gate');
    this.reidentify(tracks, open, now);
    this.revise(open);
    const unbound = tracks
      .filter((t) => t.confirmed && !this.sessions.has(t.id))
      .sort((a, b) => a.bornAt - b.bornAt || (a.id < b.id ? -1 : 1));
    if (unbound.length === 0) return;
    for (const track of unbound) {
      if (!this.decided.has(track.id)) {
        // The tracker broke someone's track (a poorly seen spot, the entry's queue): the new one
        // starting where a bound one stopped is that person, wherever it is.
        const continued = this.continuation(track, visits, now);
        if (continued) {
          this.decided.add(track.id);
          this.sessions.set(track.id, continued.visitId);
          this.handOver(continued.visitId, continued.trackId, track.id);
          continue;
        }
        if (this.atEntry(track, now)) {
          // Someone at the gate: theirs is the earliest scan still waiting for its people. A person
          // queueing before their own scan waits here unbound, not given to the scan before.
          const visitId = this.fromScan(track, visits);
          if (visitId) {
            this.decided.add(track.id);
            this.founder(visitId, track.id);
            this.sessions.set(track.id, visitId);
          }
          continue;
        } else this.decided.add(track.id);
      }
      // Undefined: not sure yet; wait for more of the track (its stature settles) rather than guess.
      const visitId = this.midStore(track, open, now);
      if (visitId) this.sessions.set(track.id, visitId);
    }
  }

  /**
   * Learns the stature of a person bound at the entry from their track, while the track still
   * looks like them (a track that jumped to someone else where paths crossed must not teach it).
   */
  private learnStature(track: TrackView): void {
    if (track.stature === null) return;
    const own = this.personOf(track.id)?.person;
    // A person's stature comes from the track that has seen them longest; a track that took over
    // (a continuation, a repaired swap) adds nothing until it has seen them longer.
    if (!own || own.frozen || track.hits <= own.samples) return;
    // The track's own median while its recent sightings agree with it (a track that jumped to
    // someone else where paths crossed shows it there first). Compared with the track, not with
    // what was learned: an early estimate of a few sightings can be centimetres off.
    if (
      track.recentStature === null ||
      Math.abs(track.recentStature - track.stature) < this.opts.statureSigmaM
    ) {
      own.stature = track.stature;
      own.samples = track.hits;
    }
  }

  /**
   * Marks the person of a visit whose track was lost in the exit lane as gone. A track found again
   * mid-store has no person of its own: the one it most likely is (by stature, of those nobody else
   * follows now) is the one who left.
   */
  private markLeft(visitId: string, track: TrackView, live: readonly TrackView[]): void {
    const people = this.people.get(visitId);
    if (!people) return;
    const own = people.get(track.id);
    if (own) {
      own.left = true;
      return;
    }
    const followed = new Set(live.filter((t) => this.sessions.get(t.id) === visitId).map((t) => t.id));
    const best = likeliestPerson(people, track, (key) => !followed.has(key));
    if (best) best.person.left = true;
  }

  /**
   * Stops learning the stature of a person whose track comes close to someone of another visit:
   * that is where trackers swap people, and a stature learned on after an unseen swap would follow
   * the wrong body (and hide the swap from `repairSwaps`). A person seen too little by then keeps
   * learning: a first estimate of a few sightings can be centimetres off.
   */
  private freezeAtEncounters(tracks: readonly TrackView[]): void {
    const near = ENCOUNTER_M * ENCOUNTER_M;
    for (const a of tracks) {
      const bound = this.personOf(a.id);
      const own = bound?.person;
      if (!own || own.frozen || own.samples < FREEZE_AFTER_SAMPLES) continue;
      for (const b of tracks) {
        if (b === a || !b.confirmed || this.sessions.get(b.id) === bound.visitId) continue;
        const dx = a.position[0] - b.position[0];
        const dy = a.position[1] - b.position[1];
        if (dx * dx + dy * dy <= near) {
          own.frozen = true;
          break;
        }
      }
    }
  }

  /**
   * Two tracks that swapped people where their paths crossed (the tracker followed the wrong
   * body on) show it in their bones: each one's recent stature now fits the other's person. Their
   * visits are swapped back.
   */
  private repairSwaps(tracks: readonly TrackView[], now: number): void {
    const sigma = this.opts.statureSigmaM;
    const fits: { track: TrackView; visitId: string; own: Person; recent: number }[] = [];
    for (const t of tracks) {
      const bound = this.personOf(t.id);
      if (!bound || Number.isNaN(bound.person.stature) || t.recentStature === null) continue;
      if (t.lastSeenAt < now - SWAP_SEEN_MS) continue;
      fits.push({ track: t, visitId: bound.visitId, own: bound.person, recent: t.recentStature });
    }
    for (let i = 0; i < fits.length; i++) {
      const a = fits[i]!;
      if (Math.abs(a.recent - a.own.stature) < sigma) continue;
      for (let j = i + 1; j < fits.length; j++) {
        const b = fits[j]!;
        if (b.visitId === a.visitId || Math.abs(b.recent - b.own.stature) < sigma) continue;
        if (Math.abs(a.own.stature - b.own.stature) < SWAP_STATURE_GAP_M) continue;
        const dx = a.track.position[0] - b.track.position[0];
        const dy = a.track.position[1] - b.track.position[1];
        if (Math.hypot(dx, dy) > SWAP_NEAR_M) continue;
        const better = (x: typeof a, other: typeof a) =>
          Math.abs(x.recent - other.own.stature) <= Math.abs(x.recent - x.own.stature) - sigma;
        if (!better(a, b) || !better(b, a)) continue;
        this.sessions.set(a.track.id, b.visitId);
        this.sessions.set(b.track.id, a.visitId);
        this.handOver(a.visitId, a.track.id, b.track.id);
        this.handOver(b.visitId, b.track.id, a.track.id);
        [a.visitId, b.visitId] = [b.visitId, a.visitId];
        [a.own, b.own] = [b.own, a.own];
      }
    }
  }

  /**
   * A track that took over someone else's person where the tracker lost that person's own track
   * (one-sided, so `repairSwaps` sees no pair): its bones have fitted none of its visit's people
   * for a while, and fit a person of another visit whom no live track follows and who was lost
   * near here. It goes to that visit; the person of its own visit it was following is lost where
   * the misfit began.
   */
  private reidentify(tracks: readonly TrackView[], openVisits: readonly Visit[], now: number): void {
    const sigma = this.opts.statureSigmaM;
    const open = new Set(openVisits.map((v) => v.visitId));
    for (const t of tracks) {
      const visitId = this.sessions.get(t.id);
      const r = t.recentStature;
      const people = visitId ? this.people.get(visitId) : undefined;
      if (!visitId || !people || r === null || t.lastSeenAt < now - SWAP_SEEN_MS || !open.has(visitId)) {
        this.misfit.delete(t.id);
        continue;
      }
      const own = people.get(t.id);
      // Any of the visit's people: within a group, tracks may swap people without harm.
      const fits = [...people.values()].filter((p) => !p.left && !Number.isNaN(p.stature));
      if (fits.length === 0 || fits.some((p) => Math.abs(p.stature - r) < 3 * sigma)) {
        this.misfit.delete(t.id);
        continue;
      }
      let m = this.misfit.get(t.id);
      if (!m) this.misfit.set(t.id, (m = { since: now, position: [t.position[0], t.position[1]] }));
      if (now - m.since < MISFIT_MS) continue;
      const ownMiss = Math.min(...fits.map((p) => Math.abs(p.stature - r)));
      let best: { visitId: string; key: string; miss: number } | null = null;
      let rivals = 0;
      for (const [otherId, otherPeople] of this.people) {
        if (otherId === visitId || !open.has(otherId)) continue;
        for (const [key, person] of otherPeople) {
          if (person.left || Number.isNaN(person.stature)) continue;
          const live = this.current.get(key);
          if (live && live.lastSeenAt >= now - SWAP_SEEN_MS) continue; // followed
          const miss = Math.abs(person.stature - r);
          if (miss >= sigma || miss > ownMiss - sigma) continue;
          const lost =
            this.lost.find((l) => l.trackId === key) ??
            (live
              ? { at: live.lastSeenAt, position: [live.position[0], live.position[1]] as [number, number] }
              : undefined);
          if (!lost || lost.at < now - STRAY_LOST_MS) continue;
          const gap = Math.max(0, m.since - lost.at) / 1000;
          const d = Math.hypot(m.position[0] - lost.position[0], m.position[1] - lost.position[1]);
          if (d > this.opts.stitchReachM + WANDER_M_PER_S * gap) continue;
          rivals++;
          if (!best || miss < best.miss) best = { visitId: otherId, key, miss };
        }
      }
      if (!best || rivals > 1) continue;
      // The person of its own visit it followed until the misfit is lost there and then.
      if (own) {
        const stray = `stray-${this.nextStray++}`;
        this.handOver(visitId, t.id, stray);
        this.lost.push({
          trackId: stray,
          visitId,
          at: m.since,
          position: m.position,
          velocity: [0, 0],
          stature: own.stature,
        });
      }
      this.sessions.set(t.id, best.visitId);
      this.handOver(best.visitId, best.key, t.id);
      this.continued.add(best.key);
      this.misfit.delete(t.id);
    }
  }

  /** The visit a track is bound to and the person of it the track follows, if it follows one. */
  private personOf(trackId: string): { visitId: string; person: Person } | undefined {
    const visitId = this.sessions.get(trackId);
    const person = visitId ? this.people.get(visitId)?.get(trackId) : undefined;
    return visitId && person ? { visitId, person } : undefined;
  }

  /** One of a visit's people is followed by another track from now on: it keeps what was learned of them. */
  private handOver(visitId: string, fromTrackId: string, toTrackId: string): void {
    const people = this.people.get(visitId);
    const own = people?.get(fromTrackId);
    if (!people || !own) return;
    people.delete(fromTrackId);
    people.set(toTrackId, own);
  }

  /** Marks a track bound at the entry as one of the visit's people; its stature is learned as it is seen. */
  private founder(visitId: string, trackId: string): void {
    let people = this.people.get(visitId);
    if (!people) this.people.set(visitId, (people = new Map()));
    people.set(trackId, { stature: Number.NaN, samples: 0, frozen: false, left: false });
  }

  /**
   * The visit of a track born mid-store (a person the tracker lost and found again): each open
   * visit is scored by how well its people's stature matches the track's, times how well where and
   * when it was last seen explains where the track appeared; a visit whose people are all followed
   * already is unlikely (when all are, only one whose person the track appeared beside). The best
   * when it clearly leads; undefined while the track is young and nobody leads (wait); null when no
   * visit fits (it stays unknown, and its reaches go to review).
   */
  private midStore(track: TrackView, open: readonly Visit[], now: number): string | null | undefined {
    const { scored, full } = this.scoreVisits(track, open);
    const [best, second] = scored;
    if (!best || best.like < 1e-4) return track.hits < 60 ? undefined : null;
    const lead = second ? best.like / second.like : Infinity;
    if (full && best.place < BESIDE_PLACE) return null;
    if (lead >= 4) return this.bindMidStore(track, best.visitId);
    if (track.hits < 60 && now - track.bornAt < 5000) return undefined;
    return lead >= 2 ? this.bindMidStore(track, best.visitId) : null;
  }

  /** Notes a mid-store binding taken on a young track's stature, to be looked at again once it is sure. */
  private bindMidStore(track: TrackView, visitId: string): string {
    if (track.hits < REVISE_AT_HITS) this.provisional.set(track.id, visitId);
    else this.adopt(visitId, track);
    return visitId;
  }

  /**
   * A track bound mid-store for good follows the visit's person it most likely is (by stature), of
   * those no other track follows: it teaches their stature from now on. A person whose own track
   * broke after a few sightings at the poorly seen entry would otherwise keep a stature from those.
   */
  private adopt(visitId: string, track: TrackView): void {
    const people = this.people.get(visitId);
    if (!people || people.has(track.id)) return;
    const best = likeliestPerson(people, track, (key, p) => {
      // A person measured well at the entry keeps their stature; one seen too little learns it anew.
      if (p.samples >= FREEZE_AFTER_SAMPLES) return false;
      const live = this.current.get(key);
      return !live || live.lastSeenAt < track.bornAt; // not followed by another track
    });
    // Bones that do not fit say it is someone else of the group (whose track the tracker swapped):
    // handing it this person would make it look swapped with another visit's.
    if (!best || (best.miss !== null && best.miss > 2 * this.opts.statureSigmaM)) return;
    this.handOver(visitId, best.key, track.id);
    this.continued.add(best.key);
  }

  /**
   * Mid-store bindings taken on a few sightings rest on where the track appeared more than on its
   * bones. Once the track has been seen long enough for its stature to be sure, the visits are
   * scored again; another visit that now clearly leads the one chosen takes the track.
   */
  private revise(open: readonly Visit[]): void {
    for (const [trackId, visitId] of this.provisional) {
      const track = this.current.get(trackId);
      if (!track || this.sessions.get(trackId) !== visitId) {
        this.provisional.delete(trackId);
        continue;
      }
      if (track.hits < REVISE_AT_HITS) continue;
      this.provisional.delete(trackId);
      const { scored } = this.scoreVisits(track, open);
      const best = scored[0];
      const chosen = scored.find((c) => c.visitId === visitId);
      const revised = best && best.visitId !== visitId && (!chosen || best.like >= 4 * chosen.like);
      if (revised) this.sessions.set(trackId, best.visitId);
      this.adopt(revised ? best.visitId : visitId, track);
    }
  }

  /**
   * Each open visit's likelihood of being a track born mid-store (see `midStore`), best first, and
   * whether every visit is followed by tracks other than this one.
   */
  private scoreVisits(
    track: TrackView,
    open: readonly Visit[],
  ): { scored: { visitId: string; like: number; place: number; followed: boolean }[]; full: boolean } {
    const h = track.stature ?? track.recentStature;
    // How sure the track's stature is by now: people's own are known to millimetres from the entry.
    const noise = Math.max(1, (track.statureSpread ?? 0) / REF_SPREAD_M);
    const sigma = Math.hypot(
      this.opts.statureFloorM * Math.SQRT2 * noise,
      (this.opts.statureSampleSigmaM * noise) / Math.sqrt(Math.max(1, track.hits)),
    );
    const born: [number, number] = [track.bornPlace[0], track.bornPlace[1]];
    const scored: { visitId: string; like: number; place: number; followed: boolean }[] = [];
    for (const v of open) {
      // Nobody walks into the store before their scan: a track already there belongs to someone else.
      if (v.enteredAt > track.bornAt) continue;
      const statures = [...(this.people.get(v.visitId)?.values() ?? [])]
        .filter((x) => !x.left)
        .map((x) => x.stature)
        .filter((x) => !Number.isNaN(x));
      let stature = 1;
      if (h !== null) {
        // A person of the visit whose stature is not known is anyone: as likely as a random adult.
        const unknown = statures.length < v.peopleInside ? (sigma / ADULT_SPREAD_M) * adultDensity(h) : 0;
        const z = statures.length > 0 ? Math.min(...statures.map((x) => Math.abs(x - h))) / sigma : Infinity;
        stature = Math.max(Math.exp(-0.5 * z * z), unknown) + 1e-3;
      }
      let place = 0;
      for (const seen of this.sightingsOf(v.visitId, track.id)) {
        // Someone lost in the exit lane left the store; they explain nobody appearing later.
        if (seen.at < track.bornAt && this.toExit(seen.position) <= LANE_M) continue;
        const gap = Math.max(0, track.bornAt - seen.at) / 1000;
        const sigma = this.opts.stitchReachM + WANDER_M_PER_S * gap;
        const d = Math.hypot(born[0] - seen.position[0], born[1] - seen.position[1]);
        // A density on the floor: someone unseen for long could be anywhere, which explains a
        // track appearing here no better than it explains one anywhere else.
        const spread = (this.opts.stitchReachM / sigma) ** 2;
        place = Math.max(place, spread * Math.exp(-0.5 * (d / sigma) ** 2));
      }
      place += 0.02;
      // Followed: each of its people inside has a track seen since this one appeared, so none of
      // them can be this one. A track coasting unseen since then may be this very person.
      const followed = this.followed(v, track.bornAt, track.id);
      // A followed visit explains a track born right beside one of its people (a second track on
      // them) somewhat, and one born elsewhere hardly (a ghost, or someone the store cannot name):
      // given the followed visit nearby, such a ghost takes the next passer-by's items.
      const odds = !followed ? 1 : place >= BESIDE_PLACE ? 0.15 : 0.02;
      scored.push({ visitId: v.visitId, like: stature * place * odds, place, followed });
    }
    // Everyone is followed already: the track is a second one on someone (born beside them), else a
    // ghost or a person the store cannot name.
    const full = scored.every((c) => c.followed);
    scored.sort((a, b) => b.like - a.like || (a.visitId < b.visitId ? -1 : 1));
    return { scored, full };
  }

  /**
   * The bound track a new one continues: one not seen since the new one appeared, that stopped
   * being seen shortly before, where its motion would have taken it, of the same stature. The
   * nearest such (a stature not measured yet rules nobody out); null when none.
   */
  private continuation(
    track: TrackView,
    visits: readonly Visit[],
    now: number,
  ): { trackId: string; visitId: string } | null {
    const inside = new Map(visits.map((v) => [v.visitId, v.peopleInside]));
    const born: [number, number] = [track.bornPlace[0], track.bornPlace[1]];
    let best: { trackId: string; visitId: string; d: number } | null = null;
    const h = track.recentStature ?? track.stature;
    const consider = (
      trackId: string,
      visitId: string,
      at: number,
      p: [number, number],
      v: [number, number],
      stature: number | null,
    ) => {
      const gap = track.bornAt - at;
      if (gap > CONTINUE_GAP_MS || this.continued.has(trackId)) return;
      // Everyone of its visit is followed by other tracks seen since it was: it was a second track on
      // one of them, which the tracker let go, and a track appearing now is someone else.
      if (this.liveCount(visitId, at, trackId) >= (inside.get(visitId) ?? 0)) return;
      if (this.toExit(p) <= LANE_M) return; // lost in the exit lane: they left
      // Bones do not change: someone of another stature is someone else.
      if (h !== null && stature !== null && Math.abs(h - stature) > 3 * this.opts.statureSigmaM) return;
      let d: number;
      if (gap < 0) {
        // The new track appeared while the bound one was still seen: a second track on the same
        // person, which the tracker kept while it let the first one go. It is seen now where that
        // one was when it went (plus a walk since).
        if (-gap > OVERLAP_MS || now - at < OVERLAP_UNSEEN_MS || track.lastSeenAt <= at) return;
        d = Math.hypot(track.position[0] - p[0], track.position[1] - p[1]);
        if (d > DUPLICATE_M + (WALK_M_PER_S * Math.min(now - at, 1000)) / 1000) return;
      } else {
        const ahead = Math.min(gap, 500) / 1000; // people stop more often than they walk on unseen
        d = Math.hypot(born[0] - (p[0] + v[0] * ahead), born[1] - (p[1] + v[1] * ahead));
        if (d > CONTINUE_REACH_M + (CONTINUE_SPREAD_M_PER_S * gap) / 1000) return;
      }
      if (!best || d < best.d) best = { trackId, visitId, d };
    };
    for (const t of this.current.values()) {
      const visitId = this.sessions.get(t.id);
      if (t.id === track.id || !visitId) continue;
      const v: [number, number] = [t.velocity[0], t.velocity[1]];
      consider(t.id, visitId, t.lastSeenAt, [t.position[0], t.position[1]], v, t.stature);
    }
    for (const l of this.lost) consider(l.trackId, l.visitId, l.at, l.position, l.velocity, l.stature);
    const found = best as { trackId: string; visitId: string; d: number } | null;
    if (!found) return null;
    this.continued.add(found.trackId);
    return { trackId: found.trackId, visitId: found.visitId };
  }

  /** Where a visit's people were last seen: its live tracks (but `except`) and its recently lost ones. */
  private sightingsOf(visitId: string, except?: string): { at: number; position: [number, number] }[] {
    const out: { at: number; position: [number, number] }[] = [];
    for (const t of this.current.values())
      if (t.id !== except && this.sessions.get(t.id) === visitId)
        out.push({ at: t.lastSeenAt, position: [t.position[0], t.position[1]] });
    // A lost track that a later one continues says nothing more: that person is followed again.
    for (const l of this.lost)
      if (l.visitId === visitId && !this.continued.has(l.trackId))
        out.push({ at: l.at, position: l.position });
    return out;
  }

  /**
   * Of several visits, the one whose person passed the exit at event time `t`: a person seen at the
   * exit then, or one who walked out of the cameras' sight toward it and would reach it about then
   * (cameras see the exit lane less well than the aisles, so people vanish a few steps before it).
   * Asked a moment after `t`, it also knows who is still seen inside, and so did not leave.
   */
  nearestToExit(candidates: readonly Visit[], t: number): Visit | undefined {
    if (this.exitZones.length === 0) return undefined;
    let best: { visit: Visit; miss: number } | undefined;
    for (const visit of candidates) {
      // Each of its people inside is still seen after the pass: none of them passed it, whatever an
      // older sighting of one of them near the exit says.
      if (this.liveCount(visit.visitId, t + STAYED_MS) >= visit.peopleInside) continue;
      let miss = Infinity;
      for (const s of this.sightingsOf(visit.visitId)) {
        const d = this.toExit(s.position);
        if (d > EXIT_REACH_M) continue;
        // Still seen inside after the pass: this person stayed (whoever passed is gone from sight).
        if (s.at > t + STAYED_MS) continue;
        // When that person would pass the gate, at a walk.
        const eta = s.at + (d / WALK_M_PER_S) * 1000;
        miss = Math.min(miss, Math.abs(eta - t));
      }
      if (!best || miss < best.miss) best = { visit, miss };
    }
    return best && Number.isFinite(best.miss) ? best.visit : undefined;
  }

  private toExit(p: [number, number]): number {
    return Math.min(...this.exitZones.map((z) => distanceToPolygon(p, z)));
  }

  /** A track born at the entry that is still there, and recently: it may yet be given a scan. */
  private atEntry(track: TrackView, now: number): boolean {
    if (now - track.bornAt > 2 * this.opts.afterScanMs) return false;
    const born: [number, number] = [track.bornPlace[0], track.bornPlace[1]];
    const at: [number, number] = [track.position[0], track.position[1]];
    return this.entryZones.some(
      (z) =>
        distanceToPolygon(born, z) <= this.opts.entryReachM &&
        distanceToPolygon(at, z) <= this.opts.entryReachM + 1,
    );
  }

  /**
   * The earliest scan around a track's birth that still has room for one of its group. A scan after
   * the birth counts only while the person still stands in the entry zone (queueing at the gate)
   * or within moments of it (clocks differ): someone already walking into the store came in on an
   * earlier scan, or is a broken track.
   */
  private fromScan(track: TrackView, visits: readonly Visit[]): string | null {
    const queueing = this.entryZones.some(
      (z) => distanceToPolygon([track.position[0], track.position[1]], z) <= 0.2,
    );
    const scans = visits
      .filter(
        (v) =>
          v.channel === 'gate' &&
          v.status === 'open' &&
          v.enteredAt >= track.bornAt - this.opts.afterScanMs &&
          (queueing || v.enteredAt <= track.bornAt + SCAN_AFTER_BIRTH_MS) &&
          this.boundCount(v.visitId) < v.groupSize,
      )
      .sort((a, b) => a.enteredAt - b.enteredAt || (a.visitId < b.visitId ? -1 : 1));
    // Of gates side by side, the one the person appeared at goes first: its queue is theirs.
    const gate = this.gateNear([track.bornPlace[0], track.bornPlace[1]]);
    return (scans.find((v) => v.gateId === gate) ?? scans[0])?.visitId ?? null;
  }

  /**
   * The entry gate clearly nearest a floor point (GATE_MARGIN_M nearer than any other), or null
   * when the store gives fewer than two entry gates' positions or none stands out.
   */
  private gateNear(p: [number, number]): string | null {
    if (this.entryGates.length < 2) return null;
    const by = this.entryGates
      .map((g) => ({ id: g.id, d: Math.hypot(g.position[0] - p[0], g.position[1] - p[1]) }))
      .sort((a, b) => a.d - b.d);
    return by[1]!.d - by[0]!.d >= GATE_MARGIN_M ? by[0]!.id : null;
  }

  /**
   * Whether every person inside is followed by a live track of their visit seen at or after `since`
   * (ms): a track of nobody's is then a spare (a ghost or a duplicate), not a person the store cannot
   * name. A cart shopper is never bound to a track, so while one is inside a nameless track may be them.
   */
  everyoneFollowed(visits: readonly Visit[], since: number): boolean {
    return visits.every((v) => v.status !== 'open' || this.followed(v, since));
  }

  /** Whether each of a visit's people inside has a live track of it seen at or after `since` (ms). */
  private followed(visit: Visit, since: number, except?: string): boolean {
    return this.liveCount(visit.visitId, since, except) >= visit.peopleInside;
  }

  /** People of a visit found at the entry so far (a broken track that was continued counts once). */
  private boundCount(visitId: string): number {
    return this.people.get(visitId)?.size ?? 0;
  }

  /** Live tracks bound to a visit (but `except`) and seen at or after `since` (ms). */
  private liveCount(visitId: string, since: number, except?: string): number {
    let n = 0;
    for (const t of this.current.values())
      if (t.id !== except && this.sessions.get(t.id) === visitId && t.lastSeenAt >= since) n++;
    return n;
  }
}
