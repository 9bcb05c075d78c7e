import type { VisitEvent } from './events.js';
import type { Visit } from './visit.js';

/** People passing `in` within this long after a scan at the same gate belong to its group (contract §2). */
export const GROUP_WINDOW_MS = 10_000;

/** A stable visit id from the token and the entry time, so replay and live agree. */
export function visitIdFor(token: string, t: number): string {
  let h = 2166136261;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return `v${Math.round(t)}-${(h >>> 0).toString(36)}`;
}

interface LastScan {
  visitId: string;
  t: number;
  passes: number;
}

/** Turns gate scans and passes into visit events: entries, group members, people leaving. */
export class GateSessions {
  private readonly lastScan = new Map<string, LastScan>();

  /** A token was shown at a gate; a token already inside does not open a second visit. */
  scan(
    gateId: string,
    t: number,
    token: string,
    method: string | null,
    open: readonly Visit[],
  ): VisitEvent[] {
    const inside = open.find((v) => v.token === token && v.status === 'open');
    if (inside) {
      this.lastScan.set(gateId, { visitId: inside.visitId, t, passes: 0 });
      return [];
    }
    const visitId = visitIdFor(token, t);
    this.lastScan.set(gateId, { visitId, t, passes: 0 });
    return [{ type: 'ShopperEntered', visitId, t, token, method, gateId, channel: 'gate' }];
  }

  /**
   * A person passed a gate. `in` after a scan: the first pass is the scanning shopper, further ones
   * join the group. `out`: someone of an open visit left; `whoLeft` picks which when several are open.
   */
  pass(
    gateId: string,
    t: number,
    direction: 'in' | 'out',
    open: readonly Visit[],
    whoLeft: (candidates: readonly Visit[]) => Visit | undefined,
  ): VisitEvent[] {
    if (direction === 'in') {
      const scan = this.lastScan.get(gateId);
      if (!scan || t - scan.t > GROUP_WINDOW_MS || t < scan.t) return [];
      scan.passes += 1;
      if (scan.passes === 1) return [];
      if (!open.some((v) => v.visitId === scan.visitId && v.status === 'open')) return [];
      return [{ type: 'MemberJoined', visitId: scan.visitId, t, gateId }];
    }
    const candidates = open.filter((v) => v.status === 'open' && v.channel === 'gate' && v.enteredAt <= t);
    if (candidates.length === 0) return [];
    const visit = candidates.length === 1 ? candidates[0]! : whoLeft(candidates);
    if (!visit) return [];
    const events: VisitEvent[] = [{ type: 'PersonLeft', visitId: visit.visitId, t, gateId }];
    if (visit.peopleInside <= 1) events.push({ type: 'ShopperExited', visitId: visit.visitId, t });
    return events;
  }
}
