/** What the adapter remembers of one peripheral it heard. */
export interface HeardPeripheral {
  /** When it was last heard (monotonic ms, src/clock.ts). */
  at: number;
  /** Its channel, once an advertisement of it matched a profile. */
  channel?: string;
  /** Whether the adapter reported it online as an advertiser. */
  announced: boolean;
}

/**
 * The peripherals heard recently, by noble id. Rotating private addresses make every phone a new peripheral
 * every few minutes, so this is the one list the adapter's per-address state (and noble's caches) follow:
 * what `expire` hands back is forgotten everywhere.
 */
export class RecentPeripherals {
  private readonly heard = new Map<string, HeardPeripheral>();

  /** Records that `id` was heard at `at`; returns its entry for the caller to fill in. */
  hear(id: string, at: number): HeardPeripheral {
    const entry = this.heard.get(id);
    if (entry) {
      entry.at = at;
      return entry;
    }
    const added: HeardPeripheral = { at, announced: false };
    this.heard.set(id, added);
    return added;
  }

  get(id: string): HeardPeripheral | undefined {
    return this.heard.get(id);
  }

  /** Removes and returns the entries last heard before `cutoff`, except those `keep` holds on to. */
  expire(cutoff: number, keep: (id: string, entry: HeardPeripheral) => boolean): Array<[string, HeardPeripheral]> {
    const expired: Array<[string, HeardPeripheral]> = [];
    for (const [id, entry] of this.heard) {
      if (entry.at >= cutoff || keep(id, entry)) continue;
      this.heard.delete(id);
      expired.push([id, entry]);
    }
    return expired;
  }

  /** Channels reported online as advertisers. */
  announcedChannels(): string[] {
    return [...this.heard.values()].flatMap((entry) => (entry.announced && entry.channel ? [entry.channel] : []));
  }

  get size(): number {
    return this.heard.size;
  }
}
