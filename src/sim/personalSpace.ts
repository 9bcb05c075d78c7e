/**
 * Bodies take room: the simulator's people keep a personal space, so that no camera is asked to
 * tell apart two people standing in one spot or walking through each other. Everyone is planned
 * in turn; each person keeps out of the way of those planned before (who keep their plans).
 */
import { bodyStateAt, pathPoint, segmentAt, type PersonPlan, type Waypoint } from './shoppers.js';
import type { BodyState } from './people/types.js';

/** Nearest two people come (m, centre to centre): about a shoulder width and a little room. */
export const PERSONAL_SPACE_M = 0.5;
/** Longest someone may be within personal space and still be only walking past (ms): 1 m at a slow walk. */
const PASSING_MS = 1200;
/** Fastest sideways step of a dodge (m/s): from a standstill, or between two dodges. */
const SIDESTEP_M_PER_S = 1;
/** Time step of the checks (ms). */
const STEP_MS = 100;

/**
 * When someone else stays within personal space of `pos` at some time in [from, to]: the time (ms)
 * they have moved away again, or null when the place is free all along.
 */
export function occupiedUntil(
  pos: readonly [number, number],
  from: number,
  to: number,
  others: readonly PersonPlan[],
): number | null {
  let until: number | null = null;
  for (const o of others) {
    if (o.exitAt < from || o.enterAt > to) continue;
    for (let t = Math.max(from, o.enterAt); t <= Math.min(to, o.exitAt); t += 2 * STEP_MS) {
      const s = near(o, t, pos, PERSONAL_SPACE_M);
      if (s === null) continue;
      let free = t;
      while (free <= o.exitAt && near(o, free, pos, PERSONAL_SPACE_M)) free += 2 * STEP_MS;
      // Someone walking past is stepped around (see `stepAside`); only someone who stays takes the
      // place, and someone standing on it still (about to leave) has it until they have gone.
      if (s.walking && free - t < PASSING_MS) continue;
      until = Math.max(until ?? -Infinity, free);
      break;
    }
  }
  return until;
}

/** Where `o` is at time t when within m of pos (their body state), else null. */
function near(o: PersonPlan, t: number, pos: readonly [number, number], m: number): BodyState | null {
  const s = bodyStateAt(o, t);
  return s !== null && Math.hypot(s.position[0] - pos[0], s.position[1] - pos[1]) < m ? s : null;
}

/** Whether a path stands still between two waypoints. */
function still(a: Waypoint, b: Waypoint): boolean {
  return Math.hypot(b.pos[0] - a.pos[0], b.pos[1] - a.pos[1]) <= 1e-6;
}

interface Dodge {
  t: number;
  offset: [number, number];
}

/**
 * Bends a walking path around the people already planned: wherever the walker would come within
 * personal space of someone, it steps sideways (away from them, across its own direction of travel)
 * just enough, easing in and out over a stride or two. Standing parts of the path stay put: a
 * place to stand is chosen free beforehand (see `occupiedUntil`). With `standingOnly`, only the
 * others' standing moments count (a walker planned earlier giving way to someone who stopped later).
 */
