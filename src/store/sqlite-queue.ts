import type Database from 'better-sqlite3';
import { monotonicNow, sleepInclusiveNow } from '../clock.js';
import type { Logger } from '../logging.js';
import { ClockStepWatch, describeStep, readOnOldClock } from './clock-step.js';
import { DropCounter } from './drop-counter.js';
import { FileSync } from './file-sync.js';
import { openQueueFile, prepareStatements, type QueueFileOptions, type RawRow, type Statements } from './queue-file.js';
import type { FullPolicy, QueuedEvent, QueueStats } from './queued-event.js';
import { describeStoreError, isCorruption, moveCorruptFileAside } from './store-errors.js';

/** Settings of the durable queue (config section `store`). */
export interface QueueOptions extends QueueFileOptions {
  maxBytes: number;
  maxAgeMs: number;
  fullPolicy: FullPolicy;
  /** Appends and acknowledgements are committed together at most this long after they happen. */
  commitIntervalMs: number;
  /** …or as soon as this many are waiting. */
  commitBatch: number;
  /** FULL survives a power cut (fsync per group commit); NORMAL only a crash of the process. */
  synchronous: 'full' | 'normal';
  /** Set by openQueue when this queue in memory stands in for a file that could not be used: why (stats say it). */
  fallbackReason?: string;
  /** Tests: the log's size that starts a checkpoint (default 4 MiB, as SQLite's own), and the fsync that FileSync runs. */
  checkpointBytes?: number;
  fsync?: typeof import('node:fs').fsync;
  /** Tests: the fsync FileSync runs on the event loop when the queue closes during a checkpoint. */
  fsyncSync?: typeof import('node:fs').fsyncSync;
  /** How long commits wait for a checkpoint's syncs at most (default 5 s), on the `monotonicNow` clock. */
  holdLimitMs?: number;
  logger: Logger;
  /** The wall clock, which read times are on (default Date.now). */
  now?: () => number;
  /**
   * Tests: the monotonic clock that paces the log lines about drops and errors (default src/clock.ts's monotonicNow)
   * and, unless `sleepInclusiveNow` is given, tells a step of the wall clock.
   */
  monotonicNow?: () => number;
  /** Tests: the clock that tells a step of the wall clock, suspend included (default src/clock.ts's sleepInclusiveNow). */
  sleepInclusiveNow?: () => number;
}

/** An event not committed yet, and what happened to it meanwhile. */
interface BufferedEvent extends Omit<QueuedEvent, 'payload' | 'readAt'> {
  payload: string;
  /** Moved by a step of the wall clock (see followClockStep). */
  readAt: number;
  /** When it was appended (performance.now()): it must be on disk by this + commitIntervalMs unless delivered. */
  appendedAt: number;
  state: 'queued' | 'retained' | 'gone';
}

/** Rows kept in memory at most while the file cannot be written (a full disk, a hung sync): beyond it the oldest go. */
const MAX_UNWRITTEN = 20_000;

/**
 * The durable outgoing queue (DESIGN: the durable queue and the sender): SQLite in WAL mode, one writer
 * (an exclusive lock, so a second process gets a clear error instead of "database is locked" loops).
 * Appends and acknowledgements are buffered and committed together every `commitIntervalMs` (group
 * commit, never one transaction per event); an event acknowledged before its commit is never written.
 * Events are read back in id order; size and age limits apply a policy and count what they drop.
 */
