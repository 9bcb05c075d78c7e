import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { benchAccuracy, benchSpeed } from '../../eval/bench.js';
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

/** `walkout bench accuracy|speed`. */
export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('benchmarks: accuracy over the simulator suites and real recordings, and replay speed');
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
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}
