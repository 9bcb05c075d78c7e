import { useCallback, useEffect, useState } from 'react';
import { api, money, saveShopperSession, shopperSession, usePoll, type ShopperSession } from '../live/api.js';

interface Me {
  account: { id: string; email: string; status: string };
  paymentMethods: { id: string; brand: string; last4: string }[];
}
interface EntryToken {
  token: string;
  expiresAt: number;
  qrSvg: string;
}
interface ShopReceipt {
  id: string;
  visitId: string;
  version: number;
  issuedAt: number;
  lines: { sku: string; name: string; quantity: number; amount: number }[];
  total: number;
  refunded: number;
  net: number;
  currency: string;
  payment: { status: string };
  reason: string;
}
interface Cart {
  visitId: string;
  status: string;
  lines: { sku: string; quantity: number }[];
  pendingReviews: number;
}

function SignUp({ onDone }: { onDone: (s: ShopperSession) => void }) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault();
        api<{ accessToken: string }>('/api/shop/accounts', { body: { email } }).then(
          (r) => onDone({ accessToken: r.accessToken, email }),
          (err: Error) => setError(err.message),
        );
      }}
    >
      <h2>Sign up</h2>
      <p className="muted small">Walk in, take what you need, walk out. Your receipt arrives here.</p>
      <input
        name="email"
        type="email"
        placeholder="you@example.com"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        required
      />
      <button type="submit">Create account</button>
      {error && <p className="bad">{error}</p>}
    </form>
  );
}

function AddCard({ token, onDone }: { token: string; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const add = (kind: string) =>
    api('/api/shop/me/payment-methods', {
      token,
      body: { gatewayToken: `${kind}_${Math.random().toString(36).slice(2, 10)}` },
    }).then(onDone, (e: Error) => setError(e.message));
  return (
    <div className="card">
      <h2>Add a card</h2>
      <p className="muted small">Test gateway: no real money moves.</p>
      <button onClick={() => void add('tok_visa')}>Visa ···· 4242</button>{' '}
      <button onClick={() => void add('tok_mastercard')}>Mastercard ···· 4444</button>
      {error && <p className="bad">{error}</p>}
    </div>
  );
}

/** The entry QR: a fresh single-use token, replaced before it expires and after it was used. */
function EntryQr({
  token,
  generation,
  onToken,
}: {
  token: string;
  generation: number;
  onToken: (t: EntryToken) => void;
}) {
  const [entry, setEntry] = useState<EntryToken | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stop = false;
    const refresh = () =>
      api<EntryToken>('/api/shop/me/entry-tokens', { token, body: { party: 1 } }).then(
        (t) => {
          if (stop) return;
          setEntry(t);
          onToken(t);
          timer = setTimeout(refresh, Math.max(5_000, Math.min(60_000, t.expiresAt - Date.now() - 10_000)));
        },
        (e: Error) => !stop && setError(e.message),
      );
    void refresh();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [token, generation, onToken]);
  return (
    <div className="card qr">
      <h2>Your entry code</h2>
      {error && <p className="bad">{error}</p>}
      {entry && (
        <div data-testid="entry-qr" data-token={entry.token} data-expires={entry.expiresAt}>
          <div className="qr-svg" dangerouslySetInnerHTML={{ __html: entry.qrSvg }} />
          <div className="muted small">Show it at the gate · renews by itself</div>
        </div>
      )}
    </div>
  );
}

