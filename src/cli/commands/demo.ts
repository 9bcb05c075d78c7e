import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { openCommerceSide } from '../../server/commerceSide.js';
import { ledgerRepository } from '../../adapters/sql/ledgerRepository.js';
export { catalogOf } from '../../server/commerceSide.js';
import { WalkoutError } from '../../protocol/errors.js';
import type { PeopleFrame } from '../../protocol/results.js';
import type { StoreDefinition } from '../../protocol/store.js';
import { topicFor } from '../../protocol/topics.js';
import { DEMO_STAFF, parseStaffList, requireStaff, staffAuth } from '../../server/routes/auth.js';
import { WeightTraces } from '../../server/routes/watch.js';
import { startWalkoutServer, type WalkoutServer } from '../../server/server.js';
import { Worker } from 'node:worker_threads';
import { skeletonAt } from '../../sim/people/skeleton.js';
import { createRng } from '../../sim/random.js';
import { scenarioByName, scenarioStore } from '../../sim/scenarios.js';
import { bodyStateAt, type PersonPlan } from '../../sim/shoppers.js';
import type { SimReply } from './demo-sim-worker.js';
import { describeBusMessage } from './start.js';

export interface DemoOptions {
  port: string;
  host?: string;
  scenario: string;
  seed: string;
  speed: string;
  db?: string;
  crowd: string;
  quiet?: boolean;
}

function intOption(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new WalkoutError('WO_INPUT_INVALID', `${flag} "${value}": expected a whole number ${min}–${max}`);
  return n;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Synthetic walkers for load tests: `n` people on smooth seeded loops over the floor's bounding
 * box, as a people frame at event time `t`. Deterministic for a seed.
 */
export function crowdFrame(store: StoreDefinition, n: number, t: number, seed = 1): PeopleFrame {
  const xs = store.floor.map((p) => p[0]);
  const ys = store.floor.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const rng = createRng(seed);
  const people: PeopleFrame['people'] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, pa, pb] = [
      rng.uniform(0.05, 0.2),
      rng.uniform(0.05, 0.2),
      rng.uniform(0, 6.28),
      rng.uniform(0, 6.28),
    ];
    const s = t / 1000;
    const x = x0 + ((x1 - x0) * (1 + Math.sin(a * s + pa))) / 2;
    const y = y0 + ((y1 - y0) * (1 + Math.sin(b * s + pb))) / 2;
    people.push({
      id: `crowd-${i}`,
      session: `crowd-${i}`,
      joints: { nose: [x, y, 1.6], left_wrist: [x - 0.25, y, 1.1], right_wrist: [x + 0.25, y, 1.1] },
    });
  }
  return { t, people };
}

/** A simulation as the demo plays it: people plans, then messages in event-time order as they come. */
interface SimStream {
  people: Promise<PersonPlan[]>;
  messages: AsyncIterable<{ t: number; topic: string; payload: unknown }>;
  stop(): void;
}

/** Runs the simulator in a worker thread (same file name, .ts under tsx, .js when built). */
function simulateInWorker(scenario: string, seed: number, startT: number): SimStream {
  const workerData = { scenario, seed, startT };
  // From source (tsx) the worker needs tsx's loader registered first; built, it is plain JS.
  const worker = import.meta.url.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./demo-sim-worker.ts', import.meta.url).href)}); });`,
        { eval: true, workerData },
      )
    : new Worker(new URL('./demo-sim-worker.js', import.meta.url), { workerData });
  const queue: { t: number; topic: string; payload: unknown }[][] = [];
  let done = false;
  let failure: Error | null = null;
  let wakeUp: (() => void) | null = null;
  let gotPeople: (p: PersonPlan[]) => void = () => {};
  const people = new Promise<PersonPlan[]>((resolve) => (gotPeople = resolve));
  const wake = () => {
    wakeUp?.();
    wakeUp = null;
  };
  worker.on('message', (reply: SimReply) => {
    if (reply.kind === 'people') gotPeople(reply.people as PersonPlan[]);
    else if (reply.kind === 'messages') queue.push(reply.messages);
    else if (reply.kind === 'done') done = true;
    else failure = new Error(reply.message);
    wake();
  });
  worker.on('error', (e) => {
    failure = e;
    wake();
  });
  worker.on('exit', () => {
    done = true;
    gotPeople([]);
    wake();
  });
  return {
    people,
    messages: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const chunk = queue.shift();
          if (chunk) {
            yield* chunk;
            continue;
          }
          if (failure) throw failure;
          if (done) return;
          await new Promise<void>((resolve) => (wakeUp = resolve));
        }
      },
    },
    stop: () => void worker.terminate(),
  };
}

