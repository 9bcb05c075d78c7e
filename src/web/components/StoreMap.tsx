import { memo, useEffect, useRef } from 'react';
import type { StoreDefinition } from '../../protocol/store.js';
import type { LiveFeed } from '../live/feed.js';
import {
  cameraPosition,
  fitFloor,
  personXY,
  plateRects,
  toPx,
  type MapTransform,
} from '../model/geometry.js';

const W = 760;
const H = 440;
const LIT_MS = 3000;

/** Paints what never moves: floor, zones, gondolas and plates, cameras. */
function paintStatic(ctx: CanvasRenderingContext2D, store: StoreDefinition, t: MapTransform): void {
  ctx.clearRect(0, 0, t.width, t.height);
  ctx.fillStyle = '#f4f1ea';
  ctx.strokeStyle = '#8a8577';
  ctx.lineWidth = 2;
  ctx.beginPath();
  store.floor.forEach((p, i) => {
    const [x, y] = toPx(t, p[0], p[1]);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  for (const z of store.zones) {
    if (z.kind !== 'entry' && z.kind !== 'exit') continue;
    ctx.fillStyle = z.kind === 'entry' ? 'rgba(46,160,67,0.15)' : 'rgba(210,90,40,0.15)';
    ctx.beginPath();
    z.polygon.forEach((p, i) => {
      const [x, y] = toPx(t, p[0], p[1]);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.closePath();
    ctx.fill();
  }
  ctx.fillStyle = '#d8d2c4';
  ctx.strokeStyle = '#9b9382';
  ctx.lineWidth = 1;
  for (const r of plateRects(store)) {
    const [ax, ay] = toPx(t, r.x0, r.y1);
    const [bx, by] = toPx(t, r.x1, r.y0);
    ctx.fillRect(ax, ay, bx - ax, by - ay);
    ctx.strokeRect(ax, ay, bx - ax, by - ay);
  }
  ctx.fillStyle = '#3b5b92';
  for (const c of store.cameras) {
    const [x, y] = toPx(t, ...cameraPosition(c));
    ctx.beginPath();
    ctx.moveTo(x, y - 6);
    ctx.lineTo(x + 5, y + 4);
    ctx.lineTo(x - 5, y + 4);
    ctx.closePath();
    ctx.fill();
  }
}

function colourOf(session: string | null): string {
  if (!session) return '#888';
  let h = 0;
  for (let i = 0; i < session.length; i++) h = (h * 31 + session.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 65% 42%)`;
}

/** Counters of the live layer, read by the browser test that measures map updates per second. */
export interface MapStats {
  frames: number;
  updates: number;
  people: number;
}

declare global {
  interface Window {
    __walkoutMap?: MapStats;
  }
}

/**
 * The live store map: a static canvas painted when the store changes, and a live canvas repainted
 * each animation frame from the newest people frame and lit plates. Shopper markers are small DOM
 * chips over the canvas (moved by style, never by React) so tests and screen readers find them.
 */
export const StoreMap = memo(function StoreMap({
  store,
  feed,
  litPlates,
}: {
  store: StoreDefinition;
  feed: LiveFeed;
  litPlates: Record<string, number>;
}) {
  const staticRef = useRef<HTMLCanvasElement>(null);
  const liveRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLDivElement>(null);
  const litRef = useRef(litPlates);
  litRef.current = litPlates;

  useEffect(() => {
    const ctx = staticRef.current?.getContext('2d');
    if (ctx) paintStatic(ctx, store, fitFloor(store, W, H));
  }, [store]);

  useEffect(() => {
    const canvas = liveRef.current;
    const overlay = overlayRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !overlay || !ctx) return;
    const t = fitFloor(store, W, H);
    const plates = new Map(plateRects(store).map((r) => [r.plateId, r]));
    const markers = new Map<string, HTMLDivElement>();
    const stats: MapStats = { frames: 0, updates: 0, people: 0 };
    window.__walkoutMap = stats;
    let lastSeq = -1;
    let raf = 0;
    const paint = () => {
      raf = requestAnimationFrame(paint);
      stats.frames += 1;
      const now = Date.now();
      const people = feed.latestPeople;
      const lit = Object.entries(litRef.current).filter(([, at]) => now - at < LIT_MS);
      if (people?.seq === lastSeq && lit.length === 0) return;
      ctx.clearRect(0, 0, W, H);
      for (const [plateId, at] of lit) {
        const r = plates.get(plateId);
        if (!r) continue;
        const [ax, ay] = toPx(t, r.x0, r.y1);
        const [bx, by] = toPx(t, r.x1, r.y0);
        ctx.fillStyle = `rgba(255,170,0,${(0.9 * (1 - (now - at) / LIT_MS)).toFixed(3)})`;
        ctx.fillRect(ax - 2, ay - 2, bx - ax + 4, by - ay + 4);
      }
      if (!people) return;
      if (people.seq !== lastSeq) {
        lastSeq = people.seq;
        stats.updates += 1;
        canvas.dataset.updates = String(stats.updates);
      }
      const seen = new Set<string>();
      for (const p of people.frame.people) {
        const xy = personXY(p.joints);
        if (!xy) continue;
        const [x, y] = toPx(t, xy[0], xy[1]);
        const colour = colourOf(p.session);
        for (const k of ['left_wrist', 'right_wrist']) {
          const j = p.joints[k];
          if (!j) continue;
          const [hx, hy] = toPx(t, j[0], j[1]);
          ctx.fillStyle = colour;
          ctx.beginPath();
          ctx.arc(hx, hy, 2.5, 0, Math.PI * 2);
          ctx.fill();
        }
        ctx.fillStyle = colour;
        ctx.beginPath();
        ctx.arc(x, y, 7, 0, Math.PI * 2);
        ctx.fill();
        seen.add(p.id);
        let m = markers.get(p.id);
        if (!m) {
          m = document.createElement('div');
          m.className = 'marker';
          m.dataset.testid = 'shopper-marker';
          m.dataset.person = p.id;
          overlay.appendChild(m);
          markers.set(p.id, m);
        }
        m.textContent = p.session ? p.session.slice(0, 10) : '?';
        m.dataset.session = p.session ?? '';
        m.dataset.x = x.toFixed(1);
        m.dataset.y = y.toFixed(1);
        m.style.transform = `translate(${(x + 8).toFixed(1)}px, ${(y - 18).toFixed(1)}px)`;
      }
      for (const [id, m] of markers)
        if (!seen.has(id)) {
          m.remove();
          markers.delete(id);
        }
      stats.people = seen.size;
    };
    raf = requestAnimationFrame(paint);
    return () => {
      cancelAnimationFrame(raf);
      for (const m of markers.values()) m.remove();
    };
  }, [store, feed]);

  return (
    <div className="map" data-testid="store-map" style={{ width: W, height: H }}>
      <canvas ref={staticRef} width={W} height={H} />
      <canvas ref={liveRef} width={W} height={H} data-testid="store-map-live" />
      <div ref={overlayRef} className="overlay" />
    </div>
  );
});
