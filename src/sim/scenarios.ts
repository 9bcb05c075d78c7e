/**
 * The named scenarios and their fixed seed suites, and the simulator's entry points:
 * `simulate(name, seed)` for a recording, `simulateLive(name, seed, startT)` for the live demo.
 */
import type { RawMessage } from '../protocol/messages.js';
import { WalkoutError } from '../protocol/errors.js';
import { runScenario, type CameraStage, type ScenarioConfig, type Simulation } from './scenario.js';
import { cameraStage as defaultCameraStage } from './cameraStage.js';
import { largeStore, smallStore, type SimStore } from './stores.js';
import { cartStore, simulateCarts } from './carts.js';

/** Names of the scenarios. */
export const SCENARIO_NAMES = ['weights', 'standard', 'crowded', 'adversarial', 'large', 'carts'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

const NETWORK = { lateShare: 0.004, duplicateShare: 0.002 };
const DEFAULT_CAMS = { cameraNoise: 'default' as const };
const HARD_CAMS = { cameraNoise: 'hard' as const };
const CALM = { pick: 0.72, touch: 0.1, putbackSame: 0.06, putbackHere: 0.03, grab2: 0.06, lean: 0.03 };

/** Every scenario's parameters. */
export const SCENARIOS: Record<ScenarioName, ScenarioConfig> = {
  weights: {
    name: 'weights',
    store: 'small',
    cameras: false,
    visits: 6,
    windowS: 60,
    maxPeople: 1,
    oneAtATime: true,
    groupShare: 0,
    browseShare: 0.1,
    stops: [1, 4],
    reachesPerStop: [1, 3],
    mix: CALM,
    encounterShare: 0,
    ...NETWORK,
    ...DEFAULT_CAMS,
  },
  standard: {
    name: 'standard',
    store: 'small',
    cameras: true,
    visits: 30,
    windowS: 540,
    maxPeople: 8,
    oneAtATime: false,
    groupShare: 0.2,
    browseShare: 0.1,
    stops: [1, 5],
    reachesPerStop: [1, 3],
    mix: CALM,
    encounterShare: 0.2,
    ...NETWORK,
    ...DEFAULT_CAMS,
  },
  crowded: {
    name: 'crowded',
    store: 'small',
    cameras: true,
    visits: 60,
    windowS: 300,
    maxPeople: 25,
    oneAtATime: false,
    groupShare: 0.25,
    browseShare: 0.1,
    stops: [2, 6],
    reachesPerStop: [1, 3],
    mix: CALM,
    encounterShare: 0.5,
    ...NETWORK,
    ...HARD_CAMS,
  },
  adversarial: {
    // About 40% of reaches confuse: touches, wrong-plate put-backs, two in one grab, leaning.
    name: 'adversarial',
    store: 'small',
    cameras: true,
    visits: 30,
    windowS: 540,
    maxPeople: 8,
    oneAtATime: false,
    groupShare: 0.3,
    browseShare: 0.15,
    stops: [2, 5],
    reachesPerStop: [1, 3],
    mix: { pick: 0.6, touch: 0.14, putbackSame: 0.04, putbackHere: 0.1, grab2: 0.08, lean: 0.04 },
    encounterShare: 0.35,
    ...NETWORK,
    ...HARD_CAMS,
  },
  large: {
    name: 'large',
    store: 'large',
    cameras: true,
    visits: 70,
    windowS: 90,
    maxPeople: 50,
    oneAtATime: false,
    groupShare: 0.2,
    browseShare: 0.1,
    stops: [3, 6],
    reachesPerStop: [1, 3],
    mix: CALM,
    encounterShare: 0.25,
    ...NETWORK,
    ...DEFAULT_CAMS,
  },
  carts: {
    // Smart carts (src/sim/carts.ts): visits, window and the network are read; at most 8 carts at once.
    name: 'carts',
    store: 'small',
    cameras: false,
    visits: 20,
    windowS: 300,
    maxPeople: 8,
    oneAtATime: false,
    groupShare: 0,
    browseShare: 0,
    stops: [3, 10],
    reachesPerStop: [1, 1],
    mix: CALM,
    encounterShare: 0,
    ...NETWORK,
    ...DEFAULT_CAMS,
  },
};

/** The fixed seeds each scenario's benchmark suite runs. */
export const SUITES: Record<ScenarioName, readonly number[]> = {
  weights: [1, 2, 3, 4, 5, 6, 7, 8],
  standard: [1, 2, 3],
  crowded: [1, 2],
  adversarial: [1, 2, 3],
  large: [1],
  carts: [1, 2, 3],
};

/** Checks a scenario name, naming the choices on a misfit. */
export function scenarioByName(name: string): ScenarioConfig {
  if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `scenario: expected one of ${SCENARIO_NAMES.join(', ')}, got "${name}"`,
    );
  }
  return SCENARIOS[name as ScenarioName];
}

/** The store a scenario runs in (fixed: the same for every seed). */
export function scenarioStore(name: ScenarioName | string): SimStore {
  const config = scenarioByName(name);
  if (config.name === 'carts') return cartStore();
  return config.store === 'large'
    ? largeStore(1, { cameras: config.cameras })
    : smallStore(1, { cameras: config.cameras });
}

/** Options of `simulate`. */
export interface SimulationOptions {
  startT?: number;
  /**
   * Renders camera poses. Default: the simulator's own camera stage when the scenario has cameras;
   * null: no camera messages (faster, for weights-only work).
   */
  cameraStage?: CameraStage | null;
}

/** Simulates a scenario with a seed: store, messages sorted by arrival, ground truth. Deterministic. */
export function simulate(
  name: ScenarioName | string,
  seed: number,
  opts: SimulationOptions = {},
): Simulation {
  if (!Number.isInteger(seed) || seed < 0)
    throw new WalkoutError('WO_INPUT_INVALID', `seed: expected a non-negative integer, got ${seed}`);
  if (name === 'carts') return simulateCarts(scenarioByName(name), seed, opts);
  const cameraStage = opts.cameraStage === undefined ? defaultCameraStage() : opts.cameraStage;
  return runScenario(scenarioStore(name), scenarioByName(name), seed, { ...opts, cameraStage });
}

/** Event time of a message, or NaN when its payload has none. */
function eventTime(m: RawMessage): number {
  const p = m.payload as { t?: unknown } | null;
  return typeof p === 'object' && p !== null && typeof p.t === 'number' ? p.t : Number.NaN;
}

/**
 * The scenario for the live demo, starting at event time `startT`: the store, the truth, and the
 * messages in event-time order (each once), for the caller to publish when the wall clock reaches `t`.
 */
export function simulateLive(
  name: ScenarioName | string,
  seed: number,
  startT: number,
  opts: Omit<SimulationOptions, 'startT'> = {},
): Omit<Simulation, 'messages'> & { messages: IterableIterator<{ t: number; message: RawMessage }> } {
  const sim = simulate(name, seed, { ...opts, startT });
  const seen = new Set<RawMessage>();
  const ordered = sim.messages
    .filter((m) => (seen.has(m) ? false : (seen.add(m), true)))
    .map((message, i) => ({ t: eventTime(message), i, message }))
    .sort((a, b) => a.t - b.t || a.i - b.i);
  function* iterate(): IterableIterator<{ t: number; message: RawMessage }> {
    for (const { t, message } of ordered) yield { t, message };
  }
  return { ...sim, messages: iterate() };
}
