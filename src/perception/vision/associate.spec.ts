import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/random.js';
import { compileCamera, projectPoint, type Vec3 } from './camera.js';
import {
  associate,
  associateNaive,
  makeObservation,
  pairCost,
  trackCost,
  type PoseObservation,
  type TrackPrior,
} from './associate.js';
import { lookAt, syntheticScene } from './synthetic.js';

const target: Vec3 = [5, 4, 1];
const cameras = [
  lookAt('c0', [0, 0, 3], target),
  lookAt('c1', [10, 0, 3], target),
  lookAt('c2', [10, 8, 3], target),
  lookAt('c3', [0, 8, 3], target),
];
const models = cameras.map((c) => compileCamera(c));

/** Observations of the given people at t = 0 (2 px noise), tagged with whose they are, per camera shuffled. */
function observe(people: Vec3[][], seed: number): { obs: PoseObservation[]; who: number[] } {
  const rng = createRng(seed);
  const obs: PoseObservation[] = [];
  const who: number[] = [];
  models.forEach((m, ci) => {
    const order = rng.shuffle(people.map((_, i) => i));
    for (const p of order) {
      const kp = people[p]!.map((X) => {
        const px = projectPoint(m, X)!;
        return [px[0] + rng.normal(0, 2), px[1] + rng.normal(0, 2), 0.9];
      });
      const o = makeObservation(m, ci, 0, kp, 0.1);
      if (o) {
        obs.push(o);
        who.push(p);
      }
    }
  });
  return { obs, who };
}

/** People standing at the given floor points, from the synthetic template. */
function peopleAt(points: [number, number][]): Vec3[][] {
  const scene = syntheticScene({
    seed: 1,
    floor: [10, 8],
    cameras: [],
    people: points.length,
    durationMs: 0,
    noisePx: 0,
    dropRate: 0,
    maxOffsetMs: 0,
    t0: 0,
  });
  return scene.truthAt(0).map((p, i) => {
    const cx = p.joints.reduce((s, j) => s + j[0] / 17, 0);
    const cy = p.joints.reduce((s, j) => s + j[1] / 17, 0);
    return p.joints.map(([x, y, z]) => [x - cx + points[i]![0], y - cy + points[i]![1], z] as Vec3);
  });
}

describe('association', () => {
  it('pairCost is small for one person seen twice and large for two people', () => {
    const people = peopleAt([
      [4, 3],
      [6, 5],
    ]);
    const { obs, who } = observe(people, 2);
    const a = obs.findIndex((_, i) => who[i] === 0 && obs[i]!.camera === 0);
    const b = obs.findIndex((_, i) => who[i] === 0 && obs[i]!.camera === 1);
    const c = obs.findIndex((_, i) => who[i] === 1 && obs[i]!.camera === 1);
    expect(pairCost(obs[a]!, obs[b]!, models[0]!, models[1]!)).toBeLessThan(0.05);
    expect(pairCost(obs[a]!, obs[c]!, models[0]!, models[1]!)).toBeGreaterThan(0.3);
  });

  it('groups the poses of three people across four cameras, one per camera and person', () => {
    const people = peopleAt([
      [3, 3],
      [5, 4.5],
      [7, 3.5],
    ]);
    const { obs, who } = observe(people, 3);
    const groups = associateNaive(obs, models);
    expect(groups).toHaveLength(3);
    for (const g of groups) {
      expect(g.observations).toHaveLength(4);
      const owners = new Set(g.observations.map((o) => who[obs.indexOf(o)]));
      expect(owners.size).toBe(1);
      expect(new Set(g.observations.map((o) => o.camera)).size).toBe(4);
    }
  });

  it('lets tracks claim the poses that land on their prediction, and names them', () => {
    const people = peopleAt([
      [3, 3],
      [3.7, 3.2],
    ]); // close together
    const { obs, who } = observe(people, 4);
    const priors: TrackPrior[] = people.map((p, i) => ({
      trackId: `track-${i + 1}`,
      joints: Float64Array.from(p.flat()),
      mask: (1 << 17) - 1,
    }));
    expect(trackCost(obs[0]!, models[obs[0]!.camera]!, priors[who[0]!]!)).toBeLessThan(0.03);
    const groups = associate(obs, models, priors);
    expect(groups.map((g) => g.trackId).sort()).toEqual(['track-1', 'track-2']);
    for (const g of groups) {
      const id = Number(g.trackId!.slice(6)) - 1;
      expect(g.observations.every((o) => who[obs.indexOf(o)] === id)).toBe(true);
    }
  });

  it('ignores poses with too few confident joints, and is deterministic', () => {
    const kp = Array.from({ length: 17 }, (_, j) => [100 + j, 100, j < 3 ? 0.9 : 0.05]);
    expect(makeObservation(models[0]!, 0, 0, kp, 0.1)).toBeNull();
    const people = peopleAt([
      [3, 3],
      [5, 4.5],
      [7, 3.5],
    ]);
    const { obs } = observe(people, 5);
    const ids = (gs: ReturnType<typeof associateNaive>) =>
      gs.map((g) => g.observations.map((o) => obs.indexOf(o)));
    expect(ids(associateNaive(obs, models))).toEqual(ids(associateNaive(obs, models)));
  });
});
