/**
 * `walkout bench live`: plays a simulator scenario at real time over MQTT into a live store (a child
 * `walkout start`, or one already running), with every simulated shopper a real account on the
 * money side, and measures exit → receipt on each shopper's live channel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { z } from 'zod';
import { simulateLive } from '../sim/scenarios.js';
import {
  liveClock,
  planLiveVisits,
  scanToken,
  summarizeLatency,
  withEntryToken,
  type LiveLatencyResult,
  type LiveVisitPlan,
  type VisitOutcome,
} from './liveLatency.js';
import { BenchShopper } from './liveShopper.js';

/** Where the store runs: a child `walkout start` the bench starts, or one already running. */
export type LiveTarget =
  | { kind: 'child'; cli: { execPath: string; args: string[] }; keepDir?: boolean }
  | { kind: 'running'; url: string; mqttUrl: string; operatorKey: string };

export interface LiveBenchOptions {
  scenario: string;
  seed: number;
  /** Measure only the shoppers entering in the first `minutes` (the run ends once they are done). */
  minutes?: number;
  target: LiveTarget;
  /** A visit with no receipt this long after its exit counts as missing (ms). */
  timeoutMs?: number;
  progress?: (line: string) => void;
}

/** Simulation clock start, as the demo uses: the run shifts it to the wall clock. */
const SIM_START = 1_700_000_000_000;
/** Sign-up, card and live channel this long before the shopper's gate scan (ms). */
const PREP_LEAD_MS = 15_000;
/** The entry token is fetched and admitted this long before the scan: fresh, as a phone shows it (ms). */
const TOKEN_LEAD_MS = 3_000;
/** Receipts still arriving after the last visit is done are counted for this long (ms). */
const DRAIN_MS = 3_000;

const StoreReply = z.object({ id: z.string() });

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** A live store the bench talks to, and how to let go of it. */
interface StoreHandle {
  url: string;
  mqttUrl: string;
  operatorKey: string;
  /** Lines of the store's output worth reporting (rejections, money-side errors). */
  problems: string[];
  close(): Promise<void>;
}

/** Starts `walkout start` on the scenario's store, free ports and a temp SQLite file; waits for its banner. */
async function startChildStore(
  cli: { execPath: string; args: string[] },
  store: unknown,
  progress: (line: string) => void,
): Promise<StoreHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'walkout-live-'));
  const storeFile = join(dir, 'store.json');
  writeFileSync(storeFile, JSON.stringify(store));
  const operatorKey = `op_${randomBytes(12).toString('base64url')}`;
  const child: ChildProcess = spawn(
    cli.execPath,
    [
      ...cli.args,
      'start',
      '--store',
      storeFile,
      '--db',
      `sqlite:${join(dir, 'walkout.db')}`,
      '--port',
      '0',
      '--mqtt-port',
      '0',
    ],
    {
      env: { ...process.env, WALKOUT_OPERATOR_KEY: operatorKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logFile = join(dir, 'walkout-start.log');
  const log = createWriteStream(logFile);
  const problems: string[] = [];
  let banner = '';
  let bannerDone = false;
  let exited: number | null | undefined;
  const exitedP = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  let partial = '';
  const onData = (d: Buffer) => {
    log.write(d);
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!bannerDone) {
        banner += `${line}\n`;
        if (line.startsWith('Ctrl-C')) bannerDone = true;
      }
      if (/message not accepted|could not take|error/i.test(line) && problems.length < 50)
        problems.push(line);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const deadline = Date.now() + 90_000;
  while (!bannerDone) {
    if (exited !== undefined)
      throw new Error(
        `walkout start exited with ${exited} before it was ready (log: ${logFile}):\n${banner}`,
      );
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`walkout start printed no banner within 90 s (log: ${logFile})`);
    }
    await sleep(50);
  }
  const url = /API\s+(http:\/\/\S+)\/api/.exec(banner)?.[1];
  const mqttUrl = /MQTT\s+(mqtt:\/\/\S+)/.exec(banner)?.[1];
  if (!url || !mqttUrl) {
    child.kill('SIGTERM');
    throw new Error(`could not read the API and MQTT addresses from the banner of walkout start:\n${banner}`);
  }
  progress(`live: walkout start is up (${url}, ${mqttUrl}; log ${logFile})`);
  return {
    url,
    mqttUrl,
    operatorKey,
    problems,
    async close() {
      if (exited === undefined) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exitedP;
        clearTimeout(killer);
      }
      log.end();
    },
  };
}

