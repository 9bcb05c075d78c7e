import Database from 'better-sqlite3';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestGateway } from '../../adapters/payments/test-gateway.js';
import { startTestSmtpServer } from '../../adapters/smtp/test-server.js';
import { startWebhookReceiver } from '../../adapters/webhooks/receiver.js';
import type { VisitEvent } from '../../store/events.js';
import { createCommerce } from '../commerce.js';
import { createCommerceRepo, type CommerceDb } from '../store/repo.js';
import { openCommerceSqlite } from '../store/sqlite.js';
import { demoCatalog, entered, receiptIssued } from '../testing.js';

/**
 * Exactly once, under SIGKILL: a worker process feeds visit events to the money side and drains
 * the outbox; the test kills it at seeded random moments at least KILLS times, restarts it, and
 * after every restart checks that no visit was charged twice and no receipt delivered twice; at
 * the end, that every visit was charged exactly once and its receipt delivered exactly once.
 * The gateway's books are in their own SQLite file and the SMTP server and webhook receiver live
 * in this process, so what they saw survives the kills.
 */
const KILLS = Number(process.env.WALKOUT_KILLS ?? 200);
const VISITS = 100;
const SEED = 20261125;
const SECRET = 'kill-test-secret';
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let db: CommerceDb;
let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
let bundle: string;
const totals = new Map<string, number>();
const events: VisitEvent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'walkout-kill-'));
  // Bundled with esbuild (tsx's own compiler): one file starts several times faster than
  // `node --import tsx` loading hundreds of modules, and this test starts the worker 200+ times.
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  bundle = join(dir, 'kill-worker.mjs');
  await build({
    entryPoints: [join(here, 'kill-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: ['better-sqlite3', 'pdfkit'],
    outfile: bundle,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
  });
  smtp = await startTestSmtpServer();
  hooks = await startWebhookReceiver('whsec_kill');

  // Shoppers and their cards, set up before the first worker starts.
  db = await openCommerceSqlite(join(dir, 'commerce.db'));
  const setupGateway = new TestGateway();
  const setup = createCommerce({
    repo: createCommerceRepo(db),
    gateway: setupGateway,
    clock: { now: () => Date.now() },
    catalog: demoCatalog,
    signingSecret: SECRET,
    holdAmount: 5_000,
    currency: 'USD',
  });
  const cards: string[] = [];
  for (let i = 0; i < 10; i++) {
    const { account } = await setup.signUp(`shopper${i}@example.com`);
    cards.push((await setup.addPaymentMethod(account.id, `tok_visa_k${i}`)).gatewayToken);
  }
  const accountIds = await db
    .selectFrom('commerce_payment_methods')
    .select(['account_id', 'gateway_token'])
    .execute();
  const accountOfCard = new Map(accountIds.map((r) => [r.gateway_token, r.account_id]));
  setupGateway.close();

  const rnd = mulberry32(SEED);
  const t0 = Date.UTC(2026, 10, 25, 12);
  const skus = [
    { sku: 'fiji-500', unitPrice: 249 },
    { sku: 'choc-bar', unitPrice: 300 },
    { sku: 'apples', unitPrice: 412, grams: 1030 },
  ];
  for (let v = 0; v < VISITS; v++) {
    const visitId = `kv${String(v).padStart(3, '0')}`;
    const card = cards[v % cards.length]!;
    let token = card;
    let method = 'card';
    if (v % 3 === 0) {
      const issued = await setup.issueEntryToken(accountOfCard.get(card)!);
      const admitted = await setup.admitToken(issued.token, Date.now());
      expect(admitted.ok).toBe(true);
      token = issued.token;
      method = 'qr';
    }
    const lines: { sku: string; quantity: number; unitPrice: number; grams?: number }[] = [];
    const count = Math.floor(rnd() * 4); // 0..3 lines: some visits take nothing
    for (const s of skus.slice(0, count)) {
      const quantity = s.grams ? 1 : rnd() < 0.1 ? 25 : 1 + Math.floor(rnd() * 3); // 25 FIJI: above the hold
      lines.push({ ...s, quantity });
    }
    const enteredAt = t0 + v * 60_000;
    const issued = receiptIssued(visitId, token, enteredAt, enteredAt + 30_000, lines);
    totals.set(visitId, issued.type === 'ReceiptIssued' ? issued.total : 0);
    events.push(entered(visitId, token, enteredAt, method), issued);
  }
  writeFileSync(join(dir, 'events.ndjson'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}, 120_000);

afterAll(async () => {
  await db?.destroy();
  await smtp?.close();
  await hooks?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Worker {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  waitFor(line: string, timeoutMs: number): Promise<void>;
  exited: Promise<void>;
}

function startWorker(): Worker {
  const child = spawn(process.execPath, [bundle], {
    cwd: dir,
    env: {
      ...process.env,
      COMMERCE_DB: join(dir, 'commerce.db'),
      GATEWAY_DB: join(dir, 'gateway.db'),
      GATEWAY_DELAY_MS: '2',
      SIGNING_SECRET: SECRET,
      SMTP_PORT: String(smtp.port),
      WEBHOOK_URL: hooks.url,
      WEBHOOK_SECRET: 'whsec_kill',
      EVENTS_FILE: join(dir, 'events.ndjson'),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
    listeners.forEach((l) => l());
  });
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    child,
    lines,
    exited,
    waitFor: (line, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (lines.includes(line)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(`worker did not say ${line} within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`),
          );
        }, timeoutMs);
        listeners.add(check);
        child.on('exit', () => {
          if (!lines.includes(line)) {
            clearTimeout(timer);
            reject(new Error(`worker exited before ${line}; stderr: ${stderr.slice(-2000)}`));
          }
        });
        check();
      }),
  };
}

/** What the outside world saw: gateway books, e-mails and webhooks, by visit. */
function observe() {
  const charges = new Map<
    string,
    { captured: number; amount: number; holds: number; directCharges: number; openHolds: number }
  >();
  try {
    const gw = new Database(join(dir, 'gateway.db'), { readonly: true, fileMustExist: true });
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
  } catch (e) {
    if (!/does not exist|no such table|unable to open/.test(String(e))) throw e;
  }
  const mailIds = new Map<string, Set<string>>();
  for (const m of smtp.messages) {
    const id = /^<receipt-(kv\d+)\.v(\d+)@/.exec(m.messageId ?? '');
    expect(id, `unexpected message ${m.messageId}`).not.toBeNull();
    const set = mailIds.get(id![1]!) ?? new Set();
    set.add(m.messageId!);
    mailIds.set(id![1]!, set);
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

describe('exactly once under SIGKILL', () => {
  it(`charges every visit once and delivers every receipt once over ${KILLS} kills`, async () => {
    const rnd = mulberry32(SEED ^ 0x5eed);
    const started = Date.now();
    let kills = 0;
    // Successors load while the current worker runs (loading is most of a restart's cost).
    const warm = [startWorker(), startWorker(), startWorker()];
    const lifetimes: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      const worker = warm.shift()!;
      await worker.waitFor('loaded', 30_000);
      // The visit events reach the worker a few at a time, so every life has fresh exits to settle.
      const eventCount = Math.min(events.length, Math.ceil(((round + 1) / KILLS) * events.length * 1.1));
      worker.child.stdin.write(`go ${eventCount}\n`);
      warm.push(startWorker());
      const ready = Date.now();
      if (rnd() < 0.9) await worker.waitFor('ready', 30_000).catch(() => undefined);
      const delay = Math.floor(rnd() * 150);
      await new Promise((r) => setTimeout(r, delay));
      worker.child.kill('SIGKILL');
      await worker.exited;
      kills++;
      lifetimes.push(Date.now() - ready);
      checkAtMostOnce(round);
    }
    const killPhaseMs = Date.now() - started;
    // The last restart runs until the outbox is empty.
    const last = warm.shift()!;
    await last.waitFor('loaded', 30_000);
    last.child.stdin.write(`go ${events.length}\n`);
    await last.waitFor('idle', 90_000);
    for (const w of [last, ...warm]) {
      w.child.kill('SIGKILL');
      await w.exited;
    }

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
    const repo = createCommerceRepo(db);
    expect(await repo.jobs({ status: 'pending' })).toEqual([]);
    expect(await repo.jobs({ status: 'dead' })).toEqual([]);
    const charged = [...totals.values()].filter((t) => t > 0).length;
    console.log(
      `kill test: ${kills} kills, ${VISITS} visits (${charged} charged), ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(kills ${(killPhaseMs / 1000).toFixed(1)} s, final drain ${((Date.now() - started - killPhaseMs) / 1000).toFixed(1)} s); ` +
        `mean life after go ${Math.round(lifetimes.reduce((a, b) => a + b, 0) / lifetimes.length)} ms; ` +
        `e-mails received ${rawMails} for ${VISITS} receipts (resends after a kill, deduplicated by Message-ID: ${rawMails - VISITS}); ` +
        `webhook redeliveries deduplicated by event id: ${hookDuplicates}`,
    );
    expect(kills).toBeGreaterThanOrEqual(KILLS);
  }, 600_000);
});
