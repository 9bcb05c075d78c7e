import { z } from 'zod';
import { EventTime, Id } from './ids.js';

export const ReceiptLine = z.object({
  sku: Id,
  quantity: z.number().int().positive(),
  unitPrice: z.number().int().nonnegative(),
  /** Grams measured, for products sold by weight (then quantity is 1 and unitPrice the line price). */
  grams: z.number().nonnegative().optional(),
});
export type ReceiptLine = z.infer<typeof ReceiptLine>;

export const ResultReceipt = z.object({
  shopper: z.string().min(1),
  enteredAt: EventTime,
  exitedAt: EventTime,
  issuedAt: EventTime,
  lines: z.array(ReceiptLine),
  total: z.number().int().nonnegative(),
  currency: z.string(),
  reviewed: z.boolean(),
});
export type ResultReceipt = z.infer<typeof ResultReceipt>;

export const ResultReview = z.object({ shopper: z.string().min(1), sku: z.string(), reason: z.string() });
export type ResultReview = z.infer<typeof ResultReview>;

/** What `replay` writes (contract section 4). */
export const ReplayResult = z.object({
  receipts: z.array(ResultReceipt),
  reviews: z.array(ResultReview).default([]),
});
export type ReplayResult = z.infer<typeof ReplayResult>;

/** Ground truth of a recording (contract section 4). */
export const Truth = z.object({
  shoppers: z.array(
    z.object({
      shopper: z.string().min(1),
      items: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int().positive() })),
    }),
  ),
});
export type Truth = z.infer<typeof Truth>;

/** One line of `--people-out`: the 3D people estimated at one time step. */
export const PeopleFrame = z.object({
  t: EventTime,
  people: z.array(
    z.object({
      id: z.string(),
      session: z.string().nullable(),
      joints: z.record(z.string(), z.tuple([z.number(), z.number(), z.number()])),
    }),
  ),
});
export type PeopleFrame = z.infer<typeof PeopleFrame>;
