/** HTTP calls of the web app. Staff use the session cookie; shoppers a bearer token kept in localStorage. */
import { useEffect, useRef, useState } from 'react';

const SHOPPER_KEY = 'walkout.shopper';

export interface ShopperSession {
  accessToken: string;
  email: string;
}

export function shopperSession(): ShopperSession | null {
  try {
    const raw = localStorage.getItem(SHOPPER_KEY);
    return raw ? (JSON.parse(raw) as ShopperSession) : null;
  } catch {
    return null;
  }
}

export function saveShopperSession(s: ShopperSession | null): void {
  if (s) localStorage.setItem(SHOPPER_KEY, JSON.stringify(s));
  else localStorage.removeItem(SHOPPER_KEY);
}

/** An API error with the server's problem detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the API; JSON in and out; throws ApiError with the problem's detail. */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(path, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers,
    credentials: 'same-origin',
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const p = json as { detail?: string; message?: string } | null;
    throw new ApiError(res.status, p?.detail ?? p?.message ?? `HTTP ${res.status}`);
  }
  return json as T;
}

/** Polls a GET endpoint every `ms` (and when `bump` changes); returns the newest answer. */
export function usePoll<T>(
  path: string | null,
  ms: number,
  bump: unknown = 0,
  token?: string,
): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  useEffect(() => {
    if (!path) return;
    let stop = false;
    const load = () =>
      api<T>(path, token ? { token } : {}).then(
        (d) => {
          if (!stop && alive.current) {
            setData(d);
            setError(null);
          }
        },
        (e: Error) => !stop && alive.current && setError(e.message),
      );
    void load();
    const timer = setInterval(() => void load(), ms);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [path, ms, bump, tick, token]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}

export const money = (cents: number, currency = 'USD') => `${(cents / 100).toFixed(2)} ${currency}`;
