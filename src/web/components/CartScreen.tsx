import { useMemo, useState } from 'react';
import { useCartScreen } from '../live/cart.js';
import { cartIdOfPath, cartScreenModel, type AlertRow, type CartScreenData } from '../model/cart.js';
import { Login } from './Dashboard.js';

function Alert({ a }: { a: AlertRow }) {
  return (
    <li
      className={`cart-alert ${a.resolved ? 'resolved' : 'open'}`}
      data-testid="cart-alert"
      data-resolved={a.resolved}
    >
      <b>{a.resolved ? `Sorted: ${a.title.toLowerCase()}` : a.title}</b>
      {!a.resolved && <div className="action">{a.action}</div>}
      <div className="small">{a.detail}</div>
    </li>
  );
}

function Screen({ screen, connected }: { screen: CartScreenData; connected: boolean }) {
  const m = useMemo(() => cartScreenModel(screen), [screen]);
  return (
    <main className={`cart-screen ${m.state}`} data-testid="cart-screen" data-state={m.state}>
      <header>
        <b>Walkout</b> cart {screen.cartId}{' '}
        <span className="muted">{connected ? 'live' : 'reconnecting…'}</span>
      </header>
      {m.open.length > 0 && (
        <section className="cart-alerts" role="alert" data-testid="cart-alerts">
          <ul>
            {m.open.map((a) => (
              <Alert key={a.alertId} a={a} />
            ))}
          </ul>
        </section>
      )}
      <section className="cart-summary">
        <div className="cart-total" data-testid="cart-total">
          {m.total}
        </div>
        <div className="muted">
          {m.items} {m.items === 1 ? 'item' : 'items'} · tax {m.tax}
        </div>
        <p className="cart-headline" data-testid="cart-headline">
          {m.headline}
        </p>
      </section>
      {m.state !== 'idle' && (
        <section className="cart-lines panel">
          {m.lines.length === 0 && <p className="muted">Nothing in the basket yet.</p>}
          <table>
            <tbody>
              {m.lines.map((l) => (
                <tr key={l.key} data-testid="cart-line" data-sku={l.key}>
                  <td className="qty">{l.quantity}</td>
                  <td>
                    {l.name}
                    <div className="muted small">{l.price}</div>
                  </td>
                  <td className="amount">{l.amount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {m.resolved.length > 0 && (
        <section className="cart-resolved">
          <ul>
            {m.resolved.map((a) => (
              <Alert key={a.alertId} a={a} />
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

function CartScreenOf({ cartId }: { cartId: string }) {
  const [attempt, setAttempt] = useState(0);
  const c = useCartScreen(cartId, attempt);
  switch (c.phase) {
    case 'loading':
      return <p className="muted cart-message">Loading cart {cartId}…</p>;
    case 'sign-in':
      return <Login onDone={() => setAttempt((n) => n + 1)} />;
    case 'forbidden':
      return (
        <p className="cart-message" data-testid="cart-forbidden">
          This screen is for operators and the shopper signed in on cart {cartId}.{' '}
          <span className="muted">({c.detail})</span>
        </p>
      );
    case 'waiting':
      return (
        <p className="cart-message" data-testid="cart-waiting">
          Cart {cartId} has not been used in this store yet. This screen starts as soon as a shopper signs in
          on it.
        </p>
      );
    case 'error':
      return (
        <p className="cart-message bad">
          Cart {cartId}: {c.detail}. Trying again…
        </p>
      );
    case 'live':
      return c.screen ? (
        <Screen screen={c.screen} connected={c.connected} />
      ) : (
        <p className="cart-message bad">
          The server sent a cart screen this page cannot read; reload the page.
        </p>
      );
  }
}

/** A smart cart's screen at `/cart/{cartId}`: running total, items, alerts with what to do. */
export function CartScreen() {
  const cartId = cartIdOfPath(location.pathname);
  if (!cartId)
    return (
      <p className="cart-message">
        Open <code>/cart/&lt;cartId&gt;</code>, e.g. <a href="/cart/cart-01">/cart/cart-01</a>, or pick a cart
        on the <a href="/">dashboard</a>.
      </p>
    );
  return <CartScreenOf cartId={cartId} />;
}
