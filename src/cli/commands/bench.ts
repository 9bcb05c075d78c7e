import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { benchAccuracy, benchSpeed } from '../../eval/bench.js';
import { benchLive, type LiveTarget } from '../../eval/liveBench.js';
import { WalkoutError } from '../../protocol/errors.js';
import { SCENARIO_NAMES, type ScenarioName } from '../../sim/scenarios.js';
import { progress } from '../io.js';

/** The shared datasets beside the repository, when they are there. */
function defaultDatasets(): string | null {
  const dir = fileURLToPath(new URL('../../../../shared/datasets', import.meta.url));
  return existsSync(dir) ? dir : null;
}

function parseScenarios(list: string | undefined, fallback: readonly ScenarioName[]): ScenarioName[] {
  if (!list) return [...fallback];
  return list.split(',').map((name) => {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
      throw new WalkoutError(
        'WO_INPUT_INVALID',
        `--scenarios: unknown scenario "${name}"; expected some of ${SCENARIO_NAMES.join(', ')}`,
      );
    }
    return name as ScenarioName;
  });
}

const cell = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined ? '—' : String(Number(v.toFixed(digits)));

interface LiveOptions {
  json?: boolean;
  scenario: string;
  seed: string;
  minutes?: string;
  timeout: string;
  url?: string;
  mqtt?: string;
  operatorKey?: string;
}

/** Checks the options of `bench live` and says where the store is. */
function liveTarget(opts: LiveOptions): LiveTarget {
  const given = [opts.url, opts.mqtt, opts.operatorKey].filter((v) => v !== undefined).length;
  if (given === 0)
    return {
      kind: 'child',
      cli: { execPath: process.execPath, args: [...process.execArgv, process.argv[1]!] },
    };
  if (given < 3)
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      '--url, --mqtt and --operator-key go together (the banner of `walkout start` prints all three)',
    );
  return {
    kind: 'running',
    url: opts.url!.replace(/\/+$/, '').replace(/\/api$/, ''),
    mqttUrl: opts.mqtt!,
    operatorKey: opts.operatorKey!,
  };
}

function numberOption(value: string, flag: string, min: number, max: number, integer = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `${flag} "${value}": expected a${integer ? ' whole' : ''} number ${min}–${max}`,
    );
  return n;
}

