import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../adapters/mqtt/testing.js';
import { tinyStore } from '../../adapters/sql/ledgerStoreContract.test.js';
import { WalkoutError } from '../../protocol/errors.js';
import { scriptedVisit } from '../../server/testing.js';
import { describeBusMessage, runStart, type StartOptions } from './start.js';

function options(over: Partial<StartOptions> = {}): StartOptions {
  const dir = mkdtempSync(join(tmpdir(), 'walkout-start-'));
  const store = join(dir, 'store.json');
  writeFileSync(store, JSON.stringify(tinyStore()));
  return { store, db: `sqlite:${join(dir, 'w.db')}`, port: '0', mqttPort: '0', bus: 'memory', ...over };
}

describe('walkout start', () => {
  it('prints where it listens, logs the visit and its receipt as they happen, and closes when stopped', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const running = runStart(options(), (l) => lines.push(l), stop.signal);
    await eventually(() => lines.some((l) => l.startsWith('Ctrl-C')), 'the banner');
    const api = /API\s+(http:\/\/\S+)\/api/.exec(lines.join('\n'))?.[1];
    const mqttUrl = /MQTT\s+(mqtt:\/\/\S+)/.exec(lines.join('\n'))?.[1];
    expect(api).toBeDefined();
    expect(lines.join('\n')).toMatch(/docs\s+http:\/\/\S+\/docs/);
    expect(((await (await fetch(`${api}/api/store`)).json()) as { id: string }).id).toBe('tiny-1');

    const client = await mqtt.connectAsync(mqttUrl!);
    for (const m of scriptedVisit())
      await client.publishAsync(m.topic, JSON.stringify(m.payload), { qos: 1 });
    await client.publishAsync('walkout/v1/tiny-1/gates/gate-in/scan', 'garbage', { qos: 1 });
    await client.endAsync();
    await eventually(
      () => lines.some((l) => l.startsWith('receipt for shopper-1')),
      'the receipt line',
      20_000,
    );
    const log = lines.join('\n');
    expect(log).toMatch(/visit \S+ entered \(token shopper-1/);
    expect(log).toMatch(/picked 2 × fiji-500/);
    expect(log).toMatch(/shelf f1-s1: -1076 g on p1/);
    expect(log).toMatch(/receipt for shopper-1 .*2 × fiji-500 @ 2\.49 USD; total 4\.98 USD/);
    expect(log).toMatch(/message not accepted: .*payload is not JSON/);

    stop.abort();
    await running;
    expect(lines.at(-1)).toBe('walkout: closed');
  });

  it('serves the shopper side: sign-up, a payment method and a signed entry token', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const running = runStart(options(), (l) => lines.push(l), stop.signal);
    await eventually(() => lines.some((l) => l.startsWith('Ctrl-C')), 'the banner');
    const api = /API\s+(http:\/\/\S+)\/api/.exec(lines.join('\n'))![1]!;
    const signUp = await fetch(`${api}/api/shop/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ana@example.com' }),
    });
    expect(signUp.status).toBeLessThan(300);
    const account = (await signUp.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${account.accessToken}`, 'content-type': 'application/json' };
    const card = await fetch(`${api}/api/shop/me/payment-methods`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ gatewayToken: 'tok_visa' }),
    });
    expect(card.status).toBeLessThan(300);
    const qr = await fetch(`${api}/api/shop/me/entry-tokens`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({}),
    });
    expect(qr.status).toBeLessThan(300);
    expect(((await qr.json()) as { token: string }).token.length).toBeGreaterThan(20);
    stop.abort();
    await running;
  });

  it('refuses a bad port, an unknown bus and a bad store file with a one-line reason', async () => {
    await expect(runStart(options({ port: 'eighty' }), () => undefined)).rejects.toThrow(
      /--port "eighty": expected a port number/,
    );
    await expect(runStart(options({ mqttPort: '70000' }), () => undefined)).rejects.toThrow(/--mqtt-port/);
    await expect(runStart(options({ bus: 'nats://127.0.0.1:4222' }), () => undefined)).rejects.toThrow(
      /only "memory"/,
    );
    const bad = options();
    writeFileSync(bad.store!, JSON.stringify({ ...tinyStore(), currency: 'dollars' }));
    await expect(runStart(bad, () => undefined)).rejects.toThrow(WalkoutError);
    await expect(runStart(bad, () => undefined)).rejects.toThrow(/currency/);
  });

  it('names a receipt line of nothing and leaves people frames out of the terminal', () => {
    expect(
      describeBusMessage({
        type: 'receipt',
        storeId: 's',
        receipt: {
          visitId: 'v',
          version: 1,
          shopper: 'tok',
          enteredAt: 0,
          exitedAt: 1,
          issuedAt: 2,
          lines: [],
          total: 0,
          tax: 0,
          currency: 'EUR',
          reviewed: false,
        },
      }),
    ).toBe('receipt for tok (visit v): nothing; total 0.00 EUR');
    expect(describeBusMessage({ type: 'people', storeId: 's', frame: { t: 0, people: [] } })).toBeNull();
  });

  it('closes gracefully on SIGTERM as a real process', async () => {
    const opts = options();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./src/cli/main.ts').then((m) => m.main(['node', 'walkout', ...process.argv.slice(1)]))",
        'start',
        '--store',
        opts.store!,
        '--db',
        opts.db,
        '--port',
        '0',
        '--mqtt-port',
        '0',
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await eventually(() => out.includes('Ctrl-C'), `the banner (output so far: ${out})`, 60_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/SIGTERM, closing…\nwalkout: closed/);
  }, 90_000);
});
