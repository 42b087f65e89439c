import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Frame } from '../../../src/adapter.js';
import { nextMatching } from '../../support/wait.js';
import { compact, type Rig, startRig, unlimited } from './ble-test-kit.js';

/** A full collection, so heap figures compare live objects only (--expose-gc, turned on from here). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const RESIDENT = 'c4:7c:8d:6a:1b:01';
const fromResident = (frame: Frame) => frame.source.channel === compact(RESIDENT);

/**
 * Heap growth allowed while a second crowd of 10,000 passes by (the first one warms up code and buffers).
 * Measured on Node 20: between -0.01 and 0.35 MB with pruning; 7.9 MB with noble's caches left unpruned
 * (about 800 bytes per peripheral), so the bound fails loudly without it.
 */
const HEAP_BOUND_BYTES = 1024 * 1024;

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** 10,000 advertisers, each heard once; resolves when the adapter has reported the last one gone. */
async function passBy(rig: Rig): Promise<{ online: number; closed: number; goneAt: number }> {
  const changes = { online: 0, closed: 0 };
  const counting = rig.adapter.status$.subscribe((s) => {
    if (s.channel.startsWith('f25eed') && (s.state === 'online' || s.state === 'closed')) changes[s.state]++;
  });
  // Half match the ruuvitag profile (frames, statuses, rate-limit state), half match nothing (noble only).
  const crowd = await rig.radio.simulateCrowd({ count: 10_000, kinds: ['beacon', 'ruuvi'] });
  // The last one delivered is a ruuvi: once it is reported gone, the sweep has passed every earlier one.
  const last = compact(crowd.at(-1) ?? '');
  const gone = await nextMatching(rig.status$, (s) => s.channel === last && s.state === 'closed');
  counting.unsubscribe();
  return { ...changes, goneAt: gone.at };
}

describe('BLE adapter, memory with rotating addresses', () => {
  it('forgets one-time advertisers after staleAfterMs: the adapter and noble hold only recent ones, and the heap stays flat', async () => {
    rig = await startRig(
      [unlimited('ruuvitag')],
      { devices: [{ kind: 'ruuvi', address: RESIDENT, intervalMs: 20 }] },
      { staleAfterMs: 1000 },
    );
    await nextMatching(rig.frames$, fromResident);

    const first = await passBy(rig);
    expect(first).toMatchObject({ online: 5_000, closed: 5_000 });
    const stats = rig.adapter.stats();
    expect(stats).toMatchObject({ peripherals: 1, announced: 1, rateLimiterKeys: 1, gattLinks: 0, gattWaiting: 0, faults: 0 });
    expect(stats.noble).toEqual({ peripherals: 1, services: 1, characteristics: 1, descriptors: 1, discovered: 1 });
    // The resident device was never forgotten: its frames go on.
    await nextMatching(rig.frames$, (frame) => fromResident(frame) && frame.at > first.goneAt);

    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    const second = await passBy(rig);
    expect(second).toMatchObject({ online: 5_000, closed: 5_000 });
    collectGarbage();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(HEAP_BOUND_BYTES);
    expect(rig.adapter.stats().noble.peripherals).toBe(1);
  });
});
