import { fail, ok, type Result } from '../result.js';
import { MAX_ID_LENGTH } from './limits.js';

/** A device (or gateway) as the platform names it: type and id, both validated. */
export interface DeviceRef {
  readonly typeId: string;
  readonly deviceId: string;
}

const ID_CHAR = /^[A-Za-z0-9_.-]$/;
const VALID_ID = /^[A-Za-z0-9_.-]{1,36}$/;

/**
 * Checks a typeId or deviceId: 1–36 characters of `A-Z a-z 0-9 - _ .` (seed: MQTT client identifier).
 * `field` names the id in the reason, e.g. "typeId".
 */
export function validateId(field: string, value: string): Result<string> {
  // Hot path (every event): one regex; the detailed walk below runs only to explain a failure.
  if (typeof value === 'string' && VALID_ID.test(value)) return { ok: true, value };
  if (typeof value !== 'string' || value.length === 0) {
    return fail(`${field} is empty; expected 1–${MAX_ID_LENGTH} characters of A-Z a-z 0-9 - _ .`);
  }
  if (value.length > MAX_ID_LENGTH) {
    return fail(`${field} "${value}" is ${value.length} characters long; the maximum is ${MAX_ID_LENGTH}`);
  }
  let index = 0;
  for (const char of value) {
    if (!ID_CHAR.test(char)) {
      const code = char.codePointAt(0)?.toString(16).padStart(4, '0') ?? '?';
      return fail(
        `${field} "${value}" has ${JSON.stringify(char)} (U+${code}) at position ${index}; ` +
          'only A-Z a-z 0-9 - _ . are allowed',
      );
    }
    index += 1;
  }
  return ok(value);
}

/** Validates both halves of a device reference. */
export function validateDeviceRef(ref: { typeId: string; deviceId: string }): Result<DeviceRef> {
  const type = validateId('typeId', ref.typeId);
  if (!type.ok) return type;
  const id = validateId('deviceId', ref.deviceId);
  if (!id.ok) return id;
  return ok({ typeId: ref.typeId, deviceId: ref.deviceId });
}

/** Validates an organization id: 1–36 lowercase alphanumerics (the service issues six-character ids). */
export function validateOrgId(value: string): Result<string> {
  if (!/^[a-z0-9]{1,36}$/.test(value)) {
    return fail(`orgId "${value}" is not valid; expected lowercase letters and digits (six on the service)`);
  }
  return ok(value);
}

/** A stable string key for a device, for maps and logs. */
export function deviceKey(ref: DeviceRef): string {
  return `${ref.typeId}/${ref.deviceId}`;
}

/**
 * Turns an arbitrary label (a MAC address, a USB serial number) into a valid deviceId by
 * replacing every disallowed character with "-" and truncating to 36. Returns a failure if nothing is left.
 */
export function toDeviceId(label: string): Result<string> {
  const cleaned = label.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, MAX_ID_LENGTH);
  return validateId('deviceId', cleaned);
}
