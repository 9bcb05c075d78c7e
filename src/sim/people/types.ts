/**
 * Shared types of the simulated people: their body state (what the shopper model decides) and
 * their 3D skeleton (what cameras see).
 */
import type { JointName } from '../../protocol/ids.js';
import type { Rng as SimRng } from '../random.js';

/** A store-frame point or direction, metres. */
export type Vec3 = [number, number, number];

/**
 * The part of the simulator's seeded generator that people and cameras draw from. Kept this small
 * so that any seeded source (the simulator's `createRng`, a test stub) fits.
 */
export type Rng = Pick<SimRng, 'next' | 'normal'>;

/** A hand moving to a point, e.g. the front face of a plate. */
export interface Reach {
  /** Where the wrist goes at `amount` 1 (store frame, metres). */
  target: Vec3;
  side: 'left' | 'right';
  /** 0 = arm at rest, 1 = wrist at the target; in between the wrist moves along the straight line. */
  amount: number;
}

/** What the shopper model decides about one person at one instant; the skeleton follows from it. */
export interface BodyState {
  /** Floor point under the pelvis (store frame, metres). */
  position: [number, number];
  /** Facing direction on the floor, radians counter-clockwise from +x. */
  heading: number;
  /** Standing height in metres (realistic: 1.5–1.95); default 1.75. */
  height?: number;
  /** Gait cycle angle in radians; 2π is one stride (two steps). See `strideLength`. */
  walkPhase: number;
  /** Whether the legs and arms swing; a standing person ignores `walkPhase`. */
  walking: boolean;
  reach?: Reach;
  /** Forward bend of the trunk at the hips, radians (0 upright; about 0.3–0.5 leaning on a shelf). */
  lean?: number;
}

/** A 3D COCO-17 skeleton, store frame, metres. */
export type Skeleton = Record<JointName, Vec3>;

/** Number of floats in a flat skeleton: 17 joints × xyz, in COCO order. */
export const FLAT_SKELETON_SIZE = 51;
