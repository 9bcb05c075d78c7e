/**
 * Simulated shoppers: where each person walks, where they stop, what their hands do and when.
 *
 * A person's plan is a timed path (waypoints along the aisles) plus timed reaches. Plans say what
 * a shopper *means* to do ("take two from plate g2-s3-p4"); `scenario.ts` then plays every plan in
 * time order against the shelves, which decides what actually happens (an empty plate turns a pick
 * into a reach without taking) and so the ground truth.
 */
import { reachStance, strideLength } from './people/skeleton.js';
import type { BodyState } from './people/types.js';
import type { Rng } from './random.js';
import type { AisleMap } from './stores.js';

type P2 = [number, number];
type V3 = [number, number, number];

/** A point of a person's path: at time `t` (ms) the person is at `pos`, facing `heading` if standing. */
export interface Waypoint {
  t: number;
  pos: P2;
  /** Facing while standing still from this waypoint to the next (radians, CCW from +x). */
  heading?: number;
}

/** What a shopper means to do with one reach. */
export type ReachIntent =
  | { kind: 'pick'; count: number }
  | { kind: 'touch' }
  | { kind: 'putback'; where: 'same' | 'here' }
  | { kind: 'lean' };

/** One timed reach of a hand to a plate (times in ms). */
export interface PlannedReach {
  /** The hand starts moving. */
  t0: number;
  /** The hand touches the shelf. */
  tContact: number;
  /** The hand leaves the shelf. */
  tRelease: number;
  /** The arm is back at rest. */
  t1: number;
  plate: string;
  target: V3;
  side: 'left' | 'right';
  intent: ReachIntent;
}

/** The plan of one person of one visit. */
export interface PersonPlan {
  id: string;
  token: string;
  height: number;
  /** Passes `entryGate` at `enterAt`, `exitGate` at `exitAt` (ms). */
  enterAt: number;
  exitAt: number;
  entryGate: string;
  exitGate: string;
  path: Waypoint[];
  reaches: PlannedReach[];
  /** Stride length (m), cached from the height. */
  stride: number;
  /** Cumulative walked distance at each waypoint (m), for the gait phase. */
  dist: number[];
}

/** A plate as the shopper model sees it: where to put the hand and where to stand. */
export interface PlateSpot {
  id: string;
  fixture: string;
  shelf: string;
  index: number;
  /** Centre of the plate's front face, a little above the plate: where the wrist goes. */
  target: V3;
  facing: V3;
}

/** Routes along the aisles from a to b: up to the nearest row, across by a cross aisle if needed. */
export function aisleRoute(aisles: AisleMap, a: P2, b: P2): P2[] {
  const nearestRow = (p: P2) =>
    aisles.rows.reduce((best, y) => (Math.abs(y - p[1]) < Math.abs(best - p[1]) ? y : best));
  const ra = nearestRow(a);
  const rb = nearestRow(b);
  let pts: P2[];
  if (ra === rb) {
    pts = [a, [a[0], ra], [b[0], rb], b];
  } else {
    const col = aisles.cols.reduce((best, x) =>
      Math.abs(a[0] - x) + Math.abs(b[0] - x) < Math.abs(a[0] - best) + Math.abs(b[0] - best) ? x : best,
    );
    pts = [a, [a[0], ra], [col, ra], [col, rb], [b[0], rb], b];
  }
  const out: P2[] = [pts[0]!];
  for (const p of pts.slice(1)) {
    const last = out[out.length - 1]!;
    if (Math.hypot(p[0] - last[0], p[1] - last[1]) > 1e-6) out.push(p);
  }
  return out;
}

/** Length of a polyline (m). */
export function routeLength(pts: readonly P2[]): number {
  let d = 0;
  for (let i = 1; i < pts.length; i++)
    d += Math.hypot(pts[i]![0] - pts[i - 1]![0], pts[i]![1] - pts[i - 1]![1]);
  return d;
}

/** A point in a plan being built: see `PlanBuilder.mark`. */
export interface PlanMark {
  path: number;
  reaches: number;
  now: number;
  heading: number | undefined;
}

/** Builds plans step by step: walk somewhere, stand, reach; keeps the clock of the person. */
export class PlanBuilder {
  readonly path: Waypoint[] = [];
  readonly reaches: PlannedReach[] = [];
  readonly stride: number;
  private now: number;

