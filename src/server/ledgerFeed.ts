import type { LedgerRepository } from '../adapters/sql/ledgerRepository.js';
import type { VisitEvent } from '../store/events.js';

/** A follower of a store's ledger, running until stopped. */
export interface LedgerFeed {
  /** Looks for new events now (the store just appended some) instead of at the next poll. */
  wake(): void;
  /** Resolves once every event appended so far has been handled (for tests and shutdown). */
  caughtUp(): Promise<void>;
  /** Stops after the event in hand; the cursor stays where it got to. */
  stop(): Promise<void>;
}

export interface LedgerFeedOptions {
  ledger: LedgerRepository;
  /** The follower's name: each one has its own cursor. */
  consumer: string;
  /** The store whose ledger to follow (null while none is loaded); read at every pass. */
  storeId: () => string | null;
  /**
   * Handles one event. It must be idempotent (the money side's inbox is): after a crash the events
   * since the last saved cursor come again. A throw is retried, from the same event, after `retryMs`.
   */
  handle: (event: VisitEvent) => Promise<unknown>;
  onError: (message: string) => void;
  /** How often to look without being woken (ms). */
  pollMs?: number;
  retryMs?: number;
}

/**
 * Feeds a store's ledger to a follower in ledger order, from where it left off: events the store
 * committed just before a crash, and never announced, reach it after the restart. This, not the
 * in-process bus, is how the money side learns of entries and receipts, so none is lost to a kill.
 */
export function startLedgerFeed(opts: LedgerFeedOptions): LedgerFeed {
  const pollMs = opts.pollMs ?? 1000;
  const retryMs = opts.retryMs ?? 1000;
  let running = true;
  let woken = false;
  let wakeUp: (() => void) | null = null;
  let waiters: (() => void)[] = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  /** Handles what is new; true when it reached the end of the ledger. */
  async function pass(): Promise<boolean> {
    const storeId = opts.storeId();
    if (!storeId) return true;
    let seq = await opts.ledger.cursor(opts.consumer, storeId);
    for (;;) {
      const batch = await opts.ledger.eventsAfter(storeId, seq, 200);
      if (batch.length === 0) return true;
      for (const row of batch) {
        if (!running) return false;
        await opts.handle(row.event);
        seq = row.seq;
        await opts.ledger.saveCursor(opts.consumer, storeId, seq);
      }
    }
  }

  const loop = (async () => {
    while (running) {
      woken = false;
      let ms = pollMs;
      try {
        if (await pass()) {
          if (!woken) {
            for (const w of waiters) w();
            waiters = [];
          }
        }
      } catch (error) {
        opts.onError(`ledger feed ${opts.consumer}: ${(error as Error).message}; retrying`);
        ms = retryMs;
      }
      if (running && !woken) await sleep(ms);
    }
    for (const w of waiters) w();
    waiters = [];
  })();

  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
    caughtUp() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        woken = true;
        wakeUp?.();
      });
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
    },
  };
}
