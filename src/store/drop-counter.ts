import type { Logger } from '../logging.js';
import type { QueueDropReason } from './queued-event.js';

const LOG_INTERVAL_MS = 60_000;

/**
 * Counts events the queue gave up, per reason and per device, and says so in the log at most once a
 * minute with the counts since the last line (a full disk must not flood a Pi's journal).
 */
export class DropCounter {
  readonly byReason: Record<QueueDropReason, number> = { full: 0, expired: 0, 'write-failed': 0, refused: 0 };
  readonly byDevice = new Map<string, number>();
  private readonly unlogged = new Map<QueueDropReason, number>();
  private lastLog = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Logger,
    private readonly context: Record<string, unknown>,
    private readonly now: () => number,
  ) {}

  count(device: string, reason: QueueDropReason, howMany = 1): void {
    this.byReason[reason] += howMany;
    this.byDevice.set(device, (this.byDevice.get(device) ?? 0) + howMany);
    this.unlogged.set(reason, (this.unlogged.get(reason) ?? 0) + howMany);
    const now = this.now();
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
