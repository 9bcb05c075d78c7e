import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { describeZodError, WalkoutError } from '../protocol/errors.js';

/** Reads and checks a JSON file, naming the file and the misfit fields on failure. */
export function readJsonFile<T extends z.ZodType>(path: string, schema: T, what: string): z.infer<T> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new WalkoutError('WO_INPUT_INVALID', `cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WalkoutError('WO_INPUT_INVALID', `${what} ${path} is not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new WalkoutError('WO_INPUT_INVALID', `${what} ${path} rejected: ${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}

/** Writes a file, creating its folder. */
export function writeFileMkdir(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Progress on stderr, so stdout stays clean for `--json`. */
export function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else process.stderr.write(`${text}\n`);
}
