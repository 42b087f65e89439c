import { silentLogger } from '../../src/logging.js';
import type { QueueOptions } from '../../src/store/sqlite-queue.js';

/** The durable queue's options as the gateway's defaults make them, for a queue file of a test's own. */
export function testQueueOptions(file: string, overrides: Partial<QueueOptions> = {}): QueueOptions {
  return {
    file,
    identity: 'abc123/rpi/gw1',
    maxBytes: 64 * 1024 * 1024,
    maxAgeMs: 3_600_000,
    fullPolicy: 'drop-oldest',
    commitIntervalMs: 50,
    commitBatch: 1000,
    synchronous: 'full',
    logger: silentLogger(),
    ...overrides,
    // A test that moves its wall clock means time passing, not the clock being stepped: both clocks move together.
    monotonicNow: overrides.monotonicNow ?? overrides.now,
  };
}
