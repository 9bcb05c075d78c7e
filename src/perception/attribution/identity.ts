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
}

export const DEFAULT_IDENTITY: IdentityOptions = {
  entryReachM: 1.2,
  afterScanMs: 15_000,
  stitchGapMs: 8_000,
  stitchReachM: 0.8,
  statureSigmaM: 0.025,
};

interface Lost {
  trackId: string;
  visitId: string;
  at: number;
  position: [number, number];
}

/**
 * Who each track is: a person at the entry belongs to the earliest scan still waiting for its
 * people (all the group's people do; someone queueing before their own scan waits unbound), and
 * gives the visit that person's stature. A track born mid-store is the visit's person of its
 * stature when one stands out (bone lengths do not change when paths cross), else continues a
 * track lost nearby shortly before. Pure: fed the tracks and visits, in event time.
 */
export class TrackIdentity {
  private readonly sessions = new Map<string, string>();
  /** Statures of each visit's people, learned from the tracks bound at the entry (key: track id). */
  private readonly people = new Map<string, Map<string, number>>();
  private readonly decided = new Set<string>();
  private readonly lost: Lost[] = [];
  private current = new Map<string, TrackView>();
  private readonly entryZones: [number, number][][];
  private readonly exitZones: [number, number][][];

  constructor(
    store: StoreDefinition,
    private readonly opts: IdentityOptions = DEFAULT_IDENTITY,
  ) {
    this.entryZones = store.zones.filter((z) => z.kind === 'entry').map((z) => z.polygon);
    this.exitZones = store.zones.filter((z) => z.kind === 'exit').map((z) => z.polygon);
  }

  /** The visit a track belongs to, or null when the store does not know. */
  sessionOf(trackId: string): string | null {
    return this.sessions.get(trackId) ?? null;
  }

  /** Tracks bound to a visit right now. */
  tracksOf(visitId: string): TrackView[] {
    return [...this.current.values()].filter((t) => this.sessions.get(t.id) === visitId);
  }

  /**
   * Takes in the current tracks: binds tracks born at the entry to the scan before them, and a track
   * that appears mid-store (a broken track) to the open visit that is missing a person, nearest to
   * where that person was last seen.
   */
  update(tracks: readonly TrackView[], visits: readonly Visit[], now: number): void {
    const next = new Map(tracks.map((t) => [t.id, t]));
    for (const [id, old] of this.current) {
      const visitId = this.sessions.get(id);
      if (!next.has(id) && visitId) {
        this.lost.push({
          trackId: id,
          visitId,
          at: old.lastSeenAt,
          position: [old.position[0], old.position[1]],
        });
      }
    }
    while (this.lost.length > 0 && this.lost[0]!.at < now - 120_000) this.lost.shift();
    this.current = next;
    for (const track of tracks) this.learnStature(track);
    const unbound = tracks
      .filter((t) => t.confirmed && !this.sessions.has(t.id))
      .sort((a, b) => a.bornAt - b.bornAt || (a.id < b.id ? -1 : 1));
    if (unbound.length === 0) return;
    const open = visits.filter((v) => v.status === 'open' && v.channel === 'gate');
    for (const track of unbound) {
      let visitId: string | null = null;
      if (!this.decided.has(track.id)) {
        if (this.atEntry(track, now)) {
          // Someone at the gate: theirs is the earliest scan still waiting for its people. A person
          // queueing before their own scan waits here unbound, not given to the scan before.
          visitId = this.fromScan(track, visits);
          if (visitId) {
            this.decided.add(track.id);
            this.founder(visitId, track.id);
            this.sessions.set(track.id, visitId);
          }
          continue;
        } else this.decided.add(track.id);
      }
      if (!visitId) {
        const byStature = this.byStature(track, open);
        // Not measured yet: wait for the track's stature rather than guess from where it appeared.
        if (byStature === undefined && track.stature === null && track.hits < 30) continue;
        visitId = byStature === undefined ? this.fromLost(track, open) : byStature;
      }
      if (visitId) this.sessions.set(track.id, visitId);
    }
  }

  /**
   * Learns the stature of a person bound at the entry from their track, while the track still
   * looks like them (a track that jumped to someone else where paths crossed must not teach it).
   */
  private learnStature(track: TrackView): void {
    const visitId = this.sessions.get(track.id);
    if (!visitId || track.stature === null) return;
    const people = this.people.get(visitId);
    const own = people?.get(track.id);
    if (own === undefined) return;
    if (
      Number.isNaN(own) ||
      track.recentStature === null ||
      Math.abs(track.recentStature - own) < this.opts.statureSigmaM
    )
      people!.set(track.id, track.stature);
  }

