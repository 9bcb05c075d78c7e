/**
 * A small, strict CSV reader for the importers (RFC 4180: comma separated, fields may be quoted
 * with `"`, a quote inside a quoted field is doubled). Pure: text in, rows out. Every error
 * names the file, the line and, where it can, the column, so a person can open the file and fix it.
 */
import { WalkoutError } from '../protocol/errors.js';

/** One data row: its 1-based line number in the file and its cells keyed by header name. */
export interface CsvRow {
  line: number;
  cells: string[];
}

/** A parsed CSV file with its header. */
export interface CsvTable {
  file: string;
  header: string[];
  rows: CsvRow[];
}

function fail(file: string, line: number, what: string): never {
  throw new WalkoutError('WO_INPUT_INVALID', `${file} line ${line}: ${what}`);
}

/**
 * Splits CSV text into records. Blank lines are skipped; a record's line is the line it starts on
 * (a quoted field may span lines).
 */
export function parseCsvRecords(text: string, file: string): CsvRow[] {
  const records: CsvRow[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark is not part of the first header
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let field = '';
    let endOfRecord = false;
    while (!endOfRecord) {
      if (i < n && text[i] === '"' && field === '') {
        // Quoted field: runs to the closing quote; "" is one quote.
        i += 1;
        for (;;) {
          if (i >= n) fail(file, start, 'a quoted field is not closed (missing ")');
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          if (c === '\n') line += 1;
          field += c;
          i += 1;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          fail(file, line, `column ${cells.length + 1}: unexpected text after a closing quote`);
        }
      }
      // Unquoted run up to the next separator.
      const runStart = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
        i += 1;
      }
      if (i > runStart) field += text.slice(runStart, i);
      cells.push(field);
      field = '';
      if (i >= n) {
        endOfRecord = true;
      } else if (text[i] === ',') {
        i += 1;
      } else {
        if (text[i] === '\r') i += 1;
        if (text[i] === '\n') i += 1;
        line += 1;
        endOfRecord = true;
      }
    }
    const blank = cells.length === 1 && cells[0]!.trim() === '';
    if (!blank) records.push({ line: start, cells });
  }
  return records;
}

/**
 * Parses a CSV file with a header line and checks that every `required` column is present and
 * that every row has as many fields as the header.
 */
export function parseCsv(text: string, file: string, required: readonly string[]): CsvTable {
  const records = parseCsvRecords(text, file);
  const first = records[0];
  if (!first) fail(file, 1, `empty file, expected a header with columns ${required.join(', ')}`);
  const header = first.cells.map((c) => c.trim());
  for (const column of required) {
    if (!header.includes(column)) {
      fail(file, first.line, `missing column "${column}" (header has: ${header.join(', ')})`);
    }
  }
  const rows = records.slice(1);
  for (const row of rows) {
    if (row.cells.length !== header.length) {
      fail(
        file,
        row.line,
        `expected ${header.length} fields (${header.join(', ')}), found ${row.cells.length}`,
      );
    }
  }
  return { file, header, rows };
}

/** Index of a column known to exist (checked by parseCsv). */
export function columnIndex(table: CsvTable, column: string): number {
  const index = table.header.indexOf(column);
  if (index < 0) fail(table.file, 1, `missing column "${column}"`);
  return index;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Reads one cell as a finite decimal number, or throws naming file, line and column. */
export function numberCell(table: CsvTable, row: CsvRow, column: string): number {
  const raw = (row.cells[columnIndex(table, column)] ?? '').trim();
  const value = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) {
    fail(table.file, row.line, `column ${column}: expected a number, got "${clip(raw)}"`);
  }
  return value;
}

/** Reads one cell as an integer, or throws naming file, line and column. */
export function integerCell(table: CsvTable, row: CsvRow, column: string): number {
  const value = numberCell(table, row, column);
  if (!Number.isInteger(value)) {
    fail(
      table.file,
      row.line,
      `column ${column}: expected a whole number, got "${clip(row.cells[columnIndex(table, column)] ?? '')}"`,
    );
  }
  return value;
}

/** Reads one cell as trimmed text. */
export function textCell(table: CsvTable, row: CsvRow, column: string): string {
  return (row.cells[columnIndex(table, column)] ?? '').trim();
}

/** Throws a one-line input error naming file, line and column. */
export function cellError(table: CsvTable, row: CsvRow, column: string, what: string): never {
  fail(table.file, row.line, `column ${column}: ${what}`);
}

/** A cell as it may appear in a one-line reason: line breaks of a quoted cell shown as \n, long ones cut. */
export function clip(s: string): string {
  const one = s.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
