import type { Reading } from '../codecs/decoder.js';
import type { ManagementSpec } from '../config/profile-schema.js';
import { DM_RC, type DmDeviceInfo, type DmFieldsRequest, type DmLocation } from '../protocol/device-management.js';
import { isoTime } from '../protocol/iso-time.js';
import { fillTemplate } from './device-template.js';
import { type FirmwareRecord, initialFirmware, isFirmwareBusy, nextFirmware } from './firmware-state.js';
import type { DeviceRoute } from './pipeline.js';

// The fields of one managed device that the platform reads (`observe`) and writes (`device/update`):
// deviceInfo, metadata, location and mgmt.firmware. Pure data and functions (no I/O, no timers).

/** The fields of one managed device that the platform reads and writes. */
export interface DeviceFields {
  deviceInfo: DmDeviceInfo;
  metadata: Record<string, unknown>;
  location?: DmLocation;
  firmware: FirmwareRecord;
}

/** Field names the platform may update and observe. */
export const DM_FIELDS = ['mgmt.firmware', 'deviceInfo', 'metadata', 'location'] as const;

const DEVICE_INFO_KEYS: readonly string[] = [
  'serialNumber',
  'manufacturer',
  'model',
  'deviceClass',
  'description',
  'fwVersion',
  'hwVersion',
  'descriptiveLocation',
];

/** A refused `device/update` or `observe`: the response code and message, and the unknown field names if any. */
export interface FieldsRefusal {
  rc: number;
  message: string;
  unknown?: string[];
}

/**
 * A device's fields as the gateway first reports them: its profile's deviceInfo (templates filled with the
 * adapter's variables), serial number from `port.serialNumber` or the BLE address, model from the profile name.
 */
export function fieldsFromRoute({ device, profile, source }: DeviceRoute): DeviceFields {
  const vars = source.vars;
  const serial = vars['port.serialNumber'] ?? vars['address.colon'] ?? vars.address;
  const info: Record<string, string> = {
    model: profile.name,
    deviceClass: device.typeId,
    descriptiveLocation: `${source.adapter} ${source.channel}`,
  };
  if (serial !== undefined) info.serialNumber = String(serial);
  if (profile.description) info.description = profile.description;
  for (const [key, template] of Object.entries(profile.deviceInfo)) {
    const filled = fillTemplate(template, vars);
    if (DEVICE_INFO_KEYS.includes(key) && filled.ok) info[key] = filled.value;
  }
  return { deviceInfo: info, metadata: { profile: profile.name }, firmware: initialFirmware(info.fwVersion) };
}

/** The current value of a field, as `observe` answers it and `notify` sends it. */
export function readField(fields: DeviceFields, field: string): unknown {
  if (field === 'mgmt.firmware') return fields.firmware;
  if (field === 'deviceInfo') return fields.deviceInfo;
  if (field === 'metadata') return fields.metadata;
  return fields.location ?? {};
}

/** Field names of an observe/cancel/update request that the gateway does not know (answered 404). */
export function unknownFields(request: DmFieldsRequest['fields']): string[] {
  return request.filter(({ field }) => !(DM_FIELDS as readonly string[]).includes(field)).map(({ field }) => field);
}

/**
 * Applies a `device/update`: every field is checked before any is applied. Unknown fields → 404,
 * malformed values → 400, a new firmware description while a download or update runs → 409.
 * deviceInfo is merged, metadata and location replaced; firmware keeps its device-owned state.
 */
export function updateFields(
  fields: DeviceFields,
  request: DmFieldsRequest['fields'],
): { ok: true; value: DeviceFields } | ({ ok: false } & FieldsRefusal) {
  const unknown = unknownFields(request);
  if (unknown.length > 0) return { ok: false, rc: DM_RC.NOT_FOUND, message: `unknown fields: ${unknown.join(', ')}`, unknown };
  const next: DeviceFields = { ...fields };
  for (const { field, value } of request) {
    if (field === 'mgmt.firmware') {
      if (isFirmwareBusy(fields.firmware))
        return { ok: false, rc: DM_RC.CONFLICT, message: 'a firmware download or update is running' };
      const described = nextFirmware(next.firmware, { kind: 'describe', value });
      if (!described.ok) return { ok: false, rc: DM_RC.BAD_REQUEST, message: described.reason };
      next.firmware = described.value;
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { ok: false, rc: DM_RC.BAD_REQUEST, message: `${field} value must be an object` };
    const given = value as Record<string, unknown>;
    if (field === 'deviceInfo') next.deviceInfo = { ...next.deviceInfo, ...(given as DmDeviceInfo) };
    else if (field === 'metadata') next.metadata = given;
    else if (typeof given.latitude === 'number' && typeof given.longitude === 'number')
      next.location = given as unknown as DmLocation;
    else return { ok: false, rc: DM_RC.BAD_REQUEST, message: 'location needs numeric latitude and longitude' };
  }
  return { ok: true, value: next };
}

/** The location in a reading, by the profile's `management.location` field names; undefined without a valid fix. */
export function locationFromReading(
  mapping: NonNullable<ManagementSpec['location']>,
  reading: Reading,
  at: Date,
): DmLocation | undefined {
  const number = (name: string | undefined) => {
    const value = name === undefined ? undefined : reading[name];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const latitude = number(mapping.latitude);
  const longitude = number(mapping.longitude);
  if (latitude === undefined || longitude === undefined || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  const location: DmLocation = { latitude, longitude };
  const elevation = number(mapping.elevation);
  const accuracy = number(mapping.accuracy);
  if (elevation !== undefined) location.elevation = elevation;
  if (accuracy !== undefined) location.accuracy = accuracy;
  location.measuredDateTime = isoTime(at.getTime());
  return location;
}
