import { z } from 'zod';
import { EventTime, Id, JointNameSchema, StorePoint } from './ids.js';

/** `plates/{plateId}/weight`: raw load-cell samples; sample i is at `t + i·1000/hz`. */
export const PlateWeight = z.object({
  t: EventTime,
  hz: z.number().finite().positive().max(10_000),
  grams: z.array(z.number().finite()).min(1).max(10_000),
});
export type PlateWeight = z.infer<typeof PlateWeight>;

const Keypoint = z.tuple([z.number().finite(), z.number().finite(), z.number().min(0).max(1)]);

/** `cameras/{cameraId}/poses`: 2D COCO-17 poses in raw pixels, no identity. */
export const CameraPoses = z.object({
  t: EventTime,
  frame: z.number().int().nonnegative(),
  poses: z.array(z.object({ keypoints: z.array(Keypoint).length(17) })).max(200),
});
export type CameraPoses = z.infer<typeof CameraPoses>;

/** `trackers/{trackerId}/people`: 3D people from an external tracker. */
export const TrackerPeople = z.object({
  t: EventTime,
  people: z
    .array(
      z.object({
        id: Id,
        joints: z.partialRecord(JointNameSchema, StorePoint),
      }),
    )
    .max(500),
});
export type TrackerPeople = z.infer<typeof TrackerPeople>;

/** `gates/{gateId}/scan`: a shopper shows an entry token. */
export const GateScan = z.object({
  t: EventTime,
  token: z.string().min(1).max(4096),
  method: z.enum(['qr', 'card', 'palm']).optional(),
});
export type GateScan = z.infer<typeof GateScan>;

/** `gates/{gateId}/pass`: one person passed the gate. */
export const GatePass = z.object({ t: EventTime, direction: z.enum(['in', 'out']) });
export type GatePass = z.infer<typeof GatePass>;

/** `carts/{cartId}/scan`: a smart cart scanned an item in or out. */
export const CartScan = z.object({
  t: EventTime,
  gtin: z.string().regex(/^[0-9]{8,14}$/, 'a GTIN of 8–14 digits'),
  action: z.enum(['add', 'remove']),
});
export type CartScan = z.infer<typeof CartScan>;

/** `carts/{cartId}/weight`: the cart's basket scale. */
export const CartWeight = z.object({ t: EventTime, grams: z.number().finite() });
export type CartWeight = z.infer<typeof CartWeight>;

/** `carts/{cartId}/login`: a shopper signs in on a cart. */
export const CartLogin = z.object({ t: EventTime, token: z.string().min(1).max(4096) });
export type CartLogin = z.infer<typeof CartLogin>;

/** `carts/{cartId}/exit`: the cart rolled through an exit lane. */
export const CartExit = z.object({ t: EventTime, gateId: Id.optional() });
export type CartExit = z.infer<typeof CartExit>;

/** `devices/{deviceId}/status`: heartbeat of any device. */
export const DeviceStatus = z.object({
  t: EventTime,
  ok: z.boolean(),
  detail: z.string().max(1000).optional(),
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;

/** Every device message, after its topic and payload were checked. */
export type DeviceMessage =
  | { kind: 'plate-weight'; storeId: string; deviceId: string; payload: PlateWeight }
  | { kind: 'camera-poses'; storeId: string; deviceId: string; payload: CameraPoses }
  | { kind: 'tracker-people'; storeId: string; deviceId: string; payload: TrackerPeople }
  | { kind: 'gate-scan'; storeId: string; deviceId: string; payload: GateScan }
  | { kind: 'gate-pass'; storeId: string; deviceId: string; payload: GatePass }
  | { kind: 'cart-scan'; storeId: string; deviceId: string; payload: CartScan }
  | { kind: 'cart-weight'; storeId: string; deviceId: string; payload: CartWeight }
  | { kind: 'cart-login'; storeId: string; deviceId: string; payload: CartLogin }
  | { kind: 'cart-exit'; storeId: string; deviceId: string; payload: CartExit }
  | { kind: 'device-status'; storeId: string; deviceId: string; payload: DeviceStatus };

export type MessageKind = DeviceMessage['kind'];

/** Topic suffix (after `walkout/v1/{storeId}/{group}/{deviceId}/`) and payload schema of each kind. */
export const MESSAGE_ROUTES = {
  'plate-weight': { group: 'plates', leaf: 'weight', schema: PlateWeight },
  'camera-poses': { group: 'cameras', leaf: 'poses', schema: CameraPoses },
  'tracker-people': { group: 'trackers', leaf: 'people', schema: TrackerPeople },
  'gate-scan': { group: 'gates', leaf: 'scan', schema: GateScan },
  'gate-pass': { group: 'gates', leaf: 'pass', schema: GatePass },
  'cart-scan': { group: 'carts', leaf: 'scan', schema: CartScan },
  'cart-weight': { group: 'carts', leaf: 'weight', schema: CartWeight },
  'cart-login': { group: 'carts', leaf: 'login', schema: CartLogin },
  'cart-exit': { group: 'carts', leaf: 'exit', schema: CartExit },
  'device-status': { group: 'devices', leaf: 'status', schema: DeviceStatus },
} as const satisfies Record<MessageKind, { group: string; leaf: string; schema: z.ZodType }>;

/** A raw message as it travels: a topic and an unchecked JSON payload. */
export const RawMessage = z.object({ topic: z.string().min(1).max(512), payload: z.unknown() });
export type RawMessage = z.infer<typeof RawMessage>;
