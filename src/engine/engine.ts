import type { DeviceMessage } from '../protocol/messages.js';
import type { Product, StoreDefinition } from '../protocol/store.js';
import {
  attributeByHands,
  attributeWithoutCameras,
  visitsPresent,
  type VisitReach,
} from '../perception/attribution/assign.js';
import { TrackIdentity } from '../perception/attribution/identity.js';
import { distanceToPolygon } from '../perception/geometry.js';
import { createVision, type Vision } from '../perception/vision/vision.js';
import { carriedByReturner } from '../perception/attribution/returner.js';
import { splitByHands, type ExplainedChange, type SplitTools } from '../perception/attribution/handSplit.js';
import {
  DEFAULT_HYPOTHESIS_OPTIONS,
  explainChange,
  explainWithSplits,
  type ChangeContext,
} from '../perception/weight/hypotheses.js';
import { buildShelfLayout, type ShelfLayout } from '../perception/weight/layout.js';
import { DEFAULT_PLATE_OPTIONS, PlateDetector } from '../perception/weight/plateDetector.js';
import {
  measureGroup,
  restrictChange,
  splitBySign,
  ShelfChangeGrouper,
  type MeasuredShelfChange,
} from '../perception/weight/shelfEvents.js';
import type { ProductHypothesis } from '../store/events.js';
import type { ShelfEvent, VisitEvent } from '../store/events.js';
import { GateSessions, visitIdFor } from '../store/gates.js';
import { CartVisit, type CartOutput } from '../store/cartVisit.js';
import { BasketScale } from '../perception/cart/basketScale.js';
import { issueReceipt } from '../store/receipt.js';
import { evolveVisit, type Visit } from '../store/visit.js';
import { EventTimeMerge } from './merge.js';
import { reviewReason } from './reviewReason.js';
import type { EngineOutput, EngineStats, IngestOutcome, ReviewDecision, StoreEngine } from './types.js';

/** A product hypothesis at least this likely by weight and place alone is one the returner's cart may pick. */
const PLAUSIBLE = 0.1;

/**
 * A change that fits no product is nobody's when it is under this share of the lightest item
 * around (a mismeasured item weighs more) and no hand came within UNTOUCHED_M (m) of its plates:
 * attribution gives a hand 0.15 m off next to nothing already.
 */
const UNTOUCHED_SHARE = 0.75;
const UNTOUCHED_M = 0.3;
/** Cameras that sent nothing for this long before a change ended (ms) did not watch it. */
const CAMERAS_QUIET_MS = 500;

/** How long (ms of event time) a review waits for the track whose hand was nearest to be named. */
const NAMING_WAIT_MS = 30_000;

/** How to start an engine: fresh, or from what a previous run of the same store left. */
export interface EngineOptions {
  /** Ledger events of visits not yet closed, in order. */
  restore?: readonly VisitEvent[];
  watermark?: number;
  now?: number;
}

/**
 * Longest a receipt waits for a shelf change that began before the exit to settle (ms). With the
 * 2 s lateness this bounds the receipt at 5 s after the exit; a change still unsettled by then
 * (a hand resting on a shelf) is settled on its own and cannot reach a receipt already issued.
 */
const MAX_RECEIPT_HOLD_MS = 3_000;
/**
 * How long after an exit gate pass (ms of event time) the cameras are watched before the store says
 * who left: the one who left is not seen again inside, the one browsing by the door is. Within the
 * settle window, so the receipt is not later for it.
 */
const EXIT_DECISION_MS = 1_200;

/** Creates the deterministic store engine for one store. */
export function createEngine(store: StoreDefinition, options: EngineOptions = {}): StoreEngine {
  return new Engine(store, options);
}

class Engine implements StoreEngine {
  private readonly merge: EventTimeMerge;
  private readonly layout: ShelfLayout;
  private readonly products: Map<string, Product>;
  private readonly detectors = new Map<string, PlateDetector>();
  private readonly grouper: ShelfChangeGrouper;
  private readonly gates: GateSessions;
  private readonly knownGates: Set<string>;
  private readonly knownCameras: Set<string>;
  private readonly visitsById = new Map<string, Visit>();
  private readonly counters: EngineStats = {
    accepted: 0,
    duplicate: 0,
    late: 0,
    unknownDevice: 0,
    processed: 0,
  };
  private readonly carts = new Map<string, CartVisit>();
  private readonly scales = new Map<string, BasketScale>();
  private readonly byGtin: Map<string, Product>;
  private readonly plateHealth = new Map<string, string>();
  private vision: Vision | null = null;
  /** Event time of the newest camera or tracker message: cameras that went quiet tell nothing of hands. */
  private camerasSeenAt = -Infinity;
  private readonly identity: TrackIdentity;
  private visionAt = -Infinity;
  /** What the store booked for each shelf event (signed quantity), so a review can undo its guess. */
  private readonly charges = new Map<string, { visitId: string; sku: string; quantity: number }>();
  /** Reviews whose nearest hand was a track not yet named: settled by the cameras once it is. */
  private readonly unnamed: UnnamedHand[] = [];
  /** Products put back onto plates where they do not belong: plate → sku → count. */
  private readonly misplaced = new Map<string, Map<string, number>>();
  private healthCheckedAt = -Infinity;
  /** Exit gate passes waiting for the cameras to show who left (see EXIT_DECISION_MS), in time order. */
  private readonly pendingExits: { gateId: string; t: number }[] = [];
  private readonly recentChanges: { startT: number; confirmT: number }[] = [];
  /** The least time (ms) a shopper needs from any shelf to the exit: later changes are not theirs. */
  private readonly exitWalkMs: number;

