import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';
import { aisleRoute, bodyStateAt, PlanBuilder, routeLength, type PlateSpot } from './shoppers.js';
import { smallStore } from './stores.js';

const { aisles } = smallStore(1);
const spot: PlateSpot = {
  id: 'g1-s3-p4',
  fixture: 'g1',
  shelf: 'g1-s3',
  index: 3,
  target: [2.65, 2.6, 0.95],
  facing: [0, -1, 0],
};

describe('aisleRoute', () => {
  it('goes up to an aisle, along it, and across by a cross aisle when the rows differ', () => {
    const route = aisleRoute(aisles, [1, 0.5], [6, 5]);
    expect(route[0]).toEqual([1, 0.5]);
    expect(route[route.length - 1]).toEqual([6, 5]);
    for (let i = 1; i < route.length; i++) {
      const [a, b] = [route[i - 1]!, route[i]!];
      expect(a[0] === b[0] || a[1] === b[1]).toBe(true); // axis-aligned legs only
    }
    expect(routeLength(route)).toBeGreaterThanOrEqual(5 + 4.5);
  });
});

describe('a shopper reaching for a plate', () => {
  const b = new PlanBuilder(aisles, 1.75, 1.2, aisles.entry, 1000);
  const heading = b.approach(spot);
  const reach = b.reach(spot, { kind: 'pick', count: 1 }, createRng(1), heading);
  b.walkTo(aisles.exit);
  const plan = b.build('p1', 'tok', 1000, b.t, { entry: 'gate-in', exit: 'gate-out' });

  it('walks, with the gait phase advancing, then stands facing the shelf with the wrist at the plate', () => {
    const walking = bodyStateAt(plan, 1500)!;
    expect(walking.walking).toBe(true);
    expect(walking.walkPhase).toBeGreaterThan(0);
    const holding = bodyStateAt(plan, (reach.tContact + reach.tRelease) / 2)!;
    expect(holding.walking).toBe(false);
    expect(holding.heading).toBeCloseTo(Math.PI / 2, 5); // facing +y, toward the shelf front at y 2.6
    expect(holding.reach?.amount).toBe(1);
    expect(holding.reach?.target).toEqual(spot.target);
    expect(Math.hypot(holding.position[0] - 2.65, holding.position[1] - 2.6)).toBeLessThan(0.6);
  });

  it('is out of the store before entering and after leaving', () => {
    expect(bodyStateAt(plan, 999)).toBeNull();
    expect(bodyStateAt(plan, plan.exitAt + 1)).toBeNull();
  });
});