/** Where the simulated people are at event time `t`: a people frame from the simulator's truth. */
export function truthFrame(plans: readonly PersonPlan[], t: number): PeopleFrame {
  const people: PeopleFrame['people'] = [];
  for (const plan of plans) {
    const state = bodyStateAt(plan, t);
    if (!state) continue;
    const s = skeletonAt(state);
    people.push({
      id: plan.id,
      session: plan.token,
      joints: { nose: s.nose, left_wrist: s.left_wrist, right_wrist: s.right_wrist },
    });
  }
  return { t, people };
}

/** A running demo: the server plus the simulator feeding it. */
export interface RunningDemo {
  server: WalkoutServer;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the demo: a live store on a fresh SQLite database, the commerce side on the test gateway,
 * and the scenario's device messages published at wall time (`speed` × faster), seed after seed.
 */
export async function startDemo(opts: DemoOptions, print: (line: string) => void): Promise<RunningDemo> {
  const port = intOption(opts.port, '--port', 0, 65_535);
  const seed0 = intOption(opts.seed, '--seed', 0, 2 ** 31);
  const crowd = intOption(opts.crowd, '--crowd', 0, 500);
  const speed = Number(opts.speed);
  if (!(speed >= 0.1 && speed <= 50))
    throw new WalkoutError('WO_INPUT_INVALID', `--speed "${opts.speed}": expected a number 0.1–50`);
  scenarioByName(opts.scenario);
  const store = scenarioStore(opts.scenario).definition;
  const dbUrl = opts.db ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'walkout-demo-')), 'walkout.db')}`;

  // The store's event time, which runs `speed` times the wall clock once a seed plays: QR codes are
  // issued and entries checked in it, so a shopper's code is as fresh at the cart as on the phone.
  const clock = { now: () => Date.now() };
  const money = await openCommerceSide({
    database: { kind: 'sqlite', file: ':memory:' },
    store,
    now: () => clock.now(),
  });
  const commerce = money.commerce;
  const operatorKey = money.operatorKey;
  const staff = parseStaffList(process.env.WALKOUT_STAFF) ?? [...DEMO_STAFF];
  const auth = staffAuth(staff, (token) => commerce.authenticate(token));
  const traces = new WeightTraces();
  let cartSeq = 0;
  /** The simulation playing: its people, its time shift, and where event time and wall time met. */
  let current: { plans: PersonPlan[]; offset: number; t0: number; wall0: number } | null = null;
  clock.now = () => (current ? Math.round(current.t0 + (Date.now() - current.wall0) * speed) : Date.now());
  // Synthetic walkers for load tests, added to the people frames the demo publishes.
  let crowdSize = 0;
  const setCrowd = (n: number) => {
    crowdSize = n;
  };

  let liveRef: WalkoutServer['live'] | null = null;

  /** Demo-only: a scripted smart-cart visit for the shopper's entry token, so a phone can watch its cart. */
  const demoRoutes = async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/api/demo/visit',
      {
        schema: {
          body: z.object({
            token: z.string().min(1).max(4096),
            items: z.number().int().min(1).max(5).default(2),
          }),
        },
      },
      async (req, reply) => {
        const who = auth.caller(req);
        if (who.kind !== 'shopper')
          return reply
            .code(401)
            .send({ code: 'WO_UNAUTHORIZED', detail: 'a shopper access token is needed' });
        const live = liveRef;
        if (!live) return reply.code(503).send({ code: 'WO_INTERNAL', detail: 'the store is starting' });
        const cartId = `cart-demo-${++cartSeq}`;
        const products = store.products.filter((p) => p.gtin && p.soldBy === 'unit').slice(0, req.body.items);
        // The cart speaks in the store's event time (which runs `speed` times the wall clock).
        const t0 = clock.now();
        // A few seconds between scans, so the shopper's phone shows the cart growing.
        const STEP = 4000;
        const exitAt = STEP * (products.length + 2);
        const steps: { at: number; kind: Parameters<typeof topicFor>[1]; payload: unknown }[] = [
          { at: 0, kind: 'cart-login', payload: { t: t0, token: req.body.token } },
          ...products.map((p, i) => ({
            at: STEP * (i + 1),
            kind: 'cart-scan' as const,
            payload: { t: t0 + STEP * (i + 1), gtin: p.gtin, action: 'add' },
          })),
          { at: exitAt, kind: 'cart-exit', payload: { t: t0 + exitAt } },
        ];
        // The basket scale reads 4 times a second; each scanned item lands on it half a second later.
        for (let at = 250; at < exitAt; at += 250) {
          const grams = products.reduce((g, p, i) => (at >= STEP * (i + 1) + 500 ? g + p.weight.mean : g), 0);
          steps.push({ at, kind: 'cart-weight', payload: { t: t0 + at, grams } });
        }
        steps.sort((a, b) => a.at - b.at);
        for (const s of steps)
          setTimeout(() => live.offer(topicFor(store.id, s.kind, cartId), s.payload), s.at / speed).unref();
        return { cartId, skus: products.map((p) => p.sku), exitsAt: t0 + STEP * (products.length + 2) };
      },
    );
    app.post(
      '/api/demo/crowd',
      {
        preHandler: requireStaff(auth, ['operator']),
        schema: { body: z.object({ walkers: z.number().int().min(0).max(500) }) },
      },
      async (req) => {
        setCrowd(req.body.walkers);
        return { walkers: req.body.walkers };
      },
    );
    // Operators see and decide disputes with their staff session (the commerce API wants its key).
    const operatorOnly = requireStaff(auth, ['operator']);
    app.get('/api/disputes', { preHandler: operatorOnly }, async () => ({
      disputes: await commerce.disputes(),
    }));
    app.post(
      '/api/disputes/:disputeId/decision',
      {
        preHandler: operatorOnly,
        schema: {
          params: z.object({ disputeId: z.string().min(1).max(64) }),
          body: z.object({ approve: z.boolean(), note: z.string().max(1000).optional() }),
        },
      },
      async (req) => {
        const who = auth.caller(req);
        return commerce.decideDispute(req.params.disputeId, {
          ...req.body,
          by: who.kind === 'staff' ? who.name : 'operator',
        });
      },
    );
    await money.plugin(app);
  };

  const server = await startWalkoutServer({
    store,
    databaseUrl: dbUrl,
    port,
    ...(opts.host ? { host: opts.host } : {}),
    mqttPort: 0,
    appDeps: {
      auth,
      traces,
      extraPeople: () => (crowdSize > 0 ? crowdFrame(store, crowdSize, Date.now(), seed0).people : []),
      accountOfVisit: async (visitId) => (await commerce.deps.repo.visit(visitId))?.accountId,
      plugins: [demoRoutes],
    },
  });
  liveRef = server.live;
  setCrowd(crowd);

  // The money side reads visit events from the ledger, in order; a failure is printed and retried.
  const moneyFeed = money.follow(
    ledgerRepository(server.database.db),
    () => server.live.store?.id ?? null,
    server.bus,
    (line) => print(`demo: ${line}`),
  );
  const unsubscribe = server.bus.subscribe((m) => {
    if (!opts.quiet) {
      const line = describeBusMessage(m);
      if (line) print(line);
    }
  });

  const stopping = new AbortController();
  const signal = stopping.signal;
  // Until the engine reports people of its own (camera tracking), the map shows the simulator's truth.
  let lastEnginePeople = 0;
  const ownFrames = new WeakSet<PeopleFrame>();
  const unwatchPeople = server.bus.subscribe((m) => {
    if (m.type === 'people' && !ownFrames.has(m.frame)) lastEnginePeople = Date.now();
  });
  // A simulation is made for a fixed start and shifted to now: every payload carries one event time `t`.
  const SIM_START = 1_700_000_000_000;
  // 15 a second, so the feed's 10 Hz snapshots always find a fresh frame; the crowd rides on every frame.
  const truthTimer = setInterval(() => {
    if (Date.now() - lastEnginePeople < 2000 || (!current && crowdSize === 0)) return;
    const t = clock.now();
    const frame: PeopleFrame = current ? truthFrame(current.plans, t - current.offset) : { t, people: [] };
    frame.t = t;
    ownFrames.add(frame);
    server.bus.publish({ type: 'people', storeId: store.id, frame });
  }, 1000 / 15);
  const loop = (async () => {
    let seed = seed0;
    let nextT = Date.now();
    let next = simulateInWorker(opts.scenario, seed, SIM_START);
    while (!signal.aborted) {
      const sim = next;
      const plans = await sim.people;
      // Prepare the next seed while this one plays.
      next = simulateInWorker(opts.scenario, seed + 1, SIM_START);
      const t0 = Math.max(nextT, Date.now());
      const offset = t0 - SIM_START;
      const wall0 = Date.now();
      current = { plans, offset, t0, wall0 };
      let lastT = t0;
      let lastYield = Date.now();
      for await (const { t, topic, payload } of sim.messages) {
        const at = t + offset;
        const wait = wall0 + (at - t0) / speed - Date.now();
        if (wait > 4) {
          await sleep(wait, signal);
          lastYield = Date.now();
        } else if (Date.now() - lastYield > 25) {
          // Behind schedule (a slow machine): still let HTTP, the clock and the feed run in between.
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = Date.now();
        }
        if (signal.aborted) break;
        const p = payload as { t?: number; hz?: number; grams?: number[] };
        const shifted = typeof p.t === 'number' ? { ...p, t: p.t + offset } : payload;
        const m = /\/plates\/([^/]+)\/weight$/.exec(topic);
        if (m && typeof p.t === 'number' && typeof p.hz === 'number' && Array.isArray(p.grams))
          traces.record(m[1]!, p.t + offset, p.hz, p.grams);
        server.live.offer(topic, shifted);
        if (Number.isFinite(at)) lastT = Math.max(lastT, at);
      }
      if (signal.aborted) {
        sim.stop();
        next.stop();
        return;
      }
      print(`demo: scenario ${opts.scenario} seed ${seed} done; next seed`);
      seed += 1;
      nextT = lastT + 5000;
    }
  })();
  const url = server.httpUrl;
  print(
    `walkout demo: scenario ${opts.scenario}, seed ${seed0}${speed !== 1 ? `, ${speed}× speed` : ''}${crowd ? `, crowd of ${crowd}` : ''}`,
  );
  print(`  dashboard   ${url}/`);
  print(`  shopper app ${url}/app`);
  print(`  API docs    ${url}/docs`);
  print(
    `  staff       ${staff.map((s) => `${s.name}/${s.password} (${s.role})`).join(', ')}${process.env.WALKOUT_STAFF ? '' : '  (set WALKOUT_STAFF=name:password:role,… to change)'}`,
  );
  print(`  operator key for /api/shop/operator/* and /api/shop/gate/*: ${operatorKey}`);
  print(`  database    ${server.database.location}`);
  print('Ctrl-C to stop.');

  let stopped: Promise<void> | null = null;
  return {
    server,
    url,
    stop: () =>
      (stopped ??= (async () => {
        stopping.abort();
        clearInterval(truthTimer);
        unwatchPeople();
        await loop.catch(() => undefined);
        unsubscribe();
        await moneyFeed.stop();
        await server.close();
        await money.close();
      })()),
  };
}

/** `walkout demo`: the dashboard and shopper app with the simulator's shoppers moving in the store. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run a demo store: the simulator publishes a scenario live; dashboard at /, shopper app at /app',
    )
    .option('--port <n>', 'HTTP port (0 = any free port)', '8080')
    .option('--host <host>', 'interface to listen on (default all)')
    .option('--scenario <name>', 'weights, standard, crowded, adversarial, large or carts', 'standard')
    .option('--seed <n>', 'first seed; each loop of the scenario takes the next', '1')
    .option('--speed <x>', 'publish the scenario this many times faster than real time', '1')
    .option('--db <url>', 'database (default: a fresh SQLite file in a temp folder)')
    .option('--crowd <n>', 'add n synthetic walkers to the map (load test)', '0')
    .option('--quiet', 'do not print store events')
    .action(async (opts: DemoOptions) => {
      const demo = await startDemo(opts, (l) => console.log(l));
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          process.off('SIGINT', shutdown);
          process.off('SIGTERM', shutdown);
          console.log('walkout demo: closing…');
          demo.stop().finally(resolve);
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
    });
}
