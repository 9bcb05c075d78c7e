import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../sql/database.js';
import { tinyStore } from '../sql/ledgerStoreContract.test.js';
import { tempSqliteUrl } from '../sql/testing.js';
import { openLiveStore, type LiveIngestResult } from '../../server/liveStore.js';
import { scriptedVisit } from '../../server/testing.js';
import { connectExternalBroker, startEmbeddedBroker, type MqttIngest } from './broker.js';
import { eventually, mosquittoAvailable, TEST_MOSQUITTO_URL } from './testing.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function liveStore(storeId = 'tiny-1') {
  const database = await openDatabase(tempSqliteUrl());
  // Real wall clock here: the store settles receipts by itself, as it would in a shop.
  const live = await openLiveStore({ database, store: tinyStore(storeId), tickMs: 100 });
  cleanup.push(async () => {
    await live.close();
    await database.close();
  });
  return live;
}

async function publisher(url: string) {
  const client = await mqtt.connectAsync(url, {
    clientId: `walkout-test-pub-${process.pid}-${Math.random().toString(36).slice(2)}`,
  });
  cleanup.push(() => client.endAsync());
  return client;
}

describe('the embedded MQTT broker', () => {
  it('given a shopper took two FIJI, published by a device over a real socket, the receipt has two FIJI', async () => {
    const live = await liveStore();
    const ingest = await startEmbeddedBroker({ live, port: 0, host: '127.0.0.1' });
    cleanup.push(() => ingest.close());
    expect(ingest.port).toBeGreaterThan(0);
    const client = await publisher(`mqtt://127.0.0.1:${ingest.port}`);
    for (const m of scriptedVisit())
      await client.publishAsync(m.topic, JSON.stringify(m.payload), { qos: 1 });
    await eventually(async () => (await live.receipts()).length === 1, 'the receipt');
    expect((await live.receipts())[0]).toMatchObject({
      lines: [{ sku: 'fiji-500', quantity: 2 }],
      total: 498,
    });
  });

  it('counts and reports malformed messages with the reason and keeps running', async () => {
    const live = await liveStore();
    const seen: { topic: string; result: LiveIngestResult }[] = [];
    const ingest = await startEmbeddedBroker({
      live,
      port: 0,
      host: '127.0.0.1',
      onNotAccepted: (topic, result) => seen.push({ topic, result }),
    });
    cleanup.push(() => ingest.close());
    const client = await publisher(`mqtt://127.0.0.1:${ingest.port}`);
    await client.publishAsync('walkout/v1/tiny-1/plates/p1/weight', 'not json', { qos: 1 });
    await client.publishAsync(
      'walkout/v1/tiny-1/plates/p1/weight',
      JSON.stringify({ t: -1, hz: 60, grams: [] }),
      { qos: 1 },
    );
    await client.publishAsync('walkout/v1/tiny-1/teleport', '{}', { qos: 1 });
    await client.publishAsync('elsewhere/ignored', '{}', { qos: 1 });
    await client.publishAsync(
      'walkout/v1/tiny-1/gates/gate-in/scan',
      JSON.stringify({ t: 1000, token: 'ok' }),
      { qos: 1 },
    );
    await eventually(() => live.stats().accepted === 1, 'the valid scan');
    expect(seen.map((s) => s.result.reason)).toEqual([
      expect.stringMatching(/payload is not JSON/),
      expect.stringMatching(/payload\.t: .*payload\.grams/),
      expect.stringMatching(/expected walkout\/v1\/\{storeId\}/),
    ]);
    expect(live.stats().rejected).toBe(3);
    expect((await live.rejections()).find((r) => r.reason === 'malformed')?.count).toBe(3);
  });

  it('says which port it cannot take', async () => {
    const live = await liveStore();
    const first = await startEmbeddedBroker({ live, port: 0, host: '127.0.0.1' });
    cleanup.push(() => first.close());
    await expect(startEmbeddedBroker({ live, port: first.port!, host: '127.0.0.1' })).rejects.toThrow(
      /cannot listen on 127\.0\.0\.1:\d+.*--mqtt-port/,
    );
  });
});

// Fails (not skips) when WALKOUT_REQUIRE_SERVICES=1 and Mosquitto is down.
const mosquitto = await mosquittoAvailable();

describe.skipIf(!mosquitto)('an external broker (Mosquitto)', () => {
  it('subscribes as a client and the receipt has two FIJI', async () => {
    // A store id of its own keeps this test apart from anything else on the shared broker.
    const storeId = `mq-${process.pid}-${Date.now().toString(36)}`;
    const live = await liveStore(storeId);
    let ingest: MqttIngest | null = await connectExternalBroker({
      live,
      url: TEST_MOSQUITTO_URL,
      topic: `walkout/v1/${storeId}/#`,
    });
    cleanup.push(async () => {
      await ingest?.close();
      ingest = null;
    });
    expect(ingest.mode).toBe('external');
    const client = await publisher(TEST_MOSQUITTO_URL);
    for (const m of scriptedVisit({ storeId }))
      await client.publishAsync(m.topic, JSON.stringify(m.payload), { qos: 1 });
    await eventually(async () => (await live.receipts()).length === 1, 'the receipt');
    expect((await live.receipts())[0]).toMatchObject({ lines: [{ sku: 'fiji-500', quantity: 2 }] });
  });

  it('names the broker it cannot reach', async () => {
    const live = await liveStore();
    await expect(connectExternalBroker({ live, url: 'mqtt://127.0.0.1:1' })).rejects.toThrow(
      /cannot connect to the MQTT broker mqtt:\/\/127\.0\.0\.1:1/,
    );
    await expect(connectExternalBroker({ live, url: 'http://x' })).rejects.toThrow(/expected a broker URL/);
  });
});