function LiveCart({ token }: { token: string }) {
  const { data } = usePoll<{ carts: Cart[] }>('/api/me/cart', 1000, 0, token);
  const carts = data?.carts ?? [];
  return (
    <div
      className="card"
      data-testid="live-cart"
      data-items={carts.reduce((n, c) => n + c.lines.reduce((m, l) => m + l.quantity, 0), 0)}
    >
      <h2>Your cart</h2>
      {carts.length === 0 && <p className="muted small">Not in the store.</p>}
      {carts.map((c) => (
        <div key={c.visitId}>
          <div className="muted small">
            {c.status === 'open' ? 'In the store' : 'Left; your receipt is on its way'}
            {c.pendingReviews ? ` · ${c.pendingReviews} item(s) being checked` : ''}
          </div>
          <ul>
            {c.lines.map((l) => (
              <li key={l.sku} data-testid="cart-line">
                {l.quantity} × {l.sku}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}

function Receipts({ token }: { token: string }) {
  const [bump, setBump] = useState(0);
  useEffect(() => {
    // The commerce side pushes each new receipt version; the list reloads when one comes.
    const source = new EventSource(`/api/shop/me/receipts/live?access_token=${encodeURIComponent(token)}`);
    source.addEventListener('receipt', () => setBump((b) => b + 1));
    return () => source.close();
  }, [token]);
  const { data, reload } = usePoll<{ receipts: ShopReceipt[] }>('/api/shop/me/receipts', 5000, bump, token);
  const [note, setNote] = useState<string | null>(null);
  const dispute = (visitId: string, sku: string) =>
    api<{ status: string }>(`/api/shop/receipts/${visitId}/disputes`, {
      token,
      body: { sku, kind: 'not-taken' },
    }).then(
      (d) => {
        setNote(`Dispute ${d.status}.`);
        reload();
      },
      (e: Error) => setNote(e.message),
    );
  const receipts = [...(data?.receipts ?? [])].sort((a, b) => b.issuedAt - a.issuedAt);
  return (
    <div className="card" data-testid="receipt-list">
      <h2>Receipts</h2>
      {note && <p className="small">{note}</p>}
      {receipts.length === 0 && <p className="muted small">No receipts yet.</p>}
      {receipts.map((r) => (
        <div
          key={r.id}
          className="receipt"
          data-testid="receipt"
          data-visit={r.visitId}
          data-version={r.version}
        >
          <div>
            <b>{money(r.net, r.currency)}</b>{' '}
            <span className="muted small">
              {new Date(r.issuedAt).toLocaleString()} · v{r.version} · {r.payment.status}
            </span>
          </div>
          <ul>
            {r.lines.map((l) => (
              <li key={l.sku}>
                {l.quantity} × {l.name} {money(l.amount, r.currency)}{' '}
                <button className="link" data-testid="dispute" onClick={() => void dispute(r.visitId, l.sku)}>
                  not mine
                </button>
              </li>
            ))}
          </ul>
          {r.refunded > 0 && <div className="small">Refunded {money(r.refunded, r.currency)}</div>}
        </div>
      ))}
    </div>
  );
}

/** The shopper app at `/app`, phone-sized: sign up, card, entry QR, live cart, receipts, disputes. */
export function ShopperApp() {
  const [session, setSession] = useState<ShopperSession | null>(shopperSession());
  const [me, setMe] = useState<Me | null>(null);
  const [entry, setEntry] = useState<EntryToken | null>(null);
  const [generation, setGeneration] = useState(0);
  const [demoNote, setDemoNote] = useState<string | null>(null);
  const loadMe = useCallback(() => {
    if (!session) return;
    api<Me>('/api/shop/me', { token: session.accessToken }).then(setMe, () => {
      saveShopperSession(null);
      setSession(null);
    });
  }, [session]);
  useEffect(loadMe, [loadMe]);
  const onToken = useCallback((t: EntryToken) => setEntry(t), []);
  if (!session)
    return (
      <div className="phone">
        <h1>Walkout</h1>
        <SignUp
          onDone={(s) => {
            saveShopperSession(s);
            setSession(s);
          }}
        />
      </div>
    );
  const hasCard = (me?.paymentMethods.length ?? 0) > 0;
  const demoVisit = () =>
    entry &&
    api<{ skus: string[] }>('/api/demo/visit', {
      token: session.accessToken,
      body: { token: entry.token },
    }).then(
      (r) => {
        setDemoNote(`Scanned at a smart cart; it adds ${r.skus.join(', ')} and rolls out.`);
        setGeneration((g) => g + 1);
      },
      (e: Error) => setDemoNote(e.message),
    );
  return (
    <div className="phone">
      <h1>
        Walkout <span className="muted small">{session.email}</span>
      </h1>
      {me && !hasCard && <AddCard token={session.accessToken} onDone={loadMe} />}
      {me && hasCard && (
        <>
          <div className="muted small">
            Card: {me.paymentMethods.map((m) => `${m.brand} ···· ${m.last4}`).join(', ')}
          </div>
          <EntryQr token={session.accessToken} generation={generation} onToken={onToken} />
          <button data-testid="demo-visit" onClick={() => void demoVisit()} disabled={!entry}>
            Demo: scan this code at a smart cart
          </button>
          {demoNote && <p className="small">{demoNote}</p>}
          <LiveCart token={session.accessToken} />
        </>
      )}
      <Receipts token={session.accessToken} />
      <button
        className="link"
        onClick={() => {
          saveShopperSession(null);
          setSession(null);
          setMe(null);
        }}
      >
        sign out
      </button>
    </div>
  );
}
