/**
 * A simulated shopper's side of a live store, over the real shopper API (`/api/shop`): sign-up, a
 * test card, fresh entry QR tokens, the gate's admit call, and the live receipt channel (SSE).
 */
import { z } from 'zod';
import { LiveReceiptEvent, readSse } from './liveLatency.js';

const SignUpReply = z.object({ account: z.object({ id: z.string() }), accessToken: z.string() });
const EntryTokenReply = z.object({ token: z.string(), expiresAt: z.number(), party: z.number() });
const ReceiptsReply = z.object({ receipts: z.array(z.object({ visitId: z.string() })) });

/** Calls the shop API; a non-2xx answer throws with the status and the store's message. */
async function call<T extends z.ZodType>(
  url: string,
  init: RequestInit,
  schema: T,
  what: string,
): Promise<z.infer<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 200)}`);
  const parsed = schema.safeParse(text ? JSON.parse(text) : null);
  if (!parsed.success) throw new Error(`${what}: unexpected reply ${text.slice(0, 200)}`);
  return parsed.data;
}

/** A receipt as it arrived on the live channel, with the local arrival time. */
export interface ArrivedReceipt {
  event: LiveReceiptEvent;
  at: number;
}

/** One shopper account of the bench, signed up with a card. */
export class BenchShopper {
  readonly arrived: ArrivedReceipt[] = [];
  private readonly feed = new AbortController();

  private constructor(
    private readonly shop: string,
    readonly accountId: string,
    private readonly accessToken: string,
  ) {}

  /** Signs up `email` on the store at `base` (http://host:port) and adds a distinct test visa card. */
  static async signUp(base: string, email: string, cardSuffix: string): Promise<BenchShopper> {
    const shop = `${base}/api/shop`;
    const reply = await call(
      `${shop}/accounts`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) },
      SignUpReply,
      `sign-up of ${email}`,
    );
    const shopper = new BenchShopper(shop, reply.account.id, reply.accessToken);
    await call(
      `${shop}/me/payment-methods`,
      {
        method: 'POST',
        headers: shopper.headers(),
        body: JSON.stringify({ gatewayToken: `tok_visa_${cardSuffix}` }),
      },
      z.object({ id: z.string() }),
      `adding a card for ${email}`,
    );
    return shopper;
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.accessToken}`, 'content-type': 'application/json' };
  }

  /**
   * Opens the live receipt channel; resolves once the store said it is connected. Receipts are
   * kept in `arrived` with their arrival time; `onReceipt` hears each as it comes.
   */
  async openReceipts(onReceipt: (r: ArrivedReceipt) => void = () => {}): Promise<void> {
    const url = `${this.shop}/me/receipts/live?access_token=${encodeURIComponent(this.accessToken)}`;
    const res = await fetch(url, { signal: this.feed.signal });
    if (!res.ok || !res.body)
      throw new Error(`live receipt channel of ${this.accountId}: ${res.status} ${await res.text()}`);
    let connected: () => void = () => {};
    const ready = new Promise<void>((resolve) => (connected = resolve));
    void readSse(res, (events, at) => {
      // The first block is the store's ": connected" comment.
      connected();
      for (const e of events) {
        if (e.event !== 'receipt' || e.data === null) continue;
        const parsed = LiveReceiptEvent.safeParse(JSON.parse(e.data));
        if (!parsed.success) continue;
        const r = { event: parsed.data, at };
        this.arrived.push(r);
        onReceipt(r);
      }
    }).finally(() => connected());
    await ready;
  }

  /** A fresh single-use entry QR token for `party` people (it expires in about a minute). */
  async entryToken(party: number): Promise<string> {
    const reply = await call(
      `${this.shop}/me/entry-tokens`,
      { method: 'POST', headers: this.headers(), body: JSON.stringify({ party }) },
      EntryTokenReply,
      `entry token of ${this.accountId}`,
    );
    return reply.token;
  }

  /** The gate checks the token with the store before it lets the shopper in (operator key). */
  async admit(token: string, operatorKey: string): Promise<void> {
    await call(
      `${this.shop}/gate/admit`,
      {
        method: 'POST',
        headers: { 'x-walkout-key': operatorKey, 'content-type': 'application/json' },
        body: JSON.stringify({ token, method: 'qr' }),
      },
      z.object({ accountId: z.string() }),
      `gate admit of ${this.accountId}`,
    );
  }

  /** Receipts the account has (any channel): tells "not issued" from "issued, not pushed live". */
  async receiptCount(): Promise<number> {
    const reply = await call(
      `${this.shop}/me/receipts`,
      { headers: this.headers() },
      ReceiptsReply,
      `receipts of ${this.accountId}`,
    );
    return reply.receipts.length;
  }

  /** Closes the live channel. */
  close(): void {
    this.feed.abort();
  }
}
