import { fileURLToPath } from 'node:url';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { type PluginHarness, startPluginHarness } from 'wiotp-gateway/testing';
import * as plugin from '../src/index.js';

const profiles = fileURLToPath(new URL('../profiles', import.meta.url));
let harness: PluginHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('wiotp-fake-sensor-plugin through the gateway', () => {
  it('publishes each sensor as its own device, named by the profile template', async () => {
    harness = await startPluginHarness({
      plugin,
      options: {
        sensors: [
          { id: 'fs-1', intervalMs: 50 },
          { id: 'fs-2', intervalMs: 50 },
        ],
      },
      profiles: [profiles],
    });
    const first = await harness.waitForEvent({ device: { deviceId: 'fs-1' } });
    expect(first).toMatchObject({
      topic: 'iot-2/type/fake-sensor/id/fs-1/evt/status/fmt/json',
      payload: { temperature: expect.any(Number), led: 'off' },
    });
    await harness.waitForEvent({ device: { typeId: 'fake-sensor', deviceId: 'fs-2' }, eventId: 'status' });
  });

  it('turns the LED on when an application sends the led command', async () => {
    harness = await startPluginHarness({
      plugin,
      options: { sensors: [{ id: 'fs-3', intervalMs: 60_000 }] },
      profiles: [profiles],
    });
    await harness.waitForEvent({ device: { deviceId: 'fs-3' } });
    await harness.sendCommand({ typeId: 'fake-sensor', deviceId: 'fs-3' }, 'led', { led: 'on' });
    // The sensor reports its new state at once (its timer would take a minute).
    const lit = await firstValueFrom(harness.events$.pipe(filter((event) => (event.payload as { led?: string }).led === 'on')));
    expect(lit.device).toEqual({ typeId: 'fake-sensor', deviceId: 'fs-3' });
    const adapter = harness.adapter as plugin.FakeSensorAdapter;
    expect(adapter.received.map((command) => Buffer.from(command.bytes).toString())).toEqual(['{"led":"on"}']);
  });

  it('never hands the plugin a command the profile does not allow', async () => {
    harness = await startPluginHarness({
      plugin,
      options: { sensors: [{ id: 'fs-4', intervalMs: 60_000 }] },
      profiles: [profiles],
    });
    await harness.waitForEvent({ device: { deviceId: 'fs-4' } });
    const device = { typeId: 'fake-sensor', deviceId: 'fs-4' };
    await harness.sendCommand(device, 'led', { led: 'purple' });
    await harness.sendCommand(device, 'self-destruct', {});
    await harness.sendCommand(device, 'led', { led: 'on' });
    const adapter = harness.adapter as plugin.FakeSensorAdapter;
    // Commands are handled in order: once the good one arrived, the two bad ones were refused.
    await expect.poll(() => adapter.received.length).toBe(1);
    expect(adapter.received.map((command) => Buffer.from(command.bytes).toString())).toEqual(['{"led":"on"}']);
    // The gateway logged why, naming the command.
    expect(JSON.stringify(harness.logs)).toContain('purple');
  });

  it('refuses bad options with a message naming the field, and the kit cleans up', async () => {
    await expect(
      startPluginHarness({ plugin, options: { sensors: [{ id: 'has space' }] }, profiles: [profiles] }),
    ).rejects.toThrow(/wiotp-fake-sensor-plugin options: sensors\.0\.id: expected 1–36/);
  });
});