export function stepAside(
  path: Waypoint[],
  others: readonly PersonPlan[],
  opts: { standingOnly?: boolean } = {},
): void {
  if (path.length < 2) return;
  const from = path[0]!.t;
  const to = path[path.length - 1]!.t;
  const nearby = others.filter((o) => o.exitAt >= from && o.enterAt <= to);
  if (nearby.length === 0) return;
  const dodges: Dodge[] = [];
  // The side once chosen, as a direction on the floor: relative to the walker's own direction it
  // would flip where they turn back, and throw them through the person they step around.
  let side: [number, number] | null = null;
  for (let t = from; t <= to; t += STEP_MS) {
    const here = pathPoint(path, t);
    if (here.dir[0] === 0 && here.dir[1] === 0) {
      side = null;
      continue;
    }
    const n: [number, number] = [-here.dir[1], here.dir[0]];
    let need = 0;
    let away = 0;
    for (const o of nearby) {
      const s = bodyStateAt(o, t);
      if (!s || (opts.standingOnly && s.walking)) continue;
      const rx = here.pos[0] - s.position[0];
      const ry = here.pos[1] - s.position[1];
      if (Math.hypot(rx, ry) >= PERSONAL_SPACE_M) continue;
      const across = rx * n[0] + ry * n[1];
      const along = rx * here.dir[0] + ry * here.dir[1];
      // Keep the side once chosen while passing, so the walker does not zig-zag.
      const sgn: number =
        side !== null ? (side[0] * n[0] + side[1] * n[1] >= 0 ? 1 : -1) : across >= 0 ? 1 : -1;
      side = [n[0] * sgn, n[1] * sgn];
      const gap = Math.sqrt(Math.max(0, PERSONAL_SPACE_M ** 2 - along * along));
      need = Math.max(need, gap - sgn * across + 0.02);
      away = sgn;
    }
    if (need > 0) dodges.push({ t, offset: [n[0] * away * need, n[1] * away * need] });
    else side = null;
  }
  if (dodges.length === 0) return;
  // Ease in and out: each dodge sample also pulls its neighbours within a ramp, the largest wins.
  const RAMP_MS = 600;
  const times = new Set<number>();
  for (const d of dodges) for (let k = -RAMP_MS; k <= RAMP_MS; k += 2 * STEP_MS) times.add(d.t + k);
  const samples = [...times].filter((t) => t > from && t < to).sort((a, b) => a - b);
  // Where each walk between two stops begins and ends (ms): someone standing stays put, so a dodge
  // eases in from the start of a walk and out before its end rather than jumping off the spot.
  const walkStart: number[] = [];
  const walkEnd: number[] = [];
  for (let k = 0, start = from; k + 1 < path.length; k++) {
    const a = path[k]!;
    const b = path[k + 1]!;
    if (still(a, b)) start = b.t;
    walkStart.push(start);
  }
  for (let k = path.length - 2, end = to; k >= 0; k--) {
    const a = path[k]!;
    const b = path[k + 1]!;
    if (still(a, b)) end = a.t;
    walkEnd[k] = end;
  }
  const room = (t: number): number => {
    const k = Math.min(segmentAt(path, t), path.length - 2);
    return (SIDESTEP_M_PER_S * Math.max(0, Math.min(t - walkStart[k]!, walkEnd[k]! - t))) / 1000;
  };
  // The offset at time t: as far as the largest dodge pulling there, eased by its distance in time,
  // toward the pulling dodges' mean direction. Taking the largest dodge's own direction would jump
  // where the walker turns a corner mid-dodge (its sideways turns with it): a teleport of half a metre.
  const offsetAt = (t: number): [number, number] => {
    let sx = 0;
    let sy = 0;
    let best = 0;
    for (const d of dodges) {
      const w = Math.max(0, 1 - Math.abs(d.t - t) / RAMP_MS);
      if (w === 0) continue;
      best = Math.max(best, Math.hypot(d.offset[0], d.offset[1]) * w);
      sx += d.offset[0] * w;
      sy += d.offset[1] * w;
    }
    const len = Math.hypot(sx, sy);
    const m = Math.min(best, room(t));
    return len < 1e-9 ? [0, 0] : [(sx / len) * m, (sy / len) * m];
  };
  const inserted: Waypoint[] = [];
  for (const t of samples) {
    const here = pathPoint(path, t);
    if (here.dir[0] === 0 && here.dir[1] === 0) continue;
    const [ox, oy] = offsetAt(t);
    inserted.push({ t, pos: [here.pos[0] + ox, here.pos[1] + oy] });
  }
  // The path's own corners inside a dodge move with it: left in place, the walker would jump back
  // to the unbent path and out again between two samples (teleporting through the other person).
  const shifted = path.map((w, k): Waypoint => {
    const moving = k + 1 < path.length && !still(w, path[k + 1]!);
    const arriving = k > 0 && !still(path[k - 1]!, w);
    if (!moving || !arriving || w.t <= from || w.t >= to) return w;
    const [ox, oy] = offsetAt(w.t);
    return ox === 0 && oy === 0 ? w : { ...w, pos: [w.pos[0] + ox, w.pos[1] + oy] };
  });
  const merged = [...shifted, ...inserted].sort((a, b) => a.t - b.t);
  path.length = 0;
  path.push(...merged);
}
