/**
 * Runs one simulated scenario: plans visits (gate scans, groups, paths, reaches), plays the reaches
 * in time order against the shelves (which decides the ground truth), then renders what the
 * devices send: plate weights, gate scans and passes, heartbeats and, when a camera stage is given,
 * camera poses. Last, the network: delay, some messages late (out of order) and some twice.
 *
 * Everything draws from forks of one seeded generator, one fork a stage, so the same seed gives
 * the same bytes, and adding a camera does not change the plates' noise.
 */
import type { RawMessage } from '../protocol/messages.js';
import type { Camera, StoreDefinition } from '../protocol/store.js';
import type { BodyState } from './people/types.js';
import { createRng, type Rng } from './random.js';
import {
  drawBoardClock,
  drawPlateNoise,
  plateMessages,
  type BoardClock,
  type SimPlate,
  type TimedMessage,
} from './sensors/plates.js';
import {
  bodyStateAt,
  PlanBuilder,
  type PersonPlan,
  type PlannedReach,
  type PlateSpot,
  type ReachIntent,
  walkedDistances,
} from './shoppers.js';
import { occupiedUntil, stepAside } from './personalSpace.js';
import { platesOf, type SimStore } from './stores.js';

/** Relative weights of what a shopper does with one reach. */
export interface ActionMix {
  /** Take one item. */
  pick: number;
  /** Reach and touch, take nothing. */
  touch: number;
  /** Put a held item back where it came from (a revisit). */
  putbackSame: number;
  /** Put a held item down on the plate in front (often another product's plate). */
  putbackHere: number;
  /** Two items in one grab. */
  grab2: number;
  /** Lean on the shelf for a few seconds (a large passing load). */
  lean: number;
}

/** How a scenario's visits are drawn. Times in seconds unless named otherwise. */
export interface ScenarioConfig {
  name: string;
  store: 'small' | 'large';
  cameras: boolean;
  visits: number;
  /** Arrivals spread over this many seconds. */
  windowS: number;
  /** At most this many people in the store at once. */
  maxPeople: number;
  /** Each visit starts only after the previous one left. */
  oneAtATime: boolean;
  /** Share of visits that are groups of 2–3 people on one token. */
  groupShare: number;
  /** Share of people who only browse (reaches without taking at most). */
  browseShare: number;
  /** Stops at shelves a person makes, [min, max]. */
  stops: [number, number];
  /** Reaches a stop, [min, max]. */
  reachesPerStop: [number, number];
  mix: ActionMix;
  /** Share of stops placed on purpose within 1 m and 2 s of another group's reach. */
  encounterShare: number;
  /** How bad the cameras' pose detector is (see cameras/render.ts). */
  cameraNoise: 'default' | 'hard';
  /** Network: share of messages delivered late (out of order, up to 2 s) and twice. */
  lateShare: number;
  duplicateShare: number;
}

/** What happened, for scoring: per token, and the shelf events behind it. */
export interface SimTruth {
  shoppers: { shopper: string; items: { sku: string; quantity: number }[] }[];
  /** Extension of the contract's truth: each visit's people and times, and each item movement. */
  visits: { shopper: string; people: string[]; enteredAt: number; exitedAt: number }[];
  events: {
    t: number;
    shopper: string;
    person: string;
    action: 'pick' | 'return';
    sku: string;
    plates: { plate: string; grams: number }[];
  }[];
}

/** The output of a simulation. */
export interface Simulation {
  store: StoreDefinition;
  /** Every device message, sorted by arrival (event time plus the network's disorder). */
  messages: RawMessage[];
  truth: SimTruth;
  /** Body plans of every person, for a renderer or a debugger. */
  people: PersonPlan[];
  /** Event-time span of the recording (ms). */
  span: { from: number; to: number };
}

/** Renders camera messages for people in the store; optional, so weights-only runs need no cameras. */
export interface CameraStage {
  render(input: {
    storeId: string;
    cameras: readonly Camera[];
    from: number;
    to: number;
    /** Body states of everyone in the store at time t (ms). */
    peopleAt: (t: number) => BodyState[];
    rng: Rng;
    /** The scenario's camera noise preset and seed (per-camera clock offsets differ per seed). */
    preset?: 'default' | 'hard' | 'ideal';
    seed: number;
  }): TimedMessage[];
}