export class SqliteQueue {
  private db: Database.Database;
  private statements: Statements;
  private buffer: BufferedEvent[] = [];
  /** Buffered events not delivered yet (the rest are gone and will never be written). */
  private live = 0;
  /** Committed rows acknowledged since the last commit: true = keep (retained), false = delete. */
  private readonly acks = new Map<number, boolean>();
  private nextId: number;
  private committedMaxId: number;
  private count: number;
  private byteCount: number;
  /**
   * Of `count`, events delivered but kept while their device settles: buffered as 'retained', committed with
   * retained = 1, or a retaining acknowledgement waiting for the commit. A counter, so stats() never scans the file.
   */
  private retainedCount: number;
  private timer: NodeJS.Timeout | undefined;
  /**
   * When what is buffered must be committed (performance.now()), or 0 when nothing is waiting. The timer is not
   * cleared when the buffer settles or commits early: it finds nothing due and stops, so an event acknowledged
   * before its commit costs no timer at all (a setTimeout and a clearTimeout per event were ~10% of the CPU at 100
   * lines/s); while events keep coming the timer wakes the process once per interval.
   */
  private commitDue = 0;
  private expiryTimer: NodeJS.Timeout | undefined;
  /**
   * Writes outside the group commit (a device dropped or remembered, retained events released or reset, room made,
   * old events expired) asked for while a checkpoint holds commits: run in order at the next commit, before its
   * buffer. Writing the file then could reuse the log before the database's copy of it is on the disk, and syncing
   * the database on the spot would hang the event loop with a disk that hangs.
   */
  private deferred: Array<() => void> = [];
  /** A makeRoom or an expiry is among the deferred writes already (each runs once for all the asks). */
  private roomWanted = false;
  private expiryWanted = false;
  private closed = false;
  private readonly counters = { appended: 0, acknowledged: 0, commits: 0 };
  private readonly drops: DropCounter;
  /** Every fsync and checkpoint of the file, off the event loop; undefined in memory. */
  private readonly sync: FileSync | undefined;
  /**
   * When an error of each kind was last logged (monotonic ms): at most one line per kind every 10 s, so a failing sync
   * never hides a write that failed. Not on the wall clock, which a step back would make silent for as long.
   */
  private readonly errorLoggedAt = { read: -Infinity, write: -Infinity, sync: -Infinity };
  private readonly now: () => number;
  private readonly monotonicNow: () => number;
  private readonly clockWatch: ClockStepWatch;

  constructor(private readonly options: QueueOptions) {
    this.now = options.now ?? Date.now;
    this.monotonicNow = options.monotonicNow ?? monotonicNow;
    this.drops = new DropCounter(
      options.logger,
      { store: options.file, maxBytes: options.maxBytes, policy: options.fullPolicy },
      this.monotonicNow,
    );
    this.db = openQueueFile(options);
    this.statements = prepareStatements(this.db);
    this.sync =
      options.file === ':memory:'
        ? undefined
        : new FileSync({
            file: options.file,
            flushEachCommit: options.synchronous === 'full',
            checkpointBytes: options.checkpointBytes ?? 4 * 1024 * 1024,
            checkpoint: this.checkpoint,
            resumed: () => this.commit(),
            failed: (error) => this.onError(error, 'sync'),
            fsync: options.fsync,
            fsyncSync: options.fsyncSync,
            holdLimitMs: options.holdLimitMs,
            now: this.monotonicNow,
          });
    const totals = this.statements.totals.get() ?? { n: 0, b: 0, m: 0, r: 0 };
    this.count = totals.n;
    this.byteCount = totals.b;
    this.retainedCount = totals.r;
    this.committedMaxId = totals.m;
    this.nextId = totals.m + 1;
    // Not the monotonic clock: it stops while the machine is suspended, so a laptop's hour asleep would read as a step.
    this.clockWatch = new ClockStepWatch(
      this.now,
      options.sleepInclusiveNow ?? options.monotonicNow ?? sleepInclusiveNow,
      this.nextId,
    );
    this.expiryTimer = setInterval(() => this.expire(), Math.min(60_000, Math.max(1000, options.maxAgeMs / 10)));
    this.expiryTimer.unref();
    this.expire();
  }

  /** Where the queue lives (':memory:' when not durable). */
  get location(): string {
    return this.options.file;
  }

  /** Events queued now (committed or not). */
  get depth(): number {
    return this.count;
  }

