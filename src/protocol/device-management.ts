import { fail, ok, type Result } from '../result.js';
import { type DeviceRef, validateId } from './ids.js';

/** Operations a managed gateway publishes on `iotdevice-1/type/{t}/id/{d}/{operation}` (seed: Managed gateways). */
export const DEVICE_OPERATIONS = [
  'mgmt/manage',
  'mgmt/unmanage',
  'device/update/location',
  'add/diag/log',
  'clear/diag/log',
  'add/diag/errorCodes',
  'clear/diag/errorCodes',
  'notify',
  'response',
] as const;
export type DeviceOperation = (typeof DEVICE_OPERATIONS)[number];

/** Requests the platform publishes on `iotdm-1/type/{t}/id/{d}/{operation}`; custom actions are separate. */
export const PLATFORM_OPERATIONS = [
  'response',
  'mgmt/initiate/device/reboot',
  'mgmt/initiate/device/factory_reset',
  'mgmt/initiate/firmware/download',
  'mgmt/initiate/firmware/update',
  'device/update',
  'observe',
  'cancel',
] as const;
export type PlatformOperation = (typeof PLATFORM_OPERATIONS)[number] | `mgmt/custom/${string}/${string}`;

/** Device management return codes. */
export const DM_RC = {
  OK: 200,
  ACCEPTED: 202,
  CHANGED: 204,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
} as const;

/**
 * Whether a response's rc says the request succeeded: any 2xx (the service answers 200 to a manage request, 202 and
 * 204 elsewhere), or 0, the code the seed's own example response carries (`"rc": 0, "message": "success"`).
 */
export function isSuccessRc(rc: number): boolean {
  return rc === 0 || (rc >= 200 && rc < 300);
}

/** Firmware `mgmt.firmware.state`. */
export const FIRMWARE_STATE = { IDLE: 0, DOWNLOADING: 1, DOWNLOADED: 2 } as const;

/** Firmware `mgmt.firmware.updateStatus`. */
export const FIRMWARE_UPDATE_STATUS = {
  SUCCESS: 0,
  IN_PROGRESS: 1,
  OUT_OF_MEMORY: 2,
  CONNECTION_LOST: 3,
  VERIFICATION_FAILED: 4,
  UNSUPPORTED_IMAGE: 5,
  INVALID_URI: 6,
} as const;

/** `{ d, reqId }`: a request in either direction; no reqId means no response is wanted. */
export interface DmRequest<D = unknown> {
  d?: D;
  reqId?: string;
}

/** `{ rc, message?, d?, reqId }`: the answer to a request, carrying its reqId. */
export interface DmResponse<D = unknown> {
  rc: number;
  message?: string;
  d?: D;
  reqId: string;
}

/** The filter a managed gateway subscribes to for one device (itself or a device behind it). */
export function dmRequestFilter(device: DeviceRef): string {
  return `iotdm-1/type/${device.typeId}/id/${device.deviceId}/#`;
}

/** Topic a managed gateway publishes a request or response on, for itself or a device behind it. */
export function deviceDmTopic(device: DeviceRef, operation: DeviceOperation): string {
  return `iotdevice-1/type/${device.typeId}/id/${device.deviceId}/${operation}`;
}

/** Topic the platform publishes a request or response on. */
export function platformDmTopic(device: DeviceRef, operation: PlatformOperation): string {
  return `iotdm-1/type/${device.typeId}/id/${device.deviceId}/${operation}`;
}

/** A parsed device management topic. */
export interface DmTopic {
  direction: 'from-platform' | 'from-device';
  device: DeviceRef;
  operation: string;
  custom?: { bundleId: string; actionId: string };
}

/** Parses `iotdm-1/…` or `iotdevice-1/…` topics; unknown operations are refused with the list of known ones. */
export function parseDmTopic(topic: string): Result<DmTopic> {
  const parts = topic.split('/');
  const [root, typeWord, typeId = '', idWord, deviceId = ''] = parts;
  if ((root !== 'iotdm-1' && root !== 'iotdevice-1') || typeWord !== 'type' || idWord !== 'id' || parts.length < 6) {
    return fail(`topic "${topic}" is not iotdm-1/type/{typeId}/id/{deviceId}/… or iotdevice-1/type/{typeId}/id/{deviceId}/…`);
  }
  const type = validateId('typeId', typeId);
  if (!type.ok) return type;
  const id = validateId('deviceId', deviceId);
  if (!id.ok) return id;
  // The seed writes the response topic with a trailing slash; accept both spellings.
  const operation = parts.slice(5).join('/').replace(/\/$/, '');
  const device = { typeId, deviceId };
  if (root === 'iotdevice-1') {
    if (!(DEVICE_OPERATIONS as readonly string[]).includes(operation)) {
      return fail(`"${operation}" is not a device operation; expected one of ${DEVICE_OPERATIONS.join(', ')}`);
    }
    return ok({ direction: 'from-device', device, operation });
  }
  const custom = /^mgmt\/custom\/([^/]+)\/([^/]+)$/.exec(operation);
  if (custom?.[1] && custom[2]) {
    return ok({ direction: 'from-platform', device, operation, custom: { bundleId: custom[1], actionId: custom[2] } });
  }
  if (!(PLATFORM_OPERATIONS as readonly string[]).includes(operation)) {
    return fail(
      `"${operation}" is not a platform operation; expected one of ${PLATFORM_OPERATIONS.join(', ')} or mgmt/custom/{bundleId}/{actionId}`,
    );
  }
  return ok({ direction: 'from-platform', device, operation });
}

