import { describe, expect, it } from 'vitest';
import type { LiveBatch } from '../../src/http/console-api.js';
import { DEFAULT_LIVE_LIMITS, LiveAggregator, type LiveLimits } from '../../src/http/live-aggregator.js';
import type { FrameRecord } from '../../src/pipeline/pipeline-tap.js';

const ESP = { typeId: 'mcu-sensor', deviceId: 'esp-01' };
const GPS = { typeId: 'gps-receiver', deviceId: 'gps-1' };

function good(at: number, device = ESP, value = 21.5): FrameRecord {
  return {
    at,
    adapter: 'serial',
    channel: '/dev/ttyACM0',
    profile: 'json-sensor',
    bytes: new TextEncoder().encode(`{"t":${value}}`),
    device,
    reading: { t: value },
    events: [{ eventId: 'status', topic: 'iot-2/type/mcu-sensor/id/esp-01/evt/status/fmt/json', payload: `{"t":${value}}` }],
  };
}

function bad(at: number): FrameRecord {
  return {
    at,
    adapter: 'serial',
    channel: '/dev/ttyACM0',
    profile: 'json-sensor',
    bytes: new TextEncoder().encode('{"t":,}'),
    reject: { stage: 'decode', reason: "invalid JSON at position 5: expected a value, found ','" },
  };
}

/**
 * An aggregator whose monotonic clock the test moves: `frame` and `flush` set it to the record's time and the batch's,
 * so a test reads like the wall and monotonic clocks are one (until it steps the wall clock).
 */
function aggregate(limits: LiveLimits = DEFAULT_LIVE_LIMITS, startedAt = 0) {
  let monotonic = startedAt;
  const live = new LiveAggregator(limits, startedAt, () => monotonic);
  return {
    live,
    frame: (record: FrameRecord, at = record.at) => {
      monotonic = at;
      live.frame(record);
    },
    flush: (now: number, at = now) => {
      monotonic = at;
      return live.flush(now);
    },
  };
}

