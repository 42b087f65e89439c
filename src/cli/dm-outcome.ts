import type { DeviceStatus } from '../platform/mgmt-requests.js';
import { DM_RC, isSuccessRc } from '../protocol/device-management.js';

/** Exit codes of `platform dm` (docs/device-management.md lists them). */
export const DM_EXIT = {
  /** The device accepted the request or carried it out (rc 2xx, or 0 as in the seed's example). */
  DONE: 0,
  /** The device refused or failed it (any other rc), or the platform refused or could not be reached. */
  FAILED: 1,
  /** The command line was wrong. */
  USAGE: 2,
  /** No answer from the device in time. */
  TIMED_OUT: 3,
} as const;

/** What `platform dm` concluded about one device. */
export type DmOutcomeKind =
  | 'done'
  | 'accepted'
  | 'changed'
  | 'refused'
  | 'not-found'
  | 'conflict'
  | 'failed'
  | 'not-supported'
  | 'timed-out';

/** One device's outcome in words, with the exit code it implies. */
export interface DmOutcome {
  kind: DmOutcomeKind;
  words: string;
  exitCode: (typeof DM_EXIT)[keyof typeof DM_EXIT];
}

/** Words for each device management return code (seed: device management return codes; DESIGN lists them). */
const RC_OUTCOMES: Record<number, { kind: DmOutcomeKind; words: string }> = {
  [DM_RC.OK]: { kind: 'done', words: 'done' },
  [DM_RC.ACCEPTED]: { kind: 'accepted', words: 'accepted' },
  [DM_RC.CHANGED]: { kind: 'changed', words: 'changed' },
  [DM_RC.BAD_REQUEST]: { kind: 'refused', words: 'refused' },
  [DM_RC.NOT_FOUND]: { kind: 'not-found', words: 'not found' },
  [DM_RC.CONFLICT]: { kind: 'conflict', words: 'refused, another operation is running' },
  [DM_RC.INTERNAL_ERROR]: { kind: 'failed', words: 'failed' },
  [DM_RC.NOT_IMPLEMENTED]: { kind: 'not-supported', words: 'not supported' },
};

/**
 * Describes one device's status as the platform's REST API reports it. A status still pending when the command
 * gave up (after `waitedMs`) reads as timed out, as does one the platform itself stopped waiting for.
 */
export function describeDmOutcome(status: DeviceStatus, waitedMs: number): DmOutcome {
  const timedOutAfter = status.status === 0 ? waitedMs : status.timedOutAfterMs;
  if (status.rc === undefined && timedOutAfter !== undefined) {
    return {
      kind: 'timed-out',
      words: `timed out after ${formatSeconds(timedOutAfter)} waiting for the device's response`,
      exitCode: DM_EXIT.TIMED_OUT,
    };
  }
  if (status.rc === undefined) {
    return { kind: 'failed', words: `failed: ${status.message ?? 'no reason given'}`, exitCode: DM_EXIT.FAILED };
  }
  const success = isSuccessRc(status.rc);
  const known = RC_OUTCOMES[status.rc] ?? { kind: success ? 'done' : 'failed', words: success ? 'done' : 'failed' };
  const reason = status.message && !success ? `: ${status.message}` : '';
  return {
    kind: known.kind,
    words: `${known.words} (${status.rc})${reason}`,
    exitCode: success ? DM_EXIT.DONE : DM_EXIT.FAILED,
  };
}

/** "30 s", "1.5 s", "250 ms". */
export function formatSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}
