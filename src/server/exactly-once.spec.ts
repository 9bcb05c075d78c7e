import Database from 'better-sqlite3';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestGateway } from '../adapters/payments/test-gateway.js';
import { openDatabase, type WalkoutDatabase } from '../adapters/sql/database.js';
import { ledgerRepository } from '../adapters/sql/ledgerRepository.js';
import { tinyStore } from '../adapters/sql/ledgerStoreContract.test.js';
import { startTestSmtpServer } from '../adapters/smtp/test-server.js';
import { startWebhookReceiver } from '../adapters/webhooks/receiver.js';
import { createCommerce } from '../commerce/commerce.js';
import { createCommerceRepo, type CommerceDb } from '../commerce/store/repo.js';
import { openCommerceSqlite } from '../commerce/store/sqlite.js';
import { entered, receiptIssued } from '../commerce/testing.js';
import { parseStoreDefinition } from '../protocol/store.js';
import type { VisitEvent } from '../store/events.js';
import { foldVisit, type Visit } from '../store/visit.js';
import { mulberry32 } from '../testing/random.js';
import { catalogOf } from './commerceSide.js';

/**
 * Exactly once, under SIGKILL of the store server itself: a real `walkout start` (the cli bundled
 * with esbuild, so it starts in about a second) runs on a SQLite store database while this test
 * commits visits to its ledger as the engine does (an entry, and later the receipt at the exit).
 * The server's money side reads the ledger, holds, captures and delivers by e-mail and webhook.
 * The test kills the server at seeded random moments at least KILLS times, restarts it, and after
 * every restart checks that no visit was charged twice and no receipt delivered twice; at the end,
 * that every visit was charged exactly once and its receipt delivered exactly once. The gateway's
 * books are in their own SQLite file, and the SMTP server and webhook receiver live in this
 * process, so what they saw survives the kills.
 */
const KILLS = Number(process.env.WALKOUT_KILLS ?? 200);
const VISITS = 100;
const SEED = 20261202;
const SECRET = 'kill-test-signing-secret-0123456789';
const HOOK_SECRET = 'whsec_kill_test_secret';
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

const store = parseStoreDefinition({
  ...tinyStore('kill-1'),
  products: [
    ...tinyStore().products,
    {
      sku: 'choc-bar',
      name: 'Dark Chocolate 100 g',
      price: 300,
      taxRate: 0.1,
      weight: { mean: 100, std: 2 },
    },
  ],
});

let dir: string;
let dbFile: string;
let database: WalkoutDatabase;
let commerceDb: CommerceDb;
let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
let bundle: string;
const totals = new Map<string, number>();
/** Each visit's ledger events: the entry, then the receipt. */
const visits: { entry: VisitEvent; receipt: VisitEvent }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'walkout-server-kill-'));
  // One bundled file starts several times faster than `node --import tsx` loading hundreds of
  // modules, and this test starts the server 200+ times. Packages stay outside, as installed.
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  bundle = join(dir, 'walkout.mjs');
  await build({
    entryPoints: [join(repoRoot, 'src/cli/run-dev.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: bundle,
    logLevel: 'warning',
  });
  writeFileSync(join(dir, 'store.json'), JSON.stringify(store));
  smtp = await startTestSmtpServer();
  hooks = await startWebhookReceiver(HOOK_SECRET);

  // The store database (migrated here, before any server) and the money side's own file beside it.
  dbFile = join(dir, 'walkout.db');
  database = await openDatabase(`sqlite:${dbFile}`);
  commerceDb = await openCommerceSqlite(`${dbFile}.commerce`);
  // Shoppers and their cards, set up before the first server starts, through the same files.
  const setupGateway = new TestGateway(`${dbFile}.commerce.gateway`);
  let setupNow = Date.now();
  const setup = createCommerce({
    repo: createCommerceRepo(commerceDb),
    gateway: setupGateway,
    clock: { now: () => setupNow },
    catalog: catalogOf(store),
    signingSecret: SECRET,
    holdAmount: 5_000,
    currency: 'USD',
  });
  const cards: { accountId: string; token: string }[] = [];
  for (let i = 0; i < 10; i++) {
    const { account } = await setup.signUp(`shopper${i}@example.com`);
    const card = await setup.addPaymentMethod(account.id, `tok_visa_k${i}`);
    cards.push({ accountId: account.id, token: card.gatewayToken });
  }
  setupGateway.close();

  const rnd = mulberry32(SEED);
  const t0 = Date.now() - VISITS * 60_000;
  const skus = [
    { sku: 'fiji-500', unitPrice: 249 },
    { sku: 'choc-bar', unitPrice: 300 },
    { sku: 'chips', unitPrice: 199 },
  ];
  for (let v = 0; v < VISITS; v++) {
    const visitId = `kv${String(v).padStart(3, '0')}`;
    const card = cards[v % cards.length]!;
    const enteredAt = t0 + v * 60_000;
    let token = card.token;
    let method = 'card';
    if (v % 3 === 0) {
      // Issued on the phone and admitted by the gate at the entry's time.
      setupNow = enteredAt - 2_000;
      const issued = await setup.issueEntryToken(card.accountId);
      const admitted = await setup.admitToken(issued.token, enteredAt - 1_000);
      expect(admitted.ok).toBe(true);
      token = issued.token;
      method = 'qr';
    }
    const lines: { sku: string; quantity: number; unitPrice: number }[] = [];
    const count = Math.floor(rnd() * 4); // 0..3 lines: some visits take nothing
    for (const s of skus.slice(0, count)) {
      const quantity = rnd() < 0.1 ? 25 : 1 + Math.floor(rnd() * 3); // 25 of one: above the hold
      lines.push({ ...s, quantity });
    }
    const receipt = receiptIssued(visitId, token, enteredAt, enteredAt + 30_000, lines, catalogOf(store));
    totals.set(visitId, receipt.type === 'ReceiptIssued' ? receipt.total : 0);
    visits.push({ entry: entered(visitId, token, enteredAt, method), receipt });
  }
}, 120_000);

