/** Store-to-canvas geometry of the map: pure arithmetic, no DOM. */
import type { StoreDefinition } from '../../protocol/store.js';

/** Maps store metres (x, y) to canvas pixels, keeping the aspect and a margin. */
export interface MapTransform {
  scale: number;
  ox: number;
  oy: number;
  width: number;
  height: number;
}

/** Fits the store's floor polygon into a canvas of the given size (y grows downwards on screen). */
export function fitFloor(store: StoreDefinition, width: number, height: number, margin = 16): MapTransform {
  const xs = store.floor.map((p) => p[0]);
  const ys = store.floor.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min(
    (width - 2 * margin) / Math.max(x1 - x0, 1e-6),
    (height - 2 * margin) / Math.max(y1 - y0, 1e-6),
  );
  return { scale, ox: margin - x0 * scale, oy: margin + y1 * scale, width, height };
}

/** Canvas pixel of a store point. */
export function toPx(t: MapTransform, x: number, y: number): [number, number] {
  return [t.ox + x * t.scale, t.oy - y * t.scale];
}

/** Every plate as a floor rectangle (store metres) with its fixture and shelf. */
export function plateRects(
  store: StoreDefinition,
): { plateId: string; x0: number; y0: number; x1: number; y1: number }[] {
  return store.fixtures.flatMap((f) =>
    f.shelves.flatMap((s) =>
      s.plates.map((p) => ({
        plateId: p.id,
        x0: p.box.min[0],
        y0: p.box.min[1],
        x1: p.box.max[0],
        y1: p.box.max[1],
      })),
    ),
  );
}

/** Position of a camera on the floor: its centre −Rᵀt (store metres). */
export function cameraPosition(cam: StoreDefinition['cameras'][number]): [number, number] {
  const R = cam.R;
  const t = cam.t;
  const c = [0, 1, 2].map((j) => -(R[0]![j]! * t[0] + R[1]![j]! * t[1] + R[2]![j]! * t[2]));
  return [c[0]!, c[1]!];
}

/** Where a person stands on the map: the mean of their hips or, failing that, any joint. */
export function personXY(joints: Record<string, readonly [number, number, number]>): [number, number] | null {
  const pick = ['left_hip', 'right_hip'].map((k) => joints[k]).filter((j) => j !== undefined);
  const use = pick.length > 0 ? pick : Object.values(joints).slice(0, 1);
  if (use.length === 0) return null;
  return [use.reduce((s, j) => s + j[0], 0) / use.length, use.reduce((s, j) => s + j[1], 0) / use.length];
}
