import type { Receipt } from '../types.js';

/** In-process fan-out of receipts to shoppers' open live connections (SSE), by account. */
export class LiveReceipts {
  private readonly subscribers = new Map<string, Set<(r: Receipt) => void>>();

  /** Listens for an account's receipts; returns the unsubscribe function. */
  subscribe(accountId: string, listener: (r: Receipt) => void): () => void {
    const set = this.subscribers.get(accountId) ?? new Set();
    set.add(listener);
    this.subscribers.set(accountId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.subscribers.delete(accountId);
    };
  }

  /** Pushes a receipt to every open connection of its account; returns how many got it. */
  publish(r: Receipt): number {
    const set = this.subscribers.get(r.accountId);
    if (!set) return 0;
    for (const l of set) l(r);
    return set.size;
  }
}
