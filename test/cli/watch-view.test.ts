import { describe, expect, it } from 'vitest';
import { formatDashboard, formatFrameLine, jsonLines, WatchState } from '../../src/cli/watch-view.js';
import type { LiveBatch, LiveFrame } from '../../src/http/console-api.js';

const AT = Date.parse('2026-01-02T03:04:05.678Z');
const device = {
  key: 'mcu-sensor/lab7',
  typeId: 'mcu-sensor',
  deviceId: 'lab7',
  profile: 'json-sensor',
  adapter: 'serial',
  channel: '/dev/ttyACM0',
  lastSeen: AT,
  reading: { T: 21.5, H: 40, ID: 'lab7' },
  framesPerSecond: 2,
  eventsPerSecond: 2,
  frames: 10,
  events: 10,
  rejects: 1,
};
const good: LiveFrame = {
  seq: 1,
  at: AT,
  adapter: 'serial',
  channel: '/dev/ttyACM0',
  profile: 'p',
  device: 'mcu-sensor/lab7',
  hex: '543d32312e35',
  reading: { T: 21.5 },
  events: [{ eventId: 'status', topic: 't', payload: '{}' }],
};
const bad: LiveFrame = {
  seq: 2,
  at: AT,
  adapter: 'serial',
  channel: '/dev/ttyACM0',
  profile: 'p',
  hex: '7b2c7d',
  reject: { stage: 'decode', reason: 'invalid JSON at position 1', offset: 1 },
};
const batch: LiveBatch = { at: AT, devices: [device], frames: [good, bad], commands: [], sampledOut: 0 };

describe('watch output', () => {
  it('prints a frame as its hex beside the reading, and a refused one with the named byte bracketed', () => {
    expect(formatFrameLine(good)).toBe('03:04:05.678  mcu-sensor/lab7  54 3d 32 31 2e 35  -> {"T":21.5}  (status)');
    expect(formatFrameLine(bad)).toBe(
      '03:04:05.678  serial /dev/ttyACM0  7b [2c] 7d  REJECTED decode: invalid JSON at position 1',
    );
  });

  it('shows each device with its rate and last values, and the latest rejects with reasons', () => {
    const state = new WatchState();
    state.apply('batch', batch);
    const text = formatDashboard(state, AT + 3000);
    expect(text).toMatch(/mcu-sensor\/lab7\s+json-sensor \/dev\/ttyACM0\s+2\s+3 s\s+1\s+T=21.5 H=40 ID=lab7/);
    expect(text).toContain('serial /dev/ttyACM0  decode: invalid JSON at position 1');
  });

  it('gives scripts one JSON line per device, reject and (with --frames) frame', () => {
    const types = (frames: boolean) => jsonLines('batch', batch, frames).map((line) => JSON.parse(line).type);
    expect(types(false)).toEqual(['device', 'reject']);
    expect(types(true)).toEqual(['device', 'frame', 'reject']);
  });
});