  constructor(
    private readonly store: StoreDefinition,
    options: EngineOptions,
  ) {
    this.merge = new EventTimeMerge(store.settings.latenessMs);
    this.layout = buildShelfLayout(store);
    this.products = this.layout.products;
    this.byGtin = new Map(store.products.filter((p) => p.gtin).map((p) => [p.gtin!.padStart(14, '0'), p]));
    this.grouper = new ShelfChangeGrouper(this.layout);
    this.gates = new GateSessions();
    this.identity = new TrackIdentity(store);
    this.exitWalkMs = exitWalkMs(store, this.layout);
    this.knownGates = new Set(store.gates.map((g) => g.id));
    this.knownCameras = new Set(store.cameras.map((c) => c.id));
    const minDelta = Math.max(
      3,
      Math.min(DEFAULT_PLATE_OPTIONS.minDeltaGrams, 0.4 * this.layout.lightestGrams),
    );
    for (const id of this.layout.plates.keys()) {
      this.detectors.set(id, new PlateDetector(id, { ...DEFAULT_PLATE_OPTIONS, minDeltaGrams: minDelta }));
    }
    for (const event of options.restore ?? []) this.apply(event);
    if (options.now !== undefined || options.watermark !== undefined) {
      this.merge.restore(options.now ?? -Infinity, options.watermark ?? -Infinity);
    }
  }

  get now(): number {
    return this.merge.now;
  }

  get watermark(): number {
    return this.merge.watermark;
  }

  stats(): EngineStats {
    return { ...this.counters };
  }

  visits(): Visit[] {
    return [...this.visitsById.values()];
  }

  ingest(message: DeviceMessage): { outcome: IngestOutcome; outputs: EngineOutput[] } {
    if (!this.isKnownDevice(message)) {
      this.counters.unknownDevice += 1;
      return { outcome: 'unknown-device', outputs: [] };
    }
    const outcome = this.merge.offer(message);
    if (outcome === 'duplicate') this.counters.duplicate += 1;
    else if (outcome === 'late') this.counters.late += 1;
    else this.counters.accepted += 1;
    return { outcome, outputs: outcome === 'accepted' ? this.advance() : [] };
  }

  tick(now: number): EngineOutput[] {
    this.merge.tick(now);
    return this.advance();
  }

  finish(): EngineOutput[] {
    const outputs: EngineOutput[] = [];
    const end = this.merge.now;
    // Let time run on past the end, so every held message, change and receipt comes out.
    outputs.push(...this.process(this.merge.release(end)));
    outputs.push(...this.stepVision(Infinity, true));
    outputs.push(...this.decideExits(Infinity));
    outputs.push(...this.closeShelfChanges(Infinity));
    for (const [cartId, cart] of [...this.carts]) {
      if (cart.leftAt !== null) outputs.push(...this.closeCart(cartId, cart, end));
      else {
        this.carts.delete(cartId);
        outputs.push(...this.cartOutputs(cart.close(end)));
      }
    }
    for (const visit of this.visits()) {
      if (visit.status === 'open')
        outputs.push(...this.emit({ type: 'ShopperExited', visitId: visit.visitId, t: end }));
    }
    outputs.push(...this.issueDueReceipts(Infinity));
    return outputs;
  }

  /** A shelf item booked for certain by a review: taken (quantity > 0) or given back (< 0). */
  private bookDecided(visitId: string, t: number, eventId: string, sku: string, quantity: number) {
    const base = {
      visitId,
      t,
      eventId,
      sku,
      quantity: Math.abs(quantity),
      confidence: 1,
      source: 'shelf' as const,
    };
    return this.emit(quantity > 0 ? { type: 'ItemPicked', ...base } : { type: 'ItemReturned', ...base });
  }

