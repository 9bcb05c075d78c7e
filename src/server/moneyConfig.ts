import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_DISPUTE_POLICY } from '../commerce/disputes/policy.js';
import { WalkoutError } from '../protocol/errors.js';

/**
 * The money side's operator settings for `walkout start`: payment gateway, e-mail receipts,
 * webhooks, the dispute refund limit and the secrets. Pure: the caller passes the environment and
 * the command-line flags in; nothing here opens a socket. (The hold is per store: `settings.holdCents`.)
 */

/** Where each setting may come from. A flag wins over its variable; secrets have no flag (argv shows in `ps`). */
const SOURCES = {
  gateway: { flag: '--gateway', env: 'WALKOUT_GATEWAY', secret: false },
  stripeSecretKey: { flag: null, env: 'STRIPE_SECRET_KEY', secret: true },
  stripeApiUrl: { flag: null, env: 'WALKOUT_STRIPE_API_URL', secret: false },
  // An SMTP URL may carry a password, so it is never echoed back.
  smtpUrl: { flag: '--smtp', env: 'WALKOUT_SMTP_URL', secret: true },
  mailFrom: { flag: '--mail-from', env: 'WALKOUT_MAIL_FROM', secret: false },
  // Webhook URLs often carry a token in their path; echoed only as far as the origin.
  webhookUrls: { flag: null, env: 'WALKOUT_WEBHOOK_URLS', secret: true },
  webhookSecret: { flag: null, env: 'WALKOUT_WEBHOOK_SECRET', secret: true },
  autoRefundLimitCents: {
    flag: '--auto-refund-limit',
    env: 'WALKOUT_AUTO_REFUND_LIMIT_CENTS',
    secret: false,
  },
  signingSecret: { flag: null, env: 'WALKOUT_SIGNING_SECRET', secret: true },
  operatorKey: { flag: null, env: 'WALKOUT_OPERATOR_KEY', secret: true },
} as const;
type SettingName = keyof typeof SOURCES;

/** The names of every environment variable the money side reads. */
export const MONEY_ENV_VARS = Object.values(SOURCES).map((s) => s.env);

/** Command-line flags of `walkout start` that feed the money side (commander's camel-cased names). */
export interface MoneyFlags {
  gateway?: string | undefined;
  smtp?: string | undefined;
  mailFrom?: string | undefined;
  autoRefundLimit?: string | undefined;
}

const FLAG_KEYS: Partial<Record<SettingName, keyof MoneyFlags>> = {
  gateway: 'gateway',
  smtpUrl: 'smtp',
  mailFrom: 'mailFrom',
  autoRefundLimitCents: 'autoRefundLimit',
};

/** A secret's minimum length: a shorter HMAC key can be guessed offline from one signed token. */
const MIN_SECRET = 16;

/** Records a problem in a transform; the caller must return what this returns (zod does not throw). */
const fail = (ctx: z.RefinementCtx, message: string): never => {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};

const StripeKey = z.string().transform((key, ctx) => {
  if (/^pk_/.test(key))
    return fail(ctx, 'this is a publishable key (pk_…); the server needs the secret key (sk_… or rk_…)');
  const m = /^(?:sk|rk)_(test|live)_[A-Za-z0-9_]{1,250}$/.exec(key);
  if (!m) return fail(ctx, 'expected a Stripe secret key: sk_test_…, sk_live_… or a restricted rk_… key');
  return { key, mode: m[1] as 'test' | 'live' };
});

/** A URL with a host and nothing after it (path, query), as a client library takes it; else the problem. */
function parseOrigin(
  text: string,
  protocols: readonly string[],
): { url: URL; protocol: string; host: string } | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `expected a URL such as ${protocols[0]}://host:port`;
  }
  const protocol = url.protocol.replace(/:$/, '');
  if (!protocols.includes(protocol))
    return `expected a ${protocols.map((p) => `${p}://`).join(' or ')} URL, not ${protocol}://`;
  if (!url.hostname) return 'the URL names no host';
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash)
    return 'expected only scheme, host and port (no path or query)';
  // new URL keeps IPv6 brackets in `hostname`; sockets want the bare address.
  return { url, protocol, host: url.hostname.replace(/^\[(.*)\]$/, '$1') };
}

