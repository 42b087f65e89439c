import { describe, expect, it } from 'vitest';
import { LiveStore } from '../../src/console/live-store.js';
import type { LiveDevice } from '../../src/http/console-api.js';

function device(deviceId: string, lastSeen: number, t: number): LiveDevice {
  return {
    key: `mcu-sensor/${deviceId}`,
    typeId: 'mcu-sensor',
    deviceId,
    profile: 'json-sensor',
    adapter: 'serial',
    channel: '/dev/ttyACM0',
    lastSeen,
    reading: { t },
    framesPerSecond: 1,
    eventsPerSecond: 1,
    frames: 1,
    events: 1,
    rejects: 0,
  };
}

describe('LiveStore (what the console keeps)', () => {
  it('drops a device the gateway forgot, with its history, and takes it back when it returns', () => {
    const store = new LiveStore();
    store.apply('hello', { stream: 1, devices: [device('a', 1000, 20), device('b', 1000, 30)], frames: [], commands: [] });
    store.apply('batch', { at: 2000, devices: [], frames: [], commands: [], sampledOut: 0, gone: ['mcu-sensor/a'] });
    expect([...store.devices.keys()]).toEqual(['mcu-sensor/b']);
    expect([...store.history.keys()]).toEqual(['mcu-sensor/b']);
    store.apply('batch', { at: 3000, devices: [device('a', 2500, 21)], frames: [], commands: [], sampledOut: 0 });
    expect(store.history.get('mcu-sensor/a')?.get('t')).toEqual([[2500, 21]]);
  });

  it('drops a device the status no longer lists (a page that missed the batch saying it was forgotten)', () => {
    const store = new LiveStore();
    store.apply('hello', { stream: 1, devices: [device('a', 1000, 20), device('b', 1000, 30)], frames: [], commands: [] });
    const listed = { typeId: 'mcu-sensor', deviceId: 'b' };
    store.apply('status', { status: { devices: [listed] } });
    expect([...store.devices.keys()]).toEqual(['mcu-sensor/b']);
    expect([...store.history.keys()]).toEqual(['mcu-sensor/b']);
  });
});
