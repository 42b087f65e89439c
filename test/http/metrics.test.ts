import { existsSync } from 'node:fs';
import { setTimeout as wait } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, delayAlone, LOOP_DELAY_SAMPLE_MS } from '../../src/http/metrics.js';
import { wakeUps } from '../support/wake-ups.js';

/** One registry for the file: each starts its own loop-delay sampler, for good. */
const registry = createMetricsRegistry(() => {
  throw new Error('only the process metrics are read here');
});

/**
 * Scrapes the loop-delay gauges as /metrics does: collecting nodejs_eventloop_lag_seconds sets the others from the
 * histogram and starts it afresh.
 */
async function loopDelay(): Promise<Record<string, number>> {
  await registry.getSingleMetric('nodejs_eventloop_lag_seconds')?.get();
  const read: Record<string, number> = {};
  for (const stat of ['min', 'max', 'mean', 'p50', 'p99']) {
    const metric = registry.getSingleMetric(`nodejs_eventloop_lag_${stat}_seconds`);
    read[stat] = (await metric?.get())?.values[0]?.value ?? Number.NaN;
  }
  return read;
}

describe('delayAlone', () => {
  it('takes the sampling period out of a loop-delay sample, never below 0, and leaves what is not one', () => {
    expect(delayAlone(0.1004, 100)).toBeCloseTo(0.0004, 6);
    expect(delayAlone(0.35, 100)).toBeCloseTo(0.25, 6);
    // libuv's millisecond clock can fire a periodic timer a hair early.
    expect(delayAlone(0.0995, 100)).toBe(0);
    expect(delayAlone(Number.NaN, 100)).toBeNaN();
    // An empty histogram's minimum (2^63 ns).
    expect(delayAlone(9223372036.854776, 100)).toBe(9223372036.854776);
  });
});

describe('the process metrics', () => {
  it('report the event loop delay alone: a free loop reads ~0, not the sampling period', async () => {
    await loopDelay();
    // The sampler ticks on time alone: there is no event to wait for but a few of its periods.
    await wait(LOOP_DELAY_SAMPLE_MS * 4);
    const delay = await loopDelay();
    for (const stat of ['min', 'p50', 'mean']) {
      expect(delay[stat], stat).toBeGreaterThanOrEqual(0);
      expect(delay[stat], stat).toBeLessThan((LOOP_DELAY_SAMPLE_MS / 1000) * 0.5);
    }
    expect(delay.max).toBeGreaterThanOrEqual(delay.p50 ?? Number.NaN);
  });

  it.runIf(existsSync('/proc/thread-self/status'))(
    'do not wake an idle process 100 times a second once scraped (prom-client samples every 10 ms by default)',
    async () => {
      await loopDelay();
      const before = wakeUps('/proc/thread-self/status');
      const windowMs = 600;
      await wait(windowMs);
      const perSecond = ((wakeUps('/proc/thread-self/status') - before) * 1000) / windowMs;
      // The sampler's own 4 a second, the wait's timer and the test runner's messages; 100 at prom-client's default.
      expect(perSecond).toBeLessThan(25);
    },
  );
});