/** `walkout bench accuracy|speed|live`. */
export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description(
      'benchmarks: accuracy over the simulator suites and real recordings, replay speed, live receipt latency',
    );
  bench
    .command('accuracy')
    .description('replay and score every scenario suite, plus the real recordings in ../shared/datasets')
    .option('--json', 'print one JSON object')
    .option('--scenarios <list>', `comma-separated subset of ${SCENARIO_NAMES.join(',')}`)
    .option(
      '--datasets <dir>',
      'folder with autocheckout/ and shelf/ (default: ../shared/datasets when present)',
    )
    .option('--no-datasets', 'skip the real recordings')
    .action(async (opts: { json?: boolean; scenarios?: string; datasets?: string | false }) => {
      // The large scenario's recording alone takes about 2 GB of heap while it is replayed.
      setFlagsFromString('--max-old-space-size=8192');
      const datasetsDir = opts.datasets === false ? null : (opts.datasets ?? defaultDatasets());
      const result = await benchAccuracy({
        scenarios: parseScenarios(opts.scenarios, SCENARIO_NAMES),
        datasetsDir,
        progress,
      });
      if (opts.json) {
        console.log(JSON.stringify(result));
        return;
      }
      const rows = Object.entries(result.scenarios).map(([name, s]) => [
        name,
        cell(s.f1),
        cell(s.exact),
        cell(s.reviewRate),
        cell(s.latencyP50Ms, 0),
        cell(s.latencyP99Ms, 0),
        String(s.recordings),
        s.shelfErrors === undefined ? '—' : `${s.shelfErrors}/${s.shelfMoves}`,
        cell(s.calibrationError),
        cell(s.mota),
        cell(s.idf1),
        cell(s.idSwitches, 0),
        s.pcpActor1 === undefined ? '—' : `${s.pcpActor1}/${s.pcpActor3}`,
      ]);
      const head = [
        'scenario',
        'F1',
        'exact',
        'review',
        'p50 ms',
        'p99 ms',
        'recs',
        'shelf err',
        'ECE',
        'MOTA',
        'IDF1',
        'IDsw',
        'PCP a1/a3',
      ];
      printTable(head, rows);
    });
  bench
    .command('speed')
    .description(
      'replay `standard` and `large` in a child process: real-time factor, messages/s, peak memory',
    )
    .option('--json', 'print one JSON object')
    .option('--scenarios <list>', 'comma-separated subset (default standard,large)')
    .action(async (opts: { json?: boolean; scenarios?: string }) => {
      const result = await benchSpeed({
        scenarios: parseScenarios(opts.scenarios, ['standard', 'large']),
        cli: { execPath: process.execPath, args: [...process.execArgv, process.argv[1]!] },
        progress,
      });
      if (opts.json) {
        console.log(JSON.stringify(result));
        return;
      }
      printTable(
        ['scenario', '× real time', 'messages/s', 'peak MB', 'plates CPU', 'simulated s'],
        Object.entries(result.scenarios).map(([name, s]) => [
          name,
          String(s.realtimeFactor),
          String(s.messagesPerSecond),
          String(s.peakRssMb),
          `${(s.weightCpuShare * 100).toFixed(2)}%`,
          String(s.simulatedSeconds),
        ]),
      );
    });
  bench
    .command('live')
    .description(
      'play a scenario at real time into a live store (a child `walkout start`, or --url/--mqtt of a running one), every shopper a real account; exit → receipt on the live channel',
    )
    .option('--json', 'print one JSON object')
    .option(
      '--scenario <name>',
      `one of ${SCENARIO_NAMES.filter((n) => n !== 'carts').join(', ')}`,
      'standard',
    )
    .option('--seed <n>', 'simulation seed', '1')
    .option('--minutes <n>', 'only the shoppers entering in the first n minutes (default: all)')
    .option('--timeout <s>', 'seconds after an exit before a receipt counts as missing', '60')
    .option('--url <http>', 'measure an already running store: its HTTP base (http://host:port)')
    .option('--mqtt <url>', 'with --url: the MQTT broker the store listens to')
    .option('--operator-key <key>', 'with --url: the gate/operator key the store printed')
    .action(async (opts: LiveOptions) => {
      if (!(SCENARIO_NAMES as readonly string[]).includes(opts.scenario) || opts.scenario === 'carts')
        throw new WalkoutError(
          'WO_INPUT_INVALID',
          `--scenario "${opts.scenario}": expected one of ${SCENARIO_NAMES.filter((n) => n !== 'carts').join(', ')} (carts enter by cart sign-in, not the gate)`,
        );
      const result = await benchLive({
        scenario: opts.scenario,
        seed: numberOption(opts.seed, '--seed', 0, 2 ** 31, true),
        ...(opts.minutes !== undefined
          ? { minutes: numberOption(opts.minutes, '--minutes', 0.1, 1000) }
          : {}),
        timeoutMs: numberOption(opts.timeout, '--timeout', 1, 3600) * 1000,
        target: liveTarget(opts),
        progress,
      });
      if (opts.json) {
        console.log(JSON.stringify(result));
        return;
      }
      if (result.missingButIssued > 0)
        console.error(`live: ${result.missingButIssued} missing receipts were issued but never came live`);
      printTable(
        [
          'scenario',
          'visits',
          'delivered',
          'missing (late)',
          'early',
          'extra',
          'p50 ms',
          'p99 ms',
          'max ms',
          'issue p99 ms',
          'lag ms',
        ],
        [
          [
            `${result.scenario} seed ${result.seed}${result.minutes === null ? '' : ` (${result.minutes} min)`}`,
            String(result.count),
            String(result.delivered),
            `${result.missing} (${result.late})`,
            String(result.early),
            String(result.extra),
            cell(result.p50Ms, 0),
            cell(result.p99Ms, 0),
            cell(result.maxMs, 0),
            cell(result.issueP99Ms, 0),
            String(result.playLagMaxMs),
          ],
        ],
      );
    });
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}