const StripeApiUrl = z.string().transform((text, ctx) => {
  const o = parseOrigin(text, ['https', 'http']);
  if (typeof o === 'string') return fail(ctx, o);
  if (o.url.username || o.url.password) return fail(ctx, 'credentials do not belong in the URL');
  const protocol = o.protocol as 'http' | 'https';
  return { protocol, host: o.host, port: Number(o.url.port || (protocol === 'https' ? 443 : 80)) };
});

const SmtpUrl = z.string().transform((text, ctx) => {
  const o = parseOrigin(text, ['smtp', 'smtps']);
  if (typeof o === 'string') return fail(ctx, o);
  let user: string;
  let pass: string;
  try {
    user = decodeURIComponent(o.url.username);
    pass = decodeURIComponent(o.url.password);
  } catch {
    return fail(ctx, 'the user or password is not valid percent-encoding');
  }
  if (Boolean(user) !== Boolean(pass))
    return fail(ctx, 'credentials need both a user and a password (smtp://user:password@host:port)');
  const secure = o.protocol === 'smtps';
  // smtps: TLS from the first byte (465); smtp: the submission port, upgraded with STARTTLS when offered.
  return {
    host: o.host,
    port: Number(o.url.port || (secure ? 465 : 587)),
    secure,
    auth: user ? { user, pass } : null,
  };
});

const Email = z.email();
const MailFrom = z.string().transform((text, ctx) => {
  const m = /^(?:([^<>\r\n]*?)\s*<([^<>\s]+)>|([^<>\s]+))$/.exec(text);
  const address = m?.[2] ?? m?.[3];
  if (!address || !Email.safeParse(address).success)
    return fail(
      ctx,
      'expected an e-mail address, or "Name <address>", such as "Demo Market <receipts@demo.example>"',
    );
  return text;
});

const WEBHOOK_NAME = /^[A-Za-z0-9._-]{1,32}$/;
const MAX_WEBHOOKS = 20;

/** A target's name keys its deliveries in the outbox: derived from the URL so it survives restarts and reordering. */
function webhookName(url: string): string {
  return `hook-${createHash('sha256').update(url).digest('hex').slice(0, 10)}`;
}

const WebhookUrls = z.string().transform((text, ctx) => {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) return fail(ctx, 'expected one or more URLs, comma-separated');
  if (entries.length > MAX_WEBHOOKS)
    return fail(ctx, `at most ${MAX_WEBHOOKS} targets, got ${entries.length}`);
  const targets: { name: string; url: string }[] = [];
  for (const [i, entry] of entries.entries()) {
    const eq = entry.indexOf('=');
    const named = eq > 0 && WEBHOOK_NAME.test(entry.slice(0, eq)) && /^https?:/i.test(entry.slice(eq + 1));
    const name = named ? entry.slice(0, eq) : null;
    const text = named ? entry.slice(eq + 1) : entry;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return fail(ctx, `entry ${i + 1}: expected [name=]https://host/path`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      return fail(ctx, `entry ${i + 1}: expected an http:// or https:// URL, not ${url.protocol}//`);
    // fetch refuses URLs with credentials; say so now rather than at the first receipt.
    if (url.username || url.password)
      return fail(
        ctx,
        `entry ${i + 1} (${url.origin}): credentials in the URL are not sent; use a token in the path`,
      );
    if (targets.some((t) => t.url === url.href))
      return fail(ctx, `entry ${i + 1} (${url.origin}): the same URL is listed twice`);
    targets.push({ name: name ?? webhookName(url.href), url: url.href });
  }
  const names = targets.map((t) => t.name);
  const dupName = names.find((n, i) => names.indexOf(n) !== i);
  if (dupName) return fail(ctx, `target "${dupName}" is listed twice`);
  return targets;
});

const Cents = z.string().transform((text, ctx) => {
  if (!/^\d{1,12}$/.test(text) || Number(text) > 100_000_000)
    return fail(ctx, 'expected whole minor units (cents) from 0 to 100000000, e.g. 2000 for 20.00');
  return Number(text);
});

