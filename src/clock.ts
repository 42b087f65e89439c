/**
 * The monotonic clock (ms since the process started; never stepped): for durations, intervals, rate windows and
 * deadlines measured inside this process. A Raspberry Pi has no real-time clock, so NTP steps the wall clock
 * (`Date.now()`) at boot, often by years forward, and now and then back (a manual `date`, NTP correcting a bad
 * time): a duration taken on the wall clock across a step is off by the step. Times shown to people or sent on the
 * wire (an event's `ts`, the ISO times of /api/status, device management's dates) stay on the wall clock.
 * Only differences mean anything: the values are not times of day, and another process or worker has its own origin.
 */
export const monotonicNow = (): number => performance.now();
