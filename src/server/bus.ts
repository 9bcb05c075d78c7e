import { EventEmitter } from 'node:events';
import { WalkoutError } from '../protocol/errors.js';
import type { StoredReceipt } from '../adapters/sql/receiptRepository.js';
import type { EngineOutput } from '../engine/types.js';

/** What a live store tells the rest of the process: engine outputs, issued receipts, rejections. */
export type BusMessage =
  | (EngineOutput & { storeId: string })
  | { type: 'receipt'; storeId: string; receipt: StoredReceipt }
  | { type: 'rejection'; storeId: string | null; reason: string; detail: string; topic: string }
  | { type: 'store-loaded'; storeId: string; name: string };

/** The in-process bus (NATS JetStream later, behind the same interface). */
export interface Bus {
  publish(message: BusMessage): void;
  /** Calls `listener` for each message from now on; returns the unsubscribe function. */
  subscribe(listener: (message: BusMessage) => void): () => void;
}

/** A bus inside this process: synchronous fan-out; a failing listener never hurts the others. */
export function memoryBus(): Bus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish(message) {
      for (const listener of emitter.listeners('message') as ((m: BusMessage) => void)[]) {
        try {
          listener(message);
        } catch (error) {
          // A broken live feed must not stop the store.
          process.emitWarning(`bus listener failed: ${(error as Error).message}`);
        }
      }
    },
    subscribe(listener) {
      emitter.on('message', listener);
      return () => emitter.off('message', listener);
    },
  };
}

/** Opens the bus a `--bus` URL names; only `memory` exists yet. */
export function openBus(url = 'memory'): Bus {
  if (url === 'memory' || url === 'memory:') return memoryBus();
  throw new WalkoutError(
    'WO_INPUT_INVALID',
    `--bus "${url}": only "memory" (the in-process bus) is supported so far; NATS comes later`,
  );
}
