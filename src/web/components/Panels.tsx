import { useMemo, useState } from 'react';
import type { StoreDefinition } from '../../protocol/store.js';
import { api, money, usePoll } from '../live/api.js';
import type { FloorView, ReceiptView } from '../model/feed.js';
import { Chart } from './Chart.js';

/** The live event feed, newest first. */
export function EventFeed({ view }: { view: FloorView }) {
  return (
    <section className="panel feed" data-testid="event-feed">
      <h2>Live events</h2>
      <ol>
        {view.lines.slice(0, 60).map((l) => (
          <li key={l.id} className={`line ${l.kind}`}>
            <time>{new Date(l.at).toLocaleTimeString()}</time> {l.text}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Each visit in the store with its cart; a smart cart's visit links to that cart's screen. */
export function Carts({ view, store }: { view: FloorView; store: StoreDefinition }) {
  const names = useMemo(() => new Map(store.products.map((p) => [p.sku, p.name])), [store]);
  const visits = Object.values(view.visits);
  return (
    <section className="panel carts" data-testid="carts">
      <h2>Carts ({visits.length})</h2>
      {visits.length === 0 && <p className="muted">No shoppers inside.</p>}
      <ul>
        {visits.map((v) => (
          <li key={v.visitId} data-testid="cart" data-visit={v.visitId}>
            <b>{v.token.slice(0, 12)}</b>{' '}
            {view.cartOf[v.visitId] && (
              <a href={`/cart/${encodeURIComponent(view.cartOf[v.visitId]!)}`} data-testid="cart-link">
                {view.cartOf[v.visitId]}
              </a>
            )}{' '}
            <span className="muted">
              {v.status}
              {Object.keys(v.openReviews).length ? `, ${Object.keys(v.openReviews).length} in review` : ''}
            </span>
            <div>
              {Object.values(v.cart)
                .map((l) => `${l.quantity} × ${names.get(l.sku) ?? l.sku}`)
                .join(', ') || <span className="muted">empty</span>}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface ReceiptsAnswer {
  receipts: ReceiptView[];
}

/** Receipts, newest first: from the feed as they come, completed by the list the server keeps. */
export function Receipts({ view, store }: { view: FloorView; store: StoreDefinition }) {
  const { data } = usePoll<ReceiptsAnswer>('/api/receipts?limit=50', 5000);
  const names = useMemo(() => new Map(store.products.map((p) => [p.sku, p.name])), [store]);
  const all = useMemo(() => {
    const byVisit = new Map<string, ReceiptView>();
    for (const r of data?.receipts ?? []) byVisit.set(r.visitId, r);
    for (const r of Object.values(view.receipts)) {
      const prev = byVisit.get(r.visitId);
      if (!prev || prev.version <= r.version) byVisit.set(r.visitId, r);
    }
    return [...byVisit.values()].sort((a, b) => b.issuedAt - a.issuedAt).slice(0, 30);
  }, [data, view.receipts]);
  return (
    <section className="panel receipts" data-testid="receipt-list">
      <h2>Receipts</h2>
      {all.length === 0 && <p className="muted">None yet.</p>}
      <ul>
        {all.map((r) => (
          <li
            key={r.visitId}
            data-testid="receipt"
            data-visit={r.visitId}
            data-version={r.version}
            data-reviewed={r.reviewed}
          >
            <b>{money(r.total, r.currency)}</b>{' '}
            <span className="muted">
              v{r.version} · {r.shopper.slice(0, 12)} · {new Date(r.issuedAt).toLocaleTimeString()}
              {r.reviewed ? ' · reviewed' : ''}
            </span>
            <div className="small">
              {r.lines.map((l) => `${l.quantity} × ${names.get(l.sku) ?? l.sku}`).join(', ') || 'nothing'}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface Dispute {
  id: string;
  visitId: string;
  sku: string;
  kind: string;
  amount: number;
  status: string;
  createdAt: number;
}

/** Disputes and refunds (from the commerce side; absent when it does not run). */
export function Disputes() {
  const { data, error, reload } = usePoll<{ disputes: Dispute[] }>('/api/disputes', 4000);
  const decide = async (id: string, approve: boolean) => {
    await api(`/api/disputes/${id}/decision`, { body: { approve } });
    reload();
  };
  return (
    <section className="panel disputes" data-testid="disputes">
      <h2>Disputes &amp; refunds</h2>
      {error && <p className="muted">{error}</p>}
      {data && data.disputes.length === 0 && <p className="muted">None.</p>}
      <ul>
        {data?.disputes.map((d) => (
          <li key={d.id}>
            {d.sku} ({d.kind}) {money(d.amount)} · <b>{d.status}</b>
            {d.status === 'queued' && (
              <>
                {' '}
                <button onClick={() => void decide(d.id, true)}>Refund</button>{' '}
                <button onClick={() => void decide(d.id, false)}>Reject</button>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

interface PlateStock {
  plateId: string;
  skus: string[];
  planned: number;
  count: number;
  misplaced: Record<string, number>;
}

/** Inventory per plate, low stock first, misplaced products named. */
export function Inventory() {
  const { data } = usePoll<{ plates: PlateStock[]; low: string[] }>('/api/inventory', 3000);
  const [all, setAll] = useState(false);
  if (!data)
    return (
      <section className="panel" data-testid="inventory">
        <h2>Inventory</h2>
      </section>
    );
  const low = new Set(data.low);
  const misplaced = data.plates.filter((p) => Object.keys(p.misplaced).length > 0);
  const shown = all
    ? data.plates
    : data.plates.filter((p) => low.has(p.plateId) || Object.keys(p.misplaced).length > 0).slice(0, 20);
  return (
    <section className="panel inventory" data-testid="inventory">
      <h2>
        Inventory{' '}
        <span className="muted small">
          {data.plates.length} plates · {low.size} low · {misplaced.length} with misplaced items
        </span>
      </h2>
      <button className="link" onClick={() => setAll(!all)}>
        {all ? 'only problems' : 'all plates'}
      </button>
      <table>
        <tbody>
          {shown.map((p) => (
            <tr key={p.plateId} className={low.has(p.plateId) ? 'low' : ''}>
              <td>{p.plateId}</td>
              <td>{p.skus.join(', ')}</td>
              <td>
                {p.count}/{p.planned}
              </td>
              <td>
                {Object.entries(p.misplaced)
                  .map(([s, n]) => `${n} × ${s} misplaced`)
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface Device {
  deviceId: string;
  kind: string;
  ok: boolean | null;
  detail: string;
}

/** Device health: problems first. */
export function DeviceHealth() {
  const { data } = usePoll<{ devices: Device[]; ingest: Record<string, number> }>(
    '/api/health/devices',
    3000,
  );
  const devices = data?.devices ?? [];
  const bad = devices.filter((d) => d.ok === false);
  const silent = devices.filter((d) => d.ok === null);
  return (
    <section className="panel health" data-testid="device-health">
      <h2>
        Devices{' '}
        <span className="muted small">
          {devices.length} · {bad.length} reporting problems · {silent.length} silent
        </span>
      </h2>
      {data && (
        <div className="small muted">
          ingest:{' '}
          {Object.entries(data.ingest)
            .map(([k, v]) => `${k} ${v}`)
            .join(' · ')}
        </div>
      )}
      <ul>
        {[...bad, ...silent].slice(0, 12).map((d) => (
          <li key={d.deviceId} className={d.ok === false ? 'bad' : 'muted'}>
            {d.kind} {d.deviceId}: {d.detail}
          </li>
        ))}
      </ul>
    </section>
  );
}

interface MetricsPoint {
  minute: number;
  visits: number;
  basketSize: number | null;
  receiptLatencyMs: number | null;
  reviewRate: number | null;
  disputeRate: number | null;
}

/** Metrics per minute as small uPlot charts. */
export function Metrics() {
  const { data } = usePoll<{ series: MetricsPoint[] }>('/api/metrics', 5000);
  const s = data?.series ?? [];
  const x = s.map((p) => p.minute / 1000);
  const col = (f: (p: MetricsPoint) => number | null) => s.map((p) => f(p) ?? (null as unknown as number));
  return (
    <section className="panel metrics" data-testid="metrics">
      <h2>Metrics per minute</h2>
      <div className="charts">
        <Chart title="Visits" labels={['visits']} data={[x, col((p) => p.visits)]} />
        <Chart title="Basket size (items)" labels={['items']} data={[x, col((p) => p.basketSize)]} />
        <Chart
          title="Receipt latency (s)"
          labels={['latency']}
          data={[x, col((p) => (p.receiptLatencyMs === null ? null : p.receiptLatencyMs / 1000))]}
        />
        <Chart
          title="Review and dispute rate"
          labels={['reviewed', 'disputed']}
          data={[x, col((p) => p.reviewRate), col((p) => p.disputeRate)]}
        />
      </div>
    </section>
  );
}