afterAll(async () => {
  await database?.close();
  await commerceDb?.destroy();
  await smtp?.close();
  await hooks?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Commits events to the store's ledger and visits projection, as the engine's writer does. */
async function commit(events: readonly VisitEvent[]): Promise<void> {
  const ledger = ledgerRepository(database.db);
  await database.db.transaction().execute(async (trx) => {
    const fresh = await ledger.append(store.id, events, trx);
    for (const visitId of new Set(fresh.map((e) => e.visitId))) {
      const history = await ledger.eventsOfVisit(store.id, visitId, trx);
      const visit = foldVisit(history.map((h) => h.event));
      if (visit) await ledger.saveVisit(store.id, visit as Visit, trx);
    }
  });
}

interface Server {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  exited: Promise<void>;
}

function startServer(): Server {
  const child = spawn(
    process.execPath,
    [
      bundle,
      'start',
      '--store',
      join(dir, 'store.json'),
      '--db',
      `sqlite:${dbFile}`,
      '--port',
      '0',
      '--mqtt-port',
      '0',
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        WALKOUT_SIGNING_SECRET: SECRET,
        WALKOUT_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        WALKOUT_MAIL_FROM: 'receipts@kill.example',
        WALKOUT_WEBHOOK_URLS: hooks.url,
        WALKOUT_WEBHOOK_SECRET: HOOK_SECRET,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in 30 s: ${out}${err}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('Ctrl-C to stop.'))
        reject(new Error(`server exited (${code}) before ready: ${out}${err}`));
    });
  });
  ready.catch(() => undefined);
  return { child, ready, exited };
}

/** What the outside world saw: gateway books, e-mails and webhooks, by visit. */
function observe() {
  const charges = new Map<
    string,
    { captured: number; amount: number; holds: number; directCharges: number; openHolds: number }
  >();
  const gw = new Database(`${dbFile}.commerce.gateway`, { readonly: true, fileMustExist: true });
  const rows = gw.prepare('SELECT id, reference, status, captured FROM gw_intents').all() as {
    id: string;
    reference: string;
    status: string;
    captured: number;
  }[];
  gw.close();
  for (const r of rows) {
    const c = charges.get(r.reference) ?? {
      captured: 0,
      amount: 0,
      holds: 0,
      directCharges: 0,
      openHolds: 0,
    };
    if (r.status === 'captured') {
      c.captured++;
      c.amount += r.captured;
    }
    if (r.id.startsWith('hold_')) c.holds++;
    if (r.id.startsWith('ch_')) c.directCharges++;
    if (r.status === 'held') c.openHolds++;
    charges.set(r.reference, c);
  }
  const mailIds = new Map<string, Set<string>>();
  for (const m of smtp.messages) {
    const id = /^<receipt-(kv\d+)\.v(\d+)@/.exec(m.messageId ?? '');
    expect(id, `unexpected message ${m.messageId}`).not.toBeNull();
    mailIds.set(id![1]!, (mailIds.get(id![1]!) ?? new Set()).add(m.messageId!));
  }
  const hookIds = new Map<string, Set<string>>();
  for (const id of hooks.events.keys()) {
    const visit = /^evt_(kv\d+)\.v\d+$/.exec(id)![1]!;
    hookIds.set(visit, (hookIds.get(visit) ?? new Set()).add(id));
  }
  return { charges, mailIds, hookIds, rawMails: smtp.messages.length, hookDuplicates: hooks.duplicates };
}

