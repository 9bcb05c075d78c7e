import type { Command } from 'commander';
import { scoreJson, scoreRecording, type RecordingScore } from '../../eval/score.js';
import { ReplayResult, Truth } from '../../protocol/results.js';
import { WalkoutError } from '../../protocol/errors.js';
import { readJsonFile } from '../io.js';
import { formatDisputeTable, scoreDisputesFile } from './scoreDisputes.js';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ms = (x: number | null) => (x === null ? '-' : `${Math.round(x)} ms`);

/** The human table of one score. */
export function formatScoreTable(score: RecordingScore): string {
  const rows: [string, string][] = [
    ['F1', `${score.f1.toFixed(3)}  (TP ${score.tp}, predicted ${score.predicted}, true ${score.truth})`],
    ['exact receipts', `${pct(score.exact)}  (${score.exactShoppers} of ${score.shoppers} shoppers)`],
    ['review rate', `${pct(score.reviewRate)}  (${score.reviewedShoppers} of ${score.shoppers} shoppers)`],
    ['latency p50', ms(score.latencyP50Ms)],
    ['latency p99', ms(score.latencyP99Ms)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** `walkout score --truth FILE --result FILE [--json]` (contract section 5), or `walkout score --disputes FILE [--json]`. */
export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description(
      'score a replay result against ground truth: F1, exact receipts, review rate, receipt latency; ' +
        "or, with --disputes, the accuracy the shoppers' disputes show",
    )
    .option(
      '--truth <file>',
      'ground truth JSON: {"shoppers": [{"shopper", "items": [{"sku", "quantity"}]}]}',
    )
    .option('--result <file>', 'result JSON written by `walkout replay`')
    .option(
      '--disputes <file>',
      'instead of --truth and --result: the JSON of GET /operator/disputes/examples (docs/commerce.md)',
    )
    .option('--json', 'print one JSON object instead of a table')
    .action((options: { truth?: string; result?: string; disputes?: string; json?: boolean }) => {
      const print = (json: unknown, table: string): void => {
        process.stdout.write(options.json ? `${JSON.stringify(json)}\n` : `${table}\n`);
      };
      if (options.disputes !== undefined) {
        if (options.truth !== undefined || options.result !== undefined)
          throw new WalkoutError(
            'WO_INPUT_INVALID',
            '--disputes scores dispute examples on its own: leave out --truth and --result',
          );
        const accuracy = scoreDisputesFile(options.disputes);
        return print(accuracy, formatDisputeTable(accuracy));
      }
      if (options.truth === undefined || options.result === undefined)
        throw new WalkoutError(
          'WO_INPUT_INVALID',
          '--truth and --result: both required (or --disputes FILE to score dispute examples)',
        );
      const truth = readJsonFile(options.truth, Truth, 'truth');
      const result = readJsonFile(options.result, ReplayResult, 'result');
      const score = scoreRecording(truth, result);
      print(scoreJson(score), formatScoreTable(score));
    });
}
