import { describe, expect, it } from 'vitest';
import { DM_EXIT, describeDmOutcome, formatSeconds } from '../../src/cli/dm-outcome.js';
import type { DeviceStatus } from '../../src/platform/mgmt-requests.js';

const DEVICE = { typeId: 't', deviceId: 'd' };

describe('describeDmOutcome', () => {
  it.each([
    { status: { status: 1, rc: 202 }, words: 'accepted (202)', kind: 'accepted', exit: DM_EXIT.DONE },
    { status: { status: 1, rc: 200 }, words: 'done (200)', kind: 'done', exit: DM_EXIT.DONE },
    { status: { status: 1, rc: 204 }, words: 'changed (204)', kind: 'changed', exit: DM_EXIT.DONE },
    {
      status: { status: 2, rc: 500, message: 'flash busy' },
      words: 'failed (500): flash busy',
      kind: 'failed',
      exit: DM_EXIT.FAILED,
    },
    { status: { status: 2, rc: 501 }, words: 'not supported (501)', kind: 'not-supported', exit: DM_EXIT.FAILED },
    {
      status: { status: 2, rc: 400, message: 'nothing downloaded' },
      words: 'refused (400): nothing downloaded',
      kind: 'refused',
      exit: DM_EXIT.FAILED,
    },
    { status: { status: 2, rc: 404 }, words: 'not found (404)', kind: 'not-found', exit: DM_EXIT.FAILED },
    {
      status: { status: 2, rc: 409 },
      words: 'refused, another operation is running (409)',
      kind: 'conflict',
      exit: DM_EXIT.FAILED,
    },
    { status: { status: 2, rc: 418 }, words: 'failed (418)', kind: 'failed', exit: DM_EXIT.FAILED },
    {
      status: { status: 0 },
      words: "timed out after 30 s waiting for the device's response",
      kind: 'timed-out',
      exit: DM_EXIT.TIMED_OUT,
    },
    {
      status: { status: 2, timedOutAfterMs: 10_000, message: 't/d did not answer … within 10000 ms' },
      words: "timed out after 10 s waiting for the device's response",
      kind: 'timed-out',
      exit: DM_EXIT.TIMED_OUT,
    },
    { status: { status: 2, message: 'broker closed' }, words: 'failed: broker closed', kind: 'failed', exit: DM_EXIT.FAILED },
  ])('says "$words" for $status', ({ status, words, kind, exit }) => {
    const outcome = describeDmOutcome({ ...DEVICE, ...status } as DeviceStatus, 30_000);
    expect(outcome).toEqual({ words, kind, exitCode: exit });
  });

  it('formats waits in seconds, or milliseconds under one second', () => {
    expect([formatSeconds(30_000), formatSeconds(1500), formatSeconds(250)]).toEqual(['30 s', '1.5 s', '250 ms']);
  });
});
