import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseMessage, type ParsedMessage } from '../../protocol/topics.js';

/** One line of a recording or an NDJSON request, checked against the contract. */
export type RecordingLine = ParsedMessage & { line: number };

/** Parses one NDJSON line `{"topic": ..., "payload": ...}`; never throws. */
export function parseNdjsonLine(text: string, line: number): RecordingLine | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { ok: false, reason: `line ${line}: not JSON`, line };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('topic' in json)) {
    return { ok: false, reason: `line ${line}: expected an object with "topic" and "payload"`, line };
  }
  const { topic, payload } = json as { topic: unknown; payload: unknown };
  const parsed = parseMessage(topic, payload);
  return parsed.ok ? { ...parsed, line } : { ok: false, reason: `line ${line}: ${parsed.reason}`, line };
}

/** Streams a recording file line by line. */
export async function* readRecording(path: string): AsyncGenerator<RecordingLine> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n += 1;
    const parsed = parseNdjsonLine(text, n);
    if (parsed) yield parsed;
  }
}

/** Reads a whole recording synchronously (tests, small files). */
export function readRecordingSync(path: string): RecordingLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((text, i) => parseNdjsonLine(text, i + 1))
    .filter((l): l is RecordingLine => l !== null);
}
