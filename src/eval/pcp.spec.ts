import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PeopleFrame } from '../protocol/results.js';
import { parseTruthPeople, pcpPerActor, type TruthPeople } from './pcp.js';

type P = [number, number, number];
/** A simple standing skeleton with every limb 0.3 m long, offset by (x, 0, 0). */
function skeleton(x: number): Record<string, P> {
  const j: Record<string, P> = {};
  for (const [side, y] of [
    ['left', 0.2],
    ['right', -0.2],
  ] as const) {
    j[`${side}_shoulder`] = [x, y, 1.5];
    j[`${side}_elbow`] = [x, y, 1.2];
    j[`${side}_wrist`] = [x, y, 0.9];
    j[`${side}_hip`] = [x, y / 2, 0.9];
    j[`${side}_knee`] = [x, y / 2, 0.6];
    j[`${side}_ankle`] = [x, y / 2, 0.3];
  }
  return j;
}
const truth = (frames: number): TruthPeople => ({
  frames: Array.from({ length: frames }, (_, i) => ({
    t: 1000 + i * 40,
    people: [
      { actor: 1, joints: skeleton(0) },
      { actor: 3, joints: skeleton(2) },
    ],
  })),
});
const est = (t: number, people: { id: string; joints: Record<string, P> }[]): PeopleFrame => ({
  t,
  people: people.map((p) => ({ ...p, session: null })),
});

describe('limb PCP', () => {
  it('scores a perfect estimate 100, and the same person matched to the other actor 0', () => {
    const frames = [0, 1, 2].map((i) => est(1000 + i * 40, [{ id: 'track-1', joints: skeleton(0) }]));
    const r = pcpPerActor(truth(3), frames);
    expect(r.map((a) => [a.actor, a.pcp, a.total, a.matched])).toEqual([
      ['1', 100, 24, 3],
      ['3', 0, 24, 3],
    ]);
    expect(r[0]!.perLimb.left_lower_leg).toBe(100);
  });

  it('matches each actor to the nearest estimated person, within 20 ms only', () => {
    const frames = [
      est(1000 + 15, [
        { id: 'a', joints: skeleton(2) },
        { id: 'b', joints: skeleton(0) },
      ]),
      est(1040 + 25, [{ id: 'b', joints: skeleton(0) }]),
    ];
    const r = pcpPerActor(truth(2), frames);
    expect(r.map((a) => [a.actor, a.correct, a.matched])).toEqual([
      ['1', 8, 1],
      ['3', 8, 1],
    ]);
  });

  it('counts a limb correct up to half its length of mean end-joint error', () => {
    const shifted = (dz: number) =>
      Object.fromEntries(Object.entries(skeleton(0)).map(([k, [x, y, z]]) => [k, [x + dz, y, z] as P]));
    expect(pcpPerActor(truth(1), [est(1000, [{ id: 'x', joints: shifted(0.149) }])])[0]!.pcp).toBe(100);
    expect(pcpPerActor(truth(1), [est(1000, [{ id: 'x', joints: shifted(0.151) }])])[0]!.pcp).toBe(0);
    // A missing wrist fails both lower arms only.
    const j = skeleton(0);
    delete j.left_wrist;
    delete j.right_wrist;
    expect(pcpPerActor(truth(1), [est(1000, [{ id: 'x', joints: j }])])[0]!.correct).toBe(6);
  });

  it('parses a truth file and names the misfit field of a bad one', () => {
    expect(
      parseTruthPeople({ frames: [{ t: 1, people: [{ actor: 1, joints: { nose: [0, 0, 0] } }] }] }).frames,
    ).toHaveLength(1);
    expect(() => parseTruthPeople({ frames: [{ t: 'x', people: [] }] })).toThrow(/frames\.0\.t/);
    expect(() =>
      parseTruthPeople({ frames: [{ t: 1, people: [{ actor: 1, joints: { nose: [0, 0] } }] }] }),
    ).toThrow(/joints\.nose/);
    expect(() => parseTruthPeople(null)).toThrow(/truth-people rejected/);
    fc.assert(
      fc.property(fc.anything(), (x) => {
        try {
          parseTruthPeople(x);
        } catch (e) {
          expect(String(e)).toMatch(/truth-people rejected/);
        }
      }),
    );
  });
});