  settleReview(decision: ReviewDecision): EngineOutput[] {
    const visit = [...this.visitsById.values()].find((v) => decision.eventId in v.openReviews);
    if (!visit) return [];
    const outputs: EngineOutput[] = [];
    const changed = new Set<string>();
    // Undo the store's own guess, then book what the reviewer decided.
    const guess = this.charges.get(decision.eventId);
    if (guess) {
      outputs.push(
        ...this.bookDecided(
          guess.visitId,
          decision.t,
          `${decision.eventId}-undo`,
          guess.sku,
          -guess.quantity,
        ),
      );
      changed.add(guess.visitId);
    }
    if (
      decision.visitId !== null &&
      decision.sku !== null &&
      decision.quantity !== 0 &&
      this.visitsById.has(decision.visitId)
    ) {
      outputs.push(
        ...this.bookDecided(
          decision.visitId,
          decision.t,
          `${decision.eventId}-settled`,
          decision.sku,
          decision.quantity,
        ),
      );
      changed.add(decision.visitId);
    }
    this.charges.delete(decision.eventId);
    outputs.push(
      ...this.emit({
        type: 'ReviewSettled',
        visitId: visit.visitId,
        t: decision.t,
        eventId: decision.eventId,
        by: decision.by,
        sku: decision.sku,
        quantity: decision.quantity,
      }),
    );
    // Receipts already issued are re-issued as a new version; the others settle as usual.
    for (const id of changed) {
      const v = this.visitsById.get(id);
      if (v?.status === 'closed')
        outputs.push(...this.emit(issueReceipt(v, this.products, this.store.currency, decision.t)));
    }
    return outputs;
  }

  private isKnownDevice(m: DeviceMessage): boolean {
    if (m.storeId !== this.store.id) return false;
    switch (m.kind) {
      case 'plate-weight':
        return this.detectors.has(m.deviceId);
      case 'gate-scan':
      case 'gate-pass':
        return this.knownGates.has(m.deviceId);
      case 'camera-poses':
        return this.knownCameras.has(m.deviceId);
      default:
        return true;
    }
  }

  /** Processes what the watermark released, then whatever became due. */
  private advance(): EngineOutput[] {
    const released = this.merge.release();
    if (
      released.length === 0 &&
      this.grouper.pendingSince === null &&
      this.pendingExits.length === 0 &&
      !this.anySettling() &&
      this.carts.size === 0
    )
      return [];
    const outputs = this.process(released);
    outputs.push(...this.stepVision(this.merge.watermark, false));
    outputs.push(...this.decideExits(this.merge.watermark));
    outputs.push(...this.closeShelfChanges(this.merge.watermark));
    for (const cart of this.carts.values())
      outputs.push(...this.cartOutputs(cart.expire(this.merge.watermark)));
    outputs.push(...this.releaseCarts(this.merge.watermark));
    outputs.push(...this.checkPlateHealth(this.merge.watermark));
    outputs.push(...this.issueDueReceipts(this.merge.watermark));
    return outputs;
  }

  private anySettling(): boolean {
    for (const v of this.visitsById.values()) if (v.status === 'settling') return true;
    return false;
  }

  private process(messages: readonly DeviceMessage[]): EngineOutput[] {
    const outputs: EngineOutput[] = [];
    for (const m of messages) {
      this.counters.processed += 1;
      switch (m.kind) {
        case 'plate-weight': {
          const det = this.detectors.get(m.deviceId)!;
          for (const change of det.push(m.payload.t, m.payload.hz, m.payload.grams)) this.grouper.add(change);
          break;
        }
        case 'camera-poses':
          this.visionStage().ingestPoses(m.deviceId, m.payload);
          this.camerasSeenAt = Math.max(this.camerasSeenAt, m.payload.t);
          break;
        case 'tracker-people':
          this.visionStage().ingestTrackerPeople(m.deviceId, m.payload);
          this.camerasSeenAt = Math.max(this.camerasSeenAt, m.payload.t);
          break;
        case 'gate-scan':
          outputs.push(
            ...this.emitAll(
              this.gates.scan(
                m.deviceId,
                m.payload.t,
                m.payload.token,
                m.payload.method ?? null,
                this.visits(),
              ),
            ),
          );
          break;
        case 'gate-pass':
          if (m.payload.direction === 'out' && this.store.cameras.length > 0) {
            // Cameras can tell who left once they have watched a moment past the pass.
            this.pendingExits.push({ gateId: m.deviceId, t: m.payload.t });
            break;
          }
          outputs.push(...this.passGate(m.deviceId, m.payload.t, m.payload.direction));
          break;
        case 'device-status':
          outputs.push({
            type: 'device',
            deviceId: m.deviceId,
            t: m.payload.t,
            ok: m.payload.ok,
            detail: m.payload.detail ?? '',
          });
          break;
        case 'cart-login':
          outputs.push(...this.cartLogin(m.deviceId, m.payload.t, m.payload.token));
          break;
        case 'cart-scan': {
          const cart = this.carts.get(m.deviceId);
          if (cart)
            outputs.push(...this.cartOutputs(cart.scan(m.payload.t, m.payload.gtin, m.payload.action)));
          break;
        }
        case 'cart-weight': {
          let scale = this.scales.get(m.deviceId);
          if (!scale) this.scales.set(m.deviceId, (scale = new BasketScale(m.deviceId)));
          const step = scale.push(m.payload.t, m.payload.grams);
          const cart = this.carts.get(m.deviceId);
          if (step && cart) outputs.push(...this.cartOutputs(cart.step(step)));
          break;
        }
        case 'cart-exit': {
          const cart = this.carts.get(m.deviceId);
          if (!cart || cart.leftAt !== null) break;
          outputs.push(...this.cartOutputs(cart.leave(m.payload.t)));
          // A basket that does not add up waits at the lane for a scan (see `releaseCarts`).
          if (cart.readyToClose()) outputs.push(...this.closeCart(m.deviceId, cart));
          break;
        }
        default:
          // Cameras and trackers are wired in by their own issue.
          break;
      }
    }
    return outputs;
  }