  constructor(
    private readonly aisles: AisleMap,
    readonly height: number,
    /** Walking speed (m/s). */
    readonly speed: number,
    start: P2,
    t: number,
  ) {
    this.now = t;
    this.stride = strideLength(height);
    this.path.push({ t, pos: start });
  }

  /** Current time of the person (ms). */
  get t(): number {
    return this.now;
  }

  get position(): P2 {
    return this.path[this.path.length - 1]!.pos;
  }

  /** How long (ms) walking to `to` along the aisles would take. */
  walkTime(to: P2): number {
    return (routeLength(aisleRoute(this.aisles, this.position, to)) / this.speed) * 1000;
  }

  /** Walks along the aisles to `to`. */
  walkTo(to: P2): void {
    const route = aisleRoute(this.aisles, this.position, to);
    for (let i = 1; i < route.length; i++) {
      const prev = route[i - 1]!;
      const p = route[i]!;
      this.now += (Math.hypot(p[0] - prev[0], p[1] - prev[1]) / this.speed) * 1000;
      this.path.push({ t: this.now, pos: p });
    }
  }

  /** Where the plan stands now, to go back to when a step turns out not to fit (see `restore`). */
  mark(): PlanMark {
    const last = this.path[this.path.length - 1]!;
    return { path: this.path.length, reaches: this.reaches.length, now: this.now, heading: last.heading };
  }

  /** Forgets every step taken since `mark`. */
  restore(mark: PlanMark): void {
    this.path.length = mark.path;
    this.reaches.length = mark.reaches;
    this.now = mark.now;
    const last = this.path[this.path.length - 1]!;
    if (mark.heading === undefined) delete last.heading;
    else last.heading = mark.heading;
  }

  /** Stands still facing `heading` for `ms`. */
  stand(ms: number, heading?: number): void {
    const last = this.path[this.path.length - 1]!;
    if (heading !== undefined) last.heading = heading;
    this.now += Math.max(0, ms);
    this.path.push({ t: this.now, pos: last.pos, ...(heading !== undefined ? { heading } : {}) });
  }

  /** Walks to the stance for `spot` and turns to the shelf; returns the heading. */
  approach(spot: PlateSpot): number {
    const stance = reachStance(spot.target, spot.facing, this.height);
    this.walkTo(stance.position);
    this.stand(300, stance.heading);
    return stance.heading;
  }

  /**
   * Waits `ms` in the aisle in front of the spot's stance, for whoever stands there to leave: at
   * the first place along the aisle that `isFree` says nobody else takes meanwhile.
   */
  waitNear(spot: PlateSpot, ms: number, isFree: (pos: P2, from: number, to: number) => boolean): void {
    const stance = reachStance(spot.target, spot.facing, this.height);
    const route = aisleRoute(this.aisles, this.position, stance.position);
    const front = route[Math.max(0, route.length - 2)]!;
    // Along the aisle: the direction of the last leg, or across x when the stance is straight ahead.
    const last = route[route.length - 1]!;
    const along: P2 = Math.abs(last[0] - front[0]) > Math.abs(last[1] - front[1]) ? [0, 1] : [1, 0];
    let place = front;
    for (const k of [0, 1, -1, 2, -2, 3, -3]) {
      const p: P2 = [front[0] + along[0] * 0.6 * k, front[1] + along[1] * 0.6 * k];
      const at = this.now + this.walkTime(p);
      if (isFree(p, at, at + ms)) {
        place = p;
        break;
      }
    }
    this.walkTo(place);
    this.stand(ms);
  }

  /** One reach to the spot, standing where the person is. */
  reach(spot: PlateSpot, intent: ReachIntent, rng: Rng, heading: number): PlannedReach {
    const t0 = this.now;
    const tContact = t0 + rng.uniform(450, 900);
    const hold = intent.kind === 'lean' ? rng.uniform(3000, 8000) : rng.uniform(400, 1500);
    const tRelease = tContact + hold;
    const t1 = tRelease + rng.uniform(400, 800);
    // The hand nearer the plate reaches: left if the plate is to the person's left.
    const lx = -Math.sin(heading);
    const ly = Math.cos(heading);
    const pos = this.position;
    const side: 'left' | 'right' =
      (spot.target[0] - pos[0]) * lx + (spot.target[1] - pos[1]) * ly >= 0 ? 'left' : 'right';
    const r: PlannedReach = { t0, tContact, tRelease, t1, plate: spot.id, target: spot.target, side, intent };
    this.reaches.push(r);
    this.stand(t1 - t0, heading);
    return r;
  }

