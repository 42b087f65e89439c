import type { ChannelStatus } from '../adapter.js';
import { concat, defer, from, type Observable, Subject } from '../rx.js';

/** Channels remembered at most (rotating BLE addresses must not grow it without end); offline ones go first. */
const MAX_CHANNELS = 4096;

/**
 * The latest status of each channel of one adapter, as a stream that first replays where every channel
 * stands (the adapter contract's `status$`), then follows the changes.
 */
export class ChannelBoard {
  /** Replays the current states, then every change; completes with `complete()`. */
  readonly status$: Observable<ChannelStatus>;
  private readonly latest = new Map<string, ChannelStatus>();
  private readonly changes = new Subject<ChannelStatus>();

  constructor(private readonly limit = MAX_CHANNELS) {
    this.status$ = concat(
      defer(() => from([...this.latest.values()])),
      this.changes,
    );
  }

  /** Records and announces a channel's new state. */
  set(status: ChannelStatus): void {
    // Re-inserted, so the map's order is oldest change first (eviction takes from the front).
    this.latest.delete(status.channel);
    this.latest.set(status.channel, status);
    if (this.latest.size > this.limit) this.evictOne();
    this.changes.next(status);
  }

  /** Every channel's latest state. */
  get channels(): ChannelStatus[] {
    return [...this.latest.values()];
  }

  complete(): void {
    this.changes.complete();
  }

  /** Ends the stream with an error (a plugin's own status$ failed). */
  fail(error: Error): void {
    this.changes.error(error);
  }

  private evictOne(): void {
    for (const [channel, status] of this.latest) {
      if (status.state === 'online') continue;
      this.latest.delete(channel);
      return;
    }
    const oldest = this.latest.keys().next().value;
    if (oldest !== undefined) this.latest.delete(oldest);
  }
}
