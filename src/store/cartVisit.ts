import type { Product } from '../protocol/store.js';
import type { BasketStep } from '../perception/cart/basketScale.js';
import type { ProductHypothesis, VisitEvent } from './events.js';

/** Something on a cart that does not add up, shown live on the cart and to the operator. */
export interface CartAlert {
  alertId: string;
  cartId: string;
  visitId: string;
  t: number;
  kind:
    | 'unscanned-item'
    | 'removed-without-scan'
    | 'scanned-not-in-basket'
    | 'unknown-barcode'
    | 'shelf-not-scanned';
  detail: string;
  resolved: boolean;
}

interface Scan {
  id: number;
  t: number;
  sku: string;
  action: 'add' | 'remove';
  matched: boolean;
  alerted: boolean;
}

interface Step extends BasketStep {
  id: number;
  matched: boolean;
  alerted: boolean;
}

interface ShelfClaim {
  t: number;
  eventId: string;
  sku: string;
  quantity: number;
  confirmed: boolean;
  alerted: boolean;
}

/** Tunables of cart reconciliation. */
export interface CartOptions {
  /** How long a weight step may wait for its scan (and a scan for its step) before an alert (ms). */
  graceMs: number;
  /** How far apart a scan and the weight step it explains may be (ms). */
  pairWindowMs: number;
  /**
   * How long after a step its scan may still come and be paired at once (ms): an item is lifted
   * out before it is scanned out. A scan later than this explains an earlier step only once it has
   * waited `graceMs` for a step of its own, so the next item's scan does not take an old unscanned
   * step and leave its own step unexplained.
   */
  scanAfterStepMs: number;
  /**
   * A scan the basket never saw, this close (ms) to a confirmed scan of the same product, is the
   * scanner reading one item twice: counted once, with no alert and no review.
   */
  doubleScanMs: number;
  /** How far apart a shelf pick and the cart scan that confirms it may be (ms). */
  shelfWindowMs: number;
  /** A step fits a scanned item within this many standard deviations. */
  fitSigmas: number;
  /**
   * How long the exit lane holds a cart whose basket does not add up (ms): the shopper or an
   * attendant scans or removes the item; after this the visit closes on the best guess and an
   * operator decides in review.
   */
  laneHoldMs: number;
}

export const DEFAULT_CART_OPTIONS: CartOptions = {
  graceMs: 6000,
  pairWindowMs: 30_000,
  scanAfterStepMs: 4000,
  doubleScanMs: 3000,
  shelfWindowMs: 120_000,
  fitSigmas: 4,
  laneHoldMs: 120_000,
};

/** What the cart decided: ledger events and alert changes. */
export interface CartOutput {
  events: VisitEvent[];
  alerts: CartAlert[];
}

/**
 * One smart-cart visit: scans say what the shopper claims, the basket scale says what really went
 * in or out. Items are charged when a scan and a weight step agree; what does not add up raises an
 * alert, and at the exit goes to review with the store's best guess.
 */
export class CartVisit {
  private readonly scans: Scan[] = [];
  private readonly steps: Step[] = [];
  private readonly claims: ShelfClaim[] = [];
  private readonly alerts = new Map<string, CartAlert>();
  private seq = 0;
  /** When the cart reached the exit lane (null while shopping). */
  private exitAt: number | null = null;

  constructor(
    readonly cartId: string,
    readonly visitId: string,
    private readonly products: ReadonlyMap<string, Product>,
    private readonly byGtin: ReadonlyMap<string, Product>,
    private readonly opts: CartOptions = DEFAULT_CART_OPTIONS,
  ) {}

  /** Alerts not yet resolved. */
  openAlerts(): CartAlert[] {
    return [...this.alerts.values()].filter((a) => !a.resolved);
  }

  /** A barcode scanned in or out. */
  scan(t: number, gtin: string, action: 'add' | 'remove'): CartOutput {
    const product = this.byGtin.get(gtin) ?? this.byGtin.get(gtin.padStart(14, '0'));
    if (!product) {
      const alert = this.raise(
        t,
        'unknown-barcode',
        `barcode ${gtin} is not a product of this store`,
        `gtin-${gtin}-${Math.round(t)}`,
      );
      return { events: [], alerts: [alert] };
    }
    this.scans.push({ id: this.seq++, t, sku: product.sku, action, matched: false, alerted: false });
    return this.reconcile();
  }