  /** A person passes a gate: joins a group coming in, or leaves (the store picks whose visit). */
  private passGate(gateId: string, t: number, direction: 'in' | 'out'): EngineOutput[] {
    return this.emitAll(
      this.gates.pass(
        gateId,
        t,
        direction,
        this.visits(),
        (c) =>
          // The visit whose person reached the exit then; without tracks, the one that came in first.
          this.identity.nearestToExit(c, t) ??
          [...c].sort((a, b) => a.enteredAt - b.enteredAt || (a.visitId < b.visitId ? -1 : 1))[0],
      ),
    );
  }

  /** Decides the exit passes the cameras have now watched long enough past, in time order. */
  private decideExits(watermark: number): EngineOutput[] {
    const outputs: EngineOutput[] = [];
    while (this.pendingExits.length > 0) {
      const next = this.pendingExits[0]!;
      if (next.t + Math.min(EXIT_DECISION_MS, this.store.settings.settleMs) > watermark) break;
      this.pendingExits.shift();
      outputs.push(...this.passGate(next.gateId, next.t, 'out'));
    }
    return outputs;
  }

  private visionStage(): Vision {
    return (this.vision ??= createVision(this.store));
  }

  /** Runs the camera side up to the watermark (every 50 ms of event time), binds tracks to visits, and emits 3D people. */
  private stepVision(watermark: number, force: boolean): EngineOutput[] {
    if (!this.vision || (!force && watermark - this.visionAt < 50)) return [];
    this.visionAt = watermark;
    const { frames } = this.vision.advance(watermark);
    const now = Number.isFinite(watermark) ? watermark : this.merge.now;
    this.identity.update(this.vision.tracks(), this.visits(), now);
    const settled = this.nameLateHands(now);
    const people: EngineOutput[] = frames.map((frame) => ({
      type: 'people' as const,
      frame: {
        t: frame.t,
        people: frame.people.map((p) => {
          const visitId = this.identity.sessionOf(p.id);
          return { ...p, session: visitId ? (this.visitsById.get(visitId)?.token ?? null) : null };
        }),
      },
    }));
    return [...people, ...settled];
  }

  /**
   * Reviews sent because the nearest hand was a track the store could not name yet (a person the
   * tracker lost and found again, named seconds later by their bones): once it is named, the event
   * is attributed again with the hands as they were, and settled by the cameras when that is sure.
   */
  private nameLateHands(now: number): EngineOutput[] {
    const outputs: EngineOutput[] = [];
    for (let i = this.unnamed.length - 1; i >= 0; i--) {
      const u = this.unnamed[i]!;
      const named = this.identity.sessionOf(u.trackId) !== null;
      if (!named && now <= u.until) continue;
      this.unnamed.splice(i, 1);
      if (!named) continue;
      const present = visitsPresent(this.visits(), u.startT, u.endT);
      const who = this.attributeHands(u.hands, present, u.startT)[0];
      if (!who || who.probability * u.productProbability < this.store.settings.reviewThreshold) continue;
      // The guess was right and its receipt is out: settling would only re-send it unchanged.
      const guess = this.charges.get(u.eventId);
      if (guess?.visitId === who.visitId && this.visitsById.get(who.visitId)?.status === 'closed') continue;
      outputs.push(
        ...this.settleReview({
          eventId: u.eventId,
          visitId: who.visitId,
          sku: u.sku,
          quantity: u.quantity,
          by: 'cameras',
          t: now,
        }),
      );
    }
    return outputs;
  }

  /** Who made a change: by the hands near its plates when cameras see them, else by who was present. */
  private attribute(change: MeasuredShelfChange, present: Visit[]) {
    if (!this.vision || present.length <= 1) return attributeWithoutCameras(present);
    return this.attributeHands(this.handsOn(this.vision, change), present, change.startT);
  }

