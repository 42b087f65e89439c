import { parseDmTopic } from '../protocol/device-management.js';
import { type DeviceRef, validateId } from '../protocol/ids.js';
import type { NotificationReason } from '../protocol/notification.js';
import { validateTopicName } from '../protocol/topics.js';

/** What the platform decides about one publish or subscribe (pure; no broker state). */
export type Decision =
  | { allowed: true; onBehalfOf?: DeviceRef }
  | {
      allowed: false;
      reason: Exclude<NotificationReason, 'unknown' | 'gateway-device-limit' | 'org-device-limit' | 'registration-failed'>;
      typeId: string;
      deviceId: string;
    };

const ALLOW: Decision = { allowed: true };

function refuse(reason: 'topic-not-allowed' | 'invalid-device-type' | 'invalid-device-id', parts: string[]): Decision {
  return { allowed: false, reason, typeId: parts[2] ?? '', deviceId: parts[4] ?? '' };
}

function isSame(a: DeviceRef, typeId: string, deviceId: string): boolean {
  return a.typeId === typeId && a.deviceId === deviceId;
}

/** Checks `typeId`/`deviceId` in parts[2]/parts[4]; "+" is accepted where `wildcards` is true. */
function checkIds(parts: string[], wildcards: boolean): Decision | undefined {
  const typeId = parts[2] ?? '';
  const deviceId = parts[4] ?? '';
  if (!(wildcards && typeId === '+') && !validateId('typeId', typeId).ok) return refuse('invalid-device-type', parts);
  if (!(wildcards && deviceId === '+') && !validateId('deviceId', deviceId).ok) return refuse('invalid-device-id', parts);
  return undefined;
}

/** `iot-2/type/{t}/id/{d}/{kind}/{name}/fmt/{format}`, by shape only (ids are checked separately). */
function isDeviceTopic(parts: string[], kind: 'evt' | 'cmd'): boolean {
  return (
    parts.length === 9 &&
    parts[0] === 'iot-2' &&
    parts[1] === 'type' &&
    parts[3] === 'id' &&
    parts[5] === kind &&
    parts[7] === 'fmt'
  );
}

function behalf(gateway: DeviceRef, parts: string[]): Decision {
  const typeId = parts[2] ?? '';
  const deviceId = parts[4] ?? '';
  if (typeId === '+' || deviceId === '+' || isSame(gateway, typeId, deviceId)) return ALLOW;
  return { allowed: true, onBehalfOf: { typeId, deviceId } };
}

/**
 * A gateway may publish events for itself and any device of its org, and device management
 * messages for itself and its devices (seed: Publishing events, Managed gateways). Nothing else.
 */
export function decideGatewayPublish(gateway: DeviceRef, topic: string): Decision {
  const parts = topic.split('/');
  if (isDeviceTopic(parts, 'evt')) {
    const bad = checkIds(parts, false);
    if (bad) return bad;
    if (!validateTopicName('eventId', parts[6] ?? '').ok || !validateTopicName('format', parts[8] ?? '').ok) {
      return refuse('topic-not-allowed', parts);
    }
    return behalf(gateway, parts);
  }
  if (parts[0] === 'iotdevice-1' && parts[1] === 'type' && parts[3] === 'id') {
    const bad = checkIds(parts, false);
    if (bad) return bad;
    if (!parseDmTopic(topic).ok) return refuse('topic-not-allowed', parts);
    return behalf(gateway, parts);
  }
  return refuse('topic-not-allowed', parts);
}

/**
 * A gateway may subscribe to commands (with "+"), to its own notify topic, and to device management
 * requests for itself and its devices (seed: Subscribing to commands, Gateway notifications, Managed gateways).
 */
export function decideGatewaySubscribe(gateway: DeviceRef, filter: string): Decision {
  const parts = filter.split('/');
  if (parts[0] === 'iot-2' && parts[1] === 'type' && parts[3] === 'id') {
    if (parts.length === 9 && parts[5] === 'cmd' && parts[7] === 'fmt') {
      const bad = checkIds(parts, true);
      if (bad) return bad;
      for (const [field, value] of [
        ['commandId', parts[6]],
        ['format', parts[8]],
      ] as const) {
        if (value !== '+' && !validateTopicName(field, value ?? '').ok) return refuse('topic-not-allowed', parts);
      }
      return behalf(gateway, parts);
    }
    if (parts.length === 6 && parts[5] === 'notify' && isSame(gateway, parts[2] ?? '', parts[4] ?? '')) return ALLOW;
    return refuse('topic-not-allowed', parts);
  }
  if (parts[0] === 'iotdm-1' && parts[1] === 'type' && parts[3] === 'id' && parts.length >= 6) {
    const bad = checkIds(parts, false);
    if (bad) return bad;
    const rest = parts.slice(5).join('/');
    if (rest === '#' || rest === '+' || rest === 'response/+' || rest === 'response' || parseDmTopic(filter).ok) {
      return behalf(gateway, parts);
    }
  }
  return refuse('topic-not-allowed', parts);
}

/** An application may publish commands to any device of its org. */
export function decideApplicationPublish(topic: string): Decision {
  const parts = topic.split('/');
  if (isDeviceTopic(parts, 'cmd')) {
    return checkIds(parts, false) ?? ALLOW;
  }
  return refuse('topic-not-allowed', parts);
}

/** An application may subscribe to events, commands and device status (`mon`), with "+" anywhere. */
export function decideApplicationSubscribe(filter: string): Decision {
  const parts = filter.split('/');
  if (parts[0] !== 'iot-2' || parts[1] !== 'type' || parts[3] !== 'id') return refuse('topic-not-allowed', parts);
  const shapeOk =
    (parts.length === 9 && (parts[5] === 'evt' || parts[5] === 'cmd') && parts[7] === 'fmt') ||
    (parts.length === 6 && parts[5] === 'mon');
  if (!shapeOk || parts.includes('#')) return refuse('topic-not-allowed', parts);
  return checkIds(parts, true) ?? ALLOW;
}
