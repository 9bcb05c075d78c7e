import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WalkoutError } from '../protocol/errors.js';
import { describeMoneyConfig, MONEY_ENV_VARS, parseMoneyConfig, type MoneyFlags } from './moneyConfig.js';

const parse = (env: Record<string, string | undefined>, flags: MoneyFlags = {}) =>
  parseMoneyConfig({ env, flags });

/** The one-line reason a configuration is refused with. */
function reason(env: Record<string, string | undefined>, flags: MoneyFlags = {}): string {
  try {
    parse(env, flags);
  } catch (e) {
    expect(e).toBeInstanceOf(WalkoutError);
    expect((e as WalkoutError).code).toBe('WO_INPUT_INVALID');
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

const SIGNING = { WALKOUT_SIGNING_SECRET: 'a-long-enough-signing-secret' };

describe('money settings of walkout start', () => {
  it('defaults to the built-in test gateway, no e-mail, no webhooks and a 20.00 refund limit', () => {
    const { config, notes } = parse({});
    expect(config).toEqual({
      gateway: { kind: 'test' },
      email: null,
      webhooks: null,
      disputePolicy: { autoRefundLimitPerMonth: 2000 },
      signingSecret: null,
      operatorKey: null,
    });
    expect(notes.join('\n')).toMatch(/WALKOUT_SIGNING_SECRET is not set: .*stop working at restart/);
  });

  it('takes Stripe, SMTP, webhooks, the refund limit and the secrets from the environment', () => {
    const { config, notes } = parse({
      ...SIGNING,
      WALKOUT_GATEWAY: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
      WALKOUT_STRIPE_API_URL: 'http://127.0.0.1:12111',
      WALKOUT_SMTP_URL: 'smtps://receipts%40demo.example:p%3Ass@mail.example.com',
      WALKOUT_MAIL_FROM: '"Demo Market" <receipts@demo.example>',
      WALKOUT_WEBHOOK_URLS: ' erp=https://erp.example/hooks/walkout?tenant=7 , https://crm.example/in ,',
      WALKOUT_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
      WALKOUT_AUTO_REFUND_LIMIT_CENTS: '0',
      WALKOUT_OPERATOR_KEY: 'op-key',
    });
    expect(config.gateway).toEqual({
      kind: 'stripe',
      secretKey: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
      mode: 'test',
      api: { protocol: 'http', host: '127.0.0.1', port: 12111 },
    });
    expect(config.email).toEqual({
      smtp: {
        host: 'mail.example.com',
        port: 465,
        secure: true,
        auth: { user: 'receipts@demo.example', pass: 'p:ss' },
      },
      from: '"Demo Market" <receipts@demo.example>',
    });
    const targets = config.webhooks!.targets;
    expect(targets[0]).toEqual({
      name: 'erp',
      url: 'https://erp.example/hooks/walkout?tenant=7',
      secret: 'whsec_0123456789abcdef',
    });
    expect(targets[1]).toMatchObject({
      name: expect.stringMatching(/^hook-[0-9a-f]{10}$/),
      url: 'https://crm.example/in',
    });
    expect(config.disputePolicy.autoRefundLimitPerMonth).toBe(0);
    expect(config.signingSecret).toBe(SIGNING.WALKOUT_SIGNING_SECRET);
    expect(config.operatorKey).toBe('op-key');
    expect(notes).toEqual([]);
  });

  it('lets a flag win over its variable, and treats an empty value as unset', () => {
    const { config } = parse(
      { WALKOUT_GATEWAY: 'stripe', WALKOUT_SMTP_URL: 'smtp://env.example', WALKOUT_MAIL_FROM: '' },
      { gateway: 'test', smtp: 'smtp://127.0.0.1:2525', mailFrom: 'r@shop.example', autoRefundLimit: '500' },
    );
    expect(config.gateway).toEqual({ kind: 'test' });
    expect(config.email).toEqual({
      smtp: { host: '127.0.0.1', port: 2525, secure: false, auth: null },
      from: 'r@shop.example',
    });
    expect(config.disputePolicy.autoRefundLimitPerMonth).toBe(500);
    // smtp:// without a port is the submission port.
    expect(
      parse({ WALKOUT_SMTP_URL: 'smtp://mail.example', WALKOUT_MAIL_FROM: 'a@b.example' }).config.email!.smtp
        .port,
    ).toBe(587);
  });

  it.each([
    [{}, { gateway: 'stripe' }, /^STRIPE_SECRET_KEY: not set; the Stripe gateway needs a secret key/],
    [{ WALKOUT_GATEWAY: 'paypal' }, {}, /^WALKOUT_GATEWAY "paypal": expected "test" .* or "stripe"/],
    [{}, { gateway: 'paypal' }, /^--gateway "paypal": expected/],
    [
      { WALKOUT_GATEWAY: 'stripe', STRIPE_SECRET_KEY: 'pk_test_abc' },
      {},
      /STRIPE_SECRET_KEY: this is a publishable key/,
    ],
    [{ STRIPE_SECRET_KEY: 'sk_test_abc def' }, {}, /STRIPE_SECRET_KEY: expected a Stripe secret key/],
    [
      {
        WALKOUT_GATEWAY: 'stripe',
        STRIPE_SECRET_KEY: 'sk_live_abc',
        WALKOUT_STRIPE_API_URL: 'http://proxy.example',
      },
      {},
      /WALKOUT_STRIPE_API_URL "http:\/\/proxy.example": a live key .* only ever sent over https/,
    ],
    [
      { WALKOUT_STRIPE_API_URL: 'http://127.0.0.1:12111/v1' },
      {},
      /WALKOUT_STRIPE_API_URL .*no path or query/,
    ],
    [
      { WALKOUT_STRIPE_API_URL: 'https://proxyuser:hunter2@proxy.example' },
      {},
      /^WALKOUT_STRIPE_API_URL "https:\/\/…@proxy.example": credentials do not belong in the URL$/,
    ],
    [{ WALKOUT_STRIPE_API_URL: 'ftp://x' }, {}, /expected a https:\/\/ or http:\/\/ URL, not ftp/],
    [{}, { smtp: 'mail.example:25' }, /^--smtp: expected a smtp:\/\/ or smtps:\/\/ URL/],
    [{}, { smtp: 'smtp://user@mail.example' }, /credentials need both a user and a password/],
    [
      { WALKOUT_SMTP_URL: 'smtp://mail.example' },
      {},
      /^WALKOUT_MAIL_FROM \(or --mail-from\): not set; e-mail receipts need a from address/,
    ],
    [
      {},
      { smtp: 'smtp://mail.example', mailFrom: 'not an address' },
      /--mail-from "not an address": expected an e-mail address/,
    ],
    [
      { WALKOUT_WEBHOOK_URLS: 'https://erp.example/h' },
      {},
      /^WALKOUT_WEBHOOK_SECRET: not set; webhooks are signed/,
    ],
    [
      { WALKOUT_WEBHOOK_URLS: 'https://a.example/h', WALKOUT_WEBHOOK_SECRET: 'short' },
      {},
      /WALKOUT_WEBHOOK_SECRET: expected at least 16/,
    ],
    [{ WALKOUT_WEBHOOK_URLS: 'erp.example/h' }, {}, /WALKOUT_WEBHOOK_URLS: entry 1: expected \[name=\]https/],
    [
      { WALKOUT_WEBHOOK_URLS: 'https://a.example/h,mailto:x@y.example' },
      {},
      /entry 2: expected an http:\/\/ or https:\/\/ URL/,
    ],
    [{ WALKOUT_WEBHOOK_URLS: 'https://u:p@a.example/h' }, {}, /entry 1 \(https:\/\/a.example\): credentials/],
    [
      { WALKOUT_WEBHOOK_URLS: 'x=https://a.example/1,x=https://a.example/2' },
      {},
      /target "x" is listed twice/,
    ],
    [
      { WALKOUT_WEBHOOK_URLS: 'https://a.example/1,https://a.example/1' },
      {},
      /entry 2 .*the same URL is listed twice/,
    ],
    [{ WALKOUT_WEBHOOK_URLS: ' , ' }, {}, /WALKOUT_WEBHOOK_URLS: expected one or more URLs/],
    [{}, { autoRefundLimit: '20.00' }, /^--auto-refund-limit "20.00": expected whole minor units/],
    [{ WALKOUT_AUTO_REFUND_LIMIT_CENTS: '-5' }, {}, /^WALKOUT_AUTO_REFUND_LIMIT_CENTS "-5": expected whole/],
  ])('refuses a misfit, naming the setting (%#)', (env, flags, message) => {
    expect(reason(env, flags)).toMatch(message);
  });

  it('names every malformed value at once (missing ones are named once those are fixed)', () => {
    expect(reason({ WALKOUT_GATEWAY: 'paypal', WALKOUT_AUTO_REFUND_LIMIT_CENTS: 'lots' })).toMatch(
      /^WALKOUT_GATEWAY "paypal": .*; WALKOUT_AUTO_REFUND_LIMIT_CENTS "lots": expected whole minor units/,
    );
  });

  it('notes settings that are allowed but probably not meant', () => {
    const notes = parse({
      STRIPE_SECRET_KEY: 'sk_test_abc',
      WALKOUT_MAIL_FROM: 'r@shop.example',
      WALKOUT_WEBHOOK_SECRET: '0123456789abcdef',
      WALKOUT_SIGNING_SECRET: 'short',
    }).notes.join('\n');
    expect(notes).toMatch(/STRIPE_SECRET_KEY .* is set, but the gateway is the built-in test gateway/);
    expect(notes).toMatch(/no SMTP server .*: no e-mail receipts/);
    expect(notes).toMatch(/WALKOUT_WEBHOOK_URLS is not: no webhooks/);
    expect(notes).toMatch(/WALKOUT_SIGNING_SECRET is shorter than 16 characters/);
    expect(
      parse({}, { smtp: 'smtp://u:secret@mail.example', mailFrom: 'r@shop.example' }).notes.join('\n'),
    ).toMatch(/--smtp carries a password/);
  });

  it('says in the banner where money and receipts go', () => {
    const { config } = parse({
      WALKOUT_GATEWAY: 'stripe',
      STRIPE_SECRET_KEY: 'sk_live_abc',
      WALKOUT_SMTP_URL: 'smtp://u:pw@[::1]:2525',
      WALKOUT_MAIL_FROM: 'r@shop.example',
      WALKOUT_WEBHOOK_URLS: 'erp=https://erp.example/hook/tok_123',
      WALKOUT_WEBHOOK_SECRET: '0123456789abcdef',
    });
    expect(config.email!.smtp.host).toBe('::1');
    expect(describeMoneyConfig(config)).toEqual([
      'payments Stripe (live mode)',
      'e-mail   receipts from r@shop.example via smtp://[::1]:2525',
      'webhooks erp → https://erp.example (signed)',
      'disputes refunded at once up to 2000 minor units per shopper a month, then queued for an operator',
    ]);
    expect(describeMoneyConfig(parse({}).config)[0]).toMatch(/^payments built-in test gateway/);
  });
});

describe('money settings under generated input', () => {
  const secretVars = [
    'STRIPE_SECRET_KEY',
    'WALKOUT_SMTP_URL',
    'WALKOUT_WEBHOOK_SECRET',
    'WALKOUT_WEBHOOK_URLS',
    'WALKOUT_SIGNING_SECRET',
    'WALKOUT_OPERATOR_KEY',
  ];
  const plainVars = MONEY_ENV_VARS.filter((v) => !secretVars.includes(v));
  const plain = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom('stripe', 'test', 'smtp://h:1', 'a@b.example', 'http://127.0.0.1:1', '12'),
    // Credentials in any URL are never repeated, whichever setting holds it.
    fc.constantFrom('https://u:Zq9Xj7@h.example', 'smtp://Zq9Xj7:p@h.example/x'),
    fc.constant(undefined),
  );
  // A secret recognisable anywhere: a marker no message contains, around arbitrary text, or a
  // well-formed value with the marker inside.
  const secret = fc.oneof(
    fc.string({ maxLength: 20 }).map((s) => `Zq9${s}Xj7`),
    fc.constantFrom(
      'sk_test_Zq9Xj7',
      'sk_live_Zq9Xj7',
      'smtp://u:Zq9Xj7@h.example',
      'https://h.example/Zq9Xj7',
    ),
    fc.constant('0123456789abcdef-Zq9Xj7'),
    fc.constant(undefined),
  );

  it('either returns a config or refuses with a one-line WalkoutError; never repeats a secret', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...secretVars), secret),
        fc.dictionary(fc.constantFrom(...plainVars), plain),
        fc.record(
          { gateway: plain, smtp: plain, mailFrom: plain, autoRefundLimit: plain },
          { requiredKeys: [] },
        ),
        (secrets, plainEnv, flags) => {
          let shown: string;
          try {
            const { config, notes } = parse({ ...plainEnv, ...secrets }, flags);
            shown = [...notes, ...describeMoneyConfig(config)].join('\n');
          } catch (e) {
            expect(e).toBeInstanceOf(WalkoutError);
            shown = (e as Error).message;
            expect(shown).not.toContain('\n');
            expect(shown).toMatch(/^(--|WALKOUT_|STRIPE_)/);
          }
          expect(shown).not.toContain('Zq9');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reads back any user, password, host and port from an SMTP URL', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.domain(),
        fc.integer({ min: 1, max: 65_535 }),
        fc.boolean(),
        (user, pass, host, port, secure) => {
          const url = `${secure ? 'smtps' : 'smtp'}://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@${host}:${port}`;
          const smtp = parse({ WALKOUT_SMTP_URL: url, WALKOUT_MAIL_FROM: 'r@shop.example' }).config.email!
            .smtp;
          expect(smtp).toEqual({
            host: new URL(`http://${host}`).hostname,
            port,
            secure,
            auth: { user, pass },
          });
        },
      ),
    );
  });

  it('names each unnamed webhook target by its URL alone, whatever the order of the list', () => {
    const urls = fc.uniqueArray(
      fc.webUrl({ validSchemes: ['https', 'http'] }).filter((u) => !u.includes(',') && !/\/\/[^/]*@/.test(u)),
      { minLength: 1, maxLength: 6, selector: (u) => new URL(u).href },
    );
    fc.assert(
      fc.property(urls, fc.func(fc.integer()), (list, rank) => {
        const targetsOf = (l: string[]) =>
          parse({ WALKOUT_WEBHOOK_URLS: l.join(','), WALKOUT_WEBHOOK_SECRET: '0123456789abcdef' }).config
            .webhooks!.targets;
        const shuffled = [...list].sort((a, b) => rank(a) - rank(b));
        const byUrl = (l: string[]) => new Map(targetsOf(l).map((t) => [t.url, t.name]));
        expect(byUrl(shuffled)).toEqual(byUrl(list));
      }),
    );
  });

  it('takes any whole number of cents up to the cap as the refund limit, and nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), (cents) => {
        expect(
          parse({}, { autoRefundLimit: String(cents) }).config.disputePolicy.autoRefundLimitPerMonth,
        ).toBe(cents);
      }),
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== '' && !/^\d+$/.test(s.trim())),
        (text) => {
          expect(reason({ WALKOUT_AUTO_REFUND_LIMIT_CENTS: text })).toMatch(
            /^WALKOUT_AUTO_REFUND_LIMIT_CENTS /,
          );
        },
      ),
    );
  });
});
