/**
 * Runs the vision stage alone over a recording's messages, in event-time order, as the engine would
 * (with the watermark trailing the newest message by `latenessMs`). For benchmarks and tests.
 */
import type { DeviceMessage } from '../../protocol/messages.js';
import type { PeopleFrame } from '../../protocol/results.js';
import type { StoreDefinition } from '../../protocol/store.js';
import { createVision, type Vision, type VisionOptions } from './vision.js';

/** Feeds every camera and tracker message to a new vision and returns all frames it emitted. */
export function replayVision(
  store: StoreDefinition,
  messages: readonly DeviceMessage[],
  options: Partial<VisionOptions> = {},
  latenessMs = 100,
): { frames: PeopleFrame[]; vision: Vision } {
  const vision = createVision(store, options);
  const frames: PeopleFrame[] = [];
  const sorted = messages
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => m.kind === 'camera-poses' || m.kind === 'tracker-people')
    .sort((a, b) => a.m.payload.t - b.m.payload.t || a.i - b.i);
  for (const { m } of sorted) {
    if (m.kind === 'camera-poses') vision.ingestPoses(m.deviceId, m.payload);
    else if (m.kind === 'tracker-people') vision.ingestTrackerPeople(m.deviceId, m.payload);
    frames.push(...vision.advance(m.payload.t - latenessMs).frames);
  }
  frames.push(...vision.advance(Infinity).frames);
  return { frames, vision };
}
