/**
 * Writes a simulation as the contract's files: `store.json`, `recording.ndjson` (one
 * `{"topic", "payload"}` a line, in arrival order) and `truth.json`.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RawMessage } from '../protocol/messages.js';
import type { Simulation } from './scenario.js';

const SAFE_TOPIC = /^[A-Za-z0-9._/-]+$/;

/**
 * One NDJSON line of a message, byte-identical to `JSON.stringify(message)`. Weight packets, which
 * are nearly all of a recording, take a hand-written fast path; everything else goes to JSON.stringify.
 */
export function messageLine(m: RawMessage): string {
  const p = m.payload as { t?: unknown; hz?: unknown; grams?: unknown } | null;
  if (
    SAFE_TOPIC.test(m.topic) &&
    p !== null &&
    typeof p === 'object' &&
    Array.isArray(p.grams) &&
    typeof p.t === 'number' &&
    typeof p.hz === 'number'
  ) {
    const keys = Object.keys(p);
    if (
      keys.length === 3 &&
      keys[0] === 't' &&
      keys[1] === 'hz' &&
      keys[2] === 'grams' &&
      Number.isFinite(p.t) &&
      Number.isFinite(p.hz)
    ) {
      let grams = '';
      let ok = true;
      for (let i = 0; i < p.grams.length; i++) {
        const g: unknown = p.grams[i];
        if (typeof g !== 'number' || !Number.isFinite(g)) {
          ok = false;
          break;
        }
        grams += (i === 0 ? '' : ',') + String(g);
      }
      if (ok)
        return `{"topic":"${m.topic}","payload":{"t":${String(p.t)},"hz":${String(p.hz)},"grams":[${grams}]}}`;
    }
  }
  return JSON.stringify(m);
}

/** Writes the recording as NDJSON, in chunks so that a large recording needs no one huge string. */
export function writeRecording(path: string, messages: readonly RawMessage[]): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    const chunk: string[] = [];
    const flush = () => {
      if (chunk.length === 0) return;
      const text = chunk.join('\n') + '\n';
      bytes += writeSync(fd, text);
      chunk.length = 0;
    };
    for (const m of messages) {
      chunk.push(messageLine(m));
      if (chunk.length >= 20_000) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** Writes `store.json`, `recording.ndjson` and `truth.json` into `dir` (created if missing). */
export function writeSimulation(
  dir: string,
  sim: Pick<Simulation, 'store' | 'messages' | 'truth'>,
): { recordingBytes: number } {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'store.json'), `${JSON.stringify(sim.store, null, 2)}\n`);
  const recordingBytes = writeRecording(join(dir, 'recording.ndjson'), sim.messages);
  writeFileSync(join(dir, 'truth.json'), `${JSON.stringify(sim.truth, null, 1)}\n`);
  return { recordingBytes };
}
