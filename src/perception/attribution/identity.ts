import type { StoreDefinition } from '../../protocol/store.js';
import type { Visit } from '../../store/visit.js';
import { distanceToPolygon } from '../geometry.js';
import type { TrackView } from '../vision/vision.js';

/** Tunables of binding tracks to visits. */
export interface IdentityOptions {
  /** A track born this close to the entry zone (m) counts as born at the entry. */
  entryReachM: number;
  /** A track born at the entry this long after a scan (ms) belongs to it (groups walk in over ~10 s). */
  afterScanMs: number;
  /** A track may appear this long before its scan is heard (ms): clocks differ. */
  beforeScanMs: number;
  /** A track born mid-store continues a lost one that ended at most this long before (ms)… */
  stitchGapMs: number;
  /** …this close (m), plus walking speed times the gap. */
  stitchReachM: number;
}

export const DEFAULT_IDENTITY: IdentityOptions = {
  entryReachM: 1.2,
  afterScanMs: 15_000,
  beforeScanMs: 2_000,
  stitchGapMs: 8_000,
  stitchReachM: 0.8,
};

interface Lost {
  trackId: string;
  visitId: string;
  at: number;
  position: [number, number];
}

/**
 * Who each track is: a track born in the entry zone just after a scan belongs to that token's
 * visit (all the group's people do); a track born mid-store continues a track lost nearby shortly
 * before. Pure: fed the tracks and visits, in event time.
 */
export class TrackIdentity {
  private readonly sessions = new Map<string, string>();
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
    const unbound = tracks
      .filter((t) => t.confirmed && !this.sessions.has(t.id))
      .sort((a, b) => a.bornAt - b.bornAt || (a.id < b.id ? -1 : 1));
    if (unbound.length === 0) return;
    const open = visits.filter((v) => v.status === 'open' && v.channel === 'gate');
    for (const track of unbound) {
      let visitId: string | null = null;
      if (!this.decided.has(track.id)) {
        this.decided.add(track.id);
        visitId = this.fromEntry(track, visits);
      }
      visitId ??= this.fromLost(track, open);
      if (visitId) this.sessions.set(track.id, visitId);
    }
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

  private fromEntry(track: TrackView, visits: readonly Visit[]): string | null {
    const born: [number, number] = [track.bornPlace[0], track.bornPlace[1]];
    const nearEntry = this.entryZones.some((z) => distanceToPolygon(born, z) <= this.opts.entryReachM);
    if (!nearEntry) return null;
    const scans = visits
      .filter(
        (v) =>
          v.channel === 'gate' &&
          v.enteredAt <= track.bornAt + this.opts.beforeScanMs &&
          v.enteredAt >= track.bornAt - this.opts.afterScanMs,
      )
      .sort((a, b) => a.enteredAt - b.enteredAt || (a.visitId < b.visitId ? -1 : 1));
    // People walk in in the order they scanned: the earliest scan that still has room for one more
    // of its group; else the latest scan.
    const withRoom = scans.find((v) => this.boundCount(v.visitId) < v.groupSize);
    return (withRoom ?? scans[scans.length - 1])?.visitId ?? null;
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