  /** Who made a change, from how near each track's hand stayed to its plates (m, by track id). */
  private attributeHands(hands: ReadonlyMap<string, number>, present: Visit[], startT: number) {
    const byVisit = new Map<string, number>();
    let unknownM = Infinity;
    for (const [trackId, d] of hands) {
      const visitId = this.identity.sessionOf(trackId);
      if (visitId === null) unknownM = Math.min(unknownM, d);
      else byVisit.set(visitId, Math.min(byVisit.get(visitId) ?? Infinity, d));
    }
    // A nameless track while everyone inside is followed is a ghost or a duplicate: no one's share.
    if (Number.isFinite(unknownM) && this.identity.everyoneFollowed(this.visits(), startT - 300))
      unknownM = Infinity;
    const reaches: VisitReach[] = [...byVisit].map(([visitId, distanceM]) => ({ visitId, distanceM }));
    return attributeByHands(present, reaches, unknownM);
  }

  /**
   * How near each track's hand stayed to the plates that carried a change while it happened (m, by
   * track id): a neighbour's reach a second earlier or at the next plate must not count.
   */
  private handsOn(vision: Vision, change: MeasuredShelfChange): Map<string, number> {
    const out = new Map<string, number>();
    const size = Math.abs(change.deltaGrams);
    for (const p of change.plates.filter((x) => Math.abs(x.deltaGrams) >= 0.3 * size)) {
      const info = this.layout.plates.get(p.plateId)!;
      for (const near of vision.handsNear(
        info.plate.box,
        info.plate.facing,
        change.startT - 300,
        change.endT + 300,
      ))
        out.set(near.trackId, Math.min(out.get(near.trackId) ?? Infinity, near.heldDistanceM));
    }
    return out;
  }

  /** Once a second of event time: plates that went silent, stuck or wild, and back (on change only). */
  private checkPlateHealth(watermark: number): EngineOutput[] {
    if (watermark - this.healthCheckedAt < 1000) return [];
    this.healthCheckedAt = watermark;
    const outputs: EngineOutput[] = [];
    for (const [id, det] of this.detectors) {
      // A plate never heard from is not wired yet, not broken.
      if (det.lastT === -Infinity) continue;
      const health = det.health(watermark);
      const before = this.plateHealth.get(id) ?? 'ok';
      if (health === before) continue;
      this.plateHealth.set(id, health);
      outputs.push({
        type: 'device',
        deviceId: id,
        t: watermark,
        ok: health === 'ok',
        detail: health === 'ok' ? 'plate readings normal again' : `plate readings ${health}`,
      });
    }
    return outputs;
  }

  /** Closes the carts at the exit lane whose basket now adds up, or that the lane held long enough. */
  private releaseCarts(watermark: number): EngineOutput[] {
    const outputs: EngineOutput[] = [];
    for (const [cartId, cart] of [...this.carts])
      if (cart.leftAt !== null && (cart.readyToClose() || cart.laneTimedOut(watermark)))
        outputs.push(...this.closeCart(cartId, cart));
    return outputs;
  }

  /** The cart's visit ends: what is still unexplained goes to review, and the shopper left at the lane. */
  private closeCart(cartId: string, cart: CartVisit, by?: number): EngineOutput[] {
    this.carts.delete(cartId);
    const releasedAt = cart.releasedAt(by);
    const t = cart.leftAt ?? releasedAt;
    return [
      ...this.cartOutputs(cart.close(t)),
      ...this.emit({
        type: 'ShopperExited',
        visitId: cart.visitId,
        t,
        ...(releasedAt > t ? { releasedAt } : {}),
      }),
    ];
  }

  /**
   * A shopper signed in on a cart: a cart visit begins. A second sign-in while one is open is
   * ignored; one while the cart waits at the exit lane means the lane let it go: that visit closes.
   */
  private cartLogin(cartId: string, t: number, token: string): EngineOutput[] {
    const held = this.carts.get(cartId);
    if (held && held.leftAt === null) return [];
    const outputs = held ? this.closeCart(cartId, held, t) : [];
    const visitId = visitIdFor(`${cartId}/${token}`, t);
    this.carts.set(cartId, new CartVisit(cartId, visitId, this.products, this.byGtin));
    outputs.push(
      ...this.emit({
        type: 'ShopperEntered',
        visitId,
        t,
        token,
        method: 'cart',
        gateId: cartId,
        channel: 'cart',
      }),
    );
    return outputs;
  }

  private cartOutputs(out: CartOutput): EngineOutput[] {
    return [
      ...out.alerts.map((alert) => ({ type: 'cart-alert' as const, alert })),
      ...out.events.flatMap((e) => this.emit(e)),
    ];
  }

