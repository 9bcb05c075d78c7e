import { z } from 'zod';

/** An id as the contract defines it: `[A-Za-z0-9._-]{1,64}`. */
export const Id = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'an id of 1–64 characters from A–Z a–z 0–9 . _ -');
export type Id = z.infer<typeof Id>;

/** Event time: milliseconds since the Unix epoch, from the device clock. */
export const EventTime = z.number().finite().nonnegative();
export type EventTime = z.infer<typeof EventTime>;

/** Store-frame point on the floor, metres. */
export const FloorPoint = z.tuple([z.number().finite(), z.number().finite()]);
export type FloorPoint = z.infer<typeof FloorPoint>;

/** Store-frame point in space, metres. */
export const StorePoint = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);
export type StorePoint = z.infer<typeof StorePoint>;

/** COCO-17 keypoint names, in the order poses list them. */
export const COCO_JOINTS = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;
export type JointName = (typeof COCO_JOINTS)[number];
export const JointNameSchema = z.enum(COCO_JOINTS);
