import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { DmRequester } from '../../src/pipeline/dm-requests.js';
import type { DeviceRef } from '../../src/protocol/ids.js';

const mcu: DeviceRef = { typeId: 'mcu', deviceId: 'esp-01' };

afterEach(() => vi.useRealTimers());

describe('DmRequester', () => {
  it('rejects a request nobody answers after the timeout, and ignores responses to nothing', async () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const requester = new DmRequester(
      async (topic) => void sent.push(topic),
      1000,
      silentLogger(),
      () => 'r-1',
    );
    const pending = requester.request(mcu, 'mgmt/manage', { lifetime: 0 });
    const failed = expect(pending).rejects.toThrow('no response to mgmt/manage for mcu/esp-01 within 1000 ms');
    expect(requester.handleResponse('{"rc":200,"reqId":"other"}')).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    await failed;
    expect(sent).toEqual(['iotdevice-1/type/mcu/id/esp-01/mgmt/manage']);
    expect(requester.waiting).toBe(0);
  });

  it.each([
    [0, true],
    [200, true],
    [202, true],
    [204, true],
    [400, false],
    [500, false],
  ])('counts rc %i as success: %s (2xx, or 0 as in the seed example "rc": 0, "message": "success")', async (rc, success) => {
    let reqId = 0;
    const requester = new DmRequester(
      async () => undefined,
      1000,
      silentLogger(),
      () => `r-${++reqId}`,
    );
    const asked = requester.ask(mcu, 'mgmt/manage', { lifetime: 0 });
    await vi.waitFor(() => expect(requester.waiting).toBe(1));
    expect(requester.handleResponse(JSON.stringify({ rc, message: 'm', reqId: 'r-1' }))).toBe(true);
    expect(await asked).toBe(success);
  });
});
