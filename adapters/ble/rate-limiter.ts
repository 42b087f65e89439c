/** A profile's `transport.rateLimit`: at most one frame per interval, and/or only changed bytes. */
export interface RateLimitRule {
  intervalMs: number;
  onChange: boolean;
}

/**
 * Per-key admission of frames, grouped by channel (a key is one profile of a device, or one characteristic
 * of it). BLE sensors advertise several times a second; most deployments want a reading every few seconds
 * or on change only.
 */
export class RateLimiter {
  private readonly channels = new Map<string, Map<string, { at: number; bytes: Uint8Array }>>();

  /** True when a frame with these bytes may go out now on `channel` under `key`; records it if so. `at`: monotonic ms. */
  admit(channel: string, key: string, rule: RateLimitRule, bytes: Uint8Array, at: number): boolean {
    let last = this.channels.get(channel);
    const previous = last?.get(key);
    if (previous) {
      if (rule.intervalMs > 0 && at - previous.at < rule.intervalMs) return false;
      if (rule.onChange && equalBytes(previous.bytes, bytes)) return false;
    }
    if (!last) {
      last = new Map();
      this.channels.set(channel, last);
    }
    last.set(key, { at, bytes: Uint8Array.from(bytes) });
    return true;
  }

  /** Forgets a channel (a device that went away), so memory follows the devices in range. */
  forget(channel: string): void {
    this.channels.delete(channel);
  }

  /** Channels with something remembered. */
  get size(): number {
    return this.channels.size;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
