import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { DeviceManagementService, DmTimeoutError, type DmTransport } from '../../src/platform/device-management.js';

const DEVICE = { typeId: 'mcu-sensor', deviceId: 'esp-01' };

/** A transport whose publishes fail or vanish, and no device ever answers. */
function silentTransport(publish: DmTransport['publishInternal']): DmTransport {
  return { publishInternal: publish, subscribersOf: () => [], onClientPublish: () => () => undefined };
}

const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);

afterEach(() => {
  vi.useRealTimers();
  process.off('unhandledRejection', record);
  unhandled.length = 0;
});

/** Lets every pending promise job and the unhandled-rejection check of this turn run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('DeviceManagementService.request', () => {
  it('rejects with the publish error and leaves no answer promise to reject later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    process.on('unhandledRejection', record);
    const dm = new DeviceManagementService(
      silentTransport(() => Promise.reject(new Error('broker closed'))),
      silentLogger(),
      1000,
    );
    await expect(dm.request(DEVICE, 'mgmt/initiate/device/reboot')).rejects.toThrow('broker closed');
    await vi.advanceTimersByTimeAsync(5000);
    await settle();
    expect(unhandled).toEqual([]);
    dm.close();
  });

  it('rejects with a DmTimeoutError saying how long it waited when the device never answers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const dm = new DeviceManagementService(
      silentTransport(() => Promise.resolve()),
      silentLogger(),
      250,
    );
    const answer = dm.request(DEVICE, 'mgmt/initiate/device/reboot');
    const outcome = expect(answer).rejects.toMatchObject({ name: 'DmTimeoutError', waitedMs: 250 });
    await vi.advanceTimersByTimeAsync(250);
    await outcome;
    await expect(answer).rejects.toBeInstanceOf(DmTimeoutError);
    dm.close();
  });

  it('rejects a request still waiting when the service closes, in words', async () => {
    const dm = new DeviceManagementService(
      silentTransport(() => Promise.resolve()),
      silentLogger(),
      60_000,
    );
    const answer = dm.request(DEVICE, 'mgmt/initiate/device/reboot');
    await settle();
    dm.close();
    await expect(answer).rejects.toThrow('device management closed before mcu-sensor/esp-01 answered');
  });
});
