import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WalkoutError } from '../protocol/errors.js';
import { integerCell, numberCell, parseCsv, parseCsvRecords, textCell } from './csv.js';

describe('parseCsvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, keeping start lines', () => {
    const text = '\ufeffa,b\n"x, y","say ""hi"""\r\n\n"two\nlines",z\n';
    expect(parseCsvRecords(text, 'f.csv')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"'] },
      { line: 4, cells: ['two\nlines', 'z'] },
    ]);
  });

  it('keeps empty cells and a missing final newline', () => {
    expect(parseCsvRecords('a,,c\n,,', 'f.csv')).toEqual([
      { line: 1, cells: ['a', '', 'c'] },
      { line: 2, cells: ['', '', ''] },
    ]);
  });

  it('names the file and line of an unclosed quote', () => {
    expect(() => parseCsvRecords('a,b\n1,"open\n2,3\n', 'p.csv')).toThrow(
      /^p\.csv line 2: a quoted field is not closed/,
    );
  });

  it('rejects text after a closing quote', () => {
    expect(() => parseCsvRecords('a,b\n"x"y,2\n', 'p.csv')).toThrow(
      /^p\.csv line 2: column 1: unexpected text/,
    );
  });

  it('never throws anything but a WalkoutError on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '1', ',', '"', '\n', '\r', ' ', '.'), maxLength: 60 }),
        (text) => {
          try {
            parseCsvRecords(text, 'g.csv');
          } catch (error) {
            expect(error).toBeInstanceOf(WalkoutError);
            expect((error as Error).message).toMatch(/^g\.csv line \d+: /);
          }
        },
      ),
    );
  });

  it('joins back to the same cells when the cells are quoted', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', ' ', 'é'), maxLength: 8 });
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 }),
        (rows) => {
          const text = rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\n');
          expect(parseCsvRecords(text, 'q.csv').map((r) => r.cells)).toEqual(rows);
        },
      ),
    );
  });
});

describe('parseCsv', () => {
  it('names a missing column and the columns there are', () => {
    expect(() => parseCsv('time,grams\n1,2\n', 'w.csv', ['timestamp_unix_s', 'weight_g'])).toThrow(
      'w.csv line 1: missing column "timestamp_unix_s" (header has: time, grams)',
    );
  });

  it('names a row with the wrong number of fields', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'w.csv', ['a'])).toThrow(
      'w.csv line 3: expected 2 fields (a, b), found 1',
    );
  });

  it('rejects an empty file', () => {
    expect(() => parseCsv('', 'w.csv', ['a'])).toThrow(/^w\.csv line 1: empty file/);
  });

  it('keeps the reason on one line when the bad cell was quoted across lines', () => {
    const table = parseCsv('a,b\n"open,1\n#",2\n', 'q.csv', ['a', 'b']);
    const row = table.rows[0]!;
    expect(() => numberCell(table, row, 'a')).toThrow(
      'q.csv line 2: column a: expected a number, got "open,1\\n#"',
    );
  });

  it('reads numbers strictly and names file, line and column of a bad one', () => {
    const table = parseCsv('a,b,c\n1.5e3, -2 ,x\nNaN,1e999,3.5\n', 'n.csv', ['a', 'b', 'c']);
    const [r1, r2] = table.rows as [NonNullable<(typeof table.rows)[0]>, NonNullable<(typeof table.rows)[0]>];
    expect(numberCell(table, r1, 'a')).toBe(1500);
    expect(numberCell(table, r1, 'b')).toBe(-2);
    expect(textCell(table, r1, 'c')).toBe('x');
    expect(() => numberCell(table, r1, 'c')).toThrow('n.csv line 2: column c: expected a number, got "x"');
    expect(() => numberCell(table, r2, 'a')).toThrow('n.csv line 3: column a: expected a number, got "NaN"');
    expect(() => numberCell(table, r2, 'b')).toThrow(
      'n.csv line 3: column b: expected a number, got "1e999"',
    );
    expect(() => integerCell(table, r2, 'c')).toThrow(
      'n.csv line 3: column c: expected a whole number, got "3.5"',
    );
  });
});
