import type { Command } from 'commander';
import { scoreJson, scoreRecording, type RecordingScore } from '../../eval/score.js';
import { ReplayResult, Truth } from '../../protocol/results.js';
import { readJsonFile } from '../io.js';

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

/** `walkout score --truth FILE --result FILE [--json]` (contract section 5). */
export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description(
      'score a replay result against ground truth: F1, exact receipts, review rate, receipt latency',
    )
    .requiredOption(
      '--truth <file>',
      'ground truth JSON: {"shoppers": [{"shopper", "items": [{"sku", "quantity"}]}]}',
    )
    .requiredOption('--result <file>', 'result JSON written by `walkout replay`')
    .option('--json', 'print one JSON object instead of a table')
    .action((options: { truth: string; result: string; json?: boolean }) => {
      const truth = readJsonFile(options.truth, Truth, 'truth');
      const result = readJsonFile(options.result, ReplayResult, 'result');
      const score = scoreRecording(truth, result);
      process.stdout.write(
        options.json ? `${JSON.stringify(scoreJson(score))}\n` : `${formatScoreTable(score)}\n`,
      );
    });
}
