import { z } from 'zod';
import { describeZodError, WalkoutError } from './errors.js';
import { FloorPoint, Id, StorePoint } from './ids.js';

const Polygon = z.array(FloorPoint).min(3, 'a polygon of at least 3 points');
const Matrix3 = z.tuple([StorePoint, StorePoint, StorePoint]);

export const Zone = z.object({
  id: Id,
  kind: z.enum(['entry', 'exit', 'aisle', 'checkout', 'staff', 'other']),
  polygon: Polygon,
});
export type Zone = z.infer<typeof Zone>;

export const Gate = z.object({
  id: Id,
  zone: Id.optional(),
  /**
   * Where people pass the gate on the floor (m; optional): with several gates side by side in one
   * zone, it tells which gate's scan a person appearing at the entry came in on.
   */
  position: FloorPoint.optional(),
});
export type Gate = z.infer<typeof Gate>;

export const Box = z
  .object({ min: StorePoint, max: StorePoint })
  .refine((b) => b.min.every((v, i) => v <= b.max[i]!), 'box.min must be ≤ box.max on every axis');
export type Box = z.infer<typeof Box>;

export const Plate = z.object({
  id: Id,
  box: Box,
  facing: StorePoint.refine((v) => Math.abs(Math.hypot(...v) - 1) < 0.01, 'facing must be a unit vector'),
});
export type Plate = z.infer<typeof Plate>;

export const Shelf = z.object({ id: Id, plates: z.array(Plate) });
export type Shelf = z.infer<typeof Shelf>;

export const Fixture = z.object({ id: Id, shelves: z.array(Shelf) });
export type Fixture = z.infer<typeof Fixture>;

export const Camera = z.object({
  id: Id,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  fps: z.number().positive().max(1000),
  K: Matrix3,
  dist: z.array(z.number().finite()).min(4).max(8),
  R: Matrix3,
  t: StorePoint,
});
export type Camera = z.infer<typeof Camera>;

export const Product = z
  .object({
    sku: Id,
    gtin: z
      .string()
      .regex(/^[0-9]{8,14}$/, 'a GTIN of 8–14 digits')
      .optional(),
    name: z.string().min(1).max(200),
    price: z.number().int().nonnegative().optional(),
    soldBy: z.enum(['unit', 'weight']).default('unit'),
    pricePerKg: z.number().int().nonnegative().optional(),
    taxRate: z.number().min(0).max(1).default(0),
    weight: z.object({ mean: z.number().positive(), std: z.number().nonnegative() }),
  })
  .superRefine((p, ctx) => {
    if (p.soldBy === 'unit' && p.price === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['price'],
        message: 'a product sold by unit needs a price (cents)',
      });
    if (p.soldBy === 'weight' && p.pricePerKg === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['pricePerKg'],
        message: 'a product sold by weight needs pricePerKg (cents)',
      });
  });
export type Product = z.infer<typeof Product>;

export const Facing = z.object({ plate: Id, sku: Id, count: z.number().int().nonnegative() });
export type Facing = z.infer<typeof Facing>;

/** Tunables of one store (the engine's, and the money side's `holdCents`); every one has a default. */
export const EngineSettings = z.object({
  /** How far behind the newest event time the watermark trails (ms); late messages beyond it are dropped. */
  latenessMs: z.number().nonnegative().max(60_000).default(2000),
  /** How long after a visit's exit shelves may still settle before the receipt (ms). */
  settleMs: z.number().nonnegative().max(60_000).default(1500),
  /** An event whose best hypothesis (product × shopper) is less likely than this goes to review. */
  reviewThreshold: z.number().min(0).max(1).default(0.8),
  /**
   * Pre-authorization hold placed on the shopper's card at entry (minor units, `currency`); 0 places
   * none. Too low and a full basket is charged directly at the exit (which can decline after the
   * shopper left); too high ties up the shopper's credit for the visit.
   */
  holdCents: z.number().int().nonnegative().max(100_000_000).default(5000),
});
export type EngineSettings = z.infer<typeof EngineSettings>;

export const StoreDefinition = z
  .object({
    id: Id,
    name: z.string().min(1).max(200),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
    timezone: z.string().min(1).max(64).default('UTC'),
    floor: Polygon,
    zones: z.array(Zone).default([]),
    gates: z.array(Gate).default([]),
    fixtures: z.array(Fixture).default([]),
    cameras: z.array(Camera).default([]),
    products: z.array(Product).default([]),
    planogram: z.array(Facing).default([]),
    settings: EngineSettings.default(EngineSettings.parse({})),
  })
  .superRefine((s, ctx) => {
    const dup = (what: string, ids: string[], path: (string | number)[]) => {
      const seen = new Set<string>();
      for (const id of ids) {
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path, message: `duplicate ${what} id "${id}"` });
        seen.add(id);
      }
    };
    const plates = s.fixtures.flatMap((f) => f.shelves.flatMap((sh) => sh.plates.map((p) => p.id)));
    dup('plate', plates, ['fixtures']);
    dup(
      'shelf',
      s.fixtures.flatMap((f) => f.shelves.map((sh) => sh.id)),
      ['fixtures'],
    );
    dup(
      'fixture',
      s.fixtures.map((f) => f.id),
      ['fixtures'],
    );
    dup(
      'camera',
      s.cameras.map((c) => c.id),
      ['cameras'],
    );
    dup(
      'gate',
      s.gates.map((g) => g.id),
      ['gates'],
    );
    dup(
      'zone',
      s.zones.map((z) => z.id),
      ['zones'],
    );
    dup(
      'product sku',
      s.products.map((p) => p.sku),
      ['products'],
    );
    const plateSet = new Set(plates);
    const skuSet = new Set(s.products.map((p) => p.sku));
    const zoneSet = new Set(s.zones.map((z) => z.id));
    s.planogram.forEach((f, i) => {
      if (!plateSet.has(f.plate))
        ctx.addIssue({
          code: 'custom',
          path: ['planogram', i, 'plate'],
          message: `unknown plate "${f.plate}"`,
        });
      if (!skuSet.has(f.sku))
        ctx.addIssue({
          code: 'custom',
          path: ['planogram', i, 'sku'],
          message: `unknown product sku "${f.sku}"`,
        });
    });
    s.gates.forEach((g, i) => {
      if (g.zone !== undefined && !zoneSet.has(g.zone))
        ctx.addIssue({ code: 'custom', path: ['gates', i, 'zone'], message: `unknown zone "${g.zone}"` });
    });
  });
export type StoreDefinition = z.infer<typeof StoreDefinition>;
/** A store definition as written in a file, before defaults. */
export type StoreDefinitionInput = z.input<typeof StoreDefinition>;

/** Parses a store definition, throwing a WalkoutError that names every misfit field. */
export function parseStoreDefinition(input: unknown): StoreDefinition {
  const parsed = StoreDefinition.safeParse(input);
  if (!parsed.success) {
    throw new WalkoutError(
      'WO_STORE_INVALID',
      `store definition rejected: ${describeZodError(parsed.error)}`,
    );
  }
  return parsed.data;
}