  private closeShelfChanges(upTo: number): EngineOutput[] {
    const outputs: EngineOutput[] = [];
    for (const group of this.grouper.takeClosed(upTo, this.detectors)) {
      const measured = measureGroup(group, this.layout, this.detectors);
      this.recentChanges.push({ startT: measured.startT, confirmT: measured.confirmT });
      if (this.recentChanges.length > 256) this.recentChanges.shift();
      const present = visitsPresent(
        this.visits().filter((v) => v.status !== 'closed'),
        measured.startT,
        measured.endT,
      );
      const context = {
        carried: [
          ...new Set(
            present.flatMap((v) =>
              Object.values(v.cart)
                .filter((l) => l.quantity > 0)
                .map((l) => l.sku),
            ),
          ),
        ],
        misplacedHere: this.straysOn(measured.plates.map((p) => p.plateId)),
      };
      const tools: SplitTools = {
        restrict: (c, ids) => restrictChange(c, ids, this.layout),
        explain: (c) => explainChange(c, this.layout, DEFAULT_HYPOTHESIS_OPTIONS, context).hypotheses,
        who: (c) => this.attribute(c, present),
      };
      const sure = this.store.settings.reviewThreshold;
      const parts = splitBySign(measured, this.layout)
        .filter((side) => Math.abs(side.deltaGrams) >= this.noiseFloor(side, context.carried))
        .flatMap((side) =>
          explainWithSplits(side, this.layout, (c, ids) => restrictChange(c, ids, this.layout), context),
        )
        .flatMap((part) => (this.vision && present.length > 1 ? splitByHands(part, tools, sure) : [part]))
        .map((part) => this.putBackBy(part, present, tools, sure, context));
      parts.forEach((part, i) => {
        const suffix = parts.length > 1 ? `-${'abcd'[i]}` : '';
        outputs.push(...this.explain(part.change, part.hypotheses, suffix));
      });
    }
    return outputs;
  }

  /**
   * A put-back is something its shopper carried: when the hands say clearly whose it was, only that
   * visit's cart counts (two look-alikes of one weight, each carried by a different shopper).
   */
  private putBackBy(
    part: ExplainedChange,
    present: readonly Visit[],
    tools: SplitTools,
    sure: number,
    context: ChangeContext,
  ): ExplainedChange {
    const before = part.hypotheses[0];
    if (part.change.deltaGrams <= 0 || present.length <= 1 || !this.vision || !before) return part;
    if (before.probability >= sure) return part;
    const carried = carriedByReturner(tools.who(part.change)[0], present, sure);
    if (carried.length === 0) return part;
    const hypotheses = explainChange(part.change, this.layout, DEFAULT_HYPOTHESIS_OPTIONS, {
      ...context,
      carried,
    }).hypotheses;
    // Only a tie-break among what the weights allowed: a returner carrying none of those is
    // likely someone else than the store thinks.
    const after = hypotheses[0];
    const plausible = part.hypotheses.some(
      (h) => h.sku === after?.sku && h.quantity === after.quantity && h.probability >= PLAUSIBLE,
    );
    return plausible ? { change: part.change, hypotheses } : part;
  }

  /** The mean weight of the lightest unit product standing on the plates around a change (g), or Infinity. */
  private lightestAround(change: MeasuredShelfChange): number {
    const shelf = this.layout.shelves.get(change.shelfId) ?? [];
    const idx = change.plates.map((p) => this.layout.plates.get(p.plateId)!.index);
    const lo = Math.min(...idx) - 2;
    const hi = Math.max(...idx) + 2;
    let lightest = Infinity;
    for (const info of shelf) {
      if (info.index < lo || info.index > hi) continue;
      for (const sku of info.skus) {
        const p = this.products.get(sku);
        if (p && p.soldBy === 'unit') lightest = Math.min(lightest, p.weight.mean);
      }
    }
    return lightest;
  }

  /**
   * A change lighter than any item around it, while the cameras saw no hand of anyone (named or
   * not) within UNTOUCHED_M of its plates: a noisy cell wandering, not something a shopper did.
   */
  private untouched(change: MeasuredShelfChange): boolean {
    if (!this.vision || this.camerasSeenAt < change.endT - CAMERAS_QUIET_MS) return false;
    if (Math.abs(change.deltaGrams) >= UNTOUCHED_SHARE * this.lightestAround(change)) return false;
    for (const d of this.handsOn(this.vision, change).values()) if (d <= UNTOUCHED_M) return false;
    return true;
  }

  /**
   * Changes smaller than this are the shelf settling, not an item: a share of the lightest product
   * standing on the plates around the change.
   */
  private noiseFloor(change: MeasuredShelfChange, carriedSkus: readonly string[]): number {
    let lightest = this.lightestAround(change);
    // A put-back is something a shopper present carries (else any product); a take only what
    // stands here (or a stray).
    if (change.deltaGrams > 0) {
      const carried = carriedSkus.map((sku) => this.products.get(sku)).filter((p) => p?.soldBy === 'unit');
      lightest =
        carried.length > 0 ? Math.min(...carried.map((p) => p!.weight.mean)) : this.layout.lightestGrams;
    } else if (change.plates.some((p) => (this.misplaced.get(p.plateId)?.size ?? 0) > 0))
      lightest = this.layout.lightestGrams;
    return Number.isFinite(lightest) ? 0.4 * lightest : 0;
  }

