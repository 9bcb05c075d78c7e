import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecordingSync } from '../adapters/files/recording.js';
import { replay } from '../engine/replay.js';
import { importAutoCheckout } from '../import/autocheckout.js';
import { PlateDetector } from '../perception/weight/plateDetector.js';
import { parseStoreDefinition } from '../protocol/store.js';
import { parseMessage } from '../protocol/topics.js';
import { SCENARIO_NAMES, SCENARIOS, SUITES, simulate, type ScenarioName } from '../sim/scenarios.js';
import { cartTruthOf } from '../sim/carts.js';
import { bodyStateAt } from '../sim/shoppers.js';
import { scoreCartAlerts } from './cartAlerts.js';
import { parseTruthPeople, pcpPerActor } from './pcp.js';
import { aggregateSuite, scoreRecording, type RecordingScore } from './score.js';
import { shelfAccuracy } from './shelfAccuracy.js';
import { TrackingScorer, type TrackingScore } from './tracking.js';

/** One scenario's accuracy: the contract's scores, plus shelf, calibration and tracking figures. */
export interface ScenarioAccuracy {
  f1: number;
  exact: number;
  reviewRate: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  recordings: number;
  /** Shelf units wrong whoever the shopper (gross per sku and direction), and true units moved. */
  shelfErrors?: number;
  shelfMoves?: number;
  calibrationError?: number;
  mota?: number;
  idf1?: number;
  idSwitches?: number;
  pcpActor1?: number;
  pcpActor3?: number;
  /** Shelf events the engine reported (the real AutoCheckout recording has exactly two). */
  shelfEvents?: number;
  /** Carts: share of unscanned items an 'unscanned-item' alert flagged on the right cart within 30 s. */
  unscannedCaught?: number;
  /** Carts: share of visits with an alert but no unscanned item or mis-scan. */
  falseAlertVisits?: number;
  /** Carts: unscanned items in the suite, and the median time from the item going in to its alert (ms). */
  unscannedItems?: number;
  alertDelayP50Ms?: number | null;
}

export type Progress = (line: string) => void;

const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;