  /**
   * Queues an event; it is on disk within `commitIntervalMs`. Returns undefined when the queue is full
   * and the policy is drop-newest (the drop is counted).
   */
  append(device: string, topic: string, payload: string, qos: 0 | 1, readAt: number): QueuedEvent | undefined {
    const bytes = topic.length + Buffer.byteLength(payload);
    if (this.byteCount + bytes > this.options.maxBytes) {
      if (this.options.fullPolicy === 'drop-newest' || bytes > this.options.maxBytes) {
        this.drops.count(device, 'full');
        return undefined;
      }
      this.makeRoom(bytes);
    }
    const appendedAt = performance.now();
    const event: BufferedEvent = { id: this.nextId++, device, topic, payload, qos, readAt, bytes, appendedAt, state: 'queued' };
    this.buffer.push(event);
    this.live++;
    this.count++;
    this.byteCount += bytes;
    this.counters.appended++;
    if (this.buffer.length >= this.options.commitBatch) this.commit();
    else this.scheduleCommit();
    return event;
  }

  /**
   * The event was delivered: deleted at the next commit, or never written if it is not yet. With `retain`
   * it stays (marked delivered, skipped by `readAfter`) until `releaseRetained` or `resetRetained`.
   */
  acknowledge(id: number, retain = false): void {
    this.counters.acknowledged++;
    if (id > this.committedMaxId) {
      const event = this.buffered(id);
      if (event?.state !== 'queued') return;
      if (retain) {
        event.state = 'retained';
        this.retainedCount++;
        return;
      }
      event.state = 'gone';
      // Delivered and never to be written: let its text go now rather than at the next commit, so that the
      // young-generation collections in between do not copy it (at saturation a commit interval holds ~1,000).
      event.payload = '';
      this.count--;
      this.byteCount -= event.bytes;
      // Everything buffered was delivered before its commit: nothing to write, so no timer to wake up for.
      if (--this.live === 0 && this.acks.size === 0) this.settleBuffer();
      return;
    }
    // An id acknowledged again before the commit (rare) replaces its first answer, in the count too.
    const before = this.acks.get(id) === true;
    this.acks.set(id, retain);
    if (retain !== before) this.retainedCount += retain ? 1 : -1;
    this.scheduleCommit();
  }

  /** Up to `limit` queued events after `after`, oldest first, skipping delivered ones. */
  readAfter(after: number, limit: number): QueuedEvent[] {
    const events: QueuedEvent[] = [];
    if (after < this.committedMaxId) {
      let rows: RawRow[];
      try {
        rows = this.statements.after.all(after, limit);
      } catch (error) {
        this.onError(error, 'read');
        rows = [];
      }
      for (const row of rows) {
        if (this.acks.has(row.id)) continue;
        events.push({
          id: row.id,
          device: row.device,
          topic: row.topic,
          payload: row.payload,
          qos: row.qos === 0 ? 0 : 1,
          readAt: row.read_at,
          bytes: row.bytes,
        });
      }
      if (rows.length === limit) return events;
    }
    for (let index = this.firstBufferedAfter(after); index < this.buffer.length && events.length < limit; index++) {
      const event = this.buffer[index] as BufferedEvent;
      if (event.state === 'queued') events.push(event);
    }
    return events;
  }

  /** The id of a device's oldest undelivered event, if it has one. */
  oldestOf(device: string): number | undefined {
    this.commit();
    try {
      const row = this.statements.oldestOf.get(device);
      if (row) return row.id;
    } catch (error) {
      this.onError(error, 'read');
    }
    return this.buffer.find((event) => event.device === device && event.state === 'queued')?.id;
  }

  /** Deletes a device's retained events (its registration is confirmed: they will never be resent). */
  releaseRetained(device: string): void {
    for (const event of this.buffer) {
      if (event.device !== device || event.state !== 'retained') continue;
      this.forget(event);
      event.state = 'gone';
    }
    this.recountLive();
    this.writeOutside(() => {
      for (const row of this.statements.releaseRetained.all(device)) this.forget(row);
    });
  }

