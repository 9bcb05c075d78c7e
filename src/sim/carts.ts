/**
 * The `carts` scenario: shoppers with smart carts in the small store. Each shopper signs in on a
 * free cart, scans what goes into the basket (produce is scanned by its PLU and weighed by the
 * basket scale), and rolls out through the exit lane. The basket scale reads at about 4 Hz with
 * noise of a gram or two; items swing for a moment when they land and settle for a second after.
 * Some shoppers forget a scan, a few slip an item in on purpose, some scan twice, some scan an
 * item out again.
 *
 * Everything draws from forks of one seeded generator, so the same seed gives the same bytes.
 */
import type { Product } from '../protocol/store.js';
import { createRng, type Rng } from './random.js';
import {
  deliverOverNetwork,
  deviceMessages,
  DEFAULT_START_T,
  type ScenarioConfig,
  type SimTruth,
  type Simulation,
  type SimulateOptions,
} from './scenario.js';
import type { TimedMessage } from './sensors/plates.js';
import { smallStore, type SimStore } from './stores.js';

/** What the cart truth adds to the contract's truth: who used which cart, and what was not scanned. */
export interface CartTruth {
  visits: { shopper: string; cartId: string; loginAt: number; exitAt: number }[];
  /** Items that went into a basket without a scan (the alert metric's denominator). */
  unscanned: { shopper: string; cartId: string; t: number; sku: string; onPurpose: boolean }[];
  /** Scans that do not match the basket one to one: double scans. */
  misscans: { shopper: string; cartId: string; t: number; kind: 'double-scan' }[];
}

/** A simulation of the carts scenario: the truth carries the cart extension. */
export type CartSimulation = Simulation & { truth: SimTruth & { carts: CartTruth } };

/** Produce sold by weight, scanned by a PLU-based GTIN (the PLU in a 14-digit code). */
const PRODUCE: {
  sku: string;
  plu: string;
  name: string;
  pricePerKg: number;
  mean: number;
  std: number;
  bag: [number, number];
}[] = [
  { sku: 'bananas', plu: '4011', name: 'Bananas', pricePerKg: 199, mean: 180, std: 25, bag: [450, 1400] },
  {
    sku: 'apples-gala',
    plu: '4133',
    name: 'Gala Apples',
    pricePerKg: 429,
    mean: 170,
    std: 30,
    bag: [300, 1200],
  },
  {
    sku: 'tomatoes-vine',
    plu: '4664',
    name: 'Vine Tomatoes',
    pricePerKg: 549,
    mean: 120,
    std: 25,
    bag: [250, 900],
  },
  {
    sku: 'potatoes',
    plu: '4072',
    name: 'Russet Potatoes',
    pricePerKg: 159,
    mean: 250,
    std: 50,
    bag: [800, 2500],
  },
  {
    sku: 'onions-yellow',
    plu: '4093',
    name: 'Yellow Onions',
    pricePerKg: 219,
    mean: 160,
    std: 30,
    bag: [300, 1100],
  },
];

