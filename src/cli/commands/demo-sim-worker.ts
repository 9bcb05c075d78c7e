/**
 * Generates one demo simulation off the main thread (a scenario takes tens of seconds), then posts
 * the people plans and the messages in event-time order in chunks, so the live store never stalls.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { simulateLive } from '../../sim/scenarios.js';

export interface SimRequest {
  scenario: string;
  seed: number;
  startT: number;
}

/** What the worker posts: the plans first, then message chunks, then the end. */
export type SimReply =
  | { kind: 'people'; people: unknown[] }
  | { kind: 'messages'; messages: { t: number; topic: string; payload: unknown }[] }
  | { kind: 'done' }
  | { kind: 'error'; message: string };

const request = workerData as SimRequest;
try {
  const sim = simulateLive(request.scenario, request.seed, request.startT);
  parentPort!.postMessage({ kind: 'people', people: sim.people } satisfies SimReply);
  let chunk: { t: number; topic: string; payload: unknown }[] = [];
  for (const { t, message } of sim.messages) {
    chunk.push({ t, topic: message.topic, payload: message.payload });
    if (chunk.length >= 5000) {
      parentPort!.postMessage({ kind: 'messages', messages: chunk } satisfies SimReply);
      chunk = [];
    }
  }
  parentPort!.postMessage({ kind: 'messages', messages: chunk } satisfies SimReply);
  parentPort!.postMessage({ kind: 'done' } satisfies SimReply);
} catch (error) {
  parentPort!.postMessage({ kind: 'error', message: (error as Error).message } satisfies SimReply);
}