/** Runs each scenario's seed suite through replay and score, and the real recordings when present. */
export async function benchAccuracy(opts: {
  scenarios?: readonly ScenarioName[];
  datasetsDir?: string | null;
  progress?: Progress;
}): Promise<{ scenarios: Record<string, ScenarioAccuracy> }> {
  const progress = opts.progress ?? (() => {});
  const out: Record<string, ScenarioAccuracy> = {};
  for (const name of opts.scenarios ?? SCENARIO_NAMES) {
    const scores: RecordingScore[] = [];
    let shelfErrors = 0;
    let shelfMoves = 0;
    const calibration: number[] = [];
    const tracking: TrackingScore[] = [];
    const carts = {
      unscanned: 0,
      caught: 0,
      visits: 0,
      falseAlertVisits: 0,
      delaysMs: [] as number[],
      any: false,
    };
    for (const seed of SUITES[name]) {
      const started = Date.now();
      progress(`accuracy: ${name} seed ${seed}: simulating`);
      const sim = simulate(name, seed);
      const store = parseStoreDefinition(sim.store);
      const cameras = SCENARIOS[name].cameras && store.cameras.length > 0;
      progress(`accuracy: ${name} seed ${seed}: replaying ${sim.messages.length} messages`);
      // Frames are scored as they come and not kept: a crowded recording's people would fill the heap.
      const scorer = new TrackingScorer();
      const truthAt = (t: number) =>
        sim.people.flatMap((p) => {
          const s = bodyStateAt(p, t);
          return s ? [{ id: p.id, x: s.position[0], y: s.position[1] }] : [];
        });
      const messages = sim.messages;
      const lines = (function* () {
        for (const m of messages) yield parseMessage(m.topic, m.payload);
      })();
      const outcome = await replay(
        store,
        lines,
        cameras ? { onPeople: (f) => scorer.add(f, truthAt(f.t)) } : {},
      );
      sim.messages.length = 0;
      const score = scoreRecording(sim.truth, outcome.result);
      scores.push(score);
      const cartTruth = cartTruthOf(sim.truth);
      if (cartTruth) {
        const tokens = new Map(
          outcome.events.flatMap((e) => (e.type === 'ShopperEntered' ? [[e.visitId, e.token] as const] : [])),
        );
        const c = scoreCartAlerts(cartTruth, outcome.alerts, tokens);
        carts.any = true;
        carts.unscanned += c.unscanned;
        carts.caught += c.caught;
        carts.visits += c.visits;
        carts.falseAlertVisits += c.falseAlertVisits;
        carts.delaysMs.push(...c.delaysMs);
      }
      const shelf = shelfAccuracy(outcome.shelfEvents, sim.truth.events);
      shelfErrors += shelf.errors;
      shelfMoves += shelf.moves;
      calibration.push(shelf.calibrationError);
      if (cameras) tracking.push(scorer.result());
      progress(
        `accuracy: ${name} seed ${seed}: F1 ${score.f1.toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
    const suite = aggregateSuite(scores);
    out[name] = {
      f1: round(suite.f1),
      exact: round(suite.exact),
      reviewRate: round(suite.reviewRate),
      latencyP50Ms: suite.latencyP50Ms === null ? null : Math.round(suite.latencyP50Ms),
      latencyP99Ms: suite.latencyP99Ms === null ? null : Math.round(suite.latencyP99Ms),
      recordings: suite.recordings,
      shelfErrors,
      shelfMoves,
      calibrationError: round(calibration.reduce((s, v) => s + v, 0) / Math.max(1, calibration.length)),
      ...(tracking.length > 0
        ? {
            mota: round(tracking.reduce((s, v) => s + v.mota, 0) / tracking.length),
            idf1: round(tracking.reduce((s, v) => s + v.idf1, 0) / tracking.length),
            idSwitches: tracking.reduce((s, v) => s + v.idSwitches, 0),
          }
        : {}),
      ...(carts.any
        ? {
            unscannedCaught: carts.unscanned === 0 ? 1 : round(carts.caught / carts.unscanned),
            falseAlertVisits: round(carts.falseAlertVisits / Math.max(1, carts.visits)),
            unscannedItems: carts.unscanned,
            alertDelayP50Ms:
              carts.delaysMs.length === 0
                ? null
                : Math.round(carts.delaysMs.sort((a, b) => a - b)[Math.floor(carts.delaysMs.length / 2)]!),
          }
        : {}),
    };
  }
  if (opts.datasetsDir) Object.assign(out, await benchRealData(opts.datasetsDir, progress));
  return { scenarios: out };
}

/** The real recordings: AutoCheckout (receipts) and Shelf (3D people, limb PCP). */
async function benchRealData(dir: string, progress: Progress): Promise<Record<string, ScenarioAccuracy>> {
  const out: Record<string, ScenarioAccuracy> = {};
  const ac = join(dir, 'autocheckout', 'cps-test-01');
  if (existsSync(ac)) {
    progress('accuracy: autocheckout cps-test-01');
    const imported = importAutoCheckout(ac);
    const store = parseStoreDefinition(imported.store);
    const outcome = await replay(
      store,
      imported.messages.map((m) => parseMessage(m.topic, m.payload)),
    );
    const s = scoreRecording(imported.truth, outcome.result);
    out.autocheckout = {
      f1: round(s.f1),
      exact: round(s.exact),
      reviewRate: round(s.reviewRate),
      latencyP50Ms: s.latencyP50Ms === null ? null : Math.round(s.latencyP50Ms),
      latencyP99Ms: s.latencyP99Ms === null ? null : Math.round(s.latencyP99Ms),
      recordings: 1,
      shelfEvents: outcome.shelfEvents.length,
    };
  }
  const shelf = join(dir, 'shelf');
  if (existsSync(shelf)) {
    progress('accuracy: shelf (real cameras)');
    const store = parseStoreDefinition(JSON.parse(readFileSync(join(shelf, 'store.json'), 'utf8')));
    const outcome = await replay(store, readRecordingSync(join(shelf, 'recording.ndjson')), { people: true });
    const truth = parseTruthPeople(JSON.parse(readFileSync(join(shelf, 'truth-people.json'), 'utf8')));
    const pcp = pcpPerActor(truth, outcome.people);
    out.shelf = {
      f1: 1,
      exact: 1,
      reviewRate: 0,
      latencyP50Ms: null,
      latencyP99Ms: null,
      recordings: 1,
      pcpActor1: round(pcp.find((a) => a.actor === '1')?.pcp ?? 0, 2),
      pcpActor3: round(pcp.find((a) => a.actor === '3')?.pcp ?? 0, 2),
    };
  }
  return out;
}

/** One scenario's replay speed. */
export interface ScenarioSpeed {
  realtimeFactor: number;
  messagesPerSecond: number;
  peakRssMb: number;
  /** Share of one core the plate detectors of all the store's plates need at 60 Hz. */
  weightCpuShare: number;
  simulatedSeconds: number;
}

/** Statistics a `replay --stats-json` run writes. */
export interface ReplayStats {
  wallMs: number;
  cpuMs: number;
  messages: number;
  spanMs: number;
  peakRssMb: number;
}

/**
 * Replays `standard` and `large` in a child process of its own (one core, a clean heap), from a
 * recording file as a real replay would, and measures the plate detectors alone in-process.
 */
export async function benchSpeed(opts: {
  scenarios?: readonly ScenarioName[];
  cli: { execPath: string; args: string[] };
  progress?: Progress;
}): Promise<{ scenarios: Record<string, ScenarioSpeed> }> {
  const progress = opts.progress ?? (() => {});
  const out: Record<string, ScenarioSpeed> = {};
  for (const name of opts.scenarios ?? (['standard', 'large'] as const)) {
    const seed = SUITES[name][0]!;
    progress(`speed: ${name}: simulating`);
    const sim = simulate(name, seed);
    const dir = mkdtempSync(join(tmpdir(), `walkout-bench-${name}-`));
    try {
      writeFileSync(join(dir, 'store.json'), JSON.stringify(sim.store));
      writeFileSync(
        join(dir, 'recording.ndjson'),
        sim.messages.map((m) => JSON.stringify(m)).join('\n') + '\n',
      );
      const weightCpuShare = measurePlates(sim.messages, sim.span.to - sim.span.from);
      sim.messages.length = 0;
      progress(`speed: ${name}: replaying in a child process`);
      const stats = await runReplayChild(opts.cli, dir);
      out[name] = {
        realtimeFactor: round(stats.spanMs / stats.wallMs, 2),
        messagesPerSecond: Math.round(stats.messages / (stats.wallMs / 1000)),
        peakRssMb: Math.round(stats.peakRssMb),
        weightCpuShare: round(weightCpuShare, 4),
        simulatedSeconds: Math.round(stats.spanMs / 1000),
      };
      progress(`speed: ${name}: ${out[name]!.realtimeFactor}× real time`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { scenarios: out };
}

/** CPU time of the plate detectors over a recording's weight messages, as a share of its span. */
function measurePlates(messages: readonly { topic: string; payload: unknown }[], spanMs: number): number {
  const parsed = messages.flatMap((m) => {
    const p = parseMessage(m.topic, m.payload);
    return p.ok && p.message.kind === 'plate-weight' ? [p.message] : [];
  });
  parsed.sort((a, b) => a.payload.t - b.payload.t);
  const detectors = new Map<string, PlateDetector>();
  const started = process.cpuUsage();
  for (const m of parsed) {
    let d = detectors.get(m.deviceId);
    if (!d) detectors.set(m.deviceId, (d = new PlateDetector(m.deviceId)));
    d.push(m.payload.t, m.payload.hz, m.payload.grams);
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / spanMs;
}

function runReplayChild(cli: { execPath: string; args: string[] }, dir: string): Promise<ReplayStats> {
  const statsFile = join(dir, 'stats.json');
  return new Promise((resolve, reject) => {
    const child = spawn(
      cli.execPath,
      [
        ...cli.args,
        'replay',
        '--store',
        join(dir, 'store.json'),
        '--input',
        join(dir, 'recording.ndjson'),
        '--out',
        join(dir, 'result.json'),
        '--stats-json',
        statsFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        reject(new Error(`replay child exited with ${code}: ${err.trim().split('\n').pop() ?? ''}`));
      else resolve(JSON.parse(readFileSync(statsFile, 'utf8')) as ReplayStats);
    });
  });
}
