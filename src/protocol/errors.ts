import type { z } from 'zod';

/** The catalogue of coded errors; the server maps them to problem JSON, the cli to a one-line reason. */
export const ERROR_CODES = {
  WO_MESSAGE_REJECTED: 400,
  WO_STORE_INVALID: 400,
  WO_BAD_REQUEST: 400,
  WO_UNAUTHORIZED: 401,
  WO_FORBIDDEN: 403,
  WO_NOT_FOUND: 404,
  WO_CONFLICT: 409,
  WO_PAYMENT_FAILED: 402,
  WO_INPUT_INVALID: 422,
  WO_UNSUPPORTED_MEDIA_TYPE: 415,
  WO_INTERNAL: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** A typed error whose message tells a person what is wrong and what to do. */
export class WalkoutError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'WalkoutError';
    this.code = code;
  }
  /** HTTP status for this error's code. */
  get status(): number {
    return ERROR_CODES[this.code];
  }
}

/** One line per zod issue, each naming the field path and what was expected. */
export function describeZodError(error: z.ZodError, root = ''): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = [root, ...issue.path.map(String)].filter((p) => p !== '').join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ')
    .concat(error.issues.length > 5 ? `; and ${error.issues.length - 5} more` : '');
}