/** Options of one run. */
export interface SimulateOptions {
  /** Event time of the start (ms since epoch); default 2026-01-01T09:00:00Z. */
  startT?: number;
  /** Renders camera poses; null or absent: no camera messages. */
  cameraStage?: CameraStage | null;
}

/** Default start: a fixed instant, so recordings do not depend on the clock. */
export const DEFAULT_START_T = Date.UTC(2026, 0, 1, 9, 0, 0);
const LEAD_MS = 5000;
const TAIL_MS = 5000;

interface ShelfItem {
  sku: string;
  grams: number;
  split: { plate: string; frac: number }[];
}

/** Runs one scenario on a store with a seed. */
export function runScenario(
  sim: SimStore,
  config: ScenarioConfig,
  seed: number,
  opts: SimulateOptions = {},
): Simulation {
  const store = sim.definition;
  const root = createRng(seed).fork(`scenario:${config.name}`);
  const startT = opts.startT ?? DEFAULT_START_T;
  const plates = platesOf(store);
  const spots: PlateSpot[] = plates.map((p) => ({
    id: p.id,
    fixture: p.fixture,
    shelf: p.shelf,
    index: p.index,
    target: [
      (p.box.min[0] + p.box.max[0]) / 2,
      p.facing[1] < 0 ? p.box.min[1] : p.facing[1] > 0 ? p.box.max[1] : (p.box.min[1] + p.box.max[1]) / 2,
      p.box.min[2] + 0.1,
    ],
    facing: p.facing,
  }));
  const spotById = new Map(spots.map((s) => [s.id, s]));
  const stocked = new Set(store.planogram.filter((f) => f.count > 0).map((f) => f.plate));
  const stockedSpots = spots.filter((s) => stocked.has(s.id));
  const neighbours = (id: string, d: number) => {
    const s = spotById.get(id)!;
    return spots.filter((o) => o.shelf === s.shelf && Math.abs(o.index - s.index) <= d && o.id !== id);
  };

  // ---- 1. Plan visits and people.
  const plan = root.fork('plan');
  const people: PersonPlan[] = [];
  const visits: { token: string; people: PersonPlan[]; scanAt: number; gate: string }[] = [];
  const reachLog: { t: number; spot: PlateSpot; visit: number }[] = [];
  // Each entry gate serves one group at a time: the next scan waits until the group has passed.
  const gateFree = new Map(sim.aisles.entries.map((e) => [e.gate, startT + LEAD_MS]));
  const arrivals = Array.from({ length: config.visits }, () => plan.uniform(0, config.windowS * 1000))
    .sort((a, b) => a - b)
    .map((x) => x + startT + LEAD_MS);
  for (let v = 0; v < config.visits; v++) {
    const size = plan.chance(config.groupShare) ? plan.int(2, 3) : 1;
    const entry = sim.aisles.entries.reduce((best, e) =>
      gateFree.get(e.gate)! < gateFree.get(best.gate)! ? e : best,
    );
    let at = Math.max(arrivals[v]!, gateFree.get(entry.gate)!);
    if (config.oneAtATime) {
      const lastExit = Math.max(0, ...people.map((p) => p.exitAt));
      at = Math.max(at, lastExit + plan.uniform(2000, 6000));
    }
    // Wait at the door while the store is at capacity (people leave at known times).
    for (;;) {
      // Counted: everyone not yet gone, including groups already let in at another gate who pass
      // a moment later, so that the store never holds more than maxPeople.
      const inside = people.filter((p) => p.exitAt > at);
      if (inside.length + size <= config.maxPeople) break;
      at = Math.min(...inside.map((p) => p.exitAt)) + 500;
    }
    const token = `tok-${v + 1}-${plan.int(0, 0xffffff).toString(16).padStart(6, '0')}`;
    const members: PersonPlan[] = [];
    let passAt = at + plan.uniform(600, 1200);
    for (let k = 0; k < size; k++) {
      const person = planPerson(`${token}.p${k + 1}`, v, passAt, entry);
      members.push(person);
      people.push(person);
      passAt += plan.uniform(700, 1500);
    }
    gateFree.set(entry.gate, passAt + plan.uniform(300, 800));
    visits.push({ token, people: members, scanAt: at, gate: entry.gate });
  }

  function planPerson(
    id: string,
    visit: number,
    enterAt: number,
    entry: { gate: string; pos: [number, number] },
  ): PersonPlan {
    const height = Math.min(1.95, Math.max(1.5, plan.normal(1.72, 0.09)));
    const b = new PlanBuilder(sim.aisles, height, plan.uniform(0.85, 1.35), entry.pos, enterAt);
    const browseOnly = plan.chance(config.browseShare);
    const nStops = plan.int(config.stops[0], config.stops[1]);
    const picked: string[] = [];
    let held = 0;
    for (let s = 0; s < nStops; s++) {
      let spot = plan.pick(stockedSpots);
      let meetAt: number | null = null;
      if (plan.chance(config.encounterShare)) {
        // Another group's reach coming up soon: go to a plate within 1 m of it, in time.
        const soon = reachLog.filter((r) => r.visit !== visit && r.t > b.t + 4000 && r.t < b.t + 40000);
        if (soon.length > 0) {
          const other = plan.pick(soon);
          const near = [other.spot, ...neighbours(other.spot.id, 2)].filter((o) => stocked.has(o.id));
          spot = plan.pick(near.length > 0 ? near : [other.spot]);
          meetAt = other.t;
        }
      }
      const wantsPutback =
        !browseOnly && held > 0 && plan.chance(normalized(config.mix).putbackSame) && picked.length > 0;
      if (wantsPutback) spot = spotById.get(plan.pick(picked))!;
      let stopSpot = spot;
      const planStop = () => {
        const heading = b.approach(stopSpot);
        // `approach` ends with a 300 ms turn to the shelf, standing at the stance.
        const arriveAt = b.t - 300;
        if (meetAt !== null && b.t < meetAt - 1500) b.stand(meetAt - b.t - plan.uniform(0, 1500), heading);
        else b.stand(plan.uniform(500, 4000), heading);
        const nReach = plan.int(config.reachesPerStop[0], config.reachesPerStop[1]);
        const reaches: { t: number; target: PlateSpot; intent: ReachIntent }[] = [];
        let holding = held;
        for (let r = 0; r < nReach; r++) {
          let intent: ReachIntent;
          if (wantsPutback && r === 0) intent = { kind: 'putback', where: 'same' };
          else if (browseOnly) intent = plan.chance(0.85) ? { kind: 'touch' } : { kind: 'lean' };
          else intent = drawIntent(plan, config.mix, holding);
          // A reach lands on the stop's plate or, sometimes, a neighbour on the same shelf.
          const target =
            r > 0 && plan.chance(0.3) ? plan.pick([stopSpot, ...neighbours(stopSpot.id, 1)]) : stopSpot;
          const reach = b.reach(target, intent, plan, heading);
          reaches.push({ t: reach.tContact, target, intent });
          if (intent.kind === 'pick') holding += intent.count;
          if (intent.kind === 'putback') holding = Math.max(0, holding - 1);
          b.stand(plan.uniform(200, 1500), heading);
        }
        return { arriveAt, reaches };
      };
      // Bodies take room: where someone already stands (people planned earlier keep their plans),
      // the shopper waits in the aisle when it is a moment, else browses another plate; a stop that
      // finds no room is skipped.
      const mark = b.mark();
      let stop: ReturnType<typeof planStop> | null = planStop();
      let waited = 0;
      for (let tries = 0; stop !== null; tries++) {
        const freeAt = occupiedUntil(b.position, stop.arriveAt, b.t, people);
        if (freeAt === null) break;
        const more = freeAt - stop.arriveAt;
        b.restore(mark);
        stop = null;
        if (tries === 8) break;
        const fixed = wantsPutback || meetAt !== null;
        if (waited + more < SHORT_WAIT_MS || (fixed && tries < 4)) {
          waited += more + plan.uniform(300, 1200);
          b.waitNear(stopSpot, waited, (p, from, to) => occupiedUntil(p, from, to, people) === null);
        } else {
          stopSpot = plan.pick(stockedSpots);
          waited = 0;
        }
        stop = planStop();
      }
      if (stop === null) continue;
      for (const r of stop.reaches) {
        reachLog.push({ t: r.t, spot: r.target, visit });
        if (r.intent.kind === 'pick') {
          held += r.intent.count;
          picked.push(r.target.id);
        }
        if (r.intent.kind === 'putback') held = Math.max(0, held - 1);
      }
    }
    const here = b.position;
    const exit = sim.aisles.exits.reduce((best, e) =>
      Math.hypot(e.pos[0] - here[0], e.pos[1] - here[1]) <
      Math.hypot(best.pos[0] - here[0], best.pos[1] - here[1])
        ? e
        : best,
    );
    // One person at a time passes the exit: someone finding another there waits where they are.
    const dwell = plan.uniform(200, 800);
    const beforeExit = b.mark();
    for (let tries = 0, waited = 0; tries < 20; tries++) {
      b.walkTo(exit.pos);
      const busy = occupiedUntil(exit.pos, b.t, b.t + dwell, people);
      if (busy === null) break;
      waited += busy - b.t + 200;
      b.restore(beforeExit);
      b.stand(waited);
    }
    const exitAt = b.t + dwell;
    b.stand(dwell);
    // Walkers step around whoever is in their way (people planned earlier keep their paths).
    stepAside(b.path, people);
    // The token is set once the visit is complete.
    return b.build(id, '', enterAt, exitAt, { entry: entry.gate, exit: exit.gate });
  }

  // Someone planned earlier walks on as planned, even through a person planned later who stopped in
  // the aisle: each walker also gives way to those who stand there, whenever they were planned.
  for (let i = 0; i < people.length; i++) {
    const person = people[i]!;
    stepAside(person.path, people.slice(i + 1), { standingOnly: true });
    person.dist = walkedDistances(person.path);
  }
  for (const v of visits) for (const p of v.people) p.token = v.token;

  // ---- 2. Shelves: initial items, then every reach in time order.
  const shelfRng = root.fork('shelves');
  const productBySku = new Map(store.products.map((p) => [p.sku, p]));
  const items = new Map<string, ShelfItem[]>(plates.map((p) => [p.id, []]));
  for (const facing of store.planogram) {
    const product = productBySku.get(facing.sku)!;
    for (let k = 0; k < facing.count; k++) {
      const grams = Math.max(1, shelfRng.normal(product.weight.mean, product.weight.std));
      items.get(facing.plate)!.push({ sku: facing.sku, grams, split: splitOn(facing.plate, shelfRng) });
    }
  }
  function splitOn(plate: string, rng: Rng): { plate: string; frac: number }[] {
    const nb = neighbours(plate, 1);
    const u = rng.next();
    // Most items sit on one plate; some straddle a border, a few (wide bags) lie over three.
    if (u < 0.72 || nb.length === 0) return [{ plate, frac: 1 }];
    if (u < 0.95 || nb.length < 2) {
      const main = rng.uniform(0.55, 0.85);
      return [
        { plate, frac: main },
        { plate: rng.pick(nb).id, frac: 1 - main },
      ];
    }
    const main = rng.uniform(0.4, 0.6);
    const side = (1 - main) / 2;
    return [
      { plate, frac: main },
      { plate: nb[0]!.id, frac: side },
      { plate: nb[1]!.id, frac: side },
    ];
  }
  const simPlates = new Map<string, SimPlate>();
  const noiseRng = root.fork('plate-noise');
  for (const p of plates) {
    simPlates.set(p.id, {
      id: p.id,
      board: p.fixture,
      base: noiseRng.uniform(200, 2500),
      noise: drawPlateNoise(noiseRng),
      steps: [],
      transients: [],
    });
  }
  for (const list of items.values())
    for (const it of list) for (const s of it.split) simPlates.get(s.plate)!.base += it.grams * s.frac;

  const truthEvents: SimTruth['events'] = [];
  const holding = new Map<string, (ShelfItem & { from: string })[]>();
  const allReaches: { person: PersonPlan; reach: PlannedReach }[] = [];
  for (const person of people) for (const reach of person.reaches) allReaches.push({ person, reach });
  allReaches.sort((a, b) => a.reach.tContact - b.reach.tContact || (a.person.id < b.person.id ? -1 : 1));
  const act = root.fork('act');
  for (const { person, reach } of allReaches) {
    const plate = simPlates.get(reach.plate)!;
    const held = holding.get(person.id) ?? [];
    holding.set(person.id, held);
    if (reach.intent.kind === 'lean') {
      const load = act.uniform(1500, 5000);
      plate.transients.push({ t0: reach.tContact, t1: reach.tRelease, grams: load * 0.5 });
      for (const nb of neighbours(reach.plate, 1))
        simPlates.get(nb.id)!.transients.push({
          t0: reach.tContact + act.uniform(0, 200),
          t1: reach.tRelease,
          grams: load * 0.25,
        });
      continue;
    }
    // The hand rests on the shelf (a bump) or lifts a neighbouring item's edge (a dip).
    plate.transients.push({
      t0: reach.tContact,
      t1: reach.tRelease,
      grams: act.chance(0.75) ? act.uniform(40, 350) : -act.uniform(5, 40),
    });
    const tAct = act.uniform(reach.tContact + 150, Math.max(reach.tContact + 200, reach.tRelease - 100));
    if (reach.intent.kind === 'pick') {
      const here = items.get(reach.plate)!;
      for (let k = 0; k < reach.intent.count && here.length > 0; k++) {
        const it = here.splice(act.int(0, here.length - 1), 1)[0]!;
        const t = tAct + k * act.uniform(0, 80);
        const ramp = act.uniform(150, 450);
        for (const s of it.split)
          simPlates.get(s.plate)!.steps.push({ t, grams: -it.grams * s.frac, rampMs: ramp });
        held.push({ ...it, from: reach.plate });
        truthEvents.push({
          t,
          shopper: person.token,
          person: person.id,
          action: 'pick',
          sku: it.sku,
          plates: it.split.map((s) => ({ plate: s.plate, grams: round2(-it.grams * s.frac) })),
        });
      }
    } else if (reach.intent.kind === 'putback' && held.length > 0) {
      const idx =
        reach.intent.where === 'same'
          ? Math.max(
              0,
              findLastIndex(held, (h) => h.from === reach.plate),
            )
          : held.length - 1;
      const it = held.splice(idx, 1)[0]!;
      const placed: ShelfItem = { sku: it.sku, grams: it.grams, split: splitOn(reach.plate, act) };
      items.get(reach.plate)!.push(placed);
      const ramp = act.uniform(150, 400);
      for (const s of placed.split)
        simPlates.get(s.plate)!.steps.push({ t: tAct, grams: it.grams * s.frac, rampMs: ramp });
      truthEvents.push({
        t: tAct,
        shopper: person.token,
        person: person.id,
        action: 'return',
        sku: it.sku,
        plates: placed.split.map((s) => ({ plate: s.plate, grams: round2(it.grams * s.frac) })),
      });
    }
  }
  for (const p of simPlates.values()) p.steps.sort((a, b) => a.t - b.t);

  // ---- 3. Device messages.
  const from = startT;
  const to = Math.max(startT + LEAD_MS, ...people.map((p) => p.exitAt)) + TAIL_MS;
  const clocks = new Map<string, BoardClock>();
  const clockRng = root.fork('clocks');
  for (const f of store.fixtures) clocks.set(f.id, drawBoardClock(clockRng));
  const timed: TimedMessage[] = plateMessages(
    store.id,
    [...simPlates.values()],
    clocks,
    from,
    to,
    root.fork('plates'),
  );

  const gateRng = root.fork('gates');
  // Gate controllers keep NTP time within ±20 ms.
  const gateOffset = new Map(store.gates.map((g) => [g.id, gateRng.uniform(-20, 20)]));
  const prefix = `walkout/v1/${store.id}`;
  const gateMsg = deviceMessages(prefix, 'gates', gateOffset);
  for (const v of visits) {
    timed.push(
      gateMsg(v.gate, 'scan', v.scanAt, {
        token: v.token,
        method: gateRng.pick(['qr', 'qr', 'card', 'palm'] as const),
      }),
    );
    for (const p of v.people) {
      timed.push(gateMsg(p.entryGate, 'pass', p.enterAt, { direction: 'in' }));
      timed.push(gateMsg(p.exitGate, 'pass', p.exitAt, { direction: 'out' }));
    }
  }
  // Heartbeats: each board every 10 s, so a silent board can be told from a quiet shelf.
  for (const f of store.fixtures) {
    const off = clocks.get(f.id)!.offsetMs;
    for (let t = from + 10_000; t < to; t += 10_000) {
      timed.push({
        sentAt: t,
        msg: { topic: `${prefix}/devices/${f.id}/status`, payload: { t: round1(t + off), ok: true } },
      });
    }
  }
  if (opts.cameraStage && config.cameras && store.cameras.length > 0) {
    const peopleAt = (t: number): BodyState[] => {
      const out: BodyState[] = [];
      for (const p of people) {
        const s = bodyStateAt(p, t);
        if (s) out.push(s);
      }
      return out;
    };
    for (const m of opts.cameraStage.render({
      storeId: store.id,
      cameras: store.cameras,
      from,
      to,
      peopleAt,
      rng: root.fork('cameras'),
      preset: config.cameraNoise,
      seed,
    }))
      timed.push(m);
  }

  // ---- 4. Network: delay, reordering within ~2 s, duplicates.
  const delivered = deliverOverNetwork(timed, root.fork('network'), config);

  // ---- 5. Truth per token.
  const truth: SimTruth = { shoppers: [], visits: [], events: truthEvents.sort((a, b) => a.t - b.t) };
  for (const v of visits) {
    const counts = new Map<string, number>();
    for (const p of v.people)
      for (const it of holding.get(p.id) ?? []) counts.set(it.sku, (counts.get(it.sku) ?? 0) + 1);
    truth.shoppers.push({
      shopper: v.token,
      items: [...counts.entries()]
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([sku, quantity]) => ({ sku, quantity })),
    });
    truth.visits.push({
      shopper: v.token,
      people: v.people.map((p) => p.id),
      enteredAt: round1(Math.min(...v.people.map((p) => p.enterAt))),
      exitedAt: round1(Math.max(...v.people.map((p) => p.exitAt))),
    });
  }
  return { store, messages: delivered, truth, people, span: { from, to } };
}

