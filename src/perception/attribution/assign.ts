import type { ShopperCandidate } from '../../store/events.js';
import type { Visit } from '../../store/visit.js';

/** Visits that could have made a shelf change in [startT, endT]: inside the store at that time. */
export function visitsPresent(visits: readonly Visit[], startT: number, endT: number): Visit[] {
  return visits.filter(
    (v) => v.enteredAt <= endT && (v.status === 'open' || v.exitedAt >= startT),
  );
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
