import type { CartAlert } from '../store/cartVisit.js';
import type { Bus, BusMessage } from './bus.js';

/** How many of a cart's most recent visits are remembered (the newest not closed is its current one). */
const RECENT_VISITS = 4;

/**
 * What the bus says about each smart cart: the visits signed in on it (newest last) and the alerts
 * of those visits, with a listener list per cart so a cart's screen hears about every change. It
 * only folds what the engine published; the visit's cart itself is read from the ledger.
 */
export class CartKeeper {
  private readonly visitsByCart = new Map<string, string[]>();
  private readonly cartOfVisit = new Map<string, string>();
  private readonly alertsByVisit = new Map<string, Map<string, CartAlert>>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;

  constructor(bus: Bus) {
    this.unsubscribe = bus.subscribe((m) => this.take(m));
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  /** True once a shopper signed in on this cart (or it raised an alert) since this process started. */
  known(cartId: string): boolean {
    return this.visitsByCart.has(cartId);
  }

  /** Visits signed in on the cart, newest first. */
  visitsOf(cartId: string): string[] {
    return [...(this.visitsByCart.get(cartId) ?? [])].reverse();
  }

  /** The alerts of a cart visit, each in its latest state. */
  alertsOf(visitId: string): CartAlert[] {
    return [...(this.alertsByVisit.get(visitId)?.values() ?? [])];
  }

  /** Records a visit found on the cart some other way (the ledger after a restart). */
  adopt(cartId: string, visitId: string): void {
    this.remember(cartId, visitId);
  }

  /** Calls `listener` whenever something about the cart changes; returns the unsubscribe function. */
  subscribe(cartId: string, listener: () => void): () => void {
    let set = this.listeners.get(cartId);
    if (!set) this.listeners.set(cartId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(cartId) === set) this.listeners.delete(cartId);
    };
  }

  private take(m: BusMessage): void {
    switch (m.type) {
      case 'store-loaded': {
        // Another store: its carts start from nothing; every open screen reloads.
        this.visitsByCart.clear();
        this.cartOfVisit.clear();
        this.alertsByVisit.clear();
        for (const cartId of [...this.listeners.keys()]) this.notify(cartId);
        return;
      }
      case 'cart-alert': {
        const a = m.alert;
        // An alert can reach the bus before the visit's ShopperEntered (that one waits for the database).
        this.remember(a.cartId, a.visitId);
        let alerts = this.alertsByVisit.get(a.visitId);
        if (!alerts) this.alertsByVisit.set(a.visitId, (alerts = new Map()));
        alerts.set(a.alertId, a);
        this.notify(a.cartId);
        return;
      }
      case 'visit': {
        const e = m.event;
        if (e.type === 'ShopperEntered' && e.channel === 'cart') this.remember(e.gateId, e.visitId);
        const cartId = this.cartOfVisit.get(e.visitId);
        if (!cartId) return;
        // A closed visit leaves its cart idle: its alerts are of no more use to the screen.
        if (e.type === 'ReceiptIssued') this.alertsByVisit.delete(e.visitId);
        this.notify(cartId);
        return;
      }
      default:
        return;
    }
  }

  private remember(cartId: string, visitId: string): void {
    if (this.cartOfVisit.get(visitId) === cartId) return;
    this.cartOfVisit.set(visitId, cartId);
    const visits = this.visitsByCart.get(cartId) ?? [];
    this.visitsByCart.set(cartId, visits);
    visits.push(visitId);
    for (const old of visits.splice(0, Math.max(0, visits.length - RECENT_VISITS))) {
      this.cartOfVisit.delete(old);
      this.alertsByVisit.delete(old);
    }
  }

  private notify(cartId: string): void {
    for (const listener of [...(this.listeners.get(cartId) ?? [])]) listener();
  }
}
