// The acceptance test of issue 2: a real AutoCheckout recording, published over MQTT by a real client
// to a running store, gives the receipt with the two items through the HTTP API; publishing it twice
// changes nothing; a restart keeps the receipt.
import { existsSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../adapters/mqtt/testing.js';
import { tempSqliteUrl } from '../adapters/sql/testing.js';
import { importAutoCheckout } from '../import/autocheckout.js';
import { parseStoreDefinition } from '../protocol/store.js';
import { startWalkoutServer, type WalkoutServer } from './server.js';

const DATASET = process.env.WALKOUT_AUTOCHECKOUT_DIR ?? '/work/shared/datasets/autocheckout/cps-test-01';
const servers: WalkoutServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

interface Receipts {
  receipts: {
    visitId: string;
    shopper: string;
    lines: { sku: string; quantity: number }[];
    issuedAt: number;
    exitedAt: number;
  }[];
}

describe.skipIf(!existsSync(DATASET))('an AutoCheckout recording published live over MQTT', () => {
  it('yields the receipt with the two items; twice changes nothing; a restart keeps it', async () => {
    const recording = importAutoCheckout(DATASET);
    const store = parseStoreDefinition(recording.store);
    const databaseUrl = tempSqliteUrl();
    const start = async () => {
      const server = await startWalkoutServer({
        store,
        databaseUrl,
        port: 0,
        mqttPort: 0,
        host: '127.0.0.1',
      });
      servers.push(server);
      return server;
    };
    const seen = (s: WalkoutServer) => {
      const st = s.live.stats();
      return st.accepted + st.duplicate + st.late + st.unknownDevice + st.rejected;
    };
    const publishAll = async (server: WalkoutServer) => {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqtt.port}`, {
        clientId: `ac-test-${process.pid}-${Date.now()}`,
      });
      const t0 = Date.now();
      for (const m of recording.messages)
        await client.publishAsync(m.topic, JSON.stringify(m.payload), { qos: 0 });
      await client.endAsync();
      return Date.now() - t0;
    };

    const server = await start();
    const publishMs = await publishAll(server);
    await eventually(
      () => seen(server) === recording.messages.length,
      'every message to be ingested',
      60_000,
    );
    const ingestedAt = Date.now();
    await eventually(
      async () => (await getJson<Receipts>(`${server.httpUrl}/api/receipts`)).body.receipts.length > 0,
      'the receipt',
      30_000,
    );
    const receiptWallMs = Date.now() - ingestedAt;
    const { body } = await getJson<Receipts>(`${server.httpUrl}/api/receipts`);
    const truth = recording.truth.shoppers[0]!;
    expect(body.receipts).toHaveLength(1);
    expect(body.receipts[0]!.shopper).toBe(truth.shopper);
    const byKey = (a: { sku: string }, b: { sku: string }) => a.sku.localeCompare(b.sku);
    expect(body.receipts[0]!.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })).sort(byKey)).toEqual(
      [...truth.items].sort(byKey),
    );
    console.info(
      `AutoCheckout live: ${recording.messages.length} messages published in ${publishMs} ms; receipt ${receiptWallMs} ms after the last was ingested; stats ${JSON.stringify(server.live.stats())}`,
    );
    const visitId = body.receipts[0]!.visitId;
    const visit = await getJson<{ status: string; cart: { sku: string; quantity: number }[] }>(
      `${server.httpUrl}/api/visits/${visitId}`,
    );
    expect(visit.body.status).toBe('closed');

    // The same recording again: every message is a duplicate or late, nothing changes.
    const before = {
      receipts: await getJson(`${server.httpUrl}/api/receipts`),
      visits: await getJson(`${server.httpUrl}/api/visits`),
    };
    await publishAll(server);
    await eventually(
      () => seen(server) === 2 * recording.messages.length,
      'the second delivery to be ingested',
      60_000,
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect({
      receipts: await getJson(`${server.httpUrl}/api/receipts`),
      visits: await getJson(`${server.httpUrl}/api/visits`),
    }).toEqual(before);
    expect(server.live.stats().accepted).toBe(
      recording.messages.length - server.live.stats().unknownDevice / 2,
    );

    // A restart keeps the receipt.
    await server.close();
    const again = await start();
    expect(await getJson(`${again.httpUrl}/api/receipts`)).toEqual(before.receipts);
    expect((await getJson(`${again.httpUrl}/api/receipts/${visitId}`)).status).toBe(200);
  }, 180_000);
});