/** Longest a shopper waits for a place at a shelf before browsing elsewhere (ms). */
const SHORT_WAIT_MS = 8000;

function drawIntent(rng: Rng, mix: ActionMix, held: number): ReachIntent {
  const kinds = ['pick', 'touch', 'putbackHere', 'grab2', 'lean'] as const;
  const weights = [mix.pick, mix.touch, held > 0 ? mix.putbackHere : 0, mix.grab2, mix.lean];
  switch (rng.weighted(kinds, weights)) {
    case 'pick':
      return { kind: 'pick', count: 1 };
    case 'touch':
      return { kind: 'touch' };
    case 'putbackHere':
      return { kind: 'putback', where: 'here' };
    case 'grab2':
      return { kind: 'pick', count: 2 };
    case 'lean':
      return { kind: 'lean' };
  }
}

function normalized(mix: ActionMix): ActionMix {
  const total = mix.pick + mix.touch + mix.putbackSame + mix.putbackHere + mix.grab2 + mix.lean;
  return {
    pick: mix.pick / total,
    touch: mix.touch / total,
    putbackSame: mix.putbackSame / total,
    putbackHere: mix.putbackHere / total,
    grab2: mix.grab2 / total,
    lean: mix.lean / total,
  };
}

function findLastIndex<T>(xs: readonly T[], f: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (f(xs[i]!)) return i;
  return -1;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Makes one family's device messages (`{prefix}/{family}/{id}/{leaf}`), sent at the true time and
 * stamped with the device's own clock (its offset from true time, ms).
 */
export function deviceMessages(
  prefix: string,
  family: 'gates' | 'carts',
  clockOffset: ReadonlyMap<string, number>,
) {
  return (id: string, leaf: string, trueT: number, payload: Record<string, unknown>): TimedMessage => ({
    sentAt: trueT,
    msg: {
      topic: `${prefix}/${family}/${id}/${leaf}`,
      payload: { t: round1(trueT + (clockOffset.get(id) ?? 0)), ...payload },
    },
  });
}

/**
 * The network between devices and the store: a few milliseconds of delay, a share of messages late
 * (out of order by up to 2 s) and a share delivered twice. Returns the messages in arrival order.
 */
export function deliverOverNetwork(
  timed: readonly TimedMessage[],
  net: Rng,
  config: Pick<ScenarioConfig, 'lateShare' | 'duplicateShare'>,
): RawMessage[] {
  const arrivals: { at: number; i: number; msg: RawMessage }[] = [];
  timed.forEach((m, i) => {
    let at = m.sentAt + 2 + net.exponential(12);
    if (net.chance(config.lateShare)) at += net.uniform(200, 2000);
    arrivals.push({ at, i, msg: m.msg });
    if (net.chance(config.duplicateShare))
      arrivals.push({ at: at + net.uniform(5, 1500), i: i + 0.5, msg: m.msg });
  });
  arrivals.sort((a, b) => a.at - b.at || a.i - b.i);
  return arrivals.map((a) => a.msg);
}
