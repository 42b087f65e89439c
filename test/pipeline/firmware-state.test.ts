import { describe, expect, it } from 'vitest';
import { type FirmwareRecord, type FirmwareStep, initialFirmware, nextFirmware } from '../../src/pipeline/firmware-state.js';

describe('firmware state machine', () => {
  const described: FirmwareRecord = { ...initialFirmware('1.0.0'), url: 'https://x.example/fw.bin', version: '2.0.0' };
  const run = (start: FirmwareRecord, steps: FirmwareStep[]) =>
    steps.reduce<ReturnType<typeof nextFirmware>>((result, step) => (result.ok ? nextFirmware(result.value, step) : result), {
      ok: true,
      value: start,
    });

  it.each([
    {
      name: 'describe keeps the device-owned state',
      start: initialFirmware(),
      steps: [{ kind: 'describe', value: { url: 'u', state: 2, updateStatus: 4 } }],
      expected: { state: 0, updateStatus: 0, url: 'u' },
    },
    {
      name: 'download starts from idle with a url',
      start: described,
      steps: [{ kind: 'download-requested' }],
      expected: { state: 1 },
    },
    {
      name: 'download finishes in state 2',
      start: described,
      steps: [{ kind: 'download-requested' }, { kind: 'download-finished' }],
      expected: { state: 2, updateStatus: 0 },
    },
    {
      name: 'a failed download goes back to idle',
      start: described,
      steps: [{ kind: 'download-requested' }, { kind: 'download-failed', updateStatus: 6 }],
      expected: { state: 0, updateStatus: 6 },
    },
    {
      name: 'an update runs with updateStatus 1',
      start: described,
      steps: [{ kind: 'download-requested' }, { kind: 'download-finished' }, { kind: 'update-requested' }],
      expected: { state: 2, updateStatus: 1 },
    },
    {
      name: 'a finished update is idle and successful',
      start: described,
      steps: [
        { kind: 'download-requested' },
        { kind: 'download-finished' },
        { kind: 'update-requested' },
        { kind: 'update-finished', at: 'T' },
      ],
      expected: { state: 0, updateStatus: 0, updatedDateTime: 'T' },
    },
    {
      name: 'a failed update keeps the image for a retry',
      start: described,
      steps: [
        { kind: 'download-requested' },
        { kind: 'download-finished' },
        { kind: 'update-requested' },
        { kind: 'update-failed', updateStatus: 4 },
      ],
      expected: { state: 2, updateStatus: 4 },
    },
    {
      name: 'an unknown failure status becomes the default',
      start: described,
      steps: [{ kind: 'download-requested' }, { kind: 'download-failed', updateStatus: 99 }],
      expected: { state: 0, updateStatus: 3 },
    },
    {
      name: 'a new url makes a downloaded image stale',
      start: described,
      steps: [
        { kind: 'download-requested' },
        { kind: 'download-finished' },
        { kind: 'describe', value: { url: 'https://x.example/other.bin' } },
      ],
      expected: { state: 0 },
    },
  ] as Array<{ name: string; start: FirmwareRecord; steps: FirmwareStep[]; expected: Partial<FirmwareRecord> }>)(
    '$name',
    ({ start, steps, expected }) => {
      const result = run(start, steps);
      expect(result.ok && result.value).toMatchObject(expected);
    },
  );

  it.each([
    {
      name: 'a download without a url',
      start: initialFirmware(),
      steps: [{ kind: 'download-requested' }],
      reason: /no firmware url/,
    },
    {
      name: 'a second download',
      start: described,
      steps: [{ kind: 'download-requested' }, { kind: 'download-requested' }],
      reason: /state is 1 \(downloading\)/,
    },
    { name: 'an update before the download', start: described, steps: [{ kind: 'update-requested' }], reason: /needs state 2/ },
    {
      name: 'a second update',
      start: described,
      steps: [
        { kind: 'download-requested' },
        { kind: 'download-finished' },
        { kind: 'update-requested' },
        { kind: 'update-requested' },
      ],
      reason: /already in progress/,
    },
    {
      name: 'a firmware value that is not an object',
      start: described,
      steps: [{ kind: 'describe', value: 'v2' }],
      reason: /must be an object/,
    },
    {
      name: 'a url that is not a string',
      start: described,
      steps: [{ kind: 'describe', value: { url: 5 } }],
      reason: /mgmt.firmware.url is 5/,
    },
  ] as Array<{ name: string; start: FirmwareRecord; steps: FirmwareStep[]; reason: RegExp }>)(
    'refuses $name',
    ({ start, steps, reason }) => {
      const result = run(start, steps);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(reason);
    },
  );
});
