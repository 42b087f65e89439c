import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Adapter, FrameSource } from '../../src/adapter.js';
import { hardwareProfileSchema } from '../../src/config/profile-schema.js';
import { silentLogger } from '../../src/logging.js';
import { DeviceRoutes } from '../../src/pipeline/device-routes.js';
import { Downlink, WRITE_TIMEOUT_MS } from '../../src/pipeline/downlink.js';

const profile = hardwareProfileSchema.parse({
  name: 'led-board',
  transport: { kind: 'serial' },
  framing: { kind: 'delimiter', delimiter: '\n' },
  codec: { kind: 'json' },
  device: { typeId: 'board', deviceId: 'b1' },
  commands: [{ commandId: 'led', encode: { kind: 'json' } }],
});
const device = { typeId: 'board', deviceId: 'b1' };
const source: FrameSource = { adapter: 'stuck', channel: '/dev/ttyS0', vars: {} };

afterEach(() => vi.useRealTimers());

describe('Downlink', () => {
  it(`reports a write that does not finish within ${WRITE_TIMEOUT_MS / 1000} s as failed, instead of waiting for ever`, async () => {
    vi.useFakeTimers();
    const refused: string[] = [];
    const adapter = { name: 'stuck', write: () => new Promise<void>(() => undefined) } as unknown as Adapter;
    const routes = new DeviceRoutes({ staleAfterMs: 60_000, newIdsPerChannelPerMinute: 10 }, silentLogger());
    routes.bind(device, adapter, source, profile, false);
    const downlink = new Downlink({
      routes,
      encoderOf: () => undefined,
      tap: () => undefined,
      refuse: (_device, reason) => refused.push(reason),
      delivered: () => undefined,
      waitMs: 0,
      logger: silentLogger(),
    });
    const delivery = downlink.deliver(device, 'led', new TextEncoder().encode('{}'), undefined, 'console');
    const failed = expect(delivery).rejects.toThrow(
      `command led: write to /dev/ttyS0 failed: did not finish within ${WRITE_TIMEOUT_MS / 1000} s`,
    );
    await vi.advanceTimersByTimeAsync(WRITE_TIMEOUT_MS - 1);
    expect(refused).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await failed;
    expect(refused).toHaveLength(1);
  });
});
