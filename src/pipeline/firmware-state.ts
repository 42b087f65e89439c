import { type DmFirmware, FIRMWARE_STATE, FIRMWARE_UPDATE_STATUS } from '../protocol/device-management.js';
import { isoTime } from '../protocol/iso-time.js';
import { fail, ok, type Result } from '../result.js';

// The mgmt.firmware field's state machine (seed: Firmware actions): pure, the platform's requests and the
// outcomes of the device's actions in, the next record or the reason it cannot happen out.

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
    which === 'download' ? { kind: 'download-finished' } : { kind: 'update-finished', at: isoTime(at.getTime()) },
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
