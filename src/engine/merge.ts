import type { DeviceMessage } from '../protocol/messages.js';

/** Deterministic processing order of messages with the same event time. */
function compareKey(a: Pending, b: Pending): number {
  if (a.t !== b.t) return a.t - b.t;
  if (a.key < b.key) return -1;
  if (a.key > b.key) return 1;
  return 0;
}

interface Pending {
  t: number;
  key: string;
  message: DeviceMessage;
}

/** What happened to an offered message. */
export type MergeOutcome = 'accepted' | 'duplicate' | 'late';

/**
 * Event-time merge behind a watermark. Messages wait until the newest event time seen is
 * `latenessMs` past them, then come out in (t, topic, payload) order, so late, duplicated and
 * reordered arrivals within the lateness give the same sequence as an ordered, single delivery.
 */
export class EventTimeMerge {
  private readonly heap: Pending[] = [];
  private readonly waiting = new Set<string>();
  private clock = -Infinity;
  private mark = -Infinity;

  /** @param latenessMs how long (event time) a message may trail the newest one and still count. */
  constructor(private readonly latenessMs: number) {}

  /** The newest event time seen or ticked. */
  get now(): number {
    return this.clock;
  }

  /** Everything at or before this event time has been released. */
  get watermark(): number {
    return this.mark;
  }

  /** Restores the clock after a restart, so that what was processed is not processed again. */
  restore(now: number, watermark: number): void {
    this.clock = Math.max(this.clock, now);
    this.mark = Math.max(this.mark, watermark);
  }

  /** Offers a message; it is held until the watermark passes it. */
  offer(message: DeviceMessage): MergeOutcome {
    const t = message.payload.t;
    if (t <= this.mark) return 'late';
    const key = messageKey(message);
    if (this.waiting.has(key)) return 'duplicate';
    this.waiting.add(key);
    this.push({ t, key, message });
    if (t > this.clock) this.clock = t;
    return 'accepted';
  }

  /** Moves the clock forward without a message (live time passing). */
  tick(now: number): void {
    if (now > this.clock) this.clock = now;
  }

  /** Releases, in order, every message at or before the new watermark `upTo` (default: now − lateness). */
  release(upTo: number = this.clock - this.latenessMs): DeviceMessage[] {
    if (upTo <= this.mark) return [];
    const out: DeviceMessage[] = [];
    while (this.heap.length > 0 && this.heap[0]!.t <= upTo) {
      const next = this.pop();
      this.waiting.delete(next.key);
      out.push(next.message);
    }
    this.mark = upTo;
    return out;
  }

  /** Number of messages held back. */
  get size(): number {
    return this.heap.length;
  }

  private push(item: Pending): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareKey(h[parent]!, h[i]!) <= 0) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): Pending {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && compareKey(h[l]!, h[m]!) < 0) m = l;
        if (r < h.length && compareKey(h[r]!, h[m]!) < 0) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** Identity of a message for de-duplication and ordering: the same topic and payload give the same key. */
export function messageKey(m: DeviceMessage): string {
  const head = `${m.kind}/${m.deviceId}/${m.payload.t}`;
  switch (m.kind) {
    case 'plate-weight':
      // Weight payloads are large; time, length and a few samples identify a packet of one plate.
      return `${head}/${m.payload.grams.length}/${m.payload.grams[0]}/${m.payload.grams[m.payload.grams.length - 1]}`;
    case 'camera-poses':
      return `${head}/${m.payload.frame}/${m.payload.poses.length}`;
    default:
      return `${head}/${JSON.stringify(m.payload)}`;
  }
}