/** The raw settings, one string each (or absent), after flags and variables were merged. */
const MoneySettings = z
  .object({
    gateway: z
      .enum(['test', 'stripe'], { error: 'expected "test" (the built-in gateway) or "stripe"' })
      .default('test'),
    stripeSecretKey: StripeKey.optional(),
    stripeApiUrl: StripeApiUrl.optional(),
    smtpUrl: SmtpUrl.optional(),
    mailFrom: MailFrom.optional(),
    webhookUrls: WebhookUrls.optional(),
    webhookSecret: z.string().min(MIN_SECRET, `expected at least ${MIN_SECRET} characters`).optional(),
    autoRefundLimitCents: Cents.default(DEFAULT_DISPUTE_POLICY.autoRefundLimitPerMonth),
    signingSecret: z.string().optional(),
    operatorKey: z.string().optional(),
  })
  .superRefine((s, ctx) => {
    const missing = (path: SettingName, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (s.gateway === 'stripe' && !s.stripeSecretKey)
      missing('stripeSecretKey', 'not set; the Stripe gateway needs a secret key (sk_test_… or sk_live_…)');
    if (s.stripeSecretKey?.mode === 'live' && s.stripeApiUrl?.protocol === 'http')
      missing('stripeApiUrl', 'a live key (sk_live_…) is only ever sent over https');
    if (s.smtpUrl && !s.mailFrom)
      missing(
        'mailFrom',
        'not set; e-mail receipts need a from address, such as receipts@your-store.example',
      );
    if (s.webhookUrls && !s.webhookSecret)
      missing('webhookSecret', `not set; webhooks are signed with it (at least ${MIN_SECRET} characters)`);
  })
  .transform((s) => {
    const secret = s.webhookSecret;
    return {
      gateway:
        s.gateway === 'stripe' && s.stripeSecretKey
          ? {
              kind: 'stripe' as const,
              secretKey: s.stripeSecretKey.key,
              mode: s.stripeSecretKey.mode,
              // null: Stripe's own API.
              api: s.stripeApiUrl ?? null,
            }
          : { kind: 'test' as const },
      email: s.smtpUrl && s.mailFrom ? { smtp: s.smtpUrl, from: s.mailFrom } : null,
      webhooks: s.webhookUrls && secret ? { targets: s.webhookUrls.map((t) => ({ ...t, secret })) } : null,
      disputePolicy: { autoRefundLimitPerMonth: s.autoRefundLimitCents },
      // null: a random one per process (tokens then die with it).
      signingSecret: s.signingSecret ?? null,
      // null: a random one per process, printed at start.
      operatorKey: s.operatorKey ?? null,
    };
  });

/** The money side's configuration, as `openCommerceSide` builds its adapters from it. */
export type MoneyConfig = z.output<typeof MoneySettings>;

/** The built-in test gateway, no e-mail, no webhooks, the default refund limit, random secrets. */
export const DEFAULT_MONEY_CONFIG: MoneyConfig = MoneySettings.parse({});

const isSettingName = (key: unknown): key is SettingName => typeof key === 'string' && key in SOURCES;

/** A setting's name as the operator wrote it (the flag or the variable), or both when it was not set. */
function sourceName(name: SettingName, fromFlag: boolean | null): string {
  const s = SOURCES[name];
  if (fromFlag === null) return s.flag ? `${s.env} (or ${s.flag})` : s.env;
  return fromFlag && s.flag ? s.flag : s.env;
}

/**
 * Reads the money settings from the environment and the flags. Throws a WalkoutError naming the
 * flag or variable and what was expected; secrets are never repeated in it. `notes` are settings
 * that are allowed but probably not what the operator meant.
 */
export function parseMoneyConfig(input: {
  env: Readonly<Record<string, string | undefined>>;
  flags?: MoneyFlags;
}): { config: MoneyConfig; notes: string[] } {
  const raw: Partial<Record<SettingName, string>> = {};
  const fromFlag: Partial<Record<SettingName, boolean>> = {};
  for (const name of Object.keys(SOURCES) as SettingName[]) {
    const flagKey = FLAG_KEYS[name];
    const flagValue = flagKey ? input.flags?.[flagKey]?.trim() : undefined;
    // An empty value (FOO= in a compose file) means "not set".
    const envValue = input.env[SOURCES[name].env]?.trim();
    if (flagValue) [raw[name], fromFlag[name]] = [flagValue, true];
    else if (envValue) [raw[name], fromFlag[name]] = [envValue, false];
  }
  const parsed = MoneySettings.safeParse(raw);
  if (!parsed.success) {
    const reasons = parsed.error.issues.slice(0, 5).map((issue) => {
      const name = issue.path[0];
      if (!isSettingName(name)) return issue.message;
      const value = raw[name];
      const shown = value === undefined || SOURCES[name].secret ? '' : ` "${clip(redact(value))}"`;
      return `${sourceName(name, fromFlag[name] ?? null)}${shown}: ${issue.message}`;
    });
    throw new WalkoutError('WO_INPUT_INVALID', reasons.join('; '));
  }
  const notes: string[] = [];
  const config = parsed.data;
  if (config.gateway.kind === 'test' && (raw.stripeSecretKey || raw.stripeApiUrl))
    notes.push(
      'STRIPE_SECRET_KEY or WALKOUT_STRIPE_API_URL is set, but the gateway is the built-in test gateway (choose Stripe with --gateway stripe or WALKOUT_GATEWAY=stripe)',
    );
  if (fromFlag.smtpUrl && config.email?.smtp.auth)
    notes.push(
      '--smtp carries a password, which other users of this machine can read in the process list; put the URL in WALKOUT_SMTP_URL instead',
    );
  if (raw.mailFrom && !raw.smtpUrl)
    notes.push('a from address is set but no SMTP server (WALKOUT_SMTP_URL or --smtp): no e-mail receipts');
  if (raw.webhookSecret && !raw.webhookUrls)
    notes.push('WALKOUT_WEBHOOK_SECRET is set but WALKOUT_WEBHOOK_URLS is not: no webhooks');
  if (!config.signingSecret)
    notes.push(
      'WALKOUT_SIGNING_SECRET is not set: a random one is used, so shopper sign-ins and entry QR codes stop working at restart',
    );
  else if (config.signingSecret.length < MIN_SECRET)
    notes.push(
      `WALKOUT_SIGNING_SECRET is shorter than ${MIN_SECRET} characters: entry QR codes and shopper sign-ins are only as strong as it`,
    );
  return { config, notes };
}

/** Hides credentials someone put in a URL that is otherwise safe to repeat. */
function redact(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, '//…@');
}