/** A GTIN-14 for a PLU: the PLU zero-padded to 13 digits, then the GS1 check digit. */
export function pluGtin(plu: string): string {
  const body = plu.padStart(13, '0');
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(body[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}

/** The small store without cameras, plus produce sold by weight (the carts scenario's store). */
export function cartStore(): SimStore {
  const base = smallStore(1, { cameras: false });
  const produce: Product[] = PRODUCE.map((p) => ({
    sku: p.sku,
    gtin: pluGtin(p.plu),
    name: p.name,
    soldBy: 'weight',
    pricePerKg: p.pricePerKg,
    taxRate: 0,
    weight: { mean: p.mean, std: p.std },
  }));
  return { ...base, definition: { ...base.definition, products: [...base.definition.products, ...produce] } };
}

/** How often each kind of slip happens, per item put in. */
const FORGOT_SHARE = 0.05;
const SLIP_SHARE = 0.02;
const DOUBLE_SCAN_SHARE = 0.04;
const SCAN_OUT_SHARE = 0.08;
const PRODUCE_SHARE = 0.15;
/** Share of forgetful shoppers who scan the item once the cart's alert tells them (slippers never do). */
const SCAN_ON_ALERT_SHARE = 0.85;
const CARTS = 8;
const SCALE_PERIOD_MS = 250;
const LEAD_MS = 5000;
const TAIL_MS = 5000;

/** A change of the basket's load: an item landing (positive) or lifted out (negative). */
interface Load {
  t: number;
  grams: number;
  /** How long the basket swings before it holds still (ms). */
  swingMs: number;
  /** Grams the item still moves by while it settles, decaying over a second. */
  settleGrams: number;
}

/** Runs the carts scenario with a seed. Deterministic. */
export function simulateCarts(
  config: ScenarioConfig,
  seed: number,
  opts: SimulateOptions = {},
): CartSimulation {
  const sim = cartStore();
  const store = sim.definition;
  const root = createRng(seed).fork(`scenario:${config.name}`);
  const startT = opts.startT ?? DEFAULT_START_T;
  const prefix = `walkout/v1/${store.id}`;
  const exitGate = store.gates.find((g) => g.zone === 'exit')?.id ?? 'gate-out';
  const unitProducts = store.products.filter((p) => p.soldBy === 'unit' && p.gtin !== undefined);
  const produce = store.products.filter((p) => p.soldBy === 'weight');

  const plan = root.fork('plan');
  const act = root.fork('act');
  const cartIds = Array.from({ length: CARTS }, (_, i) => `cart-${String(i + 1).padStart(2, '0')}`);
  const cartFree = new Map(cartIds.map((c) => [c, startT + LEAD_MS]));
  const loads = new Map<string, Load[]>(cartIds.map((c) => [c, []]));
  const firstUse = new Map<string, number>();
  const clockOffset = new Map(cartIds.map((c) => [c, plan.uniform(-20, 20)]));
  const timed: TimedMessage[] = [];
  const cartMsg = deviceMessages(prefix, 'carts', clockOffset);
  const truth: SimTruth & { carts: CartTruth } = {
    shoppers: [],
    visits: [],
    events: [],
    carts: { visits: [], unscanned: [], misscans: [] },
  };

  const arrivals = Array.from({ length: config.visits }, () => plan.uniform(0, config.windowS * 1000))
    .sort((a, b) => a - b)
    .map((x) => x + startT + LEAD_MS);
  let end = startT + LEAD_MS;
  for (let v = 0; v < config.visits; v++) {
    const cartId = cartIds.reduce((best, c) => (cartFree.get(c)! < cartFree.get(best)! ? c : best));
    const loginAt = Math.max(arrivals[v]!, cartFree.get(cartId)!);
    if (!firstUse.has(cartId)) firstUse.set(cartId, loginAt - 2000);
    const token = `cart-tok-${v + 1}-${plan.int(0, 0xffffff).toString(16).padStart(6, '0')}`;
    timed.push(cartMsg(cartId, 'login', loginAt, { token }));
    const cartLoads = loads.get(cartId)!;
    // In the basket: unit items (and whether they were scanned) and produce bags.
    const basket: { sku: string; grams: number; scanned: boolean }[] = [];
    const takenProduce = new Set<string>();
    let t = loginAt + plan.uniform(3000, 10_000);
    let lastLoad = t;
    let busyUntil = t;
    const nActions = plan.int(3, 10);
    const land = (at: number, grams: number) => {
      cartLoads.push({ t: at, grams, swingMs: act.uniform(400, 1200), settleGrams: act.uniform(-3, 3) });
      lastLoad = Math.max(lastLoad, at);
    };
    const scan = (at: number, gtin: string, action: 'add' | 'remove') =>
      timed.push(cartMsg(cartId, 'scan', at, { gtin, action }));
    for (let a = 0; a < nActions; a++) {
      const scannedUnits = basket.filter((b) => b.scanned && unitProducts.some((p) => p.sku === b.sku));
      if (scannedUnits.length > 0 && plan.chance(SCAN_OUT_SHARE)) {
        // Scanned out: lifted out, scanned, set aside.
        const item = plan.pick(scannedUnits);
        basket.splice(basket.indexOf(item), 1);
        const product = store.products.find((p) => p.sku === item.sku)!;
        land(t, -item.grams);
        scan(t + plan.uniform(300, 1500), product.gtin!, 'remove');
      } else if (plan.chance(PRODUCE_SHARE) && takenProduce.size < produce.length) {
        const product = plan.pick(produce.filter((p) => !takenProduce.has(p.sku)));
        const spec = PRODUCE.find((p) => p.sku === product.sku)!;
        takenProduce.add(product.sku);
        const grams = plan.uniform(spec.bag[0], spec.bag[1]);
        scan(t, product.gtin!, 'add');
        land(t + plan.uniform(800, 3000), grams);
        basket.push({ sku: product.sku, grams, scanned: true });
      } else {
        const product = plan.pick(unitProducts);
        const grams = Math.max(1, plan.normal(product.weight.mean, product.weight.std));
        const r = plan.next();
        if (r < FORGOT_SHARE + SLIP_SHARE) {
          const onPurpose = r >= FORGOT_SHARE;
          land(t, grams);
          // The cart's screen flags the item after a few seconds; a forgetful shopper then scans it.
          const fixed = !onPurpose && plan.chance(SCAN_ON_ALERT_SHARE);
          if (fixed) {
            busyUntil = t + plan.uniform(10_000, 20_000);
            scan(busyUntil, product.gtin!, 'add');
          }
          basket.push({ sku: product.sku, grams, scanned: fixed });
          truth.carts.unscanned.push({ shopper: token, cartId, t: round1(t), sku: product.sku, onPurpose });
        } else {
          scan(t, product.gtin!, 'add');
          if (plan.chance(DOUBLE_SCAN_SHARE)) {
            const again = t + plan.uniform(300, 1200);
            scan(again, product.gtin!, 'add');
            truth.carts.misscans.push({ shopper: token, cartId, t: round1(again), kind: 'double-scan' });
          }
          land(t + plan.uniform(800, 3000), grams);
          basket.push({ sku: product.sku, grams, scanned: true });
        }
      }
      t = Math.max(t + plan.uniform(6000, 25_000), busyUntil + 3000);
    }
    // The cart rolls to the exit lane. An alert still open holds it there until the shopper or an
    // attendant scans what the basket says was not scanned; then the shopper unloads it.
    const exitAt = Math.max(lastLoad, busyUntil) + plan.uniform(10_000, 25_000);
    timed.push(cartMsg(cartId, 'exit', exitAt, { gateId: exitGate }));
    let laneDone = exitAt;
    for (const item of basket.filter((b) => !b.scanned)) {
      laneDone += plan.uniform(6000, 15_000);
      scan(laneDone, store.products.find((p) => p.sku === item.sku)!.gtin!, 'add');
      item.scanned = true;
    }
    const emptyAt = laneDone + plan.uniform(3000, 8000);
    const inBasket = basket.reduce((s, b) => s + b.grams, 0);
    if (inBasket > 0) cartLoads.push({ t: emptyAt, grams: -inBasket, swingMs: 1500, settleGrams: 0 });
    cartFree.set(cartId, emptyAt + plan.uniform(5000, 15_000));
    end = Math.max(end, emptyAt + 3000);

    const counts = new Map<string, number>();
    for (const b of basket) counts.set(b.sku, takenProduce.has(b.sku) ? 1 : (counts.get(b.sku) ?? 0) + 1);
    truth.shoppers.push({
      shopper: token,
      items: [...counts.entries()]
        .sort((x, y) => (x[0] < y[0] ? -1 : 1))
        .map(([sku, quantity]) => ({ sku, quantity })),
    });
    truth.visits.push({
      shopper: token,
      people: [`${token}.p1`],
      enteredAt: round1(loginAt),
      exitedAt: round1(exitAt),
    });
    truth.carts.visits.push({ shopper: token, cartId, loginAt: round1(loginAt), exitAt: round1(exitAt) });
  }
  const to = end + TAIL_MS;

  // The basket scales: every cart reads from its first use to the end.
  const scaleRng = root.fork('scales');
  for (const cartId of cartIds) {
    const from = firstUse.get(cartId);
    if (from === undefined) continue;
    const rng = scaleRng.fork(cartId);
    const list = loads.get(cartId)!.sort((a, b) => a.t - b.t);
    for (
      let tt = from + rng.uniform(0, SCALE_PERIOD_MS);
      tt < to;
      tt += SCALE_PERIOD_MS + rng.uniform(-10, 10)
    ) {
      timed.push(cartMsg(cartId, 'weight', tt, { grams: round1(basketAt(list, tt, rng)) }));
    }
  }

  // The network: delay, a few messages late (out of order) and a few twice.
  const messages = deliverOverNetwork(timed, root.fork('network'), config);
  return { store, messages, truth, people: [], span: { from: startT, to } };
}

/** The basket's reading at time t: settled loads, a swinging one, the settling drift and the scale's noise. */
function basketAt(loads: readonly Load[], t: number, rng: Rng): number {
  let grams = 0;
  for (const l of loads) {
    if (l.t > t) break;
    const since = t - l.t;
    if (since < l.swingMs) {
      // The item is still in the hand or swinging: anywhere between before and after, and beyond.
      const frac = since / l.swingMs;
      grams += l.grams * frac + Math.abs(l.grams) * 0.3 * Math.sin(since / 90) * (1 - frac);
    } else {
      grams += l.grams + l.settleGrams * Math.exp(-(since - l.swingMs) / 800);
    }
  }
  // Noise of a gram or two, and now and then a bump as the cart rolls over a seam.
  const noise = Math.max(-2, Math.min(2, rng.normal(0, 0.7)));
  const bump = rng.chance(0.004) ? rng.uniform(-25, 25) : 0;
  return grams + noise + bump;
}

/** The cart extension of a simulation's truth, or null when the scenario has no carts. */
export function cartTruthOf(truth: SimTruth): CartTruth | null {
  const carts = (truth as SimTruth & { carts?: CartTruth }).carts;
  return carts ?? null;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
