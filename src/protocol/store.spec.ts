import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WalkoutError } from './errors.js';
import { parseStoreDefinition } from './store.js';

const example = {
  id: 'demo-1',
  name: 'Demo Market',
  currency: 'USD',
  timezone: 'America/New_York',
  floor: [
    [0, 0],
    [12, 0],
    [12, 8],
    [0, 8],
  ],
  zones: [
    {
      id: 'entry',
      kind: 'entry',
      polygon: [
        [0, 0],
        [2, 0],
        [2, 1],
        [0, 1],
      ],
    },
    {
      id: 'exit',
      kind: 'exit',
      polygon: [
        [10, 0],
        [12, 0],
        [12, 1],
        [10, 1],
      ],
    },
  ],
  gates: [
    { id: 'gate-in', zone: 'entry' },
    { id: 'gate-out', zone: 'exit' },
  ],
  fixtures: [
    {
      id: 'g1',
      shelves: [
        {
          id: 'g1-s1',
          plates: [
            { id: 'g1-s1-p1', box: { min: [2.0, 3.0, 0.9], max: [2.4, 3.45, 1.2] }, facing: [0, -1, 0] },
          ],
        },
      ],
    },
  ],
  cameras: [
    {
      id: 'cam-1',
      width: 1920,
      height: 1080,
      fps: 15,
      K: [
        [1400, 0, 960],
        [0, 1400, 540],
        [0, 0, 1],
      ],
      dist: [0, 0, 0, 0, 0],
      R: [
        [1, 0, 0],
        [0, -1, 0],
        [0, 0, -1],
      ],
      t: [-6, 4, 3.2],
    },
  ],
  products: [
    {
      sku: 'fiji-500',
      gtin: '00632565000012',
      name: 'FIJI Water 0.5 L',
      price: 249,
      taxRate: 0.0,
      weight: { mean: 538, std: 4 },
    },
  ],
  planogram: [{ plate: 'g1-s1-p1', sku: 'fiji-500', count: 12 }],
};

function reason(input: unknown): string {
  try {
    parseStoreDefinition(input);
  } catch (e) {
    expect(e).toBeInstanceOf(WalkoutError);
    return (e as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('store definition', () => {
  it('accepts the contract example and fills the engine settings with defaults', () => {
    const store = parseStoreDefinition(example);
    expect(store.settings.latenessMs).toBe(2000);
    expect(store.settings.holdCents).toBe(5000);
    expect(store.products[0]!.soldBy).toBe('unit');
  });

  it("keeps a gate's floor position, which is optional", () => {
    const gates = [
      { id: 'gate-in-1', zone: 'entry', position: [0.5, 0.5] },
      { id: 'gate-in-2', zone: 'entry' },
    ];
    expect(parseStoreDefinition({ ...example, gates }).gates).toEqual(gates);
  });

  it('takes a per-store hold, keeping the other settings at their defaults', () => {
    const store = parseStoreDefinition({ ...example, settings: { holdCents: 1500 } });
    expect(store.settings).toEqual({
      latenessMs: 2000,
      settleMs: 1500,
      reviewThreshold: 0.8,
      holdCents: 1500,
    });
    expect(parseStoreDefinition({ ...example, settings: { holdCents: 0 } }).settings.holdCents).toBe(0);
    for (const bad of [-1, 12.5, '5000', null])
      expect(reason({ ...example, settings: { holdCents: bad } })).toContain('settings.holdCents');
  });

  it.each([
    [{ ...example, currency: 'dollars' }, 'currency'],
    [{ ...example, planogram: [{ plate: 'nope', sku: 'fiji-500', count: 1 }] }, 'unknown plate "nope"'],
    [{ ...example, planogram: [{ plate: 'g1-s1-p1', sku: 'cola', count: 1 }] }, 'unknown product sku "cola"'],
    [{ ...example, products: [{ sku: 'x', name: 'X', weight: { mean: 5, std: 1 } }] }, 'products.0.price'],
    [
      {
        ...example,
        products: [{ sku: 'x', name: 'X', soldBy: 'weight', weight: { mean: 5, std: 1 } }],
        planogram: [],
      },
      'pricePerKg',
    ],
    [{ ...example, gates: [{ id: 'g', zone: 'lobby' }] }, 'unknown zone "lobby"'],
    [{ ...example, gates: [{ id: 'g', zone: 'entry', position: [1] }] }, 'gates.0.position'],
    [{ ...example, gates: [{ id: 'g', zone: 'entry', position: [1, 'a'] }] }, 'gates.0.position.1'],
    [
      {
        ...example,
        cameras: [
          {
            ...example.cameras[0],
            K: [
              [1, 0],
              [0, 1],
            ],
          },
        ],
      },
      'cameras.0.K',
    ],
    [{ ...example, id: 'has space' }, 'id'],
    [
      {
        ...example,
        fixtures: [
          {
            id: 'g1',
            shelves: [
              { id: 's', plates: [{ id: 'p', box: { min: [1, 1, 1], max: [0, 0, 0] }, facing: [0, -1, 0] }] },
            ],
          },
        ],
        planogram: [],
      },
      'box.min',
    ],
  ])('rejects a misfit naming the field (%#)', (input, named) => {
    expect(reason(input)).toContain(named);
  });

  it('rejects generated junk with a reason and never crashes', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        expect(reason(junk)).toMatch(/store definition rejected/);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects the example with one field replaced by junk', () => {
    const keys = Object.keys(example) as (keyof typeof example)[];
    fc.assert(
      fc.property(
        fc.constantFrom(...keys.filter((k) => k !== 'timezone')),
        fc.oneof(fc.integer(), fc.constant(null), fc.string({ minLength: 0, maxLength: 0 })),
        (key, junk) => {
          expect(reason({ ...example, [key]: junk })).toContain(key);
        },
      ),
    );
  });
});
