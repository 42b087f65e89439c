import type { Logger } from '../logging.js';

/**
 * Logs rejected frames without letting a noisy line flood the log (and burn a Pi's CPU): the first
 * reject per channel and stage is logged at once, later ones at most every `intervalMs` with a count.
 */
export class RejectLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 5000,
  ) {}

  record(reject: {
    stage: string;
    reason: string;
    source?: { channel: string };
    device?: { typeId: string; deviceId: string };
  }): void {
    const where = reject.source?.channel ?? (reject.device ? `${reject.device.typeId}/${reject.device.deviceId}` : 'gateway');
    const key = `${reject.stage}|${where}`;
    const now = Date.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger.warn({ stage: reject.stage, where, ...(suppressed ? { suppressed } : {}) }, `rejected: ${reject.reason}`);
  }
}