/** After every restart: nobody charged twice, no receipt delivered in two versions, no hold placed twice. */
function checkAtMostOnce(round: number): void {
  const { charges, mailIds, hookIds } = observe();
  for (const [visitId, c] of charges) {
    expect(c.captured, `${visitId} captured ${c.captured} times after restart ${round}`).toBeLessThanOrEqual(
      1,
    );
    expect(c.holds, `${visitId} held ${c.holds} times`).toBeLessThanOrEqual(1);
    expect(c.directCharges, `${visitId} charged directly ${c.directCharges} times`).toBeLessThanOrEqual(1);
    if (c.captured === 1) expect(c.amount, `${visitId} charged the wrong amount`).toBe(totals.get(visitId));
  }
  for (const [visitId, ids] of mailIds) expect(ids.size, `${visitId}: ${[...ids].join(', ')}`).toBe(1);
  for (const [visitId, ids] of hookIds) expect(ids.size, `${visitId}: ${[...ids].join(', ')}`).toBe(1);
}

/** Whether every visit has been charged (or released) and its receipt e-mailed and posted. */
function allDelivered(): boolean {
  const { charges, mailIds, hookIds } = observe();
  return [...totals].every(
    ([visitId, total]) =>
      mailIds.has(visitId) &&
      hookIds.has(visitId) &&
      (total === 0 || charges.get(visitId)?.captured === 1) &&
      (charges.get(visitId)?.openHolds ?? 0) === 0,
  );
}

describe('the store server, killed between exit and delivery', () => {
  it(`charges every visit once and delivers every receipt once over ${KILLS} SIGKILLs`, async () => {
    const rnd = mulberry32(SEED ^ 0x5eed);
    const started = Date.now();
    // Entries come a little ahead of their exits, so every life has entries to hold and exits to settle.
    const pending: VisitEvent[] = [];
    visits.forEach((v, i) => {
      pending.push(v.entry);
      if (i >= 2) pending.push(visits[i - 2]!.receipt);
    });
    pending.push(...visits.slice(-2).map((v) => v.receipt));
    let committed = 0;
    let kills = 0;
    const lifetimes: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      // What the engine committed while the server was down, or just before the crash.
      const upTo = Math.min(pending.length, Math.ceil(((round + 1) / KILLS) * pending.length * 1.1));
      await commit(pending.slice(committed, upTo));
      committed = upTo;
      const server = startServer();
      await server.ready;
      const ready = Date.now();
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 400)));
      server.child.kill('SIGKILL');
      await server.exited;
      kills++;
      lifetimes.push(Date.now() - ready);
      checkAtMostOnce(round);
    }
    const killPhaseMs = Date.now() - started;
    // The last restart runs until everything is charged and delivered, then stops as asked.
    await commit(pending.slice(committed));
    const last = startServer();
    await last.ready;
    const deadline = Date.now() + 90_000;
    while (!allDelivered() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    last.child.kill('SIGTERM');
    await last.exited;

    checkAtMostOnce(KILLS);
    const { charges, mailIds, hookIds, rawMails, hookDuplicates } = observe();
    for (const [visitId, total] of totals) {
      const c = charges.get(visitId);
      if (total > 0) expect(c, `${visitId} was never charged`).toMatchObject({ captured: 1, amount: total });
      else expect(c?.captured ?? 0, `${visitId} took nothing but was charged`).toBe(0);
      expect(c?.openHolds ?? 0, `${visitId} left a hold open`).toBe(0);
      expect(mailIds.get(visitId)?.size, `${visitId} receipt e-mail`).toBe(1);
      expect(hookIds.get(visitId)?.size, `${visitId} receipt webhook`).toBe(1);
    }
    const repo = createCommerceRepo(commerceDb);
    expect(await repo.jobs({ status: 'pending' })).toEqual([]);
    expect(await repo.jobs({ status: 'dead' })).toEqual([]);
    const charged = [...totals.values()].filter((t) => t > 0).length;
    console.log(
      `server kill test: ${kills} kills, ${VISITS} visits (${charged} charged), ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(kills ${(killPhaseMs / 1000).toFixed(1)} s, final drain ${((Date.now() - started - killPhaseMs) / 1000).toFixed(1)} s); ` +
        `mean life after ready ${Math.round(lifetimes.reduce((a, b) => a + b, 0) / lifetimes.length)} ms; ` +
        `e-mails received ${rawMails} for ${VISITS} receipts (resends after a kill, deduplicated by Message-ID: ${rawMails - VISITS}); ` +
        `webhook redeliveries deduplicated by event id: ${hookDuplicates}`,
    );
    expect(kills).toBeGreaterThanOrEqual(KILLS);
  }, 900_000);
});