  /** The basket settled at a new weight. */
  step(step: BasketStep): CartOutput {
    // At the lane the basket is being unloaded: that is not shopping.
    if (this.exitAt !== null && step.t > this.exitAt) return { events: [], alerts: [] };
    this.steps.push({ ...step, id: this.seq++, matched: false, alerted: false });
    return this.reconcile();
  }

  /** The cart reached the exit lane at t; it stays open there until `readyToClose` or the hold runs out. */
  leave(t: number): CartOutput {
    this.exitAt ??= t;
    return this.reconcile();
  }

  /** When the cart reached the exit lane, or null. */
  get leftAt(): number | null {
    return this.exitAt;
  }

  /**
   * True at the lane once the basket adds up: every weight step explained by a scan and every
   * scan by a step (a double scan counts as explained). Shelf picks not scanned do not hold the
   * lane; they go to review at the close.
   */
  readyToClose(): boolean {
    if (this.exitAt === null) return false;
    return this.steps.every((s) => s.matched) && this.scans.every((s) => s.matched || this.isDoubleScan(s));
  }

  /**
   * When the lane let the cart go (event time): the exit itself if there was nothing to hold for,
   * else the last scan at the lane that made the basket add up, else the end of the hold; `by` is
   * the event time of whatever ended the visit sooner (the next sign-in, the end of a recording).
   */
  releasedAt(by = Infinity): number {
    if (this.exitAt === null) return by;
    if (!this.readyToClose()) return Math.min(by, this.exitAt + this.opts.laneHoldMs);
    return this.scans.reduce((last, s) => (this.atLane(s) && s.t > last ? s.t : last), this.exitAt);
  }

  /** True when the lane has held the cart as long as it may. */
  laneTimedOut(watermark: number): boolean {
    return this.exitAt !== null && watermark >= this.exitAt + this.opts.laneHoldMs;
  }

  /** A weight-sensing shelf saw this visit take something; a cart scan should confirm it. */
  shelfPick(t: number, eventId: string, sku: string, quantity: number): CartOutput {
    this.claims.push({ t, eventId, sku, quantity, confirmed: false, alerted: false });
    return this.reconcile();
  }

  /** Raises alerts for what waited longer than the grace period (the watermark moved on). */
  expire(watermark: number): CartOutput {
    // Scans that waited long enough for a step of their own may now explain an earlier one.
    const { events, alerts } = this.reconcile(watermark);
    for (const s of this.steps) {
      if (s.matched || s.alerted || watermark < s.t + this.opts.graceMs) continue;
      s.alerted = true;
      alerts.push(
        s.deltaGrams > 0
          ? this.raise(
              s.t,
              'unscanned-item',
              `${Math.round(s.deltaGrams)} g went into the basket without a scan`,
              `step-${s.id}`,
            )
          : this.raise(
              s.t,
              'removed-without-scan',
              `${Math.round(-s.deltaGrams)} g left the basket without a scan`,
              `step-${s.id}`,
            ),
      );
    }
    for (const s of this.scans) {
      if (s.matched || s.alerted || watermark < s.t + this.opts.graceMs) continue;
      if (this.isDoubleScan(s)) {
        s.matched = true;
        continue;
      }
      s.alerted = true;
      alerts.push(
        this.raise(
          s.t,
          'scanned-not-in-basket',
          `${s.sku} was scanned ${s.action === 'add' ? 'in' : 'out'} but the basket weight did not change`,
          `scan-${s.id}`,
        ),
      );
    }
    for (const c of this.claims) {
      if (c.confirmed || c.alerted || watermark < c.t + this.opts.shelfWindowMs) continue;
      c.alerted = true;
      alerts.push(
        this.raise(
          c.t,
          'shelf-not-scanned',
          `the shelf saw ${c.quantity} × ${c.sku} taken, not scanned on the cart`,
          `claim-${c.eventId}`,
        ),
      );
    }
    return { events, alerts };
  }