  /** Strays on these plates: products put back where they do not belong, and how many. */
  private straysOn(plateIds: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const id of plateIds)
      for (const [sku, n] of this.misplaced.get(id) ?? []) out.set(sku, (out.get(sku) ?? 0) + n);
    return out;
  }

  /** Keeps track of strays: a put-back of a product that does not belong on the plate, and its later take. */
  private noteMisplaced(change: MeasuredShelfChange, best: ProductHypothesis): void {
    if (best.sku === null) return;
    const plate = this.layout.plates.get(change.mainPlateId)!;
    const strays = this.misplaced.get(plate.plate.id) ?? new Map<string, number>();
    if (best.quantity < 0 && !plate.skus.includes(best.sku)) {
      strays.set(best.sku, (strays.get(best.sku) ?? 0) - best.quantity);
      this.misplaced.set(plate.plate.id, strays);
    } else if (best.quantity > 0 && strays.has(best.sku)) {
      const left = strays.get(best.sku)! - best.quantity;
      if (left > 0) strays.set(best.sku, left);
      else strays.delete(best.sku);
    }
  }

  /** Turns a measured shelf change into a shelf event, then into ledger events for the likeliest visit. */
  private explain(
    change: MeasuredShelfChange,
    hypotheses: ProductHypothesis[],
    suffix: string,
  ): EngineOutput[] {
    const eventId = `se-${Math.round(change.startT)}-${change.shelfId}${suffix}`;
    const reliable = change.plates.every(
      (p) =>
        (this.detectors.get(p.plateId)?.isReliable ?? true) &&
        (this.plateHealth.get(p.plateId) ?? 'ok') === 'ok',
    );
    const main = this.layout.plates.get(change.mainPlateId)!;
    const shelfEvent: ShelfEvent = {
      eventId,
      shelfId: change.shelfId,
      plates: change.plates.map((p) => ({ plateId: p.plateId, deltaGrams: round1(p.deltaGrams) })),
      startT: change.startT,
      endT: change.endT,
      deltaGrams: round1(change.deltaGrams),
      deltaStdGrams: round1(change.stdGrams),
      position: main.front,
      hypotheses,
      reliable,
    };
    const outputs: EngineOutput[] = [{ type: 'shelf', event: shelfEvent }];
    const present = visitsPresent(
      this.visits().filter((v) => v.status !== 'closed'),
      change.startT,
      change.endT,
    );
    const shoppers = this.attribute(change, present);
    const best = hypotheses[0];
    const who = shoppers[0];
    if (best) this.noteMisplaced(change, best);
    if (!best || !who) return outputs;
    // Less than any item, where no hand came near: the plate wandered. The shelf event stays on
    // record; no shopper's receipt waits for a person over it.
    if (best.sku === null && this.untouched(change)) return outputs;
    const confidence = best.probability * who.probability;
    const threshold = this.store.settings.reviewThreshold;
    const cart = [...this.carts.values()].find((c) => c.visitId === who.visitId);
    if (cart && best.sku !== null && best.quantity > 0 && who.probability === 1) {
      // A cart shopper's scans are the charge; the shelf only has to agree with them.
      outputs.push(...this.cartOutputs(cart.shelfPick(change.endT, eventId, best.sku, best.quantity)));
      return outputs;
    }
    if (best.sku !== null && best.quantity !== 0) {
      const quantity = Math.abs(best.quantity);
      const base = {
        visitId: who.visitId,
        t: change.endT,
        eventId,
        sku: best.sku,
        quantity,
        confidence,
        source: 'shelf' as const,
      };
      outputs.push(
        ...this.emit(best.quantity > 0 ? { type: 'ItemPicked', ...base } : { type: 'ItemReturned', ...base }),
      );
    }
    if (best.sku === null || confidence < threshold || !reliable) {
      const reason = reviewReason(best, who, shoppers.length, {
        deltaGrams: shelfEvent.deltaGrams,
        reliable,
        plateId: change.mainPlateId,
      });
      // Only a shopper review can wait for a name: its hands are gathered again, which is rare.
      const hands =
        reason.kind === 'shopper' && this.vision
          ? this.handsOn(this.vision, change)
          : new Map<string, number>();
      const nearest = nearestUnnamed(hands, (id) => this.identity.sessionOf(id) !== null);
      if (best.sku !== null && nearest !== null)
        this.unnamed.push({
          eventId,
          trackId: nearest,
          hands,
          startT: change.startT,
          endT: change.endT,
          sku: best.sku,
          quantity: best.quantity,
          productProbability: best.probability,
          until: change.endT + NAMING_WAIT_MS,
        });
      outputs.push(
        ...this.emit({
          type: 'ReviewRequested',
          visitId: who.visitId,
          t: change.endT,
          eventId,
          reason,
          sku: best.sku,
          products: hypotheses,
          shoppers,
        }),
      );
    }
    return outputs;
  }

  /** Receipts of settled visits whose settle window has passed and whose shelves are quiet. */
  private issueDueReceipts(watermark: number): EngineOutput[] {
    const outputs: EngineOutput[] = [];
    const pending = this.grouper.pendingSince;
    let changing: number | null = null;
    for (const d of this.detectors.values()) {
      const since = d.changingSince;
      // A plate that stopped talking cannot settle: it must not hold receipts back.
      if (since !== null && d.lastT >= watermark - 1500 && (changing === null || since < changing))
        changing = since;
    }
    const settling = this.visits()
      .filter((v): v is Visit & { status: 'settling' } => v.status === 'settling')
      .sort((a, b) => a.exitedAt - b.exitedAt || (a.visitId < b.visitId ? -1 : 1));
    for (const visit of settling) {
      // A cart held at the exit lane settles from when the lane let it go.
      const due = Math.max(visit.exitedAt, visit.releasedAt ?? -Infinity) + this.store.settings.settleMs;
      if (watermark < due) continue;
      // Only a change that began before the shopper could have walked from a shelf to the exit can be theirs.
      const lastTheirs = visit.exitedAt - this.exitWalkMs;
      const held =
        (pending !== null && pending <= lastTheirs) || (changing !== null && changing <= lastTheirs);
      if (held && watermark < visit.exitedAt + MAX_RECEIPT_HOLD_MS) continue;
      // The event time a live store's clock reads when the watermark passes the settle window
      // (or the last shelf change before the exit), so replay and live agree to the millisecond.
      const settledAt = Math.max(
        due,
        Math.min(this.lastChangeBefore(lastTheirs), visit.exitedAt + MAX_RECEIPT_HOLD_MS),
      );
      const issuedAt = settledAt + this.store.settings.latenessMs;
      outputs.push(...this.emit(issueReceipt(visit, this.products, this.store.currency, issuedAt)));
    }
    return outputs;
  }

  /** When the last shelf change that began at or before `t` was confirmed (−∞ if none). */
  private lastChangeBefore(t: number): number {
    let last = -Infinity;
    for (const c of this.recentChanges) if (c.startT <= t && c.confirmT > last) last = c.confirmT;
    return last;
  }

  private emitAll(events: readonly VisitEvent[]): EngineOutput[] {
    return events.flatMap((e) => this.emit(e));
  }

  private emit(event: VisitEvent): EngineOutput[] {
    this.apply(event);
    return [{ type: 'visit', event }];
  }

  private apply(event: VisitEvent): void {
    if (
      (event.type === 'ItemPicked' || event.type === 'ItemReturned') &&
      !event.eventId.endsWith('-undo') &&
      !event.eventId.endsWith('-settled')
    ) {
      this.charges.set(event.eventId, {
        visitId: event.visitId,
        sku: event.sku,
        quantity: event.type === 'ItemPicked' ? event.quantity : -event.quantity,
      });
    }
    const next = evolveVisit(this.visitsById.get(event.visitId) ?? null, event);
    if (next) this.visitsById.set(event.visitId, next);
  }
}