function clip(text: string, n = 60): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** One line per money setting for the start banner; shows where money and receipts go, never a secret. */
export function describeMoneyConfig(config: MoneyConfig): string[] {
  const g = config.gateway;
  const api =
    g.kind === 'stripe' && g.api ? ` at ${g.api.protocol}://${hostPort(g.api.host, g.api.port)}` : '';
  const limit = config.disputePolicy.autoRefundLimitPerMonth;
  return [
    g.kind === 'stripe'
      ? `payments Stripe (${g.mode} mode)${api}`
      : 'payments built-in test gateway (no real money; --gateway stripe for Stripe)',
    config.email
      ? `e-mail   receipts from ${config.email.from} via ${config.email.smtp.secure ? 'smtps' : 'smtp'}://${hostPort(config.email.smtp.host, config.email.smtp.port)}`
      : 'e-mail   off (set WALKOUT_SMTP_URL and WALKOUT_MAIL_FROM)',
    config.webhooks
      ? `webhooks ${config.webhooks.targets.map((t) => `${t.name} → ${new URL(t.url).origin}`).join(', ')} (signed)`
      : 'webhooks off (set WALKOUT_WEBHOOK_URLS and WALKOUT_WEBHOOK_SECRET)',
    `disputes refunded at once up to ${limit} minor units per shopper a month, then queued for an operator`,
  ];
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