  /** Marks a track bound at the entry as one of the visit's people; its stature is learned as it is seen. */
  private founder(visitId: string, trackId: string): void {
    let people = this.people.get(visitId);
    if (!people) this.people.set(visitId, (people = new Map()));
    people.set(trackId, Number.NaN);
  }

  /**
   * The visit of a track by its stature: the visit with a person of that stature, when one stands
   * out (a visit missing a person is likelier). Undefined when statures cannot tell (not yet
   * measured, or nobody learned); null when they say it is nobody's.
   */
  private byStature(track: TrackView, open: readonly Visit[]): string | null | undefined {
    const h = track.recentStature ?? track.stature;
    if (h === null) return undefined;
    const scored: { visitId: string; like: number }[] = [];
    let known = 0;
    for (const v of open) {
      const statures = [...(this.people.get(v.visitId)?.values() ?? [])].filter((x) => !Number.isNaN(x));
      if (statures.length === 0) continue;
      known += 1;
      const z = Math.min(...statures.map((s) => Math.abs(s - h))) / this.opts.statureSigmaM;
      const missing = this.liveCount(v.visitId) < v.groupSize ? 1 : 0.2;
      scored.push({ visitId: v.visitId, like: Math.exp(-0.5 * z * z) * missing });
    }
    if (known === 0) return undefined;
    scored.sort((a, b) => b.like - a.like || (a.visitId < b.visitId ? -1 : 1));
    const [best, second] = scored;
    if (!best || best.like < 0.05) return null;
    if (second && best.like < 4 * second.like) return undefined;
    return best.visitId;
  }

  /** Of several visits, the one whose people are nearest the exit zone at event time `t`. */
  nearestToExit(candidates: readonly Visit[], t: number): Visit | undefined {
    if (this.exitZones.length === 0) return undefined;
    let best: { visit: Visit; d: number } | undefined;
    for (const visit of candidates) {
      let d = Infinity;
      for (const track of this.tracksOf(visit.visitId)) {
        const age = Math.max(0, t - track.lastSeenAt) / 1000;
        d = Math.min(d, this.toExit([track.position[0], track.position[1]]) + age * 0.5);
      }
      for (const l of this.lost) {
        if (l.visitId === visit.visitId && Math.abs(l.at - t) < 5000)
          d = Math.min(d, this.toExit(l.position));
      }
      if (!best || d < best.d) best = { visit, d };
    }
    return best && Number.isFinite(best.d) ? best.visit : undefined;
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

  /** The earliest scan around a track's birth (or after it) that still has room for one of its group. */
  private fromScan(track: TrackView, visits: readonly Visit[]): string | null {
    const scans = visits
      .filter(
        (v) =>
          v.channel === 'gate' &&
          v.status === 'open' &&
          v.enteredAt >= track.bornAt - this.opts.afterScanMs &&
          this.boundCount(v.visitId) < v.groupSize,
      )
      .sort((a, b) => a.enteredAt - b.enteredAt || (a.visitId < b.visitId ? -1 : 1));
    return scans[0]?.visitId ?? null;
  }

  private boundCount(visitId: string): number {
    let n = 0;
    for (const v of this.sessions.values()) if (v === visitId) n++;
    return n;
  }

  /** Live tracks bound to each visit. */
  private liveCount(visitId: string): number {
    let n = 0;
    for (const t of this.current.values()) if (this.sessions.get(t.id) === visitId) n++;
    return n;
  }

  private fromLost(track: TrackView, open: readonly Visit[]): string | null {
    const missing = open.filter((v) => this.liveCount(v.visitId) < v.groupSize);
    if (missing.length === 0) return null;
    let best: { visitId: string; d: number; lost?: Lost } | undefined;
    for (const v of missing) {
      for (const l of this.lost) {
        if (l.visitId !== v.visitId) continue;
        const gap = Math.max(0, track.bornAt - l.at);
        const d = Math.hypot(track.bornPlace[0] - l.position[0], track.bornPlace[1] - l.position[1]);
        if (d > this.opts.stitchReachM + (1.5 * gap) / 1000) continue;
        if (!best || d < best.d) best = { visitId: v.visitId, d, lost: l };
      }
    }
    // The only visit missing a person, seen or not: nobody else can it be.
    if (!best && missing.length === 1 && this.unboundCount() === 1)
      best = { visitId: missing[0]!.visitId, d: Infinity };
    if (!best) return null;
    if (best.lost) this.lost.splice(this.lost.indexOf(best.lost), 1);
    return best.visitId;
  }

  private unboundCount(): number {
    let n = 0;
    for (const t of this.current.values()) if (t.confirmed && !this.sessions.has(t.id)) n++;
    return n;
  }
}