  /** Finishes the plan. */
  build(
    id: string,
    token: string,
    enterAt: number,
    exitAt: number,
    gates: { entry: string; exit: string },
  ): PersonPlan {
    const dist = walkedDistances(this.path);
    return {
      id,
      token,
      height: this.height,
      enterAt,
      exitAt,
      entryGate: gates.entry,
      exitGate: gates.exit,
      path: this.path,
      reaches: this.reaches,
      stride: this.stride,
      dist,
    };
  }
}

/** Cumulative walked distance at each waypoint of a path (m): a plan's `dist`, again after its path is bent. */
export function walkedDistances(path: readonly Waypoint[]): number[] {
  const dist = [0];
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1]!.pos;
    const b = path[i]!.pos;
    dist.push(dist[i - 1]! + Math.hypot(b[0] - a[0], b[1] - a[1]));
  }
  return dist;
}

/** Finds the index of the last waypoint at or before t (binary search). */
export function segmentAt(path: readonly Waypoint[], t: number): number {
  let lo = 0;
  let hi = path.length - 1;
  if (t <= path[0]!.t) return 0;
  if (t >= path[hi]!.t) return hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (path[mid]!.t <= t) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Where a path is at time t, on which segment (index of its first waypoint), and which way it moves (unit; zero standing). */
export function pathPoint(path: readonly Waypoint[], t: number): { pos: P2; dir: P2; i: number; u: number } {
  const i = segmentAt(path, t);
  const a = path[i]!;
  const b = path[Math.min(i + 1, path.length - 1)]!;
  const span = b.t - a.t;
  const u = span > 0 ? Math.min(1, Math.max(0, (t - a.t) / span)) : 0;
  const dx = b.pos[0] - a.pos[0];
  const dy = b.pos[1] - a.pos[1];
  const len = Math.hypot(dx, dy);
  return {
    pos: [a.pos[0] + dx * u, a.pos[1] + dy * u],
    dir: len > 1e-6 ? [dx / len, dy / len] : [0, 0],
    i,
    u,
  };
}

/** The body state of a person at time t (ms), or null when not in the store. */
export function bodyStateAt(plan: PersonPlan, t: number): BodyState | null {
  if (t < plan.enterAt || t > plan.exitAt) return null;
  const path = plan.path;
  const { pos: position, dir, i, u } = pathPoint(path, t);
  const a = path[i]!;
  const moving = dir[0] !== 0 || dir[1] !== 0;
  let heading: number;
  if (moving) heading = Math.atan2(dir[1], dir[0]);
  else if (a.heading !== undefined) heading = a.heading;
  else {
    // Standing without a set facing: keep the direction of the last move.
    let k = i;
    while (
      k > 0 &&
      Math.hypot(path[k]!.pos[0] - path[k - 1]!.pos[0], path[k]!.pos[1] - path[k - 1]!.pos[1]) < 1e-6
    )
      k--;
    heading =
      k > 0
        ? Math.atan2(path[k]!.pos[1] - path[k - 1]!.pos[1], path[k]!.pos[0] - path[k - 1]!.pos[0])
        : Math.PI / 2;
  }
  const walked = plan.dist[i]! + (plan.dist[Math.min(i + 1, path.length - 1)]! - plan.dist[i]!) * u;
  const state: BodyState = {
    position,
    heading,
    height: plan.height,
    walkPhase: ((2 * Math.PI * walked) / plan.stride) % (2 * Math.PI),
    walking: moving,
  };
  for (const r of plan.reaches) {
    if (t < r.t0 || t > r.t1) continue;
    const amount =
      t < r.tContact
        ? (t - r.t0) / (r.tContact - r.t0)
        : t <= r.tRelease
          ? 1
          : 1 - (t - r.tRelease) / (r.t1 - r.tRelease);
    const eased = amount * amount * (3 - 2 * amount);
    state.reach = { target: r.target, side: r.side, amount: Math.min(1, Math.max(0, eased)) };
    if (r.intent.kind === 'lean') state.lean = 0.35 * eased;
    break;
  }
  return state;
}