describe('LiveAggregator (what the live stream shows)', () => {
  it('at 1,000 frames a second sends one update per device per batch and a sample of the frames', () => {
    const { frame, flush } = aggregate(DEFAULT_LIVE_LIMITS, 0);
    let frames = 0;
    let updates = 0;
    let sampledOut = 0;
    // One second: 10 batches of 100 ms, 100 frames of one device in each.
    for (let batch = 1; batch <= 10; batch++) {
      for (let i = 0; i < 100; i++) frame(good(batch * 100 - 100 + i, ESP, i));
      const out = flush(batch * 100);
      frames += out?.frames.length ?? 0;
      updates += out?.devices.length ?? 0;
      sampledOut += out?.sampledOut ?? 0;
    }
    expect(updates).toBe(10);
    expect(frames).toBe(10);
    expect(frames + sampledOut).toBe(1000);
  });

  it('counts every frame and reports rates per second over the window', () => {
    const { frame, flush } = aggregate(DEFAULT_LIVE_LIMITS, 0);
    let last: LiveBatch | undefined;
    for (let batch = 1; batch <= 30; batch++) {
      for (let i = 0; i < 5; i++) frame(good(batch * 100 - 50));
      last = flush(batch * 100);
    }
    expect(last?.devices[0]).toMatchObject({
      key: 'mcu-sensor/esp-01',
      frames: 150,
      events: 150,
      framesPerSecond: 50,
      eventsPerSecond: 50,
    });
    expect(last?.devices[0]?.reading).toEqual({ t: 21.5 });
  });

  it('measures rates on the monotonic clock: the wall clock stepped back an hour does not inflate them', () => {
    const { frame, flush } = aggregate(DEFAULT_LIVE_LIMITS, 0);
    const HOUR = 3_600_000;
    let last: LiveBatch | undefined;
    for (let batch = 1; batch <= 30; batch++) {
      // From the 15th batch on, the wall clock reads an hour earlier than the time that passed.
      const wall = batch < 15 ? 0 : -HOUR;
      for (let i = 0; i < 5; i++) frame(good(wall + batch * 100 - 50), batch * 100 - 50);
      last = flush(wall + batch * 100, batch * 100);
    }
    expect(last?.devices[0]).toMatchObject({ frames: 150, framesPerSecond: 50, eventsPerSecond: 50 });
  });

  it('keeps showing refused frames when accepted ones flood the same channel, with the named byte', () => {
    const { frame, flush } = aggregate(DEFAULT_LIVE_LIMITS, 0);
    for (let i = 0; i < 50; i++) frame(good(i));
    frame(bad(60));
    const out = flush(100);
    const rejected = out?.frames.filter((frame) => frame.reject);
    expect(rejected).toEqual([
      expect.objectContaining({
        hex: Buffer.from('{"t":,}').toString('hex'),
        reject: expect.objectContaining({ stage: 'decode', offset: 5 }),
      }),
    ]);
  });

  it('sends nothing when nothing happened, and a last update when a device falls silent', () => {
    const { frame, flush } = aggregate({ ...DEFAULT_LIVE_LIMITS, rateBatches: 3 }, 0);
    frame(good(50));
    expect(flush(100)?.devices).toHaveLength(1);
    // The rate stays until the window forgets the frame, then drops to 0 once and goes quiet.
    const later = [flush(200), flush(300), flush(400), flush(500)];
    expect(later.at(-2)?.devices[0]?.framesPerSecond).toBe(0);
    expect(later.at(-1)).toBeUndefined();
  });

  it('gives a client that joins later every device and the latest frames and commands, numbered on', () => {
    const { live, frame, flush } = aggregate(DEFAULT_LIVE_LIMITS, 1000);
    frame(good(1010));
    frame(good(1020, GPS));
    live.command({ at: 1030, device: ESP, commandId: 'led', origin: 'console', bytes: Uint8Array.of(0x7b, 0x7d) });
    flush(1100);
    live.command({ at: 1130, device: ESP, commandId: 'led', origin: 'service', refused: 'param "led" is missing' });
    const hello = live.hello();
    expect(hello.stream).toBe(1000);
    expect(hello.devices.map((device) => device.key).sort()).toEqual(['gps-receiver/gps-1', 'mcu-sensor/esp-01']);
    expect(hello.frames.map((frame) => frame.seq)).toEqual([1, 2]);
    expect(hello.commands).toEqual([
      { at: 1030, device: 'mcu-sensor/esp-01', commandId: 'led', origin: 'console', hex: '7b7d' },
      { at: 1130, device: 'mcu-sensor/esp-01', commandId: 'led', origin: 'service', refused: 'param "led" is missing' },
    ]);
  });

  it('lets a device the pipeline forgot go: said once in the next batch, gone from what a new client gets', () => {
    const { live, frame, flush } = aggregate(DEFAULT_LIVE_LIMITS, 0);
    frame(good(10));
    frame(good(20, GPS));
    flush(100);
    live.forget({ ...ESP });
    live.forget({ typeId: 'mcu-sensor', deviceId: 'never-seen' });
    const batch = flush(200);
    expect(batch?.gone).toEqual(['mcu-sensor/esp-01']);
    expect(batch?.devices.map((device) => device.key)).not.toContain('mcu-sensor/esp-01');
    expect(live.hello().devices.map((device) => device.key)).toEqual(['gps-receiver/gps-1']);
    // Back later: a new track, counted from zero.
    frame(good(300));
    const back = flush(400);
    expect(back?.gone).toBeUndefined();
    expect(back?.devices.find((device) => device.key === 'mcu-sensor/esp-01')?.frames).toBe(1);
  });

  it('bounds a batch however many devices send at once', () => {
    const { frame, flush } = aggregate(DEFAULT_LIVE_LIMITS, 0);
    for (let i = 0; i < 500; i++) frame(good(10, { typeId: 'sensor', deviceId: `d${i}` }));
    const out = flush(100);
    expect(out?.devices).toHaveLength(500);
    expect(out?.frames).toHaveLength(DEFAULT_LIVE_LIMITS.framesPerBatch);
    expect(out?.sampledOut).toBe(500 - DEFAULT_LIVE_LIMITS.framesPerBatch);
  });
});
