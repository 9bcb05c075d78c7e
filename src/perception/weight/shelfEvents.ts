import type { PlateChange, PlateDetector } from './plateDetector.js';
import type { PlateInfo, ShelfLayout } from './layout.js';

/** Changes on neighbouring plates of one shelf at about the same time, before they are explained. */
export interface PlateChangeGroup {
  shelfId: string;
  changes: PlateChange[];
  startT: number;
  endT: number;
  confirmT: number;
}

/** A measured shelf change: per-plate deltas, total, uncertainty and where along the shelf it happened. */
export interface MeasuredShelfChange {
  shelfId: string;
  startT: number;
  endT: number;
  confirmT: number;
  plates: { plateId: string; deltaGrams: number; stdGrams: number }[];
  deltaGrams: number;
  stdGrams: number;
  /** Weighted centre of the change along the shelf (m). */
  along: number;
  /** The plate that carried the largest part of the change. */
  mainPlateId: string;
}

/** Changes further apart than this (ms) are separate events. */
const TIME_SLACK_MS = 400;
/** Plates further apart than this (in plate positions) are separate events. */
const PLATE_SLACK = 2;

/**
 * Groups plate changes into shelf changes: simultaneous changes on neighbouring plates of one shelf
 * are one event (an item lying across plate borders shows on all of them).
 */
export class ShelfChangeGrouper {
  private open: PlateChangeGroup[] = [];

  constructor(private readonly layout: ShelfLayout) {}

  /** Adds a confirmed plate change to an open group of its shelf, or opens one. */
  add(change: PlateChange): void {
    const info = this.layout.plates.get(change.plateId);
    if (!info) return;
    const group = this.open.find(
      (g) =>
        g.shelfId === info.shelfId &&
        change.startT <= g.endT + TIME_SLACK_MS &&
        change.endT >= g.startT - TIME_SLACK_MS &&
        g.changes.some((c) => Math.abs(this.layout.plates.get(c.plateId)!.index - info.index) <= PLATE_SLACK),
    );
    if (group) {
      group.changes.push(change);
      group.startT = Math.min(group.startT, change.startT);
      group.endT = Math.max(group.endT, change.endT);
      group.confirmT = Math.max(group.confirmT, change.confirmT);
    } else {
      this.open.push({
        shelfId: info.shelfId,
        changes: [change],
        startT: change.startT,
        endT: change.endT,
        confirmT: change.confirmT,
      });
    }
  }

  /** Groups that no further change can join, given the watermark and the plates still changing. */
  takeClosed(watermark: number, detectors: ReadonlyMap<string, PlateDetector>): PlateChangeGroup[] {
    const closed: PlateChangeGroup[] = [];
    this.open = this.open.filter((g) => {
      if (watermark < g.confirmT + TIME_SLACK_MS) return true;
      const shelf = this.layout.shelves.get(g.shelfId) ?? [];
      const busy = shelf.some((p) => {
        const since = detectors.get(p.plate.id)?.changingSince;
        return since !== undefined && since !== null && since <= g.endT + TIME_SLACK_MS;
      });
      if (busy) return true;
      closed.push(g);
      return false;
    });
    return closed.sort((a, b) => a.startT - b.startT || (a.shelfId < b.shelfId ? -1 : 1));
  }

  /** The earliest start among groups not yet closed, or null. */
  get pendingSince(): number | null {
    return this.open.length === 0 ? null : Math.min(...this.open.map((g) => g.startT));
  }
}

/**
 * Measures a closed group: the deltas of its plates, plus neighbours whose level moved the same way
 * by more than their noise (their own detector may have missed a small share of a straddling item).
 */
