import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseDatabaseUrl } from '../../adapters/sql/database.js';
import { commerceDatabaseBeside, openCommerceSide } from '../../server/commerceSide.js';
import { describeMoneyConfig, parseMoneyConfig } from '../../server/moneyConfig.js';
import { ledgerRepository } from '../../adapters/sql/ledgerRepository.js';
import { DEFAULT_MQTT_PORT } from '../../adapters/mqtt/broker.js';
import { DEFAULT_DATABASE_URL } from '../../adapters/sql/database.js';
import { WalkoutError } from '../../protocol/errors.js';
import { StoreDefinition } from '../../protocol/store.js';
import type { BusMessage } from '../../server/bus.js';
import { startWalkoutServer, type WalkoutServer } from '../../server/server.js';
import { demoStore } from '../../sim/demoStore.js';
import { DEMO_STAFF, parseStaffList, staffAuth } from '../../server/routes/auth.js';
import { readJsonFile } from '../io.js';

export interface StartOptions {
  store?: string;
  db: string;
  mqtt?: string;
  port: string;
  mqttPort: string;
  bus: string;
  /** Money side (see src/server/moneyConfig.ts); each falls back to its WALKOUT_* variable. */
  gateway?: string;
  smtp?: string;
  mailFrom?: string;
  autoRefundLimit?: string;
}

function portOption(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535)
    throw new WalkoutError(
      'WO_INPUT_INVALID',
      `${flag} "${value}": expected a port number 0–65535 (0 = any free port)`,
    );
  return n;
}