  /** Makes a device's retained events undelivered again (its registration failed: they go again). */
  resetRetained(device: string): void {
    for (const event of this.buffer) {
      if (event.device !== device || event.state !== 'retained') continue;
      event.state = 'queued';
      this.retainedCount--;
    }
    this.writeOutside(() => {
      this.retainedCount -= this.statements.resetRetained.run(device).changes;
    });
  }

  /** Drops everything queued for a device (the service refused it for good), counted. */
  dropDevice(device: string): void {
    for (const event of this.buffer) {
      if (event.device !== device || event.state === 'gone') continue;
      this.forget(event);
      event.state = 'gone';
      this.drops.count(device, 'refused');
    }
    this.recountLive();
    this.writeOutside(() => {
      for (const row of this.statements.dropDevice.all(device)) {
        this.forget(row);
        this.drops.count(device, 'refused');
      }
    });
  }

  /** Commits what is buffered now: one transaction for every append and acknowledgement since the last. */
  commit(): void {
    this.commitDue = 0;
    if (this.closed || (this.buffer.length === 0 && this.acks.size === 0 && this.deferred.length === 0)) return;
    // A checkpoint is under way: FileSync resumes the commit when the file is safe to write again. On a disk that
    // hangs that may be long: what waits in memory meanwhile is capped as when the file cannot be written.
    if (this.sync?.holds()) {
      this.capUnwritten();
      return;
    }
    if (this.deferred.length > 0) this.runDeferred();
    const buffer = this.buffer;
    const acks = this.acks;
    const s = this.statements;
    const last = buffer[buffer.length - 1];
    // Retaining acknowledgements whose row went meanwhile (dropped, expired): out of the count once the commit holds.
    let retainsLost = 0;
    // The steady state: every event was acknowledged before its commit. Nothing to write, nothing to flush.
    if (acks.size === 0 && buffer.every((event) => event.state === 'gone')) return this.settleBuffer();
    try {
      this.db.transaction(() => {
        for (const event of buffer) {
          if (event.state === 'gone') continue;
          const retained = event.state === 'retained' ? 1 : 0;
          s.insert.run(event.id, event.device, event.topic, event.payload, event.qos, event.readAt, event.bytes, retained);
        }
        for (const [id, retain] of acks) {
          if (retain) retainsLost += 1 - s.retain.run(id).changes;
          else for (const row of s.delete.all(id)) this.forget(row);
        }
      })();
    } catch (error) {
      this.onError(error, 'write');
      this.capUnwritten();
      this.scheduleCommit();
      return;
    }
    this.counters.commits++;
    this.retainedCount -= retainsLost;
    if (last) this.committedMaxId = Math.max(this.committedMaxId, last.id);
    this.buffer = [];
    this.live = 0;
    // Deletions free pages: give them back once the queue is empty (after an outage, not on every commit).
    if (this.count === 0 && acks.size > 0) this.compact();
    acks.clear();
    this.sync?.committed();
  }

  /** Counts, bytes, the oldest event and what was dropped. */
  stats(): QueueStats {
    let oldestReadAt: number | undefined;
    try {
      oldestReadAt = this.statements.oldest.get()?.read_at;
    } catch {
      oldestReadAt = undefined;
    }
    oldestReadAt ??= this.buffer.find((event) => event.state !== 'gone')?.readAt;
    return {
      depth: this.count,
      retained: this.retainedCount,
      bytes: this.byteCount,
      oldestReadAt,
      ...this.counters,
      uncommitted: this.buffer.length,
      flushes: this.sync?.flushes ?? 0,
      flushedAt: this.sync?.lastFlushedAt || undefined,
      checkpoints: this.sync?.checkpoints ?? 0,
      syncFailures: this.sync?.failures ?? 0,
      dropped: { ...this.drops.byReason },
      location: this.options.file,
      durable: this.options.file !== ':memory:',
      ...(this.options.fallbackReason !== undefined ? { fallbackReason: this.options.fallbackReason } : {}),
    };
  }