/** Parses a request envelope `{ d?, reqId? }`; anything else is a bad request. */
export function parseDmRequest(payload: Uint8Array | string): Result<DmRequest> {
  const value = parseJsonObject(payload);
  if (!value.ok) return value;
  const { reqId, d } = value.value;
  if (reqId !== undefined && typeof reqId !== 'string') return fail(`reqId is ${JSON.stringify(reqId)}; expected a string`);
  return ok(reqId === undefined ? { d } : { d, reqId });
}

/** The reqId of a request whose body is not valid JSON, so that it can still be answered 400 (seed: reqId "must be copied into a response"). */
export function salvageReqId(payload: Uint8Array | string): string | undefined {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  return /"reqId"\s*:\s*"([^"\\]+)"/.exec(text)?.[1];
}

/** Parses a response envelope `{ rc, message?, d?, reqId }`. */
export function parseDmResponse(payload: Uint8Array | string): Result<DmResponse> {
  const value = parseJsonObject(payload);
  if (!value.ok) return value;
  const { rc, message, d, reqId } = value.value;
  if (typeof rc !== 'number' || !Number.isInteger(rc)) return fail(`rc is ${JSON.stringify(rc)}; expected an integer`);
  if (typeof reqId !== 'string') return fail(`reqId is ${JSON.stringify(reqId)}; expected a string`);
  if (message !== undefined && typeof message !== 'string')
    return fail(`message is ${JSON.stringify(message)}; expected a string`);
  const response: DmResponse = { rc, reqId };
  if (message !== undefined) response.message = message;
  if (d !== undefined) response.d = d;
  return ok(response);
}

function parseJsonObject(payload: Uint8Array | string): Result<Record<string, unknown>> {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('message is not a JSON object');
    return ok(value as Record<string, unknown>);
  } catch (error) {
    return fail(`message is not JSON: ${(error as Error).message}`);
  }
}

/** `deviceInfo` of a manage request (device management protocol). */
export interface DmDeviceInfo {
  serialNumber?: string;
  manufacturer?: string;
  model?: string;
  deviceClass?: string;
  description?: string;
  fwVersion?: string;
  hwVersion?: string;
  descriptiveLocation?: string;
}

/** `d` of `mgmt/manage`: lifetime in seconds (0, or at least 3600), what the device supports, its info. */
export interface DmManageRequest {
  lifetime?: number;
  supports?: { deviceActions?: boolean; firmwareActions?: boolean; [bundleId: string]: boolean | undefined };
  deviceInfo?: DmDeviceInfo;
  metadata?: Record<string, unknown>;
}

/** `d` of `device/update/location`. */
export interface DmLocation {
  latitude: number;
  longitude: number;
  elevation?: number;
  accuracy?: number;
  measuredDateTime?: string;
}

/** `d` of `add/diag/log`: severity 0 info, 1 warning, 2 error. */
export interface DmDiagLog {
  message: string;
  timestamp: string;
  severity?: 0 | 1 | 2;
  data?: string;
}

/** The `mgmt.firmware` field. */
export interface DmFirmware {
  version?: string;
  name?: string;
  url?: string;
  verifier?: string;
  state?: number;
  updateStatus?: number;
  updatedDateTime?: string;
}

/** `d` of `device/update`, `observe` and `cancel`: fields by name (e.g. "mgmt.firmware", "deviceInfo"). */
export interface DmFieldsRequest {
  fields: Array<{ field: string; value?: unknown }>;
}

/** `d` of a device's `notify`: one observed field's new value. */
export interface DmNotify {
  field: string;
  value: unknown;
}

/** Validates a manage lifetime: 0 (never expires) or at least 3600 s. */
export function validateManageLifetime(lifetime: unknown): Result<number> {
  if (lifetime === undefined) return ok(0);
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 0) {
    return fail(`lifetime is ${JSON.stringify(lifetime)}; expected 0 or an integer of at least 3600 seconds`);
  }
  if (lifetime !== 0 && lifetime < 3600) return fail(`lifetime is ${lifetime}; expected 0 or at least 3600 seconds`);
  return ok(lifetime);
}
