import { describe, expect, it } from 'vitest';
import type { Adapter, FrameSource } from '../../src/adapter.js';
import { hardwareProfileSchema } from '../../src/config/profile-schema.js';
import { silentLogger } from '../../src/logging.js';
import { DeviceRoutes } from '../../src/pipeline/device-routes.js';

const serial = { name: 'serial' } as Adapter;
const source = (channel: string): FrameSource => ({ adapter: 'serial', channel, vars: {} });
const profile = (allow?: string | string[]) =>
  hardwareProfileSchema.parse({
    name: 'json-sensor',
    transport: { kind: 'serial' },
    framing: { kind: 'delimiter', delimiter: '\n' },
    codec: { kind: 'json' },
    device: { typeId: 'mcu', deviceId: '{reading.id}', ...(allow ? { allow } : {}) },
  });
const device = (deviceId: string) => ({ typeId: 'mcu', deviceId });

function setup(options: Partial<{ staleAfterMs: number; newIdsPerChannelPerMinute: number }> = {}) {
  const clock = { wall: 1_000_000, mono: 5_000 };
  const routes = new DeviceRoutes({ staleAfterMs: 60_000, newIdsPerChannelPerMinute: 3, ...options }, silentLogger(), {
    wall: () => clock.wall,
    monotonic: () => clock.mono,
  });
  /** Time passes: both clocks move. */
  const advance = (ms: number) => {
    clock.wall += ms;
    clock.mono += ms;
  };
  return { routes, clock, advance };
}