/** Least walking time (ms) from any plate's front to an exit zone, at a brisk 2 m/s; 0 without exit zones. */
function exitWalkMs(store: StoreDefinition, layout: ShelfLayout): number {
  const exits = store.zones.filter((z) => z.kind === 'exit');
  if (exits.length === 0 || layout.plates.size === 0) return 0;
  let best = Infinity;
  for (const info of layout.plates.values()) {
    for (const z of exits)
      best = Math.min(best, distanceToPolygon([info.front[0], info.front[1]], z.polygon));
  }
  return Math.min(5000, (best / 2) * 1000);
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** A review whose nearest hand was a track not yet named when the event was attributed. */
interface UnnamedHand {
  eventId: string;
  trackId: string;
  /** How near each track's hand stayed to the plates during the event (m, by track id). */
  hands: ReadonlyMap<string, number>;
  startT: number;
  endT: number;
  sku: string;
  quantity: number;
  productProbability: number;
  /** Event time after which a human settles it. */
  until: number;
}

/** The track whose hand stayed nearest the plates, when it is one the store cannot name; else null. */
function nearestUnnamed(
  hands: ReadonlyMap<string, number>,
  isNamed: (trackId: string) => boolean,
): string | null {
  let best: { trackId: string; d: number } | null = null;
  for (const [trackId, d] of hands) if (!best || d < best.d) best = { trackId, d };
  return best && !isNamed(best.trackId) ? best.trackId : null;
}