function money(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

function clip(text: string, n = 24): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

function clock(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString().slice(11, 23) : String(t);
}

/** One terminal line for what happened in the store, or null for what is too frequent to print. */
export function describeBusMessage(m: BusMessage): string | null {
  switch (m.type) {
    case 'visit': {
      const e = m.event;
      const who = `visit ${clip(e.visitId, 40)}`;
      switch (e.type) {
        case 'ShopperEntered':
          return `${clock(e.t)} → ${who} entered (token ${clip(e.token)}, ${e.channel} ${e.gateId})`;
        case 'MemberJoined':
          return `${clock(e.t)} + ${who}: one more person joined at ${e.gateId}`;
        case 'PersonLeft':
          return `${clock(e.t)} ← ${who}: one person left at ${e.gateId}`;
        case 'ItemPicked':
          return `${clock(e.t)}   ${who} picked ${e.quantity} × ${e.sku} (confidence ${e.confidence.toFixed(2)})`;
        case 'ItemReturned':
          return `${clock(e.t)}   ${who} put back ${e.quantity} × ${e.sku} (confidence ${e.confidence.toFixed(2)})`;
        case 'ReviewRequested':
          return `${clock(e.t)} ? ${who}: shelf event ${e.eventId} sent to review (${e.reason.kind}: ${e.reason.detail})`;
        case 'ReviewSettled':
          return `${clock(e.t)}   ${who}: review of ${e.eventId} settled by ${e.by}`;
        case 'ShopperExited':
          return `${clock(e.t)} ← ${who} exited; settling`;
        case 'ReceiptIssued':
          return null; // printed from the receipt message, which carries the issue time
      }
      return null;
    }
    case 'shelf': {
      const e = m.event;
      const best = e.hypotheses[0];
      const guess = best
        ? `${best.quantity > 0 ? 'took' : 'put back'} ${Math.abs(best.quantity)} × ${best.sku ?? 'unknown'} (p ${best.probability.toFixed(2)})`
        : 'no product fits';
      return `${clock(e.endT)}   shelf ${e.shelfId}: ${e.deltaGrams.toFixed(0)} g on ${e.plates.map((p) => p.plateId).join('+')}: ${guess}`;
    }
    case 'receipt': {
      const r = m.receipt;
      const lines =
        r.lines.length === 0
          ? 'nothing'
          : r.lines.map((l) => `${l.quantity} × ${l.sku} @ ${money(l.unitPrice, r.currency)}`).join(', ');
      return `receipt for ${clip(r.shopper)} (visit ${clip(r.visitId, 40)}): ${lines}; total ${money(r.total, r.currency)}${r.reviewed ? ' (reviewed)' : ''}`;
    }
    case 'device':
      return m.ok ? null : `device ${m.deviceId} reports a problem: ${m.detail}`;
    case 'store-loaded':
      return `store ${m.storeId} (${m.name}) loaded`;
    case 'rejection':
    case 'people':
      return null;
  }
  return null;
}

/** Prints rejections without flooding the terminal: the first few, then a count every few seconds. */
function rejectionLogger(print: (line: string) => void): {
  note: (reason: string) => void;
  stop: () => void;
} {
  let shown = 0;
  let pending = 0;
  let last = '';
  const timer = setInterval(() => {
    if (pending > 0) print(`${pending} more messages not accepted (latest: ${last})`);
    pending = 0;
  }, 5000);
  timer.unref();
  return {
    note(reason) {
      if (shown < 10) {
        shown += 1;
        print(`message not accepted: ${reason}`);
      } else {
        pending += 1;
        last = reason;
      }
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Runs `walkout start` until SIGINT, SIGTERM or `stop` aborts; resolves once everything is closed.
 * `env` holds the WALKOUT_* settings (the process environment unless a test passes its own).
 */
export async function runStart(
  opts: StartOptions,
  print: (line: string) => void = (l) => console.log(l),
  stop?: AbortSignal,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  const port = portOption(opts.port, '--port');
  const mqttPort = portOption(opts.mqttPort, '--mqtt-port');
  // Payment gateway, e-mail, webhooks, refund limit and secrets: refused before anything opens.
  const moneyConfig = parseMoneyConfig({ env, flags: opts });
  const store = opts.store ? readJsonFile(opts.store, StoreDefinition, 'store definition') : undefined;
  const rejections = rejectionLogger(print);
  // Staff of the dashboard: WALKOUT_STAFF=name:password:role,… or the demo's two.
  const staff = parseStaffList(env.WALKOUT_STAFF) ?? [...DEMO_STAFF];
  // The money side keeps its own database beside the store's: a SQLite file beside a SQLite one, a
  // schema of its own on the same PostgreSQL server (so accounts and payments survive a restart).
  const commerceDatabase = commerceDatabaseBeside(parseDatabaseUrl(opts.db));
  if (commerceDatabase.kind === 'sqlite' && commerceDatabase.file !== ':memory:')
    mkdirSync(dirname(commerceDatabase.file), { recursive: true });
  for (const note of moneyConfig.notes) print(`walkout: note: ${note}`);
  const money = await openCommerceSide({
    database: commerceDatabase,
    store: store ?? null,
    config: moneyConfig.config,
  });
  for (const note of money.notes) print(`walkout: note: ${note}`);
  let server: WalkoutServer;
  try {
    server = await startWalkoutServer({
      ...(store ? { store } : {}),
      fallbackStore: demoStore,
      databaseUrl: opts.db,
      ...(opts.mqtt ? { mqttUrl: opts.mqtt } : {}),
      mqttPort,
      port,
      busUrl: opts.bus,
      appDeps: {
        auth: staffAuth(staff, (token) => money.commerce.authenticate(token)),
        accountOfVisit: async (visitId) => (await money.commerce.deps.repo.visit(visitId))?.accountId,
        plugins: [money.plugin],
      },
      onNotAccepted: (_topic, result) => {
        if (result.outcome === 'rejected') rejections.note(result.reason ?? 'rejected');
      },
    });
  } catch (error) {
    rejections.stop();
    await money.close();
    if (error instanceof WalkoutError) throw error;
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new WalkoutError(
        'WO_INPUT_INVALID',
        `port ${port} is taken: ${e.message} (choose another with --port, 0 = any free port)`,
      );
    throw error;
  }
  const unsubscribe = server.bus.subscribe((m) => {
    if (m.type === 'store-loaded' && server.live.store) money.useStore(server.live.store);
    const line = describeBusMessage(m);
    if (line) print(line);
  });
  // The money side reads entries and receipts from the ledger, from where it left off: what the
  // store committed just before a crash is charged and delivered after the restart.
  const moneyFeed = money.follow(
    ledgerRepository(server.database.db),
    () => server.live.store?.id ?? null,
    server.bus,
    (line) => print(`walkout: ${line}`),
  );
  const store_ = server.live.store;
  if (store_) money.useStore(store_);
  print(
    `walkout: store ${store_ ? `${store_.id} (${store_.name})` : '(none loaded: PUT /api/store)'} on ${server.database.location}`,
  );
  print(`  money    accounts, payments and receipts on ${money.location}`);
  print(`  API      ${server.httpUrl}/api`);
  print(`  docs     ${server.httpUrl}/docs`);
  print(
    `  dashboard ${server.httpUrl}/ (staff ${staff.map((u) => `${u.name}/${u.password} ${u.role}`).join(', ')})`,
  );
  print(
    server.mqtt.mode === 'embedded'
      ? `  MQTT     mqtt://127.0.0.1:${server.mqtt.port} (embedded broker; topics walkout/v1/${store_?.id ?? '{storeId}'}/...)`
      : `  MQTT     subscribed to ${server.mqtt.url}`,
  );
  print(
    `  shopper  ${server.httpUrl}/app (accounts, entry QR, receipts: /api/shop; gate/operator key ${money.operatorKey})`,
  );
  for (const line of describeMoneyConfig(moneyConfig.config)) print(`  ${line}`);
  print('Ctrl-C to stop.');

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      stop?.removeEventListener('abort', onAbort);
      print(`walkout: ${signal}, closing…`);
      unsubscribe();
      rejections.stop();
      moneyFeed
        .stop()
        .then(() => server.close())
        .then(() => money.close())
        .then(() => print('walkout: closed'))
        .catch((error: unknown) => print(`walkout: error while closing: ${(error as Error).message}`))
        .finally(resolve);
    };
    const onInt = () => shutdown('SIGINT');
    const onTerm = () => shutdown('SIGTERM');
    const onAbort = () => shutdown('stop requested');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    if (stop?.aborted) onAbort();
    else stop?.addEventListener('abort', onAbort);
  });
}

/** `walkout start`: a live store with its HTTP API, MQTT ingest and database. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run a live store: HTTP API (OpenAPI at /docs), MQTT ingest, SQLite or PostgreSQL')
    .option(
      '--store <file>',
      'store definition (store.json); default: the store the database last ran, else the bundled demo store',
    )
    .option(
      '--db <url>',
      'database: sqlite:PATH, a file path, or postgres://user@host:port/db[?schema=NAME] (the money side beside it: PATH.commerce, or schema NAME_commerce / public_commerce)',
      DEFAULT_DATABASE_URL,
    )
    .option(
      '--mqtt <url>',
      'subscribe to an external MQTT broker (e.g. mqtt://127.0.0.1:1883) instead of embedding one',
    )
    .option('--port <n>', 'HTTP port (0 = any free port)', '8080')
    .option('--mqtt-port <n>', 'embedded MQTT broker port (0 = any free port)', String(DEFAULT_MQTT_PORT))
    .option('--bus <url>', 'event bus: memory (NATS later)', 'memory')
    .option(
      '--gateway <name>',
      'payment gateway: test (built-in, default) or stripe (secret key in STRIPE_SECRET_KEY); env WALKOUT_GATEWAY',
    )
    .option(
      '--smtp <url>',
      'e-mail receipts via smtp://host:port or smtps://host:port; env WALKOUT_SMTP_URL (put credentials there, not here)',
    )
    .option('--mail-from <address>', 'from address of e-mail receipts; env WALKOUT_MAIL_FROM')
    .option(
      '--auto-refund-limit <cents>',
      'disputes refunded without an operator per shopper and month (minor units, default 2000); env WALKOUT_AUTO_REFUND_LIMIT_CENTS',
    )
    .addHelpText(
      'after',
      [
        '',
        'Environment (secrets only here, never as flags):',
        '  STRIPE_SECRET_KEY         Stripe secret key for --gateway stripe (sk_test_… or sk_live_…)',
        '  WALKOUT_STRIPE_API_URL    another Stripe API origin (a stand-in or proxy), e.g. http://127.0.0.1:12111',
        '  WALKOUT_SMTP_URL          smtp://user:password@host:587 or smtps://…:465 (with WALKOUT_MAIL_FROM)',
        '  WALKOUT_WEBHOOK_URLS      [name=]https://… receipt webhooks, comma-separated',
        '  WALKOUT_WEBHOOK_SECRET    their HMAC signing secret (16+ characters)',
        '  WALKOUT_SIGNING_SECRET    key of entry QR codes and shopper sign-ins (random per run if unset)',
        '  WALKOUT_OPERATOR_KEY      key of the gate and operator calls (random per run if unset)',
        '  WALKOUT_STAFF             dashboard staff: name:password:role,…',
        'The hold placed at entry is per store: settings.holdCents in store.json (default 5000).',
      ].join('\n'),
    )
    .action(async (opts: StartOptions) => {
      await runStart(opts);
    });
}
