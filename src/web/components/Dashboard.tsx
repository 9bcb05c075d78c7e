import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { StoreDefinition } from '../../protocol/store.js';
import { api, ApiError } from '../live/api.js';
import { LiveFeed } from '../live/feed.js';
import { Carts, DeviceHealth, Disputes, EventFeed, Inventory, Metrics, Receipts } from './Panels.js';
import { ReviewQueue } from './ReviewQueue.js';
import { StoreMap } from './StoreMap.js';

export type Me = { name: string; role: 'operator' | 'reviewer' };

/** The staff sign-in form (the dashboard's, and a cart screen's when nobody is signed in). */
export function Login({ onDone }: { onDone: (me: Me) => void }) {
  const [name, setName] = useState('operator');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="login panel"
      onSubmit={(e) => {
        e.preventDefault();
        api<Me>('/api/auth/login', { body: { name, password } }).then(onDone, (err: Error) =>
          setError(err.message),
        );
      }}
    >
      <h1>Walkout staff sign-in</h1>
      <label>
        Name <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Password{' '}
        <input
          name="password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <button type="submit">Sign in</button>
      {error && <p className="bad">{error}</p>}
      <p className="muted small">
        The demo prints its staff at start (operator/operator, reviewer/reviewer).
      </p>
    </form>
  );
}

function OperatorBoard({ store, me }: { store: StoreDefinition; me: Me }) {
  const feed = useMemo(() => new LiveFeed('/api/feed'), []);
  useEffect(() => {
    if (me.role === 'operator') feed.start();
    return () => feed.stop();
  }, [feed, me.role]);
  const view = useSyncExternalStore(feed.subscribe, feed.snapshot);
  // A settled review or a new receipt refreshes the queue at once instead of at its next poll.
  const bump = view.lines.filter((l) => l.kind === 'alert' || l.kind === 'receipt').length;
  if (me.role === 'reviewer')
    return (
      <main className="board reviewer">
        <ReviewQueue store={store} bump={0} />
      </main>
    );
  return (
    <main className="board">
      <div className="col main">
        <section className="panel">
          <h2>
            {store.name}{' '}
            <span className="muted small">
              {Object.keys(view.visits).length} visits inside · feed {feed.connected ? 'live' : 'connecting'}
            </span>
          </h2>
          <StoreMap store={store} feed={feed} litPlates={view.litPlates} />
        </section>
        <ReviewQueue store={store} bump={bump} />
        <Metrics />
      </div>
      <div className="col side">
        <Carts view={view} store={store} />
        <Receipts view={view} store={store} />
        <EventFeed view={view} />
        <Disputes />
        <Inventory />
        <DeviceHealth />
      </div>
    </main>
  );
}

/** The operator dashboard at `/`: sign-in, then the board for the signed-in role. */
export function Dashboard() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [store, setStore] = useState<StoreDefinition | null>(null);
  useEffect(() => {
    api<Me>('/api/auth/me').then(setMe, () => setMe(null));
  }, []);
  useEffect(() => {
    if (me) api<StoreDefinition>('/api/store').then(setStore, (e: ApiError) => console.warn(e.message));
  }, [me]);
  if (me === undefined) return <p className="muted">Loading…</p>;
  if (me === null) return <Login onDone={setMe} />;
  return (
    <div className="dashboard">
      <header>
        <b>Walkout</b> operator dashboard{' '}
        <span className="muted">
          signed in as {me.name} ({me.role})
        </span>{' '}
        <button
          className="link"
          onClick={() => void api('/api/auth/logout', { method: 'POST' }).finally(() => setMe(null))}
        >
          sign out
        </button>
        <a href="/app" className="right">
          shopper app →
        </a>
      </header>
      {store ? <OperatorBoard store={store} me={me} /> : <p className="muted">Loading the store…</p>}
    </div>
  );
}
