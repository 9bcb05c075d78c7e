import type { FastifyReply } from 'fastify';
import { ERROR_CODES, type ErrorCode } from '../protocol/errors.js';
import type { Problem } from './schemas.js';

const TITLES: Record<ErrorCode, string> = {
  WO_MESSAGE_REJECTED: 'Message rejected',
  WO_STORE_INVALID: 'Store definition rejected',
  WO_BAD_REQUEST: 'Bad request',
  WO_UNAUTHORIZED: 'Unauthorized',
  WO_FORBIDDEN: 'Forbidden',
  WO_NOT_FOUND: 'Not found',
  WO_CONFLICT: 'Conflict',
  WO_PAYMENT_FAILED: 'Payment failed',
  WO_INPUT_INVALID: 'Input invalid',
  WO_UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  WO_INTERNAL: 'Internal error',
};

/** Problem JSON for a Walkout error code. */
export function problem(code: ErrorCode, detail: string, errors?: string[]): Problem {
  return {
    type: `https://walkout.dev/errors/${code}`,
    title: TITLES[code],
    status: ERROR_CODES[code],
    code,
    detail,
    ...(errors ? { errors } : {}),
  };
}

/** Sends a problem with its status and media type. */
export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}
