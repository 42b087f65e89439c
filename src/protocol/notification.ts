import { fail, ok, type Result } from '../result.js';
import { isoTime } from './iso-time.js';

/** The six things a notification can report (seed: Gateway notifications), plus anything unrecognised. */
export type NotificationReason =
  | 'topic-not-allowed'
  | 'invalid-device-type'
  | 'invalid-device-id'
  | 'gateway-device-limit'
  | 'org-device-limit'
  | 'registration-failed'
  | 'unknown';

/** A notification message exactly as the seed shows it. */
export interface NotificationMessage {
  Request: string;
  Time: string;
  Topic: string;
  Type: string;
  Id: string;
  Client: string;
  RC: number;
  Message: string;
}

/** A parsed notification with its reason classified. */
export interface GatewayNotification {
  request: 'publish' | 'subscribe' | string;
  time: string;
  topic: string;
  typeId: string;
  deviceId: string;
  clientId: string;
  rc: number;
  message: string;
  reason: NotificationReason;
}

/** The return code and message the embedded platform sends for each reason (one place for both sides). */
export const NOTIFICATION_TEXT: Record<Exclude<NotificationReason, 'unknown'>, { rc: number; message: string }> = {
  'topic-not-allowed': { rc: 91, message: 'Topic does not match with any allowed topic rules.' },
  'invalid-device-type': { rc: 92, message: 'Device type is not valid.' },
  'invalid-device-id': { rc: 93, message: 'Device id is not valid.' },
  'gateway-device-limit': { rc: 94, message: 'Maximum number of devices per gateway has been reached.' },
  'org-device-limit': { rc: 95, message: 'Maximum number of devices per organization has been reached.' },
  'registration-failed': { rc: 96, message: 'Failed to create device due to internal errors.' },
};

const FIELDS: Array<[keyof NotificationMessage, 'string' | 'number']> = [
  ['Request', 'string'],
  ['Time', 'string'],
  ['Topic', 'string'],
  ['Type', 'string'],
  ['Id', 'string'],
  ['Client', 'string'],
  ['RC', 'number'],
  ['Message', 'string'],
];

/** Classifies a notification by its message text (the service's wording), falling back to our RCs. */
export function classifyNotification(message: string, rc: number): NotificationReason {
  const text = message.toLowerCase();
  if (text.includes('per gateway')) return 'gateway-device-limit';
  if (text.includes('per organization') || text.includes('per organisation')) return 'org-device-limit';
  if (text.includes('device type')) return 'invalid-device-type';
  if (text.includes('device id')) return 'invalid-device-id';
  if (text.includes('failed to create') || text.includes('register')) return 'registration-failed';
  if (text.includes('topic')) return 'topic-not-allowed';
  for (const [reason, known] of Object.entries(NOTIFICATION_TEXT)) {
    if (known.rc === rc) return reason as NotificationReason;
  }
  return 'unknown';
}

/** Parses a notify payload; the reason names the missing or mistyped field. */
export function parseNotification(payload: Uint8Array | string): Result<GatewayNotification> {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`notification is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('notification is not a JSON object');
  }
  const record = value as Record<string, unknown>;
  for (const [field, type] of FIELDS) {
    if (typeof record[field] !== type) {
      return fail(`notification field "${field}" is ${JSON.stringify(record[field])}; expected a ${type}`);
    }
  }
  const message = record as unknown as NotificationMessage;
  return ok({
    request: message.Request.toLowerCase(),
    time: message.Time,
    topic: message.Topic,
    typeId: message.Type,
    deviceId: message.Id,
    clientId: message.Client,
    rc: message.RC,
    message: message.Message,
    reason: classifyNotification(message.Message, message.RC),
  });
}

/** Builds a notification in the seed's exact shape (used by the embedded platform). */
export function buildNotification(fields: {
  request: 'publish' | 'subscribe';
  time: Date;
  topic: string;
  typeId: string;
  deviceId: string;
  clientId: string;
  reason: Exclude<NotificationReason, 'unknown'>;
  detail?: string;
}): NotificationMessage {
  const known = NOTIFICATION_TEXT[fields.reason];
  return {
    Request: fields.request,
    Time: isoTime(fields.time.getTime()),
    Topic: fields.topic,
    Type: fields.typeId,
    Id: fields.deviceId,
    Client: fields.clientId,
    RC: known.rc,
    Message: fields.detail ? `${known.message} ${fields.detail}` : known.message,
  };
}
