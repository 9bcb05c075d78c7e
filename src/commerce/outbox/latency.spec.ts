import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestGateway } from '../../adapters/payments/test-gateway.js';
import { createCommerce, startOutboxWorker } from '../commerce.js';
import { LiveReceipts } from '../receipts/live.js';
import { createCommerceRepo, type CommerceDb } from '../store/repo.js';
import { openCommerceSqlite } from '../store/sqlite.js';
import { demoCatalog, entered, receiptIssued } from '../testing.js';

/**
 * Exit → live receipt latency under a burst of exits, with a gateway that takes 120 ms a call and
 * e-mail and webhooks that take 40 ms: the part of the "receipt within seconds" budget that the
 * money side spends (the engine's settle window comes before it).
 */
const VISITS = 80;
const EXITS_PER_SECOND = 10;
let db: CommerceDb;
let gateway: TestGateway;

beforeAll(async () => {
  db = await openCommerceSqlite();
  gateway = new TestGateway(':memory:', { delayMs: 120 });
});
afterAll(async () => {
  await db.destroy();
  gateway.close();
});

describe('receipt latency', () => {
  it(`delivers ${VISITS} receipts live with p99 under 5 s at ${EXITS_PER_SECOND} exits a second`, async () => {
    const live = new LiveReceipts();
    const slow = (ms: number) => () => new Promise<void>((r) => setTimeout(r, ms));
    let wake = () => {};
    const commerce = createCommerce({
      repo: createCommerceRepo(db),
      gateway,
      clock: { now: () => Date.now() },
      catalog: demoCatalog,
      signingSecret: 's',
      holdAmount: 5_000,
      currency: 'USD',
      live,
      mailer: { send: slow(40) },
      webhooks: { sender: { send: slow(40) }, targets: [{ name: 'erp', url: 'http://unused', secret: 'x' }] },
      emailPdf: false,
      outboxConcurrency: 8,
      onEnqueued: () => wake(),
    });
    const exits = new Map<string, number>();
    const latencies: number[] = [];
    const cards: string[] = [];
    for (let i = 0; i < VISITS; i++) {
      const { account } = await commerce.signUp(`s${i}@example.com`);
      cards.push((await commerce.addPaymentMethod(account.id, `tok_visa_l${i}`)).gatewayToken);
      live.subscribe(account.id, (r) => latencies.push(Date.now() - exits.get(r.visitId)!));
    }
    const worker = startOutboxWorker(commerce, { pollMs: 50 });
    wake = worker.wake;
    // Everyone enters first (holds placed), then they leave at a steady rate.
    for (let i = 0; i < VISITS; i++)
      await commerce.onVisitEvent(entered(`lv${i}`, cards[i]!, Date.now(), 'card'));
    for (let i = 0; i < VISITS; i++) {
      const now = Date.now();
      exits.set(`lv${i}`, now);
      await commerce.onVisitEvent(
        receiptIssued(`lv${i}`, cards[i]!, now - 60_000, now, [
          { sku: 'fiji-500', quantity: 1 + (i % 3), unitPrice: 249 },
        ]),
      );
      await new Promise((r) => setTimeout(r, 1000 / EXITS_PER_SECOND));
    }
    const deadline = Date.now() + 60_000;
    while (latencies.length < VISITS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await worker.stop();
    expect(latencies).toHaveLength(VISITS);
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (p: number) => {
      const rank = (p / 100) * (sorted.length - 1);
      const lo = Math.floor(rank);
      return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (rank - lo);
    };
    console.log(
      `exit → live receipt: p50 ${Math.round(pct(50))} ms, p99 ${Math.round(pct(99))} ms over ${VISITS} visits`,
    );
    expect(pct(99)).toBeLessThan(5_000);
    expect(gateway.callCount('capture')).toBe(VISITS);
  });
});
