/**
 * The live feed connection: owns the EventSource and nothing else. Numbered messages fold into one
 * external store the panels read with useSyncExternalStore; people frames bypass React and are read
 * by the map's animation loop (`latestPeople`), so 10 frames a second never re-render the page.
 */
import type { PeopleFrame } from '../../protocol/results.js';
import { applyFeed, emptyView, parseFeedMessage, type FloorView } from '../model/feed.js';

export class LiveFeed {
  private view: FloorView = emptyView();
  private readonly listeners = new Set<() => void>();
  private source: EventSource | null = null;
  private notifyQueued = false;
  /** The newest people frame and when it arrived (performance.now()). */
  latestPeople: { frame: PeopleFrame; receivedAt: number; seq: number } | null = null;
  /** Set when the server could not resume (a gap): panels reload their snapshots. */
  resets = 0;
  connected = false;

  constructor(private readonly url = '/api/feed') {}

  start(): void {
    if (this.source) return;
    // EventSource resends Last-Event-ID on its own reconnects, so a dropped stream resumes.
    const source = new EventSource(this.url, { withCredentials: true });
    this.source = source;
    source.onopen = () => {
      this.connected = true;
      this.notify();
    };
    source.onerror = () => {
      this.connected = false;
      this.notify();
    };
    source.addEventListener('reset', () => {
      this.resets += 1;
      this.view = emptyView();
      this.notify();
    });
    source.onmessage = (e: MessageEvent<string>) => {
      const m = parseFeedMessage(e.data);
      if (!m) return;
      if (m.type === 'people') {
        this.latestPeople = {
          frame: m.frame,
          receivedAt: performance.now(),
          seq: (this.latestPeople?.seq ?? 0) + 1,
        };
        return;
      }
      const next = applyFeed(this.view, m);
      if (next !== this.view) {
        this.view = next;
        this.notify();
      }
    };
  }

  stop(): void {
    this.source?.close();
    this.source = null;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): FloorView => this.view;

  /** Panels re-render at most once per animation frame, however many messages came. */
  private notify(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    requestAnimationFrame(() => {
      this.notifyQueued = false;
      for (const l of this.listeners) l();
    });
  }
}
