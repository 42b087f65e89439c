import type { Logger } from '../logging.js';
import type { QueueDropReason } from './queued-event.js';

const LOG_INTERVAL_MS = 60_000;
/** Devices whose drops are counted one by one at most: the ones longest without a drop are forgotten first. */
const MAX_DEVICES = 1000;

/**
 * Counts events the queue gave up, per reason and per device, and says so in the log at most once a
 * minute with the counts since the last line (a full disk must not flood a Pi's journal). The minute is on the
 * monotonic clock: on the wall clock, a step back of an hour would silence the line for that hour.
 */
export class DropCounter {
  readonly byReason: Record<QueueDropReason, number> = { full: 0, expired: 0, 'write-failed': 0, refused: 0 };
  /** Drops per device, for the MAX_DEVICES that dropped most recently (ids come and go: BLE addresses, ids in frames). */
  readonly byDevice = new Map<string, number>();
  private readonly unlogged = new Map<QueueDropReason, number>();
  private lastLog = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Logger,
    private readonly context: Record<string, unknown>,
    /** The monotonic clock (ms) that paces the log line (src/clock.ts's monotonicNow; tests move their own). */
    private readonly monotonicNow: () => number,
  ) {}

  count(device: string, reason: QueueDropReason, howMany = 1): void {
    this.byReason[reason] += howMany;
    const before = this.byDevice.get(device) ?? 0;
    // Deleted and set again, so the Map's order is the order of the last drop and its first key the stalest.
    this.byDevice.delete(device);
    this.byDevice.set(device, before + howMany);
    if (this.byDevice.size > MAX_DEVICES) this.byDevice.delete(this.byDevice.keys().next().value as string);
    this.unlogged.set(reason, (this.unlogged.get(reason) ?? 0) + howMany);
    const now = this.monotonicNow();
    if (now - this.lastLog < LOG_INTERVAL_MS) return;
    this.lastLog = now;
    const dropped = Object.fromEntries(this.unlogged);
    this.unlogged.clear();
    this.logger.warn(
      { ...this.context, dropped },
      'store: events dropped (queue full, too old, the disk unwritable, or the device refused); counts since the last such line',
    );
  }
}
