import { useMemo, useState } from 'react';
import type { StoreDefinition } from '../../protocol/store.js';
import { api, usePoll } from '../live/api.js';
import { fitFloor, personXY, plateRects, toPx } from '../model/geometry.js';
import { reviewChoices, type ReviewItem } from '../model/reviews.js';
import { Chart } from './Chart.js';

/** A small map of where people and their hands were when the shelf changed. */
function EvidenceMap({ store, item }: { store: StoreDefinition; item: ReviewItem }) {
  const w = 260;
  const h = 150;
  const t = fitFloor(store, w, h, 6);
  const changed = new Set(item.shelf?.plates.map((p) => p.plateId) ?? []);
  return (
    <svg width={w} height={h} className="evidence-map">
      {plateRects(store).map((r) => {
        const [ax, ay] = toPx(t, r.x0, r.y1);
        const [bx, by] = toPx(t, r.x1, r.y0);
        return (
          <rect
            key={r.plateId}
            x={ax}
            y={ay}
            width={bx - ax}
            height={by - ay}
            fill={changed.has(r.plateId) ? '#f5a300' : '#ddd'}
          />
        );
      })}
      {item.people?.people.map((p) => {
        const xy = personXY(p.joints);
        if (!xy) return null;
        const [x, y] = toPx(t, xy[0], xy[1]);
        return (
          <g key={p.id}>
            <circle cx={x} cy={y} r={4} fill="#2f6fb0" />
            {['left_wrist', 'right_wrist'].map((k) => {
              const j = p.joints[k];
              if (!j) return null;
              const [hx, hy] = toPx(t, j[0], j[1]);
              return <circle key={k} cx={hx} cy={hy} r={2} fill="#c0392b" />;
            })}
            <text x={x + 5} y={y - 4} fontSize={8}>
              {(p.session ?? '?').slice(0, 8)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function ReviewCard({
  item,
  store,
  onSettled,
}: {
  item: ReviewItem;
  store: StoreDefinition;
  onSettled: () => void;
}) {
  const choices = useMemo(() => reviewChoices(item), [item]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const names = new Map(store.products.map((p) => [p.sku, p.name]));
  const settle = async (body: { visitId: string | null; sku: string | null; quantity: number }) => {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/reviews/${encodeURIComponent(item.eventId)}/settle`, { body });
      onSettled();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const trace = item.trace.filter((tr) => tr.t.length > 1);
  return (
    <li className="review" data-testid="review-item" data-event={item.eventId}>
      <div>
        <b>{item.eventId}</b>{' '}
        <span className="muted">
          {item.reason.kind}: {item.reason.detail}
        </span>
      </div>
      <div className="evidence">
        {trace.length > 0 ? (
          <Chart
            title="Weight (g)"
            labels={trace.map((tr) => tr.plateId)}
            data={[
              trace[0]!.t.map((x) => x / 1000),
              ...trace.map((tr) => trace[0]!.t.map((_, i) => tr.grams[i] ?? NaN)),
            ]}
            width={280}
            height={130}
            testId="weight-trace"
          />
        ) : (
          <div className="muted small">
            {item.shelf
              ? `${item.shelf.deltaGrams.toFixed(0)} g ± ${item.shelf.deltaStdGrams.toFixed(0)} on ${item.shelf.plates.map((p) => p.plateId).join(', ')}`
              : 'no weight trace'}
          </div>
        )}
        <EvidenceMap store={store} item={item} />
      </div>
      <div className="candidates small">
        <div>
          Products:{' '}
          {item.products
            .map(
              (p) =>
                `${p.quantity > 0 ? '' : 'back '}${Math.abs(p.quantity)} × ${p.sku ? (names.get(p.sku) ?? p.sku) : 'unknown'} ${(p.probability * 100).toFixed(0)}%`,
            )
            .join(' · ') || '—'}
        </div>
        <div>
          Shoppers:{' '}
          {item.shoppers
            .map(
              (s) =>
                `${s.visitId.slice(0, 12)} ${(s.probability * 100).toFixed(0)}%${s.handDistanceM !== undefined ? ` (hand ${s.handDistanceM.toFixed(2)} m)` : ''}`,
            )
            .join(' · ') || '—'}
        </div>
      </div>
      <div className="actions">
        {choices.map((c) => (
          <button key={c.label} disabled={busy} data-testid="settle" onClick={() => void settle(c.decision)}>
            {c.label}
          </button>
        ))}
      </div>
      {error && <div className="bad small">{error}</div>}
    </li>
  );
}

/** The review queue: each ambiguous shelf event with its evidence and the actions that settle it. */
export function ReviewQueue({ store, bump }: { store: StoreDefinition; bump: number }) {
  const { data, reload } = usePoll<{ reviews: ReviewItem[] }>('/api/reviews', 2000, bump);
  const items = data?.reviews ?? [];
  return (
    <section className="panel reviews" data-testid="review-queue">
      <h2>Review queue ({items.length})</h2>
      {items.length === 0 && <p className="muted">Nothing to review.</p>}
      <ul>
        {items.slice(0, 8).map((item) => (
          <ReviewCard key={item.eventId} item={item} store={store} onSettled={reload} />
        ))}
      </ul>
    </section>
  );
}