/** Runs the live measurement; resolves with the figures once every measured visit is done. */
export async function benchLive(opts: LiveBenchOptions): Promise<LiveLatencyResult> {
  const progress = opts.progress ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const started = Date.now();
  progress(`live: simulating ${opts.scenario} seed ${opts.seed}`);
  const sim = simulateLive(opts.scenario, opts.seed, SIM_START);
  const messages = [...sim.messages];
  const scans = messages.flatMap(({ t, message }) => {
    if (!message.topic.endsWith('/scan') || !message.topic.includes('/gates/')) return [];
    const token = scanToken(message.payload);
    return token === null ? [] : [{ t, token }];
  });
  const plans = planLiveVisits(sim.truth.visits, scans, sim.span.from, opts.minutes);
  if (plans.length === 0)
    throw new Error(
      `no shopper enters ${opts.scenario} seed ${opts.seed} within ${opts.minutes} minutes; give more --minutes`,
    );

  const store: StoreHandle =
    opts.target.kind === 'child'
      ? await startChildStore(opts.target.cli, sim.store, progress)
      : { ...opts.target, problems: [], close: async () => {} };
  try {
    const loaded = StoreReply.parse(await (await fetch(`${store.url}/api/store`)).json());
    if (loaded.id !== sim.store.id)
      throw new Error(
        `the store at ${store.url} runs "${loaded.id}", the scenario needs "${sim.store.id}": start it with --store (walkout simulate --scenario ${opts.scenario} writes store.json)`,
      );
    return await play(opts, sim.span.from, messages, plans, store, timeoutMs, started, progress);
  } finally {
    await store.close();
  }
}

/** One measured visit while the run goes on. */
interface LiveVisit {
  plan: LiveVisitPlan;
  /** Resolves with the real entry token once the gate has admitted it. */
  token: Promise<string>;
  shopper: BenchShopper | null;
  exitWall: number;
  done: boolean;
}

