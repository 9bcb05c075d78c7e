import {
  disputeAccuracy,
  DisputeExport,
  type DisputeAccuracy,
  type Figures,
} from '../../commerce/disputes/accuracy.js';
import { readJsonFile } from '../io.js';

const rate = (x: number | null) => (x === null ? '-' : x.toFixed(2));
const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

const COLUMNS: [string, (f: Figures) => string][] = [
  ['charged', (f) => (f.chargedLines === null ? '-' : String(f.chargedLines))],
  ['disputes', (f) => String(f.disputes)],
  ['lines', (f) => String(f.disputedLines)],
  ['wrong', (f) => String(f.wrongLines)],
  ['policy', (f) => String(f.storeWrongByPolicy)],
  ['operator', (f) => String(f.storeWrongByOperator)],
  ['right', (f) => String(f.storeRight)],
  ['pending', (f) => String(f.pending)],
  ['lines/1000', (f) => rate(f.disputedPer1000)],
  ['wrong/1000', (f) => rate(f.wrongPer1000)],
  ['right share', (f) => pct(f.storeRightShare)],
  ['op. right share', (f) => pct(f.operatorStoreRightShare)],
];

const LEGEND = [
  'charged: lines charged (newest receipt of each visit); disputes: disputes, pending included;',
  'lines: charged lines disputed; wrong: lines the store was wrong about; policy / operator: disputes',
  'refunded at once (the shopper’s word) / approved by an operator; right: disputes an operator rejected;',
  'pending: still queued, counted neither way; lines/1000, wrong/1000: per 1000 charged lines;',
  'right share: right / (right + policy + operator); op. right share: right / (right + operator);',
  '"-": not known (the file has no charged lines) or nothing to divide by.',
].join('\n');

/** The human table of dispute accuracy: one row per group, total first. */
export function formatDisputeTable(a: DisputeAccuracy): string {
  const rows: [string, Figures][] = [
    ['total', a.total],
    ...a.byReason.map((r): [string, Figures] => [`reason ${r.reason}`, r]),
    ...a.byReceipt.map((r): [string, Figures] => [`receipt ${r.receipt}`, r]),
    ...a.bySku.map((s): [string, Figures] => [`sku ${s.sku}`, s]),
  ];
  const table = [
    ['group', ...COLUMNS.map(([name]) => name)],
    ...rows.map(([group, f]) => [group, ...COLUMNS.map(([, cell]) => cell(f))]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n\n${LEGEND}`;
}

/** Reads an export of `GET /operator/disputes/examples` and scores it; a misfit file names the field. */
export function scoreDisputesFile(path: string): DisputeAccuracy {
  return disputeAccuracy(readJsonFile(path, DisputeExport, 'disputes'));
}
