import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { startMqttIngest, DEFAULT_MQTT_PORT, type MqttIngest } from '../adapters/mqtt/broker.js';
import { DEFAULT_DATABASE_URL, openDatabase, type WalkoutDatabase } from '../adapters/sql/database.js';
import { storeRepository } from '../adapters/sql/storeRepository.js';
import type { StoreDefinition } from '../protocol/store.js';
import { buildApp, type AppDeps } from './app.js';
import { openBus, type Bus } from './bus.js';
import { openLiveStore, type LiveIngestResult, type LiveStore } from './liveStore.js';

export interface WalkoutServerOptions {
  /** The store to run; without it, the one the database last ran, else `fallbackStore`. */
  store?: StoreDefinition;
  /** Used when there is no `store` and the database has none yet (the bundled demo store). */
  fallbackStore?: () => StoreDefinition;
  /** `sqlite:PATH`, a path, or `postgres://...`. */
  databaseUrl?: string;
  /** An external broker to subscribe to; without it, the embedded broker runs on `mqttPort`. */
  mqttUrl?: string;
  /** Embedded broker port (default 1884; 0 = any free port). */
  mqttPort?: number;
  /** HTTP port (default 8080; 0 = any free port). */
  port?: number;
  host?: string;
  /** `memory` (default). */
  busUrl?: string;
  logger?: FastifyServerOptions['logger'];
  onNotAccepted?: (topic: string, result: LiveIngestResult) => void;
  /** Event-time tick period (ms). */
  tickMs?: number;
  /** More for the HTTP app: staff sign-in, weight traces, extra plugins (the demo, commerce). */
  appDeps?: Omit<AppDeps, 'live' | 'logger'>;
}

/** A running store: HTTP API, MQTT ingest, engine and database. */
export interface WalkoutServer {
  app: FastifyInstance;
  live: LiveStore;
  bus: Bus;
  database: WalkoutDatabase;
  mqtt: MqttIngest;
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8080. */
  httpUrl: string;
  /** Stops taking messages, answers what is in flight, writes what is pending, closes the database. */
  close(): Promise<void>;
}

/** Starts a live store and listens: the only place that calls `listen`. */
export async function startWalkoutServer(options: WalkoutServerOptions = {}): Promise<WalkoutServer> {
  const bus = openBus(options.busUrl ?? 'memory');
  const database = await openDatabase(options.databaseUrl ?? DEFAULT_DATABASE_URL);
  const started: (() => Promise<void>)[] = [() => database.close()];
  const undo = async () => {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
  };
  try {
    let store = options.store;
    if (!store) {
      store = (await storeRepository(database.db).latest()) ?? options.fallbackStore?.();
    }
    const live = await openLiveStore({
      database,
      bus,
      ...(store ? { store } : {}),
      ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
    });
    started.push(() => live.close());
    const app = await buildApp({
      ...options.appDeps,
      live,
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
    started.push(() => app.close());
    await app.listen({ port: options.port ?? 8080, host: options.host ?? '0.0.0.0' });
    const address = app.server.address() as AddressInfo;
    const shownHost = options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
    const mqtt = await startMqttIngest({
      live,
      ...(options.mqttUrl ? { url: options.mqttUrl } : {}),
      port: options.mqttPort ?? DEFAULT_MQTT_PORT,
      ...(options.onNotAccepted ? { onNotAccepted: options.onNotAccepted } : {}),
    });
    started.push(() => mqtt.close());
    let closing: Promise<void> | null = null;
    return {
      app,
      live,
      bus,
      database,
      mqtt,
      httpUrl: `http://${shownHost}:${address.port}`,
      close: () => (closing ??= undo()),
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