describe('DeviceRoutes', () => {
  it('binds a device to the channel that first named it and refuses another channel claiming it while the first is online', () => {
    const { routes } = setup();
    const p = profile();
    const first = routes.bind(device('a'), serial, source('ttyUSB0'), p, true);
    expect(first.ok).toBe(true);
    routes.channelChanged({ adapter: 'serial', channel: 'ttyUSB0', state: 'online', at: 0 });
    const claim = routes.bind(device('a'), serial, source('ttyUSB1'), p, true);
    expect(claim).toEqual({ ok: false, reason: expect.stringMatching(/bound to serial ttyUSB0 .* refused from serial ttyUSB1/) });
    expect(routes.get('mcu/a')?.source.channel).toBe('ttyUSB0');
  });

  it('follows a device to a new connection of the same channel, and to another channel once the first is offline', () => {
    const { routes } = setup();
    const p = profile();
    routes.bind(device('a'), serial, source('ttyUSB0'), p, true);
    const reconnected = source('ttyUSB0');
    expect(routes.bind(device('a'), serial, reconnected, p, true)).toMatchObject({ ok: true, value: { source: reconnected } });
    routes.channelChanged({ adapter: 'serial', channel: 'ttyUSB0', state: 'offline', at: 0 });
    expect(routes.bind(device('a'), serial, source('ttyUSB1'), p, true)).toMatchObject({ ok: true });
    expect(routes.get('mcu/a')?.source.channel).toBe('ttyUSB1');
  });

  it('lets a device leave a channel its adapter forgot (closed), and keeps no state for closed channels nobody is on', () => {
    const { routes, advance } = setup();
    const p = profile();
    const channels = (routes as unknown as { channels: Map<string, string> }).channels;
    routes.bind(device('a'), serial, source('aabbcc'), p, true);
    for (let i = 0; i < 100; i++) {
      routes.channelChanged({ adapter: 'serial', channel: `rotating-${i}`, state: 'online', at: 0 });
      routes.channelChanged({ adapter: 'serial', channel: `rotating-${i}`, state: 'closed', at: 0 });
    }
    routes.channelChanged({ adapter: 'serial', channel: 'aabbcc', state: 'closed', at: 0 });
    expect([...channels.keys()]).toEqual(['serial\u0000aabbcc']);
    expect(routes.bind(device('a'), serial, source('ddeeff'), p, true).ok).toBe(true);
    routes.channelChanged({ adapter: 'serial', channel: 'ddeeff', state: 'closed', at: 0 });
    advance(61_000);
    routes.prune();
    expect(channels.size).toBe(0);
  });

  it('lets a device move when its channel has been quiet longer than staleAfterMs', () => {
    const { routes, advance } = setup();
    const p = profile();
    routes.bind(device('a'), serial, source('ttyUSB0'), p, true);
    routes.channelChanged({ adapter: 'serial', channel: 'ttyUSB0', state: 'online', at: 0 });
    advance(61_000);
    expect(routes.bind(device('a'), serial, source('ttyUSB1'), p, true).ok).toBe(true);
  });

  it('limits the ids a channel invents per minute when the profile has no device.allow', () => {
    const { routes, advance } = setup();
    const p = profile();
    const outcomes = ['a', 'b', 'c', 'd'].map((id) => routes.bind(device(id), serial, source('ttyUSB0'), p, true).ok);
    expect(outcomes).toEqual([true, true, true, false]);
    expect(routes.bind(device('d'), serial, source('ttyUSB0'), p, true)).toEqual({
      ok: false,
      reason: expect.stringMatching(/ttyUSB0 named 3 new device ids within a minute/),
    });
    // Ids from the source alone (a port name) are not invented by frames: no limit.
    expect(routes.bind(device('e'), serial, source('ttyUSB0'), p, false).ok).toBe(true);
    advance(60_000);
    expect(routes.bind(device('d'), serial, source('ttyUSB0'), p, true).ok).toBe(true);
  });

  it('accepts exactly the ids device.allow names, as a pattern or a list', () => {
    const { routes } = setup();
    const byPattern = profile('esp-[0-9]{2}');
    expect(routes.bind(device('esp-01'), serial, source('t0'), byPattern, true).ok).toBe(true);
    expect(routes.bind(device('esp-001'), serial, source('t0'), byPattern, true)).toEqual({
      ok: false,
      reason: expect.stringMatching(/esp-001 .* not allowed by profile json-sensor's device.allow/),
    });
    const byList = profile(['kitchen', 'hall']);
    expect(routes.bind(device('hall'), serial, source('t1'), byList, true).ok).toBe(true);
    expect(routes.bind(device('attic'), serial, source('t1'), byList, true).ok).toBe(false);
  });

  it('forgets devices idle longer than staleAfterMs and says so on removed$', () => {
    const { routes, advance } = setup();
    const removed: string[] = [];
    routes.removed$.subscribe((route) => removed.push(route.device.deviceId));
    const p = profile();
    routes.bind(device('a'), serial, source('t0'), p, false);
    advance(30_000);
    routes.bind(device('b'), serial, source('t1'), p, false);
    advance(31_000);
    routes.prune();
    expect(removed).toEqual(['a']);
    expect([...routes.all.keys()]).toEqual(['mcu/b']);
  });

  it('keeps a device heard a second ago when NTP steps the wall clock years forward, and shows the new time', () => {
    const { routes, clock, advance } = setup();
    const removed: string[] = [];
    routes.removed$.subscribe((route) => removed.push(route.device.deviceId));
    const p = profile();
    const bound = routes.bind(device('a'), serial, source('ttyUSB0'), p, true);
    routes.channelChanged({ adapter: 'serial', channel: 'ttyUSB0', state: 'online', at: 0 });
    if (!bound.ok) throw new Error(bound.reason);
    routes.heard(bound.value, clock.wall);
    advance(1000);
    clock.wall = Date.UTC(2026, 11, 3, 12, 0, 0);
    expect(routes.prune()).toEqual([]);
    expect(removed).toEqual([]);
    // Still bound to its channel, as heard a second ago: another channel claiming the id is refused.
    expect(routes.bind(device('a'), serial, source('ttyUSB1'), p, true)).toMatchObject({ ok: false });
    routes.heard(bound.value, clock.wall);
    expect(routes.get('mcu/a')?.lastSeen).toBe(Date.UTC(2026, 11, 3, 12, 0, 0));
    // And it goes stale after staleAfterMs of real silence, as before.
    advance(61_000);
    expect(routes.prune().map((route) => route.device.deviceId)).toEqual(['a']);
  });

  it('keeps limiting new ids within the minute when the wall clock is stepped', () => {
    const { routes, clock } = setup();
    const p = profile();
    expect(['a', 'b', 'c'].map((id) => routes.bind(device(id), serial, source('ttyUSB0'), p, true).ok)).toEqual([
      true,
      true,
      true,
    ]);
    clock.wall += 365 * 24 * 3_600_000;
    expect(routes.bind(device('d'), serial, source('ttyUSB0'), p, true).ok).toBe(false);
  });
});
