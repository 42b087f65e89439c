import { monotonicNow } from '../clock.js';
import type { Logger } from '../logging.js';

/** Distinct reasons a suppressed summary names, at most (a flood of variants must not make a huge line). */
const MAX_REASONS = 10;

interface Window {
  /** When its line was logged (monotonic ms). */
  at: number;
  /** Suppressed rejects by reason, since the last line. */
  suppressed: Map<string, number>;
  total: number;
}

/** A reject as the log sees it. */
export interface LoggedReject {
  stage: string;
  reason: string;
  source?: { channel: string };
  device?: { typeId: string; deviceId: string };
  bytes?: Uint8Array;
}

/**
 * Logs rejects without letting a noisy line flood the log (and burn a Pi's CPU): the first reject per
 * channel and stage is logged at once; later ones within `intervalMs` are counted by reason and summed up
 * in the next line (`suppressed: { reason: count }`), so nothing is silent. At debug level and below,
 * every reject is logged. A frame's bytes go into the line in hex (bounded). The windows are on the monotonic clock:
 * on the wall clock, a step back of an hour would make every channel's rejects silent for that hour.
 */
export class RejectLog {
  private readonly windows = new Map<string, Window>();
  private readonly everyOne: boolean;
  private lastSweep = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 5000,
    /** The monotonic clock (ms); tests move their own. */
    private readonly clock: () => number = monotonicNow,
  ) {
    this.everyOne = logger.isLevelEnabled('debug');
  }

  record(reject: LoggedReject): void {
    const where = reject.source?.channel ?? (reject.device ? `${reject.device.typeId}/${reject.device.deviceId}` : 'gateway');
    const hex = reject.bytes ? hexOf(reject.bytes) : undefined;
    if (this.everyOne) {
      this.logger.warn({ stage: reject.stage, where, ...(hex ? { hex } : {}) }, `rejected: ${reject.reason}`);
      return;
    }
    const key = `${reject.stage}|${where}`;
    const now = this.clock();
    this.sweep(now);
    const window = this.windows.get(key);
    if (window && now - window.at < this.intervalMs) {
      window.total++;
      if (window.suppressed.size < MAX_REASONS || window.suppressed.has(reject.reason))
        window.suppressed.set(reject.reason, (window.suppressed.get(reject.reason) ?? 0) + 1);
      return;
    }
    const summary =
      window && window.total > 0 ? { suppressed: Object.fromEntries(window.suppressed), suppressedTotal: window.total } : {};
    this.windows.set(key, { at: now, suppressed: new Map(), total: 0 });
    this.logger.warn({ stage: reject.stage, where, ...(hex ? { hex } : {}), ...summary }, `rejected: ${reject.reason}`);
  }

  /** Forgets channels quiet for a while (bounded memory), saying what they still had suppressed. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.intervalMs * 12) return;
    this.lastSweep = now;
    for (const [key, window] of this.windows) {
      if (now - window.at < this.intervalMs) continue;
      this.windows.delete(key);
      if (window.total === 0) continue;
      const [stage, where] = key.split('|');
      this.logger.warn(
        { stage, where, suppressed: Object.fromEntries(window.suppressed), suppressedTotal: window.total },
        'rejected: (summary of rejects not logged one by one)',
      );
    }
  }
}

/** A frame's first bytes in hex, for logs (bounded: a frame can be large). */
export function hexOf(bytes: Uint8Array, max = 64): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, max)).toString('hex');
  return bytes.byteLength > max ? `${hex}… (${bytes.byteLength} bytes)` : hex;
}
