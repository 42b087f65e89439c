/** One outgoing event as the queue keeps it: everything needed to publish it again after a crash. */
export interface QueuedEvent {
  /** Monotonic: the order events were read in, across restarts. */
  readonly id: number;
  /** `typeId/deviceId`: per-device order and per-device counters. */
  readonly device: string;
  readonly topic: string;
  readonly payload: string;
  readonly qos: 0 | 1;
  /** Wall-clock ms when the frame was read. */
  readonly readAt: number;
  /** Topic plus payload bytes, what `maxBytes` counts. */
  readonly bytes: number;
}

/** What to do when the queue is full: drop the oldest events to make room, or refuse the new one. */
export type FullPolicy = 'drop-oldest' | 'drop-newest';

/** Why the queue gave an event up. */
export type QueueDropReason = 'full' | 'expired' | 'write-failed' | 'refused';

/** Gauges and counters of the queue, for metrics, the health event and `wiotp-gateway store stats`. */
export interface QueueStats {
  /** Events queued (not yet acknowledged, or kept until their device's registration is confirmed). */
  depth: number;
  /**
   * Of `depth`, those delivered already and only kept while their device settles (admission's `settleMs`): sent
   * again only if its registration fails. The rest wait to be sent.
   */
  retained: number;
  bytes: number;
  /** Read time of the oldest queued event, ms; undefined when empty. */
  oldestReadAt: number | undefined;
  appended: number;
  acknowledged: number;
  /** Transactions committed (group commits: far fewer than events). */
  commits: number;
  /** Events appended but not yet committed (on disk within the commit interval). */
  uncommitted: number;
  /** Background flushes of the log to the disk (synchronous: full), and when the last one finished (ms). */
  flushes: number;
  flushedAt: number | undefined;
  /** Times the log was copied into the database (each followed by the database's fsync, off the event loop too). */
  checkpoints: number;
  /** Syncs of the file the disk failed (EIO: an SD card wearing out); each is logged. */
  syncFailures: number;
  dropped: Record<QueueDropReason, number>;
  /** Where it lives; ':memory:' when the store is off. */
  location: string;
  durable: boolean;
  /** Why it is in memory although a file was asked for (the store could not be opened); absent when that was the choice. */
  fallbackReason?: string;
}

/**
 * Of the queued events, how many were delivered already and are only kept while their device settles (admission's
 * `settleMs`), as readiness and `status` say it; '' when none. Without it a queue of delivered events reads as a backlog.
 */
export function settlingNote(queue: Pick<QueueStats, 'depth' | 'retained'>): string {
  // Absent too: `status` may ask a gateway older than this count.
  if (!queue.retained) return '';
  const waiting = queue.depth - queue.retained;
  return ` (${waiting > 0 ? `${waiting} to send; ` : ''}${queue.retained} delivered, kept while their device settles)`;
}

/** Why the queue is in memory, as readiness and `status` say it: by choice or because the store failed; undefined on disk. */
export function inMemoryNote(queue: Pick<QueueStats, 'durable' | 'fallbackReason'>): string | undefined {
  if (queue.durable) return undefined;
  return queue.fallbackReason === undefined
    ? 'in memory: store.enabled is false'
    : `in memory only: the store could not be opened (${queue.fallbackReason})`;
}
