import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WalkoutError } from '../../protocol/errors.js';
import { problem, sendProblem } from '../problems.js';
import { Problem } from '../schemas.js';

/** What a member of staff may do: operators see the whole store, reviewers the review queue. */
export type StaffRole = 'operator' | 'reviewer';

/** A member of staff who signs in to the dashboard. */
export interface StaffUser {
  name: string;
  password: string;
  role: StaffRole;
}

/** Who made a request: a member of staff, a shopper (an account of the commerce side), or nobody. */
export type Caller =
  | { kind: 'staff'; name: string; role: StaffRole }
  | { kind: 'shopper'; accountId: string }
  | { kind: 'anonymous' };

/** The demo's staff when neither options nor WALKOUT_STAFF name any. */
export const DEMO_STAFF: readonly StaffUser[] = [
  { name: 'operator', password: 'operator', role: 'operator' },
  { name: 'reviewer', password: 'reviewer', role: 'reviewer' },
];

/** Name of the session cookie set at sign-in (EventSource sends it on its own). */
export const SESSION_COOKIE = 'walkout_session';

/**
 * Parses `WALKOUT_STAFF` ("name:password:role,…"), naming the entry that does not fit.
 * Returns null for an unset or empty value.
 */
export function parseStaffList(text: string | undefined): StaffUser[] | null {
  if (text === undefined || text.trim() === '') return null;
  return text.split(',').map((entry, i) => {
    const parts = entry.trim().split(':');
    const [name, password, role] = parts;
    if (parts.length !== 3 || !name || !password || (role !== 'operator' && role !== 'reviewer'))
      throw new WalkoutError(
        'WO_INPUT_INVALID',
        `WALKOUT_STAFF entry ${i + 1} "${entry.trim()}": expected name:password:role with role operator or reviewer`,
      );
    return { name, password, role };
  });
}

/** Staff sessions and the check of every request's caller. */
export interface StaffAuth {
  readonly users: readonly StaffUser[];
  /** Checks a name and password; returns a new session token, or null. */
  signIn(name: string, password: string): { token: string; user: StaffUser } | null;
  signOut(token: string): void;
  /** The caller a request names by cookie, bearer token or `access_token` query (EventSource). */
  caller(req: FastifyRequest): Caller;
}

function tokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  const query = (req.query as { access_token?: unknown } | undefined)?.access_token;
  if (typeof query === 'string') return query;
  const cookie = req.headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Staff sign-in kept in memory (sessions end with the process). `shopperOf` maps a shopper access
 * token to its account when the commerce side runs.
 */
export function staffAuth(
  users: readonly StaffUser[],
  shopperOf?: (accessToken: string) => string | undefined,
): StaffAuth {
  const sessions = new Map<string, StaffUser>();
  return {
    users,
    signIn(name, password) {
      const user = users.find((u) => u.name === name && same(u.password, password));
      if (!user) return null;
      const token = `st_${randomBytes(18).toString('base64url')}`;
      sessions.set(token, user);
      return { token, user };
    },
    signOut(token) {
      sessions.delete(token);
    },
    caller(req) {
      const token = tokenOf(req);
      if (!token) return { kind: 'anonymous' };
      const user = sessions.get(token);
      if (user) return { kind: 'staff', name: user.name, role: user.role };
      const accountId = shopperOf?.(token);
      return accountId ? { kind: 'shopper', accountId } : { kind: 'anonymous' };
    },
  };
}

/**
 * A preHandler that lets only staff of the given roles through (401 for nobody, 403 for others);
 * with no auth configured (tests of other areas) everyone passes.
 */
export function requireStaff(auth: StaffAuth | undefined, roles: readonly StaffRole[]) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!auth) return;
    const who = auth.caller(req);
    if (who.kind === 'anonymous')
      return sendProblem(reply, problem('WO_UNAUTHORIZED', 'sign in first (POST /api/auth/login)'));
    if (who.kind !== 'staff' || !roles.includes(who.role))
      return sendProblem(reply, problem('WO_FORBIDDEN', `this needs the role ${roles.join(' or ')}`));
  };
}

const Me = z.object({ name: z.string(), role: z.enum(['operator', 'reviewer']) });

/** `/api/auth`: staff sign-in (sets the session cookie and returns the token), who am I, sign-out. */
export const authRoutes: FastifyPluginAsyncZod<{ auth: StaffAuth }> = async (app, { auth }) => {
  app.post(
    '/api/auth/login',
    {
      schema: {
        body: z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
        response: { 200: Me.extend({ token: z.string() }), 401: Problem },
      },
    },
    async (req, reply) => {
      const session = auth.signIn(req.body.name, req.body.password);
      if (!session)
        return sendProblem(reply, problem('WO_UNAUTHORIZED', 'name or password: no such staff member'));
      reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${encodeURIComponent(session.token)}; Path=/; HttpOnly; SameSite=Lax`,
      );
      return { name: session.user.name, role: session.user.role, token: session.token };
    },
  );
  app.get('/api/auth/me', { schema: { response: { 200: Me, 401: Problem } } }, async (req, reply) => {
    const who = auth.caller(req);
    if (who.kind !== 'staff') return sendProblem(reply, problem('WO_UNAUTHORIZED', 'not signed in as staff'));
    return { name: who.name, role: who.role };
  });
  app.post('/api/auth/logout', async (req, reply) => {
    const cookie = req.headers.cookie ?? '';
    const m = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(cookie);
    if (m) auth.signOut(decodeURIComponent(m[1]!));
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; Max-Age=0`);
    return reply.code(204).send();
  });
};
