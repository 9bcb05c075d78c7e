/**
 * A cart screen's connection: asks `GET /api/carts/{cartId}` who may see what, then follows
 * `GET /api/carts/{cartId}/live` (Server-Sent Events; the session cookie goes along). A cart the
 * store has not seen yet is asked about again every second until it appears.
 */
import { useEffect, useState } from 'react';
import { parseCartScreen, screenPhase, type CartScreenData } from '../model/cart.js';

export interface CartConnection {
  phase: 'loading' | ReturnType<typeof screenPhase>;
  screen: CartScreenData | null;
  /** The server's reason for anything but `live`. */
  detail: string | null;
  /** The live stream is open (false while it reconnects). */
  connected: boolean;
}

/** Follows one cart's screen; `attempt` changes start over (after a sign-in). */
export function useCartScreen(cartId: string, attempt: number): CartConnection {
  const [state, setState] = useState<CartConnection>({
    phase: 'loading',
    screen: null,
    detail: null,
    connected: false,
  });
  useEffect(() => {
    const url = `/api/carts/${encodeURIComponent(cartId)}`;
    let stopped = false;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const again = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => void check(), ms);
    };
    const follow = () => {
      const es = new EventSource(`${url}/live`, { withCredentials: true });
      source = es;
      es.onopen = () => !stopped && setState((s) => ({ ...s, connected: true }));
      es.onmessage = (e: MessageEvent<string>) => {
        const screen = parseCartScreen(e.data);
        if (screen && !stopped) setState({ phase: 'live', screen, detail: null, connected: true });
      };
      // The server ends the stream when the caller may no longer see the cart: ask again why.
      es.addEventListener('end', () => {
        es.close();
        again(0);
      });
      es.onerror = () => {
        if (stopped) return;
        setState((s) => ({ ...s, connected: false }));
        // EventSource retries a dropped stream by itself; an answer other than 200 closes it for good.
        if (es.readyState === EventSource.CLOSED) again(1000);
      };
    };
    const check = async () => {
      source?.close();
      source = null;
      let status = 0;
      let body: unknown = null;
      try {
        const res = await fetch(url, { credentials: 'same-origin' });
        status = res.status;
        body = await res.json().catch(() => null);
      } catch {
        // The store is not answering (restarting): try again shortly.
      }
      if (stopped) return;
      const phase = status === 0 ? 'error' : screenPhase(status);
      if (phase === 'live') {
        setState({ phase, screen: parseCartScreen(body), detail: null, connected: false });
        follow();
        return;
      }
      const detail = (body as { detail?: unknown } | null)?.detail;
      setState({
        phase,
        screen: null,
        detail: typeof detail === 'string' ? detail : status ? `HTTP ${status}` : 'the store does not answer',
        connected: false,
      });
      if (phase === 'waiting' || phase === 'error') again(1000);
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [cartId, attempt]);
  return state;
}