  /**
   * The cart left: whatever still does not add up goes to review, charged by the best guess
   * (the scale and the shelves are believed over a missing scan; a scan the scale never saw is a double scan).
   */
  close(t: number): CartOutput {
    const events: VisitEvent[] = [];
    for (const s of this.steps.filter((x) => !x.matched)) {
      const guesses = this.guessByWeight(Math.abs(s.deltaGrams), s.stdGrams);
      const claim = this.claims.find((c) => !c.confirmed && s.deltaGrams > 0 && guesses[0]?.sku === c.sku);
      if (claim) claim.confirmed = true;
      const best = guesses[0];
      const eventId = `cart-${this.cartId}-step-${s.id}`;
      if (best && best.sku) {
        const product = this.products.get(best.sku)!;
        const grams = product.soldBy === 'weight' ? Math.abs(s.deltaGrams) : undefined;
        events.push(
          this.itemEvent(
            s.deltaGrams > 0 ? 'ItemPicked' : 'ItemReturned',
            s.t,
            eventId,
            best.sku,
            Math.max(1, Math.abs(best.quantity)),
            best.probability,
            grams,
          ),
        );
      }
      events.push(
        this.review(
          s.t,
          eventId,
          best?.sku ?? null,
          guesses,
          s.deltaGrams > 0
            ? `${Math.round(s.deltaGrams)} g put in the basket without a scan`
            : `${Math.round(-s.deltaGrams)} g taken out without a scan`,
        ),
      );
    }
    for (const s of this.scans.filter((x) => !x.matched)) {
      events.push(
        this.review(
          s.t,
          `cart-${this.cartId}-scan-${s.id}`,
          s.sku,
          [],
          `${s.sku} scanned ${s.action === 'add' ? 'in' : 'out'}, but the basket weight did not change: not charged`,
        ),
      );
    }
    for (const c of this.claims.filter((x) => !x.confirmed)) {
      events.push(this.itemEvent('ItemPicked', c.t, c.eventId, c.sku, c.quantity, 0.5));
      events.push(
        this.review(
          c.t,
          c.eventId,
          c.sku,
          [],
          `the shelf saw ${c.quantity} × ${c.sku} taken, the cart never scanned it`,
        ),
      );
    }
    for (const a of this.alerts.values()) a.resolved = true;
    void t;
    return { events, alerts: [] };
  }

  /** A scan made at the exit lane. */
  private atLane(s: Scan): boolean {
    return this.exitAt !== null && s.t >= this.exitAt;
  }

  /** A scan the basket never saw, next to a confirmed scan of the same product in the same direction. */
  private isDoubleScan(s: Scan): boolean {
    return this.scans.some(
      (m) =>
        m !== s &&
        m.matched &&
        m.sku === s.sku &&
        m.action === s.action &&
        Math.abs(m.t - s.t) <= this.opts.doubleScanMs,
    );
  }

  /** Pairs steps with scans; with a watermark, scans that waited `graceMs` may also explain earlier steps. */
  private reconcile(watermark = -Infinity): CartOutput {
    const events: VisitEvent[] = [];
    const alerts: CartAlert[] = [];
    for (const step of this.steps) {
      if (step.matched) continue;
      const action = step.deltaGrams > 0 ? 'add' : 'remove';
      const open = this.scans.filter(
        (s) =>
          !s.matched &&
          s.action === action &&
          (this.atLane(s)
            ? // At the exit lane no new step comes: a scan there explains what the alert pointed at.
              step.t <= s.t
            : step.t - s.t <= this.opts.pairWindowMs &&
              s.t - step.t <=
                (s.t + this.opts.graceMs <= watermark ? this.opts.pairWindowMs : this.opts.scanAfterStepMs)),
      );
      const match = this.bestMatch(Math.abs(step.deltaGrams), step.stdGrams, open, step.t);
      if (!match) continue;
      step.matched = true;
      for (const s of match) s.matched = true;
      const single = match.length === 1 ? this.products.get(match[0]!.sku) : undefined;
      for (const s of match) {
        const grams = single?.soldBy === 'weight' ? Math.abs(step.deltaGrams) : undefined;
        const eventId = `cart-${this.cartId}-scan-${s.id}`;
        events.push(
          this.itemEvent(
            action === 'add' ? 'ItemPicked' : 'ItemReturned',
            s.t,
            eventId,
            s.sku,
            1,
            0.99,
            grams,
          ),
        );
        alerts.push(...this.resolve(`scan-${s.id}`));
      }
      alerts.push(...this.resolve(`step-${step.id}`));
    }
    // Shelf picks are confirmed by a scan of the same product near them in time.
    for (const c of this.claims) {
      if (c.confirmed) continue;
      const scan = this.scans.find(
        (s) => s.action === 'add' && s.sku === c.sku && Math.abs(s.t - c.t) <= this.opts.shelfWindowMs,
      );
      if (scan) {
        c.confirmed = true;
        alerts.push(...this.resolve(`claim-${c.eventId}`));
      }
    }
    return { events, alerts };
  }

