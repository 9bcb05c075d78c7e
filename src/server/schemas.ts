import { z } from 'zod';
import { ReceiptLine } from '../protocol/results.js';

/** An error as RFC 9457 problem JSON, with the Walkout error code. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('Walkout error code, e.g. WO_NOT_FOUND'),
    detail: z.string(),
    errors: z.array(z.string()).optional().describe('one reason per rejected part of the request'),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

export const VisitStatus = z.enum(['open', 'settling', 'closed']);

export const VisitSummary = z
  .object({
    visitId: z.string(),
    token: z.string(),
    status: VisitStatus,
    enteredAt: z.number(),
    exitedAt: z.number().nullable(),
    issuedAt: z.number().nullable(),
    total: z.number().int().nullable(),
    reviewed: z.boolean(),
  })
  .meta({ id: 'VisitSummary' });

export const CartLineView = z.object({
  sku: z.string(),
  quantity: z.number(),
  grams: z.number(),
  confidence: z.number(),
});

/** A ledger event as stored: its type, visit and time, and the rest of its body. */
export const LedgerEventView = z.object({
  seq: z.number().int(),
  event: z.looseObject({ type: z.string(), visitId: z.string(), t: z.number() }),
});

export const VisitDetail = VisitSummary.extend({
  peopleInside: z.number().int(),
  groupSize: z.number().int(),
  cart: z.array(CartLineView),
  openReviews: z.array(z.object({ eventId: z.string(), sku: z.string().nullable(), reason: z.string() })),
  events: z.array(LedgerEventView),
}).meta({ id: 'VisitDetail' });

export const ReceiptView = z
  .object({
    visitId: z.string(),
    version: z.number().int(),
    shopper: z.string(),
    enteredAt: z.number(),
    exitedAt: z.number(),
    issuedAt: z.number(),
    lines: z.array(ReceiptLine),
    total: z.number().int(),
    tax: z.number().int(),
    currency: z.string(),
    reviewed: z.boolean(),
  })
  .meta({ id: 'Receipt' });

export const VisitParams = z.object({ visitId: z.string().min(1).max(200) });

export const IngestReport = z
  .object({
    received: z.number().int(),
    accepted: z.number().int(),
    duplicate: z.number().int(),
    late: z.number().int(),
    unknownDevice: z.number().int(),
    rejected: z.number().int(),
    rejections: z
      .array(
        z.object({
          index: z.number().int().describe('0-based position in the array, or line number − 1'),
          reason: z.string(),
        }),
      )
      .describe('the first 100 rejected messages and why'),
  })
  .meta({ id: 'IngestReport' });
export type IngestReport = z.infer<typeof IngestReport>;

export const StoreSummary = z.object({
  id: z.string(),
  name: z.string(),
  products: z.number().int(),
  plates: z.number().int(),
  gates: z.number().int(),
  cameras: z.number().int(),
});