  /** Events dropped per device (full, expired, unwritable). */
  droppedPerDevice(): ReadonlyMap<string, number> {
    return this.drops.byDevice;
  }

  /** Commits and closes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.sync?.settle();
    this.commit();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.sync?.close();
    try {
      // Closing checkpoints the log into the file and deletes the log: with its fsyncs, as the gateway is stopping.
      this.db.pragma('synchronous = FULL');
      this.db.close();
    } catch {
      // Closing a file that failed is not worth a crash.
    }
  }

  /**
   * Devices with delivered events kept (their registration was not confirmed yet when the gateway stopped), with
   * the read time of the oldest: admission lets them settle again rather than send everything twice.
   */
  retainedDevices(): Array<{ device: string; since: number }> {
    try {
      return this.statements.retainedDevices.all();
    } catch (error) {
      this.onError(error, 'read');
      return [];
    }
  }

  /** Devices whose registration the service confirmed for this gateway (they need no pending slot). */
  knownDevices(): string[] {
    try {
      return this.statements.knownDevices.all().map((row) => row.device);
    } catch (error) {
      this.onError(error, 'read');
      return [];
    }
  }

  /** Remembers (or forgets) that the service confirmed a device. */
  rememberDevice(device: string, confirmed: boolean): void {
    this.writeOutside(() => {
      if (confirmed) this.statements.rememberDevice.run(device, this.now());
      else this.statements.forgetDevice.run(device);
    });
  }

  /**
   * A write outside the group commit: now, after committing the buffer, or, while a checkpoint holds commits, at the
   * next commit (see `deferred`). A failure is logged, never thrown, and FileSync counts the write as a commit.
   */
  private writeOutside(write: () => void): void {
    if (this.closed) return;
    if (this.sync?.holds()) {
      this.deferred.push(write);
      // FileSync resumes the commit when the checkpoint is done; the timer covers one it gives up on (a hung flush).
      this.scheduleCommit();
      return;
    }
    this.commit();
    this.tryWrite(write);
    this.sync?.committed();
  }

  /** The writes deferred while a checkpoint held commits, in the order they were asked for (inside `commit`). */
  private runDeferred(): void {
    const writes = this.deferred;
    this.deferred = [];
    for (const write of writes) this.tryWrite(write);
    this.sync?.committed();
  }

