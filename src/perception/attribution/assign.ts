import type { ShopperCandidate } from '../../store/events.js';
import type { Visit } from '../../store/visit.js';

/** Visits that could have made a shelf change in [startT, endT]: inside the store at that time. */
export function visitsPresent(visits: readonly Visit[], startT: number, endT: number): Visit[] {
  return visits.filter((v) => v.enteredAt <= endT && (v.status === 'open' || v.exitedAt >= startT));
}

/**
 * Who made a shelf change, without cameras: one visit present takes it for sure; with several, each
 * is equally likely and the earliest entered is the guess (the change then goes to review).
 */
export function attributeWithoutCameras(present: readonly Visit[]): ShopperCandidate[] {
  if (present.length === 0) return [];
  const p = 1 / present.length;
  return [...present]
    .sort((a, b) => a.enteredAt - b.enteredAt || (a.visitId < b.visitId ? -1 : 1))
    .map((v) => ({ visitId: v.visitId, probability: p }));
}

/** A visit's nearest hand to a plate during a shelf event (m); Infinity when no hand of it was seen. */
export interface VisitReach {
  visitId: string;
  distanceM: number;
}

/** Tunables of hand-based attribution. */
export interface HandAttributionOptions {
  /** Spread of hand-to-plate distances of the shopper who really took (m). */
  sigmaM: number;
  /** Likelihood left for a present visit whose hands were not seen near the plate. */
  unseen: number;
}

export const DEFAULT_HAND_ATTRIBUTION: HandAttributionOptions = { sigmaM: 0.04, unseen: 1e-3 };

/**
 * Who made a shelf change, from how near each visit's hands came to the plate's front face. A
 * person near the plate whom the store cannot name (`unknownM`) takes a share, so the best visit
 * is less sure and the event goes to review rather than to the wrong shopper.
 */
export function attributeByHands(
  present: readonly Visit[],
  reaches: readonly VisitReach[],
  unknownM: number,
  opts: HandAttributionOptions = DEFAULT_HAND_ATTRIBUTION,
): ShopperCandidate[] {
  if (present.length === 0) return [];
  const like = (d: number) =>
    Number.isFinite(d) ? Math.exp(-(d * d) / (2 * opts.sigmaM * opts.sigmaM)) + opts.unseen : opts.unseen;
  const byVisit = new Map(reaches.map((r) => [r.visitId, r.distanceM]));
  const scored = present.map((v) => ({
    visitId: v.visitId,
    d: byVisit.get(v.visitId) ?? Infinity,
    l: like(byVisit.get(v.visitId) ?? Infinity),
  }));
  const unknown = Number.isFinite(unknownM) ? like(unknownM) : 0;
  const total = scored.reduce((s, c) => s + c.l, 0) + unknown;
  if (scored.every((c) => !Number.isFinite(c.d))) return attributeWithoutCameras(present);
  return scored
    .map((c) => ({
      visitId: c.visitId,
      probability: c.l / total,
      ...(Number.isFinite(c.d) ? { handDistanceM: Math.round(c.d * 1000) / 1000 } : {}),
    }))
    .sort((a, b) => b.probability - a.probability || (a.visitId < b.visitId ? -1 : 1));
}
