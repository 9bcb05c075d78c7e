import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { WalkoutError } from '../../protocol/errors.js';
import { TOPIC_PREFIX } from '../../protocol/topics.js';
import type { LiveIngestResult, LiveStore } from '../../server/liveStore.js';

/** The embedded broker's default port (1883 is usually a system Mosquitto's). */
export const DEFAULT_MQTT_PORT = 1884;

/** Every device topic of contract version 1. */
export const DEVICE_TOPICS = `${TOPIC_PREFIX}/#`;

/** Where device messages come in over MQTT, and how to stop it. */
export interface MqttIngest {
  mode: 'embedded' | 'external';
  /** What devices connect to, e.g. mqtt://0.0.0.0:1884. */
  url: string;
  /** The embedded broker's TCP port (null for an external broker). */
  port: number | null;
  close(): Promise<void>;
}

export interface MqttIngestOptions {
  live: LiveStore;
  /** Called for each message that was not accepted (rejected, duplicate, late, unknown device). */
  onNotAccepted?: (topic: string, result: LiveIngestResult) => void;
}

function deliver(options: MqttIngestOptions, topic: string, payload: Uint8Array | string): void {
  // Nothing a device sends may throw out of here: a bad message is counted and logged, never fatal.
  let result: LiveIngestResult;
  try {
    result = options.live.offerText(topic, payload);
  } catch (error) {
    result = { outcome: 'rejected', reason: `internal error: ${(error as Error).message}` };
  }
  if (result.outcome !== 'accepted') options.onNotAccepted?.(topic, result);
}

/** Runs an embedded MQTT 3.1.1 broker (aedes) on a TCP port (0 = any free one) and feeds `walkout/v1/#` to the live store. */
export async function startEmbeddedBroker(
  options: MqttIngestOptions & { port?: number; host?: string },
): Promise<MqttIngest> {
  const broker = await Aedes.createBroker({ heartbeatInterval: 60_000, drainTimeout: 30_000 });
  await new Promise<void>((resolve) =>
    broker.subscribe(
      DEVICE_TOPICS,
      (packet, done) => {
        deliver(options, packet.topic, packet.payload);
        done();
      },
      resolve,
    ),
  );
  const server: Server = createServer((socket) => {
    broker.handle(socket);
  });
  const host = options.host ?? '0.0.0.0';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_MQTT_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `the embedded MQTT broker cannot listen on ${host}:${options.port ?? DEFAULT_MQTT_PORT}: ${(error as Error).message} (choose another with --mqtt-port, 0 = any free port)`,
    );
  }
  const port = (server.address() as AddressInfo).port;
  return {
    mode: 'embedded',
    url: `mqtt://${host}:${port}`,
    port,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Subscribes to `walkout/v1/#` on an external broker (Mosquitto, say) as an MQTT client. */
export async function connectExternalBroker(
  options: MqttIngestOptions & { url: string; topic?: string; clientId?: string },
): Promise<MqttIngest> {
  if (!/^(mqtt|mqtts|tcp|ws|wss):\/\//.test(options.url)) {
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `--mqtt "${options.url}": expected a broker URL such as mqtt://127.0.0.1:1883`,
    );
  }
  let client: MqttClient;
  try {
    client = await mqtt.connectAsync(options.url, {
      clientId: options.clientId ?? `walkout-store-${process.pid}-${Date.now().toString(36)}`,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
    });
  } catch (error) {
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `cannot connect to the MQTT broker ${options.url}: ${(error as Error).message}`,
    );
  }
  const topic = options.topic ?? DEVICE_TOPICS;
  client.on('message', (t, payload) => deliver(options, t, payload));
  // Subscribe again after a reconnect: a clean session forgets subscriptions.
  client.on('connect', () => {
    void client.subscribeAsync(topic, { qos: 1 }).catch(() => undefined);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return {
    mode: 'external',
    url: options.url,
    port: null,
    close: async () => {
      await client.endAsync();
    },
  };
}

/** The MQTT ingest `walkout start` asks for: an external broker URL, or the embedded broker on a port. */
export function startMqttIngest(
  options: MqttIngestOptions & { url?: string; port?: number },
): Promise<MqttIngest> {
  return options.url ? connectExternalBroker({ ...options, url: options.url }) : startEmbeddedBroker(options);
}
