// The acceptance test of issue 8: a smart-cart visit, from sign-in to the exit lane, published over
// MQTT by a real client to a running store, gives its receipt through the HTTP API: a unit item
// and produce priced by the grams the basket scale measured.
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../adapters/mqtt/testing.js';
import { tempSqliteUrl } from '../adapters/sql/testing.js';
import { parseStoreDefinition } from '../protocol/store.js';
import { cartStore } from '../sim/carts.js';
import { startWalkoutServer, type WalkoutServer } from './server.js';

const servers: WalkoutServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

interface Receipts {
  receipts: {
    visitId: string;
    shopper: string;
    lines: { sku: string; quantity: number; unitPrice: number; grams?: number }[];
    reviewed: boolean;
  }[];
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

describe('a smart-cart visit published live over MQTT', () => {
  it('from sign-in to exit gives the receipt with the scanned item and the weighed produce', async () => {
    const store = parseStoreDefinition(cartStore().definition);
    const unit = store.products.find(
      (p) => p.soldBy === 'unit' && p.gtin !== undefined && p.weight.mean > 100,
    )!;
    const produce = store.products.find((p) => p.soldBy === 'weight')!;
    const server = await startWalkoutServer({
      store,
      databaseUrl: tempSqliteUrl(),
      port: 0,
      mqttPort: 0,
      host: '127.0.0.1',
    });
    servers.push(server);

    const prefix = `walkout/v1/${store.id}/carts/cart-01`;
    const t0 = Date.now() - 60_000;
    const token = 'cart-e2e-shopper';
    const bananaGrams = 812;
    const messages: { t: number; topic: string; payload: Record<string, unknown> }[] = [
      { t: t0, topic: `${prefix}/login`, payload: { token } },
      { t: t0 + 4000, topic: `${prefix}/scan`, payload: { gtin: unit.gtin!, action: 'add' } },
      { t: t0 + 14_000, topic: `${prefix}/scan`, payload: { gtin: produce.gtin!, action: 'add' } },
      { t: t0 + 26_000, topic: `${prefix}/exit`, payload: { gateId: 'gate-out' } },
    ];
    // The basket scale at 4 Hz, with a gram of noise: the item lands 1 s after its scan, the bag 1 s after its.
    for (let k = 0; k * 250 <= 32_000; k++) {
      const t = t0 - 1000 + k * 250;
      const basket = (t >= t0 + 5000 ? unit.weight.mean : 0) + (t >= t0 + 15_000 ? bananaGrams : 0);
      messages.push({
        t,
        topic: `${prefix}/weight`,
        payload: { grams: Math.round((basket + ((k * 7) % 3) - 1) * 10) / 10 },
      });
    }
    messages.sort((a, b) => a.t - b.t);

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqtt.port}`, {
      clientId: `cart-e2e-${process.pid}-${Date.now()}`,
    });
    for (const m of messages)
      await client.publishAsync(m.topic, JSON.stringify({ t: m.t, ...m.payload }), { qos: 1 });
    await client.endAsync();

    await eventually(
      async () =>
        (await getJson<Receipts>(`${server.httpUrl}/api/receipts`)).body.receipts.some(
          (r) => r.shopper === token,
        ),
      'the cart receipt',
      30_000,
    );
    const { body } = await getJson<Receipts>(`${server.httpUrl}/api/receipts`);
    const receipt = body.receipts.find((r) => r.shopper === token)!;
    expect(receipt.reviewed).toBe(false);
    const bySku = new Map(receipt.lines.map((l) => [l.sku, l]));
    expect(bySku.size).toBe(2);
    expect(bySku.get(unit.sku)).toMatchObject({ quantity: 1, unitPrice: unit.price });
    const bananas = bySku.get(produce.sku)!;
    expect(bananas.quantity).toBe(1);
    expect(Math.abs(bananas.grams! - bananaGrams)).toBeLessThanOrEqual(3);
    expect(bananas.unitPrice).toBe(Math.round((produce.pricePerKg! * bananas.grams!) / 1000));

    const one = await getJson<{ shopper: string }>(`${server.httpUrl}/api/receipts/${receipt.visitId}`);
    expect(one.status).toBe(200);
    expect(one.body.shopper).toBe(token);
  }, 60_000);
});