async function play(
  opts: LiveBenchOptions,
  simFrom: number,
  messages: { t: number; message: { topic: string; payload: unknown } }[],
  plans: LiveVisitPlan[],
  store: StoreHandle,
  timeoutMs: number,
  started: number,
  progress: (line: string) => void,
): Promise<LiveLatencyResult> {
  const client = await mqtt.connectAsync(store.mqttUrl, { reconnectPeriod: 1000 });
  const run = randomBytes(4).toString('hex');
  // The recording starts a moment from now, so the first shoppers can sign up before their scan.
  const wall0 = Date.now() + 2_000;
  const clock = liveClock(simFrom, wall0);
  const failures: string[] = [];
  const visits = new Map<string, LiveVisit>();
  plans.forEach((plan, i) => {
    const visit: LiveVisit = {
      plan,
      token: Promise.resolve(''),
      shopper: null,
      exitWall: clock.toWall(plan.exitedAt),
      done: false,
    };
    visit.token = (async () => {
      await sleep(clock.toWall(plan.scanT) - PREP_LEAD_MS - Date.now());
      const shopper = await BenchShopper.signUp(
        store.url,
        `live-${run}-${i + 1}@bench.walkout.test`,
        `${run}${i + 1}`,
      );
      visit.shopper = shopper;
      await shopper.openReceipts();
      await sleep(clock.toWall(plan.scanT) - TOKEN_LEAD_MS - Date.now());
      const token = await shopper.entryToken(plan.party);
      await shopper.admit(token, store.operatorKey);
      return token;
    })();
    // A failed preparation is reported once; the visit then counts as missing.
    visit.token.catch((e: unknown) => failures.push(`${plan.simToken}: ${(e as Error).message}`));
    visits.set(plan.simToken, visit);
  });

  const resolved = () => {
    const now = Date.now();
    let n = 0;
    for (const v of visits.values()) {
      if (!v.done && (v.shopper?.arrived.length ?? 0) > 0) v.done = true;
      if (!v.done && now > v.exitWall + timeoutMs) v.done = true;
      if (v.done) n += 1;
    }
    return n;
  };
  let lastProgress = Date.now();
  const report = (t: number) => {
    const inside = [...visits.values()];
    const exited = inside.filter((v) => v.exitWall <= Date.now()).length;
    const got = inside.filter((v) => (v.shopper?.arrived.length ?? 0) > 0).length;
    progress(
      `live: ${Number.isFinite(t) ? `${((t - simFrom) / 1000).toFixed(0)} s played` : 'recording played, waiting'}, ${exited}/${visits.size} exited, ${got} receipts delivered live`,
    );
  };

  let playLagMaxMs = 0;
  let lastYield = Date.now();
  for (const { t, message } of messages) {
    if (resolved() === visits.size) break;
    const at = clock.toWall(t);
    const wait = at - Date.now();
    if (wait > 4) {
      await sleep(wait);
      lastYield = Date.now();
    } else if (Date.now() - lastYield > 25) {
      // Behind schedule: still let the live channels and HTTP calls run in between.
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = Date.now();
    }
    let payload = clock.shift(message.payload);
    const isGate = message.topic.includes('/gates/');
    if (isGate && message.topic.endsWith('/scan')) {
      const visit = visits.get(scanToken(message.payload) ?? '');
      if (visit) {
        const token = await visit.token.catch(() => null);
        if (token === null) continue; // no account for this shopper: its failure is reported
        payload = withEntryToken(payload, token);
      }
    }
    if (Number.isFinite(at)) playLagMaxMs = Math.max(playLagMaxMs, Date.now() - at);
    client.publish(message.topic, JSON.stringify(payload), { qos: isGate ? 1 : 0 });
    if (Date.now() - lastProgress > 10_000) {
      lastProgress = Date.now();
      report(t);
    }
  }
  // The recording is played out: wait for the last receipts (or their timeouts).
  while (resolved() < visits.size) {
    await sleep(200);
    if (Date.now() - lastProgress > 10_000) {
      lastProgress = Date.now();
      report(Number.NaN);
    }
  }
  await sleep(DRAIN_MS);
  await client.endAsync();

  const outcomes: VisitOutcome[] = [];
  let missingButIssued = 0;
  for (const v of visits.values()) {
    const first = v.shopper?.arrived[0];
    outcomes.push({
      simToken: v.plan.simToken,
      exitWall: v.exitWall,
      deliveredAt: first?.at ?? null,
      issuedAt: first?.event.receipt.issuedAt ?? null,
      receipts: v.shopper?.arrived.length ?? 0,
    });
    if (!first && v.shopper && (await v.shopper.receiptCount().catch(() => 0)) > 0) missingButIssued += 1;
    v.shopper?.close();
  }
  for (const f of failures) progress(`live: shopper not prepared: ${f}`);
  for (const p of store.problems.slice(0, 10)) progress(`live: store said: ${p}`);
  return {
    scenario: opts.scenario,
    seed: opts.seed,
    minutes: opts.minutes ?? null,
    ...summarizeLatency(outcomes, timeoutMs),
    missingButIssued,
    playLagMaxMs: Math.round(playLagMaxMs),
    timeoutMs,
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
}
