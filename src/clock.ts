import { readFileSync } from 'node:fs';

/**
 * The monotonic clock (ms since the process started; never stepped): for durations, intervals, rate windows and
 * deadlines measured inside this process. A Raspberry Pi has no real-time clock, so NTP steps the wall clock
 * (`Date.now()`) at boot, often by years forward, and now and then back (a manual `date`, NTP correcting a bad
 * time): a duration taken on the wall clock across a step is off by the step. Times shown to people or sent on the
 * wire (an event's `ts`, the ISO times of /api/status, device management's dates) stay on the wall clock.
 * Only differences mean anything: the values are not times of day, and another process or worker has its own origin.
 */
export const monotonicNow = (): number => performance.now();

/** Seconds since boot, suspend included (Linux's CLOCK_BOOTTIME, as /proc/uptime gives it), or undefined without /proc. */
export function readUptimeSeconds(read: (path: string) => string = (path) => readFileSync(path, 'utf8')): number | undefined {
  try {
    const seconds = Number.parseFloat(read('/proc/uptime'));
    return Number.isFinite(seconds) ? seconds : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A clock that keeps counting while the machine is suspended (ms since boot, in /proc/uptime's 10-ms steps), for
 * telling a step of the wall clock from time spent asleep: after a laptop's hour in suspend the wall clock is an hour
 * ahead of monotonicNow, which stopped, and that is no step. Where there is no /proc (macOS) it is monotonicNow, and
 * a suspend reads as a step there. Reads a file each call: for looks a second apart or more, not for the hot path.
 * Made at its first call, so that importing this module reads nothing.
 */
export function sleepInclusiveNow(): number {
  sleepInclusive ??= sleepInclusiveClock(readUptimeSeconds);
  return sleepInclusive();
}
let sleepInclusive: (() => number) | undefined;

/** sleepInclusiveNow over `uptime`; a read that fails (it should not) goes on from the last one on the monotonic clock. */
export function sleepInclusiveClock(uptime: () => number | undefined, monotonic = monotonicNow): () => number {
  const first = uptime();
  if (first === undefined) return monotonic;
  let lastMs = first * 1000;
  let lastMono = monotonic();
  return () => {
    const seconds = uptime();
    if (seconds === undefined) return lastMs + monotonic() - lastMono;
    lastMs = seconds * 1000;
    lastMono = monotonic();
    return lastMs;
  };
}
