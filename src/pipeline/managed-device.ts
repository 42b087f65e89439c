import type { Reading } from '../codecs/decoder.js';
import type { HardwareProfile, ManagementCommand, ManagementSpec } from '../config/profile-schema.js';
import {
  DM_RC,
  type DmDeviceInfo,
  type DmFieldsRequest,
  type DmFirmware,
  type DmLocation,
  type DmManageRequest,
  FIRMWARE_STATE,
  FIRMWARE_UPDATE_STATUS,
} from '../protocol/device-management.js';
import type { DeviceRef } from '../protocol/ids.js';
import { fail, ok, type Result } from '../result.js';
import { fillTemplate } from './device-template.js';
import type { DeviceRoute } from './pipeline.js';

// One managed device, as pure data and functions (no I/O, no timers): what it can be asked to do (its
// capabilities, from the profile's `management` section), and the fields the platform reads (`observe`) and
// writes (`device/update`): deviceInfo, metadata, location and mgmt.firmware with its state machine.

/** Carries out one action on a device; params are the request's (firmware url and version, custom action parameters). */
export type DeviceAction = (params: Record<string, unknown>) => Promise<void>;

/** Sends a profile's declared command to a device through the pipeline's command path. */
export type SendCommand = (device: DeviceRef, commandId: string, payload: Record<string, unknown>) => Promise<void>;

/** What a managed device can be asked to do; a missing entry is answered 501. */
export interface DeviceCapabilities {
  reboot?: DeviceAction;
  factoryReset?: DeviceAction;
  firmwareDownload?: DeviceAction;
  firmwareUpdate?: DeviceAction;
  /** By `bundleId/actionId`. */
  custom?: Record<string, DeviceAction>;
}

/**
 * A device's capabilities from its profile's `management` section: each action sends the named declared command
 * with its fixed payload, the request's params merged over it. A command the profile does not declare is reported
 * through `warn` and left out (so the action answers 501).
 */
export function capabilitiesFromProfile(
  device: DeviceRef,
  profile: HardwareProfile,
  send: SendCommand,
  warn: (message: string) => void,
): DeviceCapabilities {
  const spec = profile.management;
  const command = (name: string, given?: ManagementCommand): DeviceAction | undefined => {
    if (!given) return undefined;
    if (profile.commands.some((rule) => rule.commandId === given.commandId)) {
      return (params) => send(device, given.commandId, { ...given.payload, ...params });
    }
    warn(
      `profile ${profile.name}: management.${name} names command "${given.commandId}", which is not in commands; answering 501`,
    );
    return undefined;
  };
  const custom: Record<string, DeviceAction> = {};
  for (const [name, given] of Object.entries(spec?.customActions ?? {})) {
    const action = command(`customActions.${name}`, given);
    if (action) custom[name] = action;
  }
  return {
    reboot: command('reboot', spec?.reboot),
    factoryReset: command('factoryReset', spec?.factoryReset),
    firmwareDownload: command('firmware.download', spec?.firmware?.download),
    firmwareUpdate: command('firmware.update', spec?.firmware?.update),
    custom,
  };
}

/** `supports` of a manage request: device actions, firmware actions, and the bundleId of every custom action. */
export function supportsOf(caps: DeviceCapabilities): NonNullable<DmManageRequest['supports']> {
  const supports: NonNullable<DmManageRequest['supports']> = {
    deviceActions: Boolean(caps.reboot || caps.factoryReset),
    firmwareActions: Boolean(caps.firmwareDownload || caps.firmwareUpdate),
  };
  for (const name of Object.keys(caps.custom ?? {})) supports[name.split('/')[0] ?? name] = true;
  return supports;
}

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
  location.measuredDateTime = at.toISOString();
  return location;
}

/** The `mgmt.firmware` field of one managed device, with the device-owned `state` and `updateStatus` always set. */
export interface FirmwareRecord extends DmFirmware {
  state: number;
  updateStatus: number;
}

/** What can happen to a device's firmware: the platform's requests and the outcome of the device's actions. */
export type FirmwareStep =
  /** `device/update` of `mgmt.firmware`: the platform describes the image (version, name, url, verifier). */
  | { kind: 'describe'; value: unknown }
  | { kind: 'download-requested' }
  | { kind: 'download-finished' }
  /** updateStatus 3 (connection lost, the default) or 6 (invalid URI). */
  | { kind: 'download-failed'; updateStatus?: number }
  | { kind: 'update-requested' }
  /** `at` becomes updatedDateTime. */
  | { kind: 'update-finished'; at: string }
  /** updateStatus 2 (out of memory), 4 (verification failed) or 5 (unsupported image, the default). */
  | { kind: 'update-failed'; updateStatus?: number };

const DESCRIPTOR_FIELDS = ['version', 'name', 'url', 'verifier'] as const;
const DOWNLOAD_FAILURES: readonly number[] = [FIRMWARE_UPDATE_STATUS.CONNECTION_LOST, FIRMWARE_UPDATE_STATUS.INVALID_URI];
const UPDATE_FAILURES: readonly number[] = [
  FIRMWARE_UPDATE_STATUS.OUT_OF_MEMORY,
  FIRMWARE_UPDATE_STATUS.VERIFICATION_FAILED,
  FIRMWARE_UPDATE_STATUS.UNSUPPORTED_IMAGE,
];
const STATE_NAMES = ['idle', 'downloading', 'downloaded'];

/** A device's firmware before the platform said anything: idle, last update successful, its own version if known. */
export function initialFirmware(version?: string): FirmwareRecord {
  return version === undefined
    ? { state: FIRMWARE_STATE.IDLE, updateStatus: FIRMWARE_UPDATE_STATUS.SUCCESS }
    : { version, state: FIRMWARE_STATE.IDLE, updateStatus: FIRMWARE_UPDATE_STATUS.SUCCESS };
}