  private tryWrite(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.onError(error, 'write');
    }
  }

  /** FileSync's checkpoint: copies the log into the database (PASSIVE: the only connection is this one). */
  private readonly checkpoint = (): boolean => {
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
      return true;
    } catch (error) {
      this.onError(error, 'write');
      return false;
    }
  };

  /** Forgets a buffer whose events were all delivered (none needs writing), and the commit it was waiting for. */
  private settleBuffer(): void {
    this.commitDue = 0;
    const last = this.buffer[this.buffer.length - 1];
    if (last) this.committedMaxId = Math.max(this.committedMaxId, last.id);
    this.buffer = [];
    this.live = 0;
  }

  /** Counts the buffered events not delivered yet, after a change other than the hot path's. */
  private recountLive(): void {
    this.live = this.buffer.reduce((sum, event) => sum + (event.state === 'gone' ? 0 : 1), 0);
  }

  /** Asks for a commit one interval after `since` (when the oldest event waiting was appended; now by default). */
  private scheduleCommit(since?: number): void {
    if (this.commitDue !== 0 || this.closed) return;
    const now = performance.now();
    this.commitDue = (since ?? now) + this.options.commitIntervalMs;
    this.timer ??= setTimeout(this.commitWhenDue, this.commitDue - now);
  }

  private readonly commitWhenDue = (): void => {
    this.timer = undefined;
    if (this.commitDue === 0 || this.closed) return;
    const wait = this.commitDue - performance.now();
    if (wait >= 1) this.timer = setTimeout(this.commitWhenDue, wait);
    else this.commitWhatIsDue();
  };

  /**
   * The timer's commit. When an event buffered for the whole interval is still undelivered, everything buffered is
   * written, as one transaction (at saturation, or offline). When none is (the deadline was an acknowledgement's, or
   * its event was delivered meanwhile), only the acknowledgements are: the events sent a moment ago wait for their
   * own deadline, and most are acknowledged before it and never written. At a steady rate the deadline falls in
   * step with the lines (one interval after a line's append or acknowledgement): writing the whole buffer then
   * caught the newest event in flight, wrote it and deleted it at the next commit, which caught the next one, for
   * good: a commit and an fsync every interval at 100 lines/s once anything (a keepalive ping, a collection) had
   * moved the timer just behind a line.
   */
  private commitWhatIsDue(): void {
    const from = this.buffer.findIndex((event) => event.state !== 'gone');
    const oldest = this.buffer[from];
    // The timer fires up to 1 ms early (commitWhenDue): an event is due from 1 ms before its deadline. While a
    // checkpoint holds the file, commit() caps what waits in memory.
    const due = oldest === undefined || oldest.appendedAt + this.options.commitIntervalMs - performance.now() < 1;
    if (due || this.sync?.holds()) return this.commit();
    // What was delivered before the oldest one waiting will never be written: let it go now.
    if (from > 0) this.committedMaxId = Math.max(this.committedMaxId, (this.buffer[from - 1] as BufferedEvent).id);
    const buffer = from > 0 ? this.buffer.slice(from) : this.buffer;
    const live = this.live;
    // commit() with nothing buffered writes the acknowledgements alone; the events waiting are put back after it.
    this.buffer = [];
    this.commit();
    this.buffer = buffer;
    this.live = live;
    this.scheduleCommit(oldest.appendedAt);
  }

  private buffered(id: number): BufferedEvent | undefined {
    const index = this.firstBufferedAfter(id - 1);
    const event = this.buffer[index];
    return event?.id === id ? event : undefined;
  }

  /** Index of the first buffered event with an id above `after` (binary search: ids ascend). */
  private firstBufferedAfter(after: number): number {
    let low = 0;
    let high = this.buffer.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.buffer[middle] as BufferedEvent).id <= after) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Takes a deleted row, or a buffered event given up (before it is marked gone), out of the counts. */
  private forget(row: { bytes: number; retained?: number; state?: BufferedEvent['state'] }): void {
    this.count--;
    this.byteCount -= row.bytes;
    if (row.retained === 1 || row.state === 'retained') this.retainedCount--;
  }

  /**
   * Drop-oldest: frees room for `needed` bytes and 1% of the limit more, so this runs once in many appends. While a
   * checkpoint holds commits it runs at the next commit, once for all the appends meanwhile (which go over the limit
   * until then, in memory, capped as when the file cannot be written).
   */
  private makeRoom(needed: number): void {
    if (this.roomWanted) return;
    this.roomWanted = true;
    this.writeOutside(() => {
      this.roomWanted = false;
      this.freeRoom(needed);
    });
  }

  private freeRoom(needed: number): void {
    const target = this.options.maxBytes - needed - Math.floor(this.options.maxBytes / 100);
    const average = this.count > 0 ? Math.max(1, this.byteCount / this.count) : 1;
    try {
      while (this.byteCount > target && this.count > this.buffer.length) {
        const rows = this.statements.dropOldest.all(Math.max(16, Math.ceil((this.byteCount - target) / average)));
        if (rows.length === 0) break;
        for (const row of rows) {
          this.forget(row);
          this.drops.count(row.device, 'full');
        }
      }
    } finally {
      while (this.byteCount > target && this.buffer.length > 0) {
        const event = this.buffer.shift() as BufferedEvent;
        if (event.state === 'gone') continue;
        this.forget(event);
        this.drops.count(event.device, 'full');
      }
      this.recountLive();
    }
  }

  /** While the file cannot take the buffer (a full disk, a hung sync), at most MAX_UNWRITTEN events wait: the oldest go, counted. */
  private capUnwritten(): void {
    if (this.buffer.length <= MAX_UNWRITTEN) return;
    for (const event of this.buffer.splice(0, this.buffer.length - MAX_UNWRITTEN)) {
      if (event.state === 'gone') continue;
      this.forget(event);
      this.drops.count(event.device, 'write-failed');
    }
    this.recountLive();
  }

  /** Deletes events older than `maxAgeMs`, oldest first; a step of the wall clock first moves the read times with it. */
  private expire(): void {
    if (this.closed) return;
    this.followClockStep();
    if (this.count === 0 || this.expiryWanted) return;
    this.expiryWanted = true;
    this.writeOutside(() => {
      this.expiryWanted = false;
      const before = this.now() - this.options.maxAgeMs;
      for (let rows = this.statements.expire.all(before); rows.length > 0; rows = this.statements.expire.all(before)) {
        for (const row of rows) {
          this.forget(row);
          this.drops.count(row.device, 'expired');
        }
      }
    });
  }

  /**
   * When the wall clock was stepped (NTP on a Pi without a real-time clock), moves the read times of the events read
   * on the old clock by the step, so that their age stays the time that really passed: a Pi that boots offline in
   * 1970 and reads for a day must not see that day expire when NTP sets the clock. Their `ts` stays as read.
   */
  private followClockStep(): void {
    const step = this.clockWatch.look(this.nextId);
    if (!step) return;
    let moved = 0;
    for (const event of this.buffer) {
      if (event.state === 'gone' || !readOnOldClock(step, event.id, event.readAt)) continue;
      event.readAt += step.stepMs;
      moved++;
    }
    // Rows committed by now; the buffer's events (higher ids) were moved above and are written as they are.
    const upTo = this.committedMaxId;
    this.writeOutside(() => {
      moved += this.statements.shiftReadTimes.run({
        step: step.stepMs,
        upTo,
        beforeId: step.beforeId,
        oldFrom: step.oldFrom,
        oldTo: step.oldTo,
      }).changes;
      this.options.logger.warn(
        { store: this.options.file, stepMs: step.stepMs, moved },
        `store: the wall clock was stepped by ${describeStep(step.stepMs)}; the read times of ${moved} queued events moved with it, so the step does not count as their age (their ts stays as read)`,
      );
    });
  }

  /** Gives freed pages back to the file system once the queue is empty (a long outage leaves a big file). */
  private compact(): void {
    try {
      this.db.pragma('incremental_vacuum');
    } catch {
      // Only a size optimisation.
    }
  }

  /** A failing file never takes the daemon down: corruption moves it aside and starts afresh; the rest is logged. */
  private onError(error: unknown, what: 'read' | 'write' | 'sync'): void {
    const file = this.options.file;
    if (isCorruption(error) && file !== ':memory:') {
      try {
        this.db.close();
      } catch {
        // It is corrupt; closing may fail too.
      }
      const aside = moveCorruptFileAside(file, new Date(this.now()));
      this.sync?.reset();
      this.options.logger.error(
        { store: file, movedTo: aside },
        `store: ${describeStoreError(error, file)}; moved aside, starting a fresh queue (the events in it are not sent)`,
      );
      this.db = openQueueFile(this.options);
      this.statements = prepareStatements(this.db);
      this.count = this.buffer.filter((event) => event.state !== 'gone').length;
      this.retainedCount = this.buffer.filter((event) => event.state === 'retained').length;
      this.byteCount = this.buffer.reduce((sum, event) => sum + (event.state === 'gone' ? 0 : event.bytes), 0);
      this.acks.clear();
      this.committedMaxId = 0;
      return;
    }
    const now = this.monotonicNow();
    if (now - this.errorLoggedAt[what] < 10_000) return;
    this.errorLoggedAt[what] = now;
    const consequence = what === 'sync' ? '; what was committed since the last sync may not survive a power cut' : '';
    this.options.logger.error({ store: file }, `store: cannot ${what}: ${describeStoreError(error, file)}${consequence}`);
  }
}
