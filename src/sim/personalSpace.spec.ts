import { describe, expect, it } from 'vitest';
import { occupiedUntil, PERSONAL_SPACE_M, stepAside } from './personalSpace.js';
import { simulate } from './scenarios.js';
import { bodyStateAt, walkedDistances, type PersonPlan, type Waypoint } from './shoppers.js';

/** A plan that follows `path` (enters at its first waypoint, leaves at its last). */
function plan(id: string, path: Waypoint[]): PersonPlan {
  return {
    id,
    token: id,
    height: 1.75,
    enterAt: path[0]!.t,
    exitAt: path[path.length - 1]!.t,
    entryGate: 'in',
    exitGate: 'out',
    path,
    reaches: [],
    stride: 0.7,
    dist: walkedDistances(path),
  };
}

const standing = plan('stander', [
  { t: 0, pos: [5, 2] },
  { t: 10_000, pos: [5, 2] },
]);

describe('personal space in the simulator', () => {
  it('bends a walk around someone standing in the way, by no more than it needs', () => {
    const path: Waypoint[] = [
      { t: 0, pos: [2, 2] },
      { t: 6000, pos: [8, 2] },
    ];
    stepAside(path, [standing]);
    const walker = plan('walker', path);
    let nearest = Infinity;
    let widest = 0;
    for (let t = 0; t <= 6000; t += 20) {
      const p = bodyStateAt(walker, t)!.position;
      nearest = Math.min(nearest, Math.hypot(p[0] - 5, p[1] - 2));
      widest = Math.max(widest, Math.abs(p[1] - 2));
    }
    expect(nearest).toBeGreaterThanOrEqual(PERSONAL_SPACE_M - 0.02);
    expect(widest).toBeLessThan(PERSONAL_SPACE_M + 0.1);
    // Far from the stander the walk is unchanged.
    expect(bodyStateAt(walker, 500)!.position[1]).toBe(2);
    expect(bodyStateAt(walker, 5500)!.position[1]).toBe(2);
  });

  it('leaves a walk alone when nobody is in the way', () => {
    const path: Waypoint[] = [
      { t: 0, pos: [2, 4] },
      { t: 6000, pos: [8, 4] },
    ];
    stepAside(path, [standing]);
    expect(path).toEqual([
      { t: 0, pos: [2, 4] },
      { t: 6000, pos: [8, 4] },
    ]);
  });

  it('bends the path corners inside a dodge with it, so the walker never jumps', () => {
    // A corner at the stander: left unbent, the walker would hop back onto it between two samples.
    const path: Waypoint[] = [
      { t: 0, pos: [2, 2] },
      { t: 3000, pos: [5, 2] },
      { t: 6000, pos: [8, 2] },
    ];
    stepAside(path, [standing]);
    const walker = plan('walker', path);
    let fastest = 0;
    let nearest = Infinity;
    for (let t = 20; t <= 6000; t += 20) {
      const a = bodyStateAt(walker, t - 20)!.position;
      const b = bodyStateAt(walker, t)!.position;
      fastest = Math.max(fastest, Math.hypot(b[0] - a[0], b[1] - a[1]) / 0.02);
      nearest = Math.min(nearest, Math.hypot(b[0] - 5, b[1] - 2));
    }
    expect(nearest).toBeGreaterThanOrEqual(PERSONAL_SPACE_M - 0.02);
    expect(fastest).toBeLessThan(2.5); // m/s: a brisk walk, not a teleport
  });

  /** Fastest speed (m/s) along a path, and nearest approach (m) to a point, sampled every 20 ms. */
  function walkOf(path: Waypoint[], other: [number, number]): { fastest: number; nearest: number } {
    const walker = plan('walker', path);
    let fastest = 0;
    let nearest = Infinity;
    for (let t = path[0]!.t + 20; t <= path[path.length - 1]!.t; t += 20) {
      const a = bodyStateAt(walker, t - 20)!.position;
      const b = bodyStateAt(walker, t)!.position;
      fastest = Math.max(fastest, Math.hypot(b[0] - a[0], b[1] - a[1]) / 0.02);
      nearest = Math.min(nearest, Math.hypot(b[0] - other[0], b[1] - other[1]));
    }
    return { fastest, nearest };
  }

  it('never jumps where the walker turns a corner, turns back, or sets off beside someone', () => {
    const at = (x: number, y: number) =>
      plan('stander', [
        { t: 0, pos: [x, y] },
        { t: 10_000, pos: [x, y] },
      ]);
    // A corner beside the stander: the sideways direction turns with the walker.
    const corner: Waypoint[] = [
      { t: 0, pos: [2, 2] },
      { t: 2800, pos: [4.8, 2] },
      { t: 5800, pos: [4.8, 5] },
    ];
    stepAside(corner, [at(4.6, 2.3)]);
    // Turning back beside them: the side kept must stay the same side of the floor.
    const back: Waypoint[] = [
      { t: 0, pos: [2, 2] },
      { t: 3000, pos: [5, 2] },
      { t: 6000, pos: [2, 2] },
    ];
    stepAside(back, [at(5.1, 2.15)]);
    // Setting off from a standstill right beside them: the dodge eases in, the spot stays put.
    const off: Waypoint[] = [
      { t: 0, pos: [4.7, 2] },
      { t: 1000, pos: [4.7, 2] },
      { t: 4000, pos: [7.7, 2] },
    ];
    stepAside(off, [at(5.1, 2.1)]);
    for (const [path, other] of [
      [corner, [4.6, 2.3]],
      [back, [5.1, 2.15]],
      [off, [5.1, 2.1]],
    ] as const) {
      const w = walkOf(path, [other[0], other[1]]);
      expect(w.fastest).toBeLessThan(2.5);
      expect(w.nearest).toBeGreaterThan(0.3);
    }
    expect(off[0]!.pos).toEqual([4.7, 2]);
  });

  it('keeps a place taken while someone still stands on it, though they are about to go', () => {
    const leaving = plan('leaving', [
      { t: 0, pos: [5, 2] },
      { t: 2300, pos: [5, 2] },
      { t: 5300, pos: [8, 2] },
    ]);
    expect(occupiedUntil([5, 2], 2000, 4000, [leaving])).toBeGreaterThanOrEqual(2300);
  });

  it('with standingOnly, gives way to someone standing but walks on past a walker', () => {
    const crossing = plan('crosser', [
      { t: 0, pos: [8, 2] },
      { t: 6000, pos: [2, 2] },
    ]);
    const straight: Waypoint[] = [
      { t: 0, pos: [2, 2] },
      { t: 6000, pos: [8, 2] },
    ];
    stepAside(straight, [crossing], { standingOnly: true });
    expect(straight).toHaveLength(2);
    const around: Waypoint[] = [
      { t: 0, pos: [2, 2] },
      { t: 6000, pos: [8, 2] },
    ];
    stepAside(around, [standing], { standingOnly: true });
    expect(around.length).toBeGreaterThan(2);
  });

  it('says when a place someone stands on is free again, and ignores someone only walking past', () => {
    expect(occupiedUntil([5, 2.1], 2000, 4000, [standing])).toBeGreaterThanOrEqual(10_000);
    expect(occupiedUntil([5, 3], 2000, 4000, [standing])).toBeNull();
    const passer = plan('passer', [
      { t: 0, pos: [0, 6] },
      { t: 10_000, pos: [10, 6] },
    ]);
    expect(occupiedUntil([5, 6], 0, 10_000, [passer])).toBeNull();
  });

  it('lets one person at a time pass the exit, and nobody in the standard store teleports', () => {
    const sim = simulate('standard', 4, { cameraStage: null });
    let fast = 0;
    for (const p of sim.people)
      for (let i = 1; i < p.path.length; i++) {
        const a = p.path[i - 1]!;
        const b = p.path[i]!;
        const d = Math.hypot(b.pos[0] - a.pos[0], b.pos[1] - a.pos[1]);
        // A brisk walk plus a sidestep at most; before, dodges threw people 0.8 m in 0.1 s.
        if (d > 0.05 && d / Math.max(b.t - a.t, 1e-6) > 0.004) fast++;
      }
    expect(fast).toBe(0);
    for (const a of sim.people)
      for (const b of sim.people) {
        if (a === b) continue;
        const pa = bodyStateAt(a, a.exitAt)!.position;
        const pb = bodyStateAt(b, a.exitAt)?.position;
        if (pb) expect(Math.hypot(pa[0] - pb[0], pa[1] - pb[1])).toBeGreaterThan(0.3);
      }
  });

  it('never has two shoppers on one spot in the standard store, nor walking through each other', () => {
    const sim = simulate('standard', 1, { cameraStage: null });
    let close = 0;
    const from = Math.min(...sim.people.map((p) => p.enterAt));
    const to = Math.max(...sim.people.map((p) => p.exitAt));
    const since = new Map<string, number>();
    for (let t = from; t <= to; t += 100) {
      const here = sim.people.flatMap((p) => {
        const s = bodyStateAt(p, t);
        return s ? [{ p, pos: s.position }] : [];
      });
      for (let i = 0; i < here.length; i++)
        for (let j = i + 1; j < here.length; j++) {
          const a = here[i]!;
          const b = here[j]!;
          const key = `${a.p.id}|${b.p.id}`;
          if (Math.hypot(a.pos[0] - b.pos[0], a.pos[1] - b.pos[1]) >= 0.3) {
            since.delete(key);
            continue;
          }
          const start = since.get(key) ?? t;
          since.set(key, start);
          // A graze at a corner is tolerated; 0.4 s within 0.3 m (bodies overlapping) is not.
          if (t - start === 400) close++;
        }
    }
    expect(close).toBe(0);
  });
});
