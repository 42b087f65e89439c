import { describe, expect, it } from 'vitest';
import { monotonicNow, readUptimeSeconds, sleepInclusiveClock, sleepInclusiveNow } from '../src/clock.js';

describe('the sleep-inclusive clock (suspend counts, wall-clock steps do not)', () => {
  it("reads /proc/uptime's first figure, and nothing from a missing or garbled file", () => {
    expect(readUptimeSeconds(() => '35127.42 68011.90\n')).toBe(35127.42);
    expect(
      readUptimeSeconds(() => {
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      }),
    ).toBeUndefined();
    expect(readUptimeSeconds(() => 'up 3 days')).toBeUndefined();
  });

  it('runs with the monotonic clock while the machine is awake (this Linux machine: from /proc/uptime)', async () => {
    expect(readUptimeSeconds()).toBeGreaterThan(0);
    const boot0 = sleepInclusiveNow();
    const mono0 = monotonicNow();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const bootElapsed = sleepInclusiveNow() - boot0;
    const monoElapsed = monotonicNow() - mono0;
    // /proc/uptime moves in 10-ms steps.
    expect(Math.abs(bootElapsed - monoElapsed)).toBeLessThan(25);
    expect(bootElapsed).toBeGreaterThan(250);
  });

  it('is the monotonic clock where there is no /proc, and goes on from its last reading if a read fails', () => {
    const monotonic = () => 42;
    expect(sleepInclusiveClock(() => undefined, monotonic)).toBe(monotonic);
    const readings: Array<number | undefined> = [100, 101.5, undefined];
    let mono = 7_000;
    const clock = sleepInclusiveClock(
      () => (readings.length > 1 ? readings.shift() : readings[0]),
      () => mono,
    );
    expect(clock()).toBe(101_500);
    mono += 250;
    expect(clock()).toBe(101_750);
  });
});
