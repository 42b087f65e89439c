import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REGISTRATION,
  DeviceRegistry,
  type RegisteredDevice,
  type SharedRegistry,
} from '../../src/platform/registration.js';

/** The cluster's registry as the Redis one behaves (src/platform/cluster.ts), in a Map: what the registry asks of it. */
class MapRegistry implements SharedRegistry {
  readonly devices = new Map<string, RegisteredDevice>();
  readonly refused = new Map<string, number>();
  calls: string[] = [];

  async get(key: string) {
    this.calls.push(`get ${key}`);
    return this.devices.get(key);
  }
  async register(key: string, device: RegisteredDevice, maxDevices: number) {
    this.calls.push(`register ${key}`);
    const known = this.devices.get(key);
    if (known) return known;
    if (this.devices.size >= maxDevices) return 'org-device-limit' as const;
    this.devices.set(key, device);
    return device;
  }
  async refuse(key: string, ms: number) {
    this.refused.set(key, ms);
  }
  async refusedFor(key: string) {
    return this.refused.get(key) ?? 0;
  }
}

const sensor = (deviceId: string) => ({ typeId: 'sensor', deviceId });

describe('DeviceRegistry with a shared registry', () => {
  it("takes another node's registration as it is, without a pending slot or the registration's delay", async () => {
    const shared = new MapRegistry();
    const other = { ...sensor('s1'), registeredAt: '2026-12-05T09:00:00.000Z', registeredBy: 'g:abc123:rpi:gw2' };
    shared.devices.set('sensor/s1', other);
    const registry = new DeviceRegistry({ ...DEFAULT_REGISTRATION, delayMs: 60_000 }, shared);
    expect(await registry.ensureRegistered(sensor('s1'), 'g:abc123:rpi:gw1')).toBeUndefined();
    expect(registry.get(sensor('s1'))).toEqual(other);
    expect(registry.pendingStats()).toEqual({ pending: 0, peakPerGateway: 0 });
    // Known now: the next request does not ask the cluster again.
    shared.calls = [];
    expect(await registry.ensureRegistered(sensor('s1'), 'g:abc123:rpi:gw1')).toBeUndefined();
    expect(shared.calls).toEqual([]);
  });

  it("keeps the cluster's first registration when two nodes race, and refuses past the organization's limit there", async () => {
    const shared = new MapRegistry();
    const registry = new DeviceRegistry({ ...DEFAULT_REGISTRATION, maxOrgDevices: 1 }, shared);
    expect(await registry.ensureRegistered(sensor('s1'), 'g:abc123:rpi:gw1')).toBeUndefined();
    expect(shared.devices.get('sensor/s1')).toMatchObject({ registeredBy: 'g:abc123:rpi:gw1' });
    expect(await registry.ensureRegistered(sensor('s2'), 'g:abc123:rpi:gw1')).toBe('org-device-limit');
    expect(registry.get(sensor('s2'))).toBeUndefined();
  });

  it('refuses a device the cluster refuses, for as long as it does, and tells the cluster of its own refusals', async () => {
    const shared = new MapRegistry();
    shared.refused.set('sensor/flaky', 30_000);
    const registry = new DeviceRegistry({ ...DEFAULT_REGISTRATION, retryAfterMs: 5000 }, shared);
    expect(await registry.ensureRegistered(sensor('flaky'), 'g:abc123:rpi:gw1')).toBe('registration-failed');
    expect(registry.isBackingOff(sensor('flaky'))).toBe(true);
    expect(shared.calls).toEqual(['get sensor/flaky']);

    registry.failNextRegistrations(sensor('other'));
    expect(await registry.ensureRegistered(sensor('other'), 'g:abc123:rpi:gw1')).toBe('registration-failed');
    expect(shared.refused.get('sensor/other')).toBe(5000);
  });

  it("passes a failure of the cluster's registry to its caller, and asks again next time", async () => {
    const shared = new MapRegistry();
    const lost = new Error('Connection is closed.');
    const get = shared.get.bind(shared);
    shared.get = async () => {
      throw lost;
    };
    const registry = new DeviceRegistry(DEFAULT_REGISTRATION, shared);
    await expect(registry.ensureRegistered(sensor('s1'), 'g:abc123:rpi:gw1')).rejects.toBe(lost);
    shared.get = get;
    expect(await registry.ensureRegistered(sensor('s1'), 'g:abc123:rpi:gw1')).toBeUndefined();
    expect(shared.devices.has('sensor/s1')).toBe(true);
  });

  it('shares a device added directly (a gateway from the command line)', async () => {
    const shared = new MapRegistry();
    new DeviceRegistry(DEFAULT_REGISTRATION, shared).add({ typeId: 'rpi', deviceId: 'gw1' });
    await Promise.resolve();
    expect(shared.devices.get('rpi/gw1')).toMatchObject({ typeId: 'rpi', deviceId: 'gw1' });
  });
});
