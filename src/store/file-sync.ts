import { closeSync, existsSync, fstatSync, fsync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { monotonicNow } from '../clock.js';

/** What FileSync needs from the queue, and what tests may replace. */
export interface FileSyncOptions {
  /** The database file; SQLite's write-ahead log is `${file}-wal`. */
  file: string;
  /** synchronous: full: flush the log after every commit, so a commit survives a power cut a few ms later. */
  flushEachCommit: boolean;
  /** Copy the log into the database once it holds this many bytes (SQLite's own default is ~4 MB). */
  checkpointBytes: number;
  /** Runs SQLite's checkpoint (synchronous = OFF, so it syncs nothing itself); false when it failed. */
  checkpoint: () => boolean;
  /** Commits held during a checkpoint may go. */
  resumed: () => void;
  /**
   * A sync of the file failed (an SD card wearing out answers EIO): what was committed since the last good one may
   * not survive a power cut. Reported, never thrown: a crash of the process loses nothing the page cache holds.
   */
  failed: (error: unknown) => void;
  /** The fsync that runs off the event loop; tests hold one to look inside the window it covers. */
  fsync?: typeof fsync;
  /** The one `settle` runs when the queue closes; tests make it fail. */
  fsyncSync?: typeof fsyncSync;
  /** How long commits wait for a checkpoint's syncs before going on without them (a disk that hangs). */
  holdLimitMs?: number;
  /** The monotonic clock of `holdLimitMs` (ms, src/clock.ts's monotonicNow); tests move it. */
  now?: () => number;
}

/** Commits wait this long at most for a checkpoint's syncs (an SD card under load takes a few seconds at worst). */
const HOLD_LIMIT_MS = 5000;

/**
 * Every fsync of the queue's file, off the event loop (libuv's thread pool). SQLite runs with synchronous = OFF
 * and automatic checkpoints off, because each of its own syncs ran inside a commit, on the event loop: the log
 * after each commit (synchronous = FULL: ~8 ms per thousand events on this VM), and at every checkpoint the log,
 * the database and, at the next commit, the log's header again (strace: 1–10 ms each here, far more on an SD
 * card, long enough for a serial port's 4 KB kernel buffer to overflow at 115,200 baud).
 *
 * What SQLite's ordering guaranteed is kept here, so a power cut can lose the last commits but never corrupt the
 * file: a checkpoint copies only log frames already on the disk (commits are held while the log is flushed first),
 * and the log is not reused until the database's copy is on the disk (commits stay held until that fsync is done, and
 * so do the queue's writes outside the group commit; only closing, see `settle`, syncs the database on the spot).
 * Flushes never overlap: a commit made during one is covered by the next.
 */
export class FileSync {
  private logFd: number | undefined;
  private fileFd: number | undefined;
  private flushing = false;
  private dirty = false;
  /** fsyncs running in the thread pool: the descriptors stay open until they are done. */
  private inFlight = 0;
  private closed = false;
  /** Descriptors of replaced files, closed once no fsync uses them. */
  private readonly retired: number[] = [];
  /** The log is big enough: commits wait while it is flushed, then copied into the database. */
  private checkpointWanted = false;
  /** The checkpoint is done and the database's fsync is running: the log must not be written. */
  private syncingFile = false;
  /** Tells a database fsync that finished late (after `settle` or `reset`) that it is no longer awaited. */
  private generation = 0;
  /** When commits began to wait for the checkpoint under way (ms). */
  private heldSince = 0;
  /** A sync outlived the hold limit and has not returned yet: no checkpoint until it does. */
  private stalled = false;
  /** The database's fsync under way outlived the hold limit, and that was said. */
  private overdueReported = false;
  private readonly holdLimitMs: number;
  private readonly now: () => number;
  private readonly fsync: typeof fsync;
  private readonly fsyncSync: typeof fsyncSync;
  /** When the last log flush finished (ms); 0 before the first. */
  lastFlushedAt = 0;
  flushes = 0;
  checkpoints = 0;
  failures = 0;

  constructor(private readonly options: FileSyncOptions) {
    this.fsync = options.fsync ?? fsync;
    this.fsyncSync = options.fsyncSync ?? fsyncSync;
    this.holdLimitMs = options.holdLimitMs ?? HOLD_LIMIT_MS;
    this.now = options.now ?? monotonicNow;
  }

  /**
   * Whether commits must wait (they are resumed by `options.resumed`): a checkpoint is under way. A disk that hangs
   * would keep them waiting, and every event read meanwhile in memory, for as long as it hangs. Past `holdLimitMs`
   * that is said (and counted as a failed sync), and then it depends on which sync hung:
   * - the log's flush before the checkpoint: nothing was copied yet, so the checkpoint is given up and commits go on;
   *   the log is not checkpointed again until that flush returns;
   * - the database's, after the checkpoint: commits keep waiting (the queue caps what it keeps in memory meanwhile).
   *   Going on would write the log again from its start before the database's copy of it is on the disk, the one
   *   order a power cut turns into a corrupt file, and with it every event the file held
   *   (test/store/power-cut.test.ts found it when commits went on there).
   */
  holds(): boolean {
    if (!this.checkpointWanted && !this.syncingFile) return false;
    if (this.now() - this.heldSince < this.holdLimitMs) return true;
    const late = `the disk has not finished a sync in ${this.holdLimitMs / 1000} s (it may be failing)`;
    if (this.syncingFile) {
      if (!this.overdueReported) {
        this.overdueReported = true;
        const detail = `${late}: commits wait for it, as going on could let a power cut corrupt the file; what is read meanwhile waits in memory, the oldest dropped beyond the queue's limit`;
        this.failed(Object.assign(new Error(detail), { code: 'ETIMEDOUT' }));
      }
      return true;
    }
    this.checkpointWanted = false;
    this.stalled = true;
    this.failed(Object.assign(new Error(`${late}: commits go on without waiting for it`), { code: 'ETIMEDOUT' }));
    return false;
  }

  /** A commit was made: flush the log soon, and start a checkpoint when it has grown big enough. */
  committed(): void {
    if (this.closed) return;
    // journal_size_limit = 0: the log is cut back at its first commit after a checkpoint, so its size is what it holds.
    if (!this.checkpointWanted && !this.stalled && this.logSize() >= this.options.checkpointBytes) {
      this.checkpointWanted = true;
      this.heldSince = this.now();
    }
    if (this.options.flushEachCommit || this.checkpointWanted) this.flushLog();
  }

  /**
   * The queue is closing and writes its last commit now: a checkpoint not started yet is put off (closing checkpoints
   * anyway), and a database fsync under way is done on the spot, on the event loop, before the log is written again.
   * Nothing else may write while commits are held: the queue defers its other writes to the next commit.
   */
  settle(): void {
    this.checkpointWanted = false;
    if (!this.syncingFile) return;
    this.databaseSynced();
    this.generation++;
    if (this.fileFd === undefined) return;
    try {
      this.fsyncSync(this.fileFd);
      this.checkpoints++;
    } catch (error) {
      this.failed(error);
    }
  }

  /** Stops; the descriptors are closed once the fsyncs under way are done. */
  close(): void {
    this.closed = true;
    this.reset();
  }

  /** The files were replaced (moved aside as corrupt): nothing of the old ones is awaited; open the new ones. */
  reset(): void {
    this.checkpointWanted = false;
    this.databaseSynced();
    this.generation++;
    for (const fd of [this.logFd, this.fileFd]) if (fd !== undefined) this.retired.push(fd);
    this.logFd = undefined;
    this.fileFd = undefined;
    this.closeRetired();
  }

  private logSize(): number {
    try {
      if (this.logFd === undefined) {
        const log = `${this.options.file}-wal`;
        // SQLite creates the log at the first write; keep one descriptor to it (the file is reused, not replaced).
        if (!existsSync(log)) return 0;
        this.logFd = openSync(log, 'r');
        this.syncDirectory();
      }
      return fstatSync(this.logFd).size;
    } catch (error) {
      this.failed(error);
      return 0;
    }
  }

  /** A new log's name must reach the disk too (SQLite syncs the directory once after creating it): once, in the background. */
  private syncDirectory(): void {
    const fd = openSync(dirname(this.options.file), 'r');
    this.inFlight++;
    this.fsync(fd, (error) => {
      closeSync(fd);
      if (error) this.failed(error);
      this.done();
    });
  }

  private flushLog(): void {
    if (this.flushing) {
      this.dirty = true;
      return;
    }
    const fd = this.logFd;
    if (fd === undefined) return;
    this.flushing = true;
    this.dirty = false;
    this.inFlight++;
    this.fsync(fd, (error) => {
      this.flushing = false;
      if (error) this.failed(error);
      else {
        this.flushes++;
        this.lastFlushedAt = Date.now();
      }
      if (this.done()) return;
      // A commit made during the flush is covered by the next one (there is none while a checkpoint is wanted). After
      // a failed flush the checkpoint goes on all the same: power-cut safety went with the disk, and without
      // checkpoints the log would grow until the disk is full.
      if (this.dirty) this.flushLog();
      else if (this.checkpointWanted) this.checkpoint();
    });
  }

  /** The log is on the disk and nothing was committed since: copy it into the database, then sync the database. */
  private checkpoint(): void {
    this.checkpointWanted = false;
    if (!this.options.checkpoint()) return this.options.resumed();
    try {
      this.fileFd ??= openSync(this.options.file, 'r');
    } catch (error) {
      this.failed(error);
      return this.options.resumed();
    }
    this.syncingFile = true;
    const generation = ++this.generation;
    this.inFlight++;
    this.fsync(this.fileFd, (error) => {
      if (this.done() || generation !== this.generation) return;
      this.databaseSynced();
      // Failed, the commits still go on: holding them would only grow memory while the disk does not get better.
      if (error) this.failed(error);
      else this.checkpoints++;
      this.options.resumed();
    });
  }

  /** The database's fsync after a checkpoint is over (done, failed, or no longer awaited). */
  private databaseSynced(): void {
    this.syncingFile = false;
    this.overdueReported = false;
  }

  private failed(error: unknown): void {
    this.failures++;
    this.options.failed(error);
  }

  /** An fsync finished: true when nothing more is to be done (closed meanwhile). */
  private done(): boolean {
    this.inFlight--;
    this.stalled &&= this.inFlight > 0;
    this.closeRetired();
    return this.closed;
  }

  private closeRetired(): void {
    if (this.inFlight === 0) for (const fd of this.retired.splice(0)) closeSync(fd);
  }
}