export function measureGroup(
  group: PlateChangeGroup,
  layout: ShelfLayout,
  detectors: ReadonlyMap<string, PlateDetector>,
): MeasuredShelfChange {
  const shelf = layout.shelves.get(group.shelfId) ?? [];
  const byPlate = new Map<string, { delta: number; std: number }>();
  for (const c of group.changes) {
    const prev = byPlate.get(c.plateId);
    byPlate.set(c.plateId, {
      delta: (prev?.delta ?? 0) + c.deltaGrams,
      std: Math.hypot(prev?.std ?? 0, c.stdGrams),
    });
  }
  const total0 = [...byPlate.values()].reduce((s, v) => s + v.delta, 0);
  const indexes = group.changes.map((c) => layout.plates.get(c.plateId)!.index);
  const lo = Math.min(...indexes) - 1;
  const hi = Math.max(...indexes) + 1;
  for (const info of shelf) {
    if (info.index < lo || info.index > hi || byPlate.has(info.plate.id)) continue;
    const det = detectors.get(info.plate.id);
    if (!det) continue;
    const pre = det.levelBetween(group.startT - 1200, group.startT - 100);
    const post = det.levelBetween(group.endT, group.endT + 800);
    if (!pre || !post) continue;
    const delta = post.level - pre.level;
    const std = det.noise * Math.sqrt(1 / pre.n + 1 / post.n + 0.1);
    if (Math.sign(delta) === Math.sign(total0) && Math.abs(delta) > Math.max(4 * std, 2)) {
      byPlate.set(info.plate.id, { delta, std });
    }
  }
  const plates = [...byPlate.entries()]
    .map(([plateId, v]) => ({ plateId, deltaGrams: v.delta, stdGrams: v.std }))
    .sort((a, b) => layout.plates.get(a.plateId)!.index - layout.plates.get(b.plateId)!.index);
  const deltaGrams = plates.reduce((s, p) => s + p.deltaGrams, 0);
  const stdGrams = Math.hypot(...plates.map((p) => p.stdGrams));
  const weightSum = plates.reduce((s, p) => s + Math.abs(p.deltaGrams), 0) || 1;
  const along =
    plates.reduce((s, p) => s + Math.abs(p.deltaGrams) * layout.plates.get(p.plateId)!.along, 0) / weightSum;
  const main = plates.reduce((a, b) => (Math.abs(b.deltaGrams) > Math.abs(a.deltaGrams) ? b : a));
  return {
    shelfId: group.shelfId,
    startT: group.startT,
    endT: group.endT,
    confirmT: group.confirmT,
    plates,
    deltaGrams,
    stdGrams,
    along,
    mainPlateId: main.plateId,
  };
}

/** The part of a measured change that happened on some of its plates (one item of a two-item grab). */
export function restrictChange(
  change: MeasuredShelfChange,
  plateIds: string[],
  layout: ShelfLayout,
): MeasuredShelfChange {
  const plates = change.plates.filter((p) => plateIds.includes(p.plateId));
  const deltaGrams = plates.reduce((s, p) => s + p.deltaGrams, 0);
  const weightSum = plates.reduce((s, p) => s + Math.abs(p.deltaGrams), 0) || 1;
  const along =
    plates.reduce((s, p) => s + Math.abs(p.deltaGrams) * layout.plates.get(p.plateId)!.along, 0) / weightSum;
  const main = plates.reduce((a, b) => (Math.abs(b.deltaGrams) > Math.abs(a.deltaGrams) ? b : a));
  return {
    ...change,
    plates,
    deltaGrams,
    stdGrams: Math.hypot(...plates.map((p) => p.stdGrams)),
    along,
    mainPlateId: main.plateId,
  };
}

/**
 * A change whose plates moved in opposite directions is at least two things at once: something
 * taken from some plates while something was put on others (two shoppers at one shelf, or an item
 * slid along it). Returns the taken part and the put part, or the change itself when all its
 * plates moved the same way.
 */
export function splitBySign(change: MeasuredShelfChange, layout: ShelfLayout): MeasuredShelfChange[] {
  const down = change.plates.filter((p) => p.deltaGrams < 0).map((p) => p.plateId);
  const up = change.plates.filter((p) => p.deltaGrams > 0).map((p) => p.plateId);
  if (down.length === 0 || up.length === 0) return [change];
  return [restrictChange(change, down, layout), restrictChange(change, up, layout)];
}

/** The plate info of a shelf change's main plate. */
export function mainPlate(change: MeasuredShelfChange, layout: ShelfLayout): PlateInfo {
  return layout.plates.get(change.mainPlateId)!;
}
