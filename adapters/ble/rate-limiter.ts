/** A profile's `transport.rateLimit`: at most one frame per interval, and/or only changed bytes. */
export interface RateLimitRule {
  intervalMs: number;
  onChange: boolean;
}

/**
 * Per-key admission of frames (a key is one device, or one characteristic of it). BLE sensors advertise
 * several times a second; most deployments want a reading every few seconds or on change only.
 */
export class RateLimiter {
  private readonly last = new Map<string, { at: number; bytes: Uint8Array }>();

  /** True when a frame with these bytes may go out now; records it if so. */
  admit(key: string, rule: RateLimitRule, bytes: Uint8Array, at: number): boolean {
    const previous = this.last.get(key);
    if (previous) {
      if (rule.intervalMs > 0 && at - previous.at < rule.intervalMs) return false;
      if (rule.onChange && equalBytes(previous.bytes, bytes)) return false;
    }
    this.last.set(key, { at, bytes: Uint8Array.from(bytes) });
    return true;
  }

  /** Forgets every key that starts with `prefix` (a device that went away), so memory follows the devices in range. */
  forget(prefix: string): void {
    for (const key of this.last.keys()) if (key.startsWith(prefix)) this.last.delete(key);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