  /** The scan, or pair of scans, whose items best explain a weight step. */
  private bestMatch(size: number, std: number, open: Scan[], t: number): Scan[] | null {
    let best: { scans: Scan[]; z: number; dt: number } | null = null;
    const consider = (scans: Scan[]) => {
      const ps = scans.map((s) => this.products.get(s.sku)!);
      let z: number;
      if (ps.length === 1 && ps[0]!.soldBy === 'weight') z = size >= 5 ? 0.5 : Infinity;
      else if (ps.some((p) => p.soldBy === 'weight')) return;
      else {
        const expected = ps.reduce((a, p) => a + p.weight.mean, 0);
        const variance =
          ps.reduce((a, p) => a + p.weight.std ** 2, 0) + std ** 2 + (0.03 * expected) ** 2 + 4;
        z = Math.abs(size - expected) / Math.sqrt(variance);
      }
      if (z > this.opts.fitSigmas) return;
      const dt = scans.reduce((a, s) => a + Math.abs(s.t - t), 0);
      // Prefer fewer items, then the closer fit, then the scan nearest in time.
      const score = z + (scans.length - 1) * 1.5;
      if (!best || score < best.z || (score === best.z && dt < best.dt)) best = { scans, z: score, dt };
    };
    for (let i = 0; i < open.length; i++) {
      consider([open[i]!]);
      for (let j = i + 1; j < open.length; j++) consider([open[i]!, open[j]!]);
    }
    return best === null ? null : (best as { scans: Scan[] }).scans;
  }

  /** Products that could weigh this much, with probabilities (an unscanned item's best guess). */
  private guessByWeight(size: number, std: number): ProductHypothesis[] {
    const scored: ProductHypothesis[] = [];
    for (const p of this.products.values()) {
      if (p.soldBy === 'weight') continue;
      for (let q = 1; q <= 3; q++) {
        const expected = q * p.weight.mean;
        const variance = q * p.weight.std ** 2 + std ** 2 + (0.03 * expected) ** 2 + 4;
        const z = (size - expected) / Math.sqrt(variance);
        scored.push({
          sku: p.sku,
          quantity: q,
          probability: (Math.exp(-0.5 * z * z) / Math.sqrt(variance)) * 0.2 ** (q - 1),
        });
      }
    }
    const total = scored.reduce((a, h) => a + h.probability, 0) + 1e-12;
    return scored
      .map((h) => ({ ...h, probability: h.probability / total }))
      .sort((a, b) => b.probability - a.probability || ((a.sku ?? '') < (b.sku ?? '') ? -1 : 1))
      .slice(0, 5);
  }

  private itemEvent(
    type: 'ItemPicked' | 'ItemReturned',
    t: number,
    eventId: string,
    sku: string,
    quantity: number,
    confidence: number,
    grams?: number,
  ): VisitEvent {
    return {
      type,
      visitId: this.visitId,
      t,
      eventId,
      sku,
      quantity,
      confidence,
      source: 'cart',
      ...(grams !== undefined ? { grams } : {}),
    };
  }

  private review(
    t: number,
    eventId: string,
    sku: string | null,
    products: ProductHypothesis[],
    detail: string,
  ): VisitEvent {
    return {
      type: 'ReviewRequested',
      visitId: this.visitId,
      t,
      eventId,
      reason: { kind: 'cart-mismatch', detail },
      sku,
      products,
      shoppers: [{ visitId: this.visitId, probability: 1 }],
    };
  }

  private raise(t: number, kind: CartAlert['kind'], detail: string, key: string): CartAlert {
    // The visit in the id: a cart's step and scan numbers start again with every visit.
    const alert: CartAlert = {
      alertId: `${this.visitId}-${key}`,
      cartId: this.cartId,
      visitId: this.visitId,
      t,
      kind,
      detail,
      resolved: false,
    };
    this.alerts.set(key, alert);
    // A copy: what was emitted must not change when the alert is resolved later.
    return { ...alert };
  }

  private resolve(key: string): CartAlert[] {
    const a = this.alerts.get(key);
    if (!a || a.resolved) return [];
    a.resolved = true;
    return [{ ...a }];
  }
}
