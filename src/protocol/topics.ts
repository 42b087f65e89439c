import { fail, ok, type Result } from '../result.js';
import { type DeviceRef, validateId } from './ids.js';

/** One event as the topic names it (seed: Publishing events). */
export interface EventTopic {
  device: DeviceRef;
  eventId: string;
  format: string;
}

/** One command as the topic names it (seed: Subscribing to commands). */
export interface CommandTopic {
  device: DeviceRef;
  commandId: string;
  format: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we exclude
const SAFE_TOPIC_NAME = /^[^/+#\u0000-\u001f]{1,256}$/;

/** A segment that may be "+" in a subscription filter. */
export type FilterSegment = string | '+';

/**
 * Checks an eventId, commandId or format string: non-empty, at most 256 characters,
 * no "/", "+", "#" (they would change the topic's shape) and no control characters.
 */
export function validateTopicName(field: string, value: string): Result<string> {
  if (SAFE_TOPIC_NAME.test(value)) return { ok: true, value };
  if (value.length === 0) return fail(`${field} is empty`);
  if (value.length > 256) return fail(`${field} is ${value.length} characters long; the maximum is 256`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we reject
  const bad = /[/+#\u0000-\u001f]/.exec(value);
  if (bad)
    return fail(
      `${field} "${value}" has ${JSON.stringify(bad[0])} at position ${bad.index}; "/", "+", "#" and control characters are not allowed`,
    );
  return ok(value);
}

/** `iot-2/type/{typeId}/id/{deviceId}/evt/{eventId}/fmt/{format}`; throws on invalid parts (validate first). */
export function eventTopic(device: DeviceRef, eventId: string, format: string): string {
  assertOk(validateId('typeId', device.typeId));
  assertOk(validateId('deviceId', device.deviceId));
  assertOk(validateTopicName('eventId', eventId));
  assertOk(validateTopicName('format', format));
  return `iot-2/type/${device.typeId}/id/${device.deviceId}/evt/${eventId}/fmt/${format}`;
}

/** `iot-2/type/{typeId}/id/{deviceId}/cmd/{commandId}/fmt/{format}`, where any of the four may be "+". */
export function commandTopic(
  typeId: FilterSegment,
  deviceId: FilterSegment,
  commandId: FilterSegment = '+',
  format: FilterSegment = '+',
): string {
  if (typeId !== '+') assertOk(validateId('typeId', typeId));
  if (deviceId !== '+') assertOk(validateId('deviceId', deviceId));
  if (commandId !== '+') assertOk(validateTopicName('commandId', commandId));
  if (format !== '+') assertOk(validateTopicName('format', format));
  return `iot-2/type/${typeId}/id/${deviceId}/cmd/${commandId}/fmt/${format}`;
}

/** `iot-2/type/{typeId}/id/{deviceId}/notify`: where the platform tells a gateway what went wrong (seed: Gateway notifications). */
export function notifyTopic(gateway: DeviceRef): string {
  return `iot-2/type/${gateway.typeId}/id/${gateway.deviceId}/notify`;
}

/** `iot-2/type/{typeId}/id/{deviceId}/mon`: device connection status, for applications. */
export function monitorTopic(device: DeviceRef): string {
  return `iot-2/type/${device.typeId}/id/${device.deviceId}/mon`;
}

/** The filter applications use to receive every event. */
export const ALL_EVENTS_FILTER = 'iot-2/type/+/id/+/evt/+/fmt/+';

/** Parses an event topic; the reason names the segment that is wrong. */
export function parseEventTopic(topic: string): Result<EventTopic> {
  const parsed = parseDeviceTopic(topic, 'evt');
  if (!parsed.ok) return parsed;
  const { device, name, format } = parsed.value;
  return ok({ device, eventId: name, format });
}

/** Parses a command topic (no wildcards); the reason names the segment that is wrong. */
export function parseCommandTopic(topic: string): Result<CommandTopic> {
  const parsed = parseDeviceTopic(topic, 'cmd');
  if (!parsed.ok) return parsed;
  const { device, name, format } = parsed.value;
  return ok({ device, commandId: name, format });
}

function parseDeviceTopic(topic: string, kind: 'evt' | 'cmd'): Result<{ device: DeviceRef; name: string; format: string }> {
  const parts = topic.split('/');
  const expected = `iot-2/type/{typeId}/id/{deviceId}/${kind}/{${kind === 'evt' ? 'eventId' : 'commandId'}}/fmt/{format}`;
  if (
    parts.length !== 9 ||
    parts[0] !== 'iot-2' ||
    parts[1] !== 'type' ||
    parts[3] !== 'id' ||
    parts[5] !== kind ||
    parts[7] !== 'fmt'
  ) {
    return fail(`topic "${topic}" does not match ${expected}`);
  }
  const [, , typeId = '', , deviceId = '', , name = '', , format = ''] = parts;
  const type = validateId('typeId', typeId);
  if (!type.ok) return type;
  const id = validateId('deviceId', deviceId);
  if (!id.ok) return id;
  const nameCheck = validateTopicName(kind === 'evt' ? 'eventId' : 'commandId', name);
  if (!nameCheck.ok) return nameCheck;
  const formatCheck = validateTopicName('format', format);
  if (!formatCheck.ok) return formatCheck;
  return ok({ device: { typeId, deviceId }, name, format });
}

/** MQTT filter matching with "+" and "#" (MQTT 3.1.1 section 4.7); "$"-topics never match wildcards at the root. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if ((f[0] === '+' || f[0] === '#') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    const segment = f[i];
    if (segment === '#') return true;
    if (i >= t.length) return false;
    if (segment !== '+' && segment !== t[i]) return false;
  }
  return f.length === t.length;
}

function assertOk(result: Result<unknown>): void {
  if (!result.ok) throw new TypeError(result.reason);
}
