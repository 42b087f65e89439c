import { closeSync, existsSync, fsync, openSync } from 'node:fs';

/**
 * Flushes SQLite's write-ahead log to the disk after each commit, in the background (libuv's thread
 * pool) instead of inside the commit: with `synchronous = FULL` every group commit blocked the event loop
 * for its fsync (about 8 ms per thousand events on this VM), which stalled reads and PUBACKs. SQLite runs
 * with NORMAL (durable against a crash of the process), and this makes each commit durable against a power
 * cut a few milliseconds later. Flushes never overlap: a commit made during one is covered by the next.
 */
export class WalFlusher {
  private fd: number | undefined;
  private flushing = false;
  private dirty = false;
  private closed = false;
  private stale = false;
  /** When the last flush finished (ms); 0 before the first. */
  lastFlushedAt = 0;
  flushes = 0;

  constructor(private readonly walFile: string) {}

  /** A commit was made: flush the log soon. */
  committed(): void {
    if (this.closed) return;
    if (this.flushing) {
      this.dirty = true;
      return;
    }
    if (this.fd === undefined) {
      // SQLite creates the log at the first write; keep one descriptor to it (the file is reused, not replaced).
      if (!existsSync(this.walFile)) return;
      this.fd = openSync(this.walFile, 'r');
    }
    this.flushing = true;
    this.dirty = false;
    fsync(this.fd, () => {
      this.flushing = false;
      this.flushes++;
      this.lastFlushedAt = Date.now();
      if (this.closed || this.stale) this.release();
      if (this.dirty && !this.closed) this.committed();
    });
  }

  /** Stops; the descriptor is closed once a flush in progress is done. */
  close(): void {
    this.closed = true;
    if (!this.flushing) this.release();
  }

  /** The log file was replaced (moved aside): open it again at the next commit. */
  reset(): void {
    if (!this.flushing) this.release();
    else this.stale = true;
  }

  private release(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.stale = false;
  }
}
