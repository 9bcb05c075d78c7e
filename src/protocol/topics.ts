import { describeZodError } from './errors.js';
import { Id } from './ids.js';
import { MESSAGE_ROUTES, type DeviceMessage, type MessageKind } from './messages.js';

export const TOPIC_PREFIX = 'walkout/v1';

/** The result of checking one raw message against the contract. */
export type ParsedMessage = { ok: true; message: DeviceMessage } | { ok: false; reason: string };

const byGroupLeaf = new Map<string, MessageKind>(
  (Object.entries(MESSAGE_ROUTES) as [MessageKind, (typeof MESSAGE_ROUTES)[MessageKind]][]).map(
    ([kind, route]) => [`${route.group}/${route.leaf}`, kind],
  ),
);

/** The MQTT/HTTP topic of a message kind for one device of one store. */
export function topicFor(storeId: string, kind: MessageKind, deviceId: string): string {
  const route = MESSAGE_ROUTES[kind];
  return `${TOPIC_PREFIX}/${storeId}/${route.group}/${deviceId}/${route.leaf}`;
}

/** Checks a topic and its payload against the contract; never throws. */
export function parseMessage(topic: unknown, payload: unknown): ParsedMessage {
  if (typeof topic !== 'string') return { ok: false, reason: 'topic: expected a string' };
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX) {
    return {
      ok: false,
      reason: `topic "${clip(topic)}": expected walkout/v1/{storeId}/{group}/{deviceId}/{leaf}`,
    };
  }
  const [, , storeId, group, deviceId, leaf] = parts as [string, string, string, string, string, string];
  if (!Id.safeParse(storeId).success)
    return { ok: false, reason: `topic "${clip(topic)}": store id "${clip(storeId)}" is not a valid id` };
  if (!Id.safeParse(deviceId).success)
    return { ok: false, reason: `topic "${clip(topic)}": device id "${clip(deviceId)}" is not a valid id` };
  const kind = byGroupLeaf.get(`${group}/${leaf}`);
  if (!kind) {
    return { ok: false, reason: `topic "${clip(topic)}": unknown message type ${group}/…/${leaf}` };
  }
  const parsed = MESSAGE_ROUTES[kind].schema.safeParse(payload);
  if (!parsed.success) {
    return {
      ok: false,
      reason: `${group}/${deviceId}/${leaf}: ${describeZodError(parsed.error, 'payload')}`,
    };
  }
  return { ok: true, message: { kind, storeId, deviceId, payload: parsed.data } as DeviceMessage };
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