/** True while a download or an update runs: the image must not be redescribed under it. */
export function isFirmwareBusy(record: FirmwareRecord): boolean {
  return record.state === FIRMWARE_STATE.DOWNLOADING || record.updateStatus === FIRMWARE_UPDATE_STATUS.IN_PROGRESS;
}

/** Why a firmware url cannot be downloaded, or undefined when it looks usable (updateStatus 6 otherwise). */
export function firmwareUrlProblem(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (!/^(https?|ftps?|coaps?|file):$/.test(parsed.protocol))
      return `firmware url "${url}" has an unsupported scheme ${parsed.protocol}`;
    return undefined;
  } catch {
    return `firmware url "${url}" is not a valid URI`;
  }
}

/**
 * The firmware state machine of the device management protocol (state 0 idle → 1 downloading →
 * 2 downloaded; updateStatus 1 in progress → 0 success, with state back to 0). Pure: the reason of a
 * refusal is the `message` of a 400 response.
 */
export function nextFirmware(current: FirmwareRecord, step: FirmwareStep): Result<FirmwareRecord> {
  switch (step.kind) {
    case 'describe':
      return describe(current, step.value);
    case 'download-requested':
      if (current.state !== FIRMWARE_STATE.IDLE) {
        return fail(`firmware state is ${stateName(current.state)}; a download starts only from state 0 (idle)`);
      }
      if (!current.url) return fail('no firmware url: set mgmt.firmware.url with device/update first');
      return ok({ ...current, state: FIRMWARE_STATE.DOWNLOADING });
    case 'download-finished':
      if (current.state !== FIRMWARE_STATE.DOWNLOADING) return fail(`no download is running (state ${stateName(current.state)})`);
      return ok({ ...current, state: FIRMWARE_STATE.DOWNLOADED });
    case 'download-failed': {
      if (current.state !== FIRMWARE_STATE.DOWNLOADING) return fail(`no download is running (state ${stateName(current.state)})`);
      const status = pick(step.updateStatus, DOWNLOAD_FAILURES, FIRMWARE_UPDATE_STATUS.CONNECTION_LOST);
      return ok({ ...current, state: FIRMWARE_STATE.IDLE, updateStatus: status });
    }
    case 'update-requested':
      if (current.state !== FIRMWARE_STATE.DOWNLOADED) {
        return fail(`firmware state is ${stateName(current.state)}; an update needs state 2 (downloaded)`);
      }
      if (current.updateStatus === FIRMWARE_UPDATE_STATUS.IN_PROGRESS) return fail('a firmware update is already in progress');
      return ok({ ...current, updateStatus: FIRMWARE_UPDATE_STATUS.IN_PROGRESS });
    case 'update-finished':
      if (current.updateStatus !== FIRMWARE_UPDATE_STATUS.IN_PROGRESS) return fail('no firmware update is in progress');
      return ok({
        ...current,
        state: FIRMWARE_STATE.IDLE,
        updateStatus: FIRMWARE_UPDATE_STATUS.SUCCESS,
        updatedDateTime: step.at,
      });
    case 'update-failed': {
      if (current.updateStatus !== FIRMWARE_UPDATE_STATUS.IN_PROGRESS) return fail('no firmware update is in progress');
      // The downloaded image stays (state 2), so the platform may retry the update.
      const status = pick(step.updateStatus, UPDATE_FAILURES, FIRMWARE_UPDATE_STATUS.UNSUPPORTED_IMAGE);
      return ok({ ...current, updateStatus: status });
    }
  }
}

/** Why a firmware action failed, and the updateStatus the device reported (if it did). */
export interface FirmwareFailure {
  message: string;
  updateStatus?: number;
}

/** The end of a download or update the device ran: success, or failure with the reported (or default) updateStatus. */
export function finishFirmware(
  current: FirmwareRecord,
  which: 'download' | 'update',
  failure: FirmwareFailure | undefined,
  at: Date,
): Result<FirmwareRecord> {
  if (failure) return nextFirmware(current, { kind: `${which}-failed`, updateStatus: failure.updateStatus });
  return nextFirmware(
    current,
    which === 'download' ? { kind: 'download-finished' } : { kind: 'update-finished', at: at.toISOString() },
  );
}

/** What a firmware action's command receives: the image description the platform set. */
export function firmwareParams({ url, version, name, verifier }: FirmwareRecord): Record<string, string> {
  return Object.fromEntries(
    Object.entries({ url, version, name, verifier }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * Takes the image description from a `device/update`. `state` and `updateStatus` belong to the device and
 * are kept as they are; a new url or version makes an earlier download stale, so state 2 goes back to 0.
 */
function describe(current: FirmwareRecord, value: unknown): Result<FirmwareRecord> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('mgmt.firmware value must be an object');
  const given = value as Record<string, unknown>;
  const next: FirmwareRecord = { ...current };
  for (const field of DESCRIPTOR_FIELDS) {
    const item = given[field];
    if (item === undefined) continue;
    if (typeof item !== 'string') return fail(`mgmt.firmware.${field} is ${JSON.stringify(item)}; expected a string`);
    next[field] = item;
  }
  const changedImage = next.url !== current.url || next.version !== current.version;
  if (changedImage && current.state === FIRMWARE_STATE.DOWNLOADED) next.state = FIRMWARE_STATE.IDLE;
  return ok(next);
}

function pick(given: number | undefined, allowed: readonly number[], fallback: number): number {
  return given !== undefined && allowed.includes(given) ? given : fallback;
}

function stateName(state: number): string {
  return `${state} (${STATE_NAMES[state] ?? 'unknown'})`;
}
