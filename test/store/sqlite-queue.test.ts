import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  type fsync,
  fsyncSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { openQueue } from '../../src/store/open-queue.js';
import { type QueueOptions, SqliteQueue } from '../../src/store/sqlite-queue.js';
import { StoreError } from '../../src/store/store-errors.js';
import { capturingLogger } from '../support/logger.js';
import { testQueueOptions } from '../support/queue-options.js';

const dirs: string[] = [];
const queues: SqliteQueue[] = [];
const immutable: string[] = [];

afterEach(() => {
  for (const queue of queues.splice(0)) queue.close();
  for (const dir of immutable.splice(0)) execFileSync('chattr', ['-i', dir]);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-queue-'));
  dirs.push(dir);
  return dir;
}

/** A directory nobody may write to, root included (root ignores mode bits: the immutable flag stops it). */
function readOnlyDirectory(): string {
  const dir = tempDir();
  if (process.getuid?.() === 0) {
    execFileSync('chattr', ['+i', dir]);
    immutable.push(dir);
  } else chmodSync(dir, 0o555);
  expect(() => writeFileSync(join(dir, 'probe'), 'x'), 'the directory must refuse writes for this test').toThrow();
  return dir;
}

function options(overrides: Partial<QueueOptions> = {}): QueueOptions {
  return testQueueOptions(join(tempDir(), 'queue.sqlite'), overrides);
}

function open(overrides: Partial<QueueOptions> = {}): SqliteQueue {
  const queue = new SqliteQueue(options(overrides));
  queues.push(queue);
  return queue;
}

/** Closes and reopens the same file, as a restart would. */
function reopen(queue: SqliteQueue, overrides: Partial<QueueOptions> = {}): SqliteQueue {
  queue.close();
  return open({ file: queue.location, ...overrides });
}

const topic = (device: string) => `iot-2/type/sensor/id/${device}/evt/status/fmt/json`;

function appendMany(queue: SqliteQueue, device: string, count: number, from = 0) {
  return Array.from(
    { length: count },
    (_, i) => queue.append(`sensor/${device}`, topic(device), `{"n":${from + i}}`, 1, Date.now())!,
  );
}

/**
 * An fsync that waits until the test releases it (it then runs the real one): what happens while the disk is slow
 * can be looked at step by step. Each waiting call is named by its file: the log, the database or their directory.
 */
function heldDisk() {
  const calls: Array<{ fd: number; done: (error: NodeJS.ErrnoException | null) => void }> = [];
  const fsyncHeld = ((fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
    calls.push({ fd, done });
  }) as typeof fsync;
  const name = (fd: number) => {
    const path = readlinkSync(`/proc/self/fd/${fd}`);
    if (statSync(path).isDirectory()) return 'directory';
    return path.endsWith('-wal') ? 'log' : 'database';
  };
  return {
    fsync: fsyncHeld,
    waiting: () => calls.map((call) => name(call.fd)),
    /** Runs the waiting fsyncs (only those of `which`, when given), in order; or fails them with `error`. */
    release(which?: 'log' | 'database' | 'directory', error?: NodeJS.ErrnoException) {
      for (const call of calls.filter((held) => which === undefined || name(held.fd) === which)) {
        calls.splice(calls.indexOf(call), 1);
        if (error) return call.done(error);
        fsyncSync(call.fd);
        call.done(null);
      }
    },
  };
}

/** What a failing disk answers an fsync. */
const ioError = (): NodeJS.ErrnoException =>
  Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5, syscall: 'fsync' });

const payloads = (queue: SqliteQueue, after = 0, limit = 10_000) => queue.readAfter(after, limit).map((event) => event.payload);

const appendOne = (queue: SqliteQueue, n: number) =>
  queue.append('a', 'iot-2/type/t/id/a/evt/e/fmt/json', `{"n":${n}}`, 1, Date.now()) as NonNullable<
    ReturnType<SqliteQueue['append']>
  >;

/** Runs `test` on a fake clock (timers and performance.now()). */
function onFakeClock(test: () => void): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  try {
    test();
  } finally {
    vi.useRealTimers();
  }
}

/** Queued, of those the delivered ones kept, and what is left to send (what a read returns: the count must agree). */
function kept(queue: SqliteQueue) {
  const { depth, retained } = queue.stats();
  return { depth, retained, toSend: payloads(queue).length };
}

describe('SqliteQueue: append, acknowledge, replay', () => {
  it('reads events back oldest first, before and after they are committed', () => {
    const queue = open();
    appendMany(queue, 'a', 3);
    expect(payloads(queue)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    queue.commit();
    appendMany(queue, 'a', 2, 3);
    expect(payloads(queue)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    expect(payloads(queue, 2, 2)).toEqual(['{"n":2}', '{"n":3}']);
  });

  it('commits a burst of appends in one transaction, not one per event', () => {
    const queue = open();
    appendMany(queue, 'a', 500);
    expect(queue.stats().commits).toBe(0);
    queue.commit();
    expect(queue.stats().commits).toBe(1);
  });

  it('commits on its own within the commit interval', async () => {
    const queue = open({ commitIntervalMs: 20 });
    appendMany(queue, 'a', 10);
    const started = Date.now();
    while (queue.stats().commits === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('arms no timer per event acknowledged before its commit, and still commits a later one within the interval', () =>
    onFakeClock(() => {
      const queue = open({ commitIntervalMs: 30 });
      const timers = vi.spyOn(globalThis, 'setTimeout');
      for (let i = 0; i < 100; i++) queue.acknowledge(appendOne(queue, i).id);
      expect(timers).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(20);
      queue.append('a', 'iot-2/type/t/id/a/evt/e/fmt/json', '{"late":1}', 1, Date.now());
      // The first timer fires at 30 ms, finds the late event due at 50 and waits for it.
      vi.advanceTimersByTime(29);
      expect(queue.stats().commits).toBe(0);
      vi.advanceTimersByTime(1);
      expect(queue.stats().commits).toBe(1);
      expect(queue.readAfter(0, 10).map((event) => event.payload)).toEqual(['{"late":1}']);
      // Nothing left to commit: the timer stops.
      vi.advanceTimersByTime(100);
      expect(vi.getTimerCount()).toBe(0);
      timers.mockRestore();
    }));

  it('leaves an event younger than the interval for its own deadline when the timer fires', () =>
    onFakeClock(() => {
      const queue = open({ commitIntervalMs: 50 });
      // A is written at its deadline (50 ms) and acknowledged a moment later: its row goes at the next commit, due
      // at 101 ms. B comes at 100 ms, in step with it, and is in flight when that commit runs.
      const a = appendOne(queue, 0);
      vi.advanceTimersByTime(50);
      expect(queue.stats().commits).toBe(1);
      vi.advanceTimersByTime(1);
      queue.acknowledge(a.id);
      vi.advanceTimersByTime(48);
      // One delivered in between is let go then too: it will never be written.
      queue.acknowledge(appendOne(queue, 9).id);
      vi.advanceTimersByTime(1);
      const b = appendOne(queue, 1);
      vi.advanceTimersByTime(1);
      expect(queue.stats()).toMatchObject({ commits: 2, uncommitted: 1, depth: 1 });
      queue.acknowledge(b.id);
      // B was delivered before its own deadline: never written, so no commit to delete it either.
      vi.advanceTimersByTime(300);
      expect(queue.stats()).toMatchObject({ commits: 2, uncommitted: 0, depth: 0 });
      // One still undelivered at its deadline is written then, not an interval later.
      const c = appendOne(queue, 2);
      vi.advanceTimersByTime(49);
      expect(queue.stats().commits).toBe(2);
      vi.advanceTimersByTime(1);
      expect(queue.stats().commits).toBe(3);
      expect(queue.readAfter(0, 10).map((event) => event.id)).toEqual([c.id]);
    }));

  it('writes the young events with a due one, in one transaction, and an acknowledgement-only commit leaves them', () =>
    onFakeClock(() => {
      const queue = open({ commitIntervalMs: 50 });
      const first = appendOne(queue, 0);
      vi.advanceTimersByTime(30);
      appendOne(queue, 1);
      vi.advanceTimersByTime(20);
      // At 50 ms the first is due: both go, together.
      expect(queue.stats()).toMatchObject({ commits: 1, uncommitted: 0, depth: 2 });
      queue.acknowledge(first.id);
      vi.advanceTimersByTime(40);
      appendOne(queue, 2);
      vi.advanceTimersByTime(10);
      // At 100 ms only the acknowledgement is due: the third waits for its own deadline (140 ms).
      expect(queue.stats()).toMatchObject({ commits: 2, uncommitted: 1, depth: 2 });
      vi.advanceTimersByTime(39);
      expect(queue.stats().commits).toBe(2);
      vi.advanceTimersByTime(1);
      expect(queue.stats()).toMatchObject({ commits: 3, uncommitted: 0, depth: 2 });
      expect(payloads(reopen(queue))).toEqual(['{"n":1}', '{"n":2}']);
    }));

  it('flushes each commit to the disk in the background (synchronous: full), not inside the commit', () => {
    const disk = heldDisk();
    const queue = open({ synchronous: 'full', fsync: disk.fsync });
    appendMany(queue, 'a', 10);
    queue.commit();
    // The log was created: its name goes to the disk once, with the first flush.
    expect(disk.waiting()).toEqual(['directory', 'log']);
    expect(queue.stats().flushes).toBe(0);
    disk.release();
    expect(queue.stats().flushes).toBe(1);
    expect(queue.stats().flushedAt).toBeGreaterThan(0);
    const none = heldDisk();
    const crashOnly = open({ synchronous: 'normal', fsync: none.fsync });
    appendMany(crashOnly, 'a', 1);
    crashOnly.commit();
    appendMany(crashOnly, 'a', 1, 1);
    crashOnly.commit();
    // normal: no flush per commit; only the new log's name, once.
    expect(none.waiting()).toEqual(['directory']);
  });

  it('keeps what it holds across a restart, in order, with ids that keep growing', () => {
    let queue = open();
    const first = appendMany(queue, 'a', 3);
    queue.acknowledge(first[0]!.id);
    queue = reopen(queue);
    expect(payloads(queue)).toEqual(['{"n":1}', '{"n":2}']);
    const [later] = appendMany(queue, 'a', 1, 3);
    expect(later!.id).toBeGreaterThan(first[2]!.id);
    expect(queue.stats()).toMatchObject({ depth: 3, durable: true });
  });

  it('never writes an event acknowledged before its commit, and deletes acknowledged ones at the next', () => {
    let queue = open();
    const [a, b] = appendMany(queue, 'a', 2);
    queue.acknowledge(a!.id);
    queue.commit();
    queue.acknowledge(b!.id);
    expect(payloads(queue)).toEqual([]);
    queue.commit();
    queue = reopen(queue);
    expect(queue.stats().depth).toBe(0);
  });

  it('keeps retained events out of reads until they are reset, and deletes them when released', () => {
    let queue = open();
    const events = [...appendMany(queue, 'new', 2), ...appendMany(queue, 'old', 1)];
    queue.commit();
    for (const event of events) queue.acknowledge(event.id, event.device === 'sensor/new');
    expect(payloads(queue)).toEqual([]);
    queue.resetRetained('sensor/new');
    expect(payloads(queue)).toEqual(['{"n":0}', '{"n":1}']);
    for (const event of events.slice(0, 2)) queue.acknowledge(event.id, true);
    queue.releaseRetained('sensor/new');
    expect(queue.stats().depth).toBe(0);
    queue = reopen(queue);
    expect(queue.stats().depth).toBe(0);
  });

  it('keeps retained events across a restart and names their devices, with the oldest read time', () => {
    let queue = open();
    const [event] = appendMany(queue, 'new', 1);
    queue.acknowledge(event!.id, true);
    queue = reopen(queue);
    expect(payloads(queue)).toEqual([]);
    expect(queue.retainedDevices()).toEqual([{ device: 'sensor/new', since: event!.readAt }]);
  });

  it('counts the delivered events it keeps (retained), buffered or on disk, across a restart, until reset or released', () => {
    let queue = open();
    const [a0, a1] = appendMany(queue, 'new', 2);
    appendMany(queue, 'old', 1);
    queue.acknowledge(a0!.id, true);
    expect(kept(queue)).toEqual({ depth: 3, retained: 1, toSend: 2 });
    queue.commit();
    // Acknowledged after its commit: counted at once, not only at the next commit.
    queue.acknowledge(a1!.id, true);
    expect(kept(queue)).toEqual({ depth: 3, retained: 2, toSend: 1 });
    queue.commit();
    queue = reopen(queue);
    expect(kept(queue)).toEqual({ depth: 3, retained: 2, toSend: 1 });
    queue.resetRetained('sensor/new');
    expect(kept(queue)).toEqual({ depth: 3, retained: 0, toSend: 3 });
    const [b0, b1] = queue.readAfter(0, 10).filter((event) => event.device === 'sensor/new');
    queue.acknowledge(b0!.id, true);
    queue.acknowledge(b1!.id, true);
    expect(kept(queue)).toEqual({ depth: 3, retained: 2, toSend: 1 });
    queue.releaseRetained('sensor/new');
    expect(kept(queue)).toEqual({ depth: 1, retained: 0, toSend: 1 });
  });

  it('takes the kept events it drops out of that count: a refused device, room made, expiry', () => {
    const refused = open();
    const bad = appendMany(refused, 'bad', 2);
    refused.acknowledge(bad[0]!.id, true);
    refused.commit();
    refused.acknowledge(bad[1]!.id, true);
    refused.acknowledge(appendMany(refused, 'bad', 1)[0]!.id, true);
    expect(kept(refused)).toEqual({ depth: 3, retained: 3, toSend: 0 });
    refused.dropDevice('sensor/bad');
    expect(kept(refused)).toEqual({ depth: 0, retained: 0, toSend: 0 });

    const full = open({ maxBytes: (topic('a').length + '{"n":0}'.length) * 10 });
    for (const event of appendMany(full, 'a', 8)) full.acknowledge(event.id, true);
    full.commit();
    appendMany(full, 'a', 4, 8);
    // Drop-oldest frees room in batches: however many went, what is left must add up.
    const left = kept(full);
    expect(full.stats().dropped.full).toBeGreaterThan(0);
    expect(left.retained).toBeLessThan(8);
    expect(left.depth).toBe(left.retained + left.toSend);

    let now = 10_000_000;
    const old = open({ maxAgeMs: 1000, now: () => now });
    for (const n of [0, 1]) old.acknowledge(old.append('sensor/a', topic('a'), `{"n":${n}}`, 1, now)!.id, true);
    old.commit();
    expect(kept(old)).toEqual({ depth: 2, retained: 2, toSend: 0 });
    now += 5000;
    (old as unknown as { expire(): void }).expire();
    expect(kept(old)).toEqual({ depth: 0, retained: 0, toSend: 0 });
  });

  it('finds a device’s oldest undelivered event', () => {
    const queue = open();
    appendMany(queue, 'a', 2);
    const [b0] = appendMany(queue, 'b', 2);
    expect(queue.oldestOf('sensor/b')).toBe(b0!.id);
    queue.acknowledge(b0!.id, true);
    expect(queue.oldestOf('sensor/b')).toBe(b0!.id + 1);
    expect(queue.oldestOf('sensor/none')).toBeUndefined();
  });

  it('drops everything of a refused device, counted', () => {
    const queue = open();
    appendMany(queue, 'bad', 3);
    appendMany(queue, 'good', 1);
    queue.dropDevice('sensor/bad');
    expect(payloads(queue)).toEqual(['{"n":0}']);
    expect(queue.stats().dropped.refused).toBe(3);
    expect(queue.droppedPerDevice().get('sensor/bad')).toBe(3);
  });
});

describe('SqliteQueue: checkpoints, with every fsync off the event loop', () => {
  /** Commits batches until the log reaches the checkpoint size and FileSync asks to flush it first. */
  function growLogUntilCheckpoint(queue: SqliteQueue, disk: ReturnType<typeof heldDisk>): number {
    let appended = 0;
    while (!disk.waiting().includes('log')) {
      appendMany(queue, 'a', 100, appended);
      appended += 100;
      queue.commit();
      disk.release('directory');
      expect(appended, 'the log never reached the checkpoint size').toBeLessThan(20_000);
    }
    return appended;
  }

  /** A queue checkpointing at 64 KiB whose log has just asked for a checkpoint, on a disk that hangs as long as the test says, with a clock it moves. */
  function queueOnHangingDisk() {
    const { logger, records } = capturingLogger();
    const disk = heldDisk();
    const clock = { now: Date.now() };
    const queue = open({
      synchronous: 'normal',
      checkpointBytes: 64 * 1024,
      logger,
      fsync: disk.fsync,
      now: () => clock.now,
      holdLimitMs: 5000,
    });
    return { queue, disk, records, clock, appended: growLogUntilCheckpoint(queue, disk) };
  }

  it('flushes the log, then copies it into the database, then syncs the database, and only then writes the log again', () => {
    const disk = heldDisk();
    // normal: no flush per commit, so the one flush asked for is the checkpoint's.
    const queue = open({ synchronous: 'normal', checkpointBytes: 64 * 1024, fsync: disk.fsync });
    const file = queue.location;
    const appended = growLogUntilCheckpoint(queue, disk);
    const commits = queue.stats().commits;
    const database = readFileSync(file);
    const log = readFileSync(`${file}-wal`);

    // 1. The log is being flushed: nothing is copied into the database yet, and commits wait.
    appendMany(queue, 'b', 5);
    queue.commit();
    expect(queue.stats().commits).toBe(commits);
    expect(readFileSync(file).equals(database)).toBe(true);

    // 2. The log is on the disk: the checkpoint copies it, and the database's own fsync is asked for.
    disk.release('log');
    expect(disk.waiting()).toEqual(['database']);
    expect(readFileSync(file).equals(database), 'the checkpoint wrote the database').toBe(false);
    // Until that fsync is done the log stays as it was (reusing it would lose what the database may not hold yet).
    appendMany(queue, 'b', 5, 5);
    queue.commit();
    expect(queue.stats().commits).toBe(commits);
    expect(readFileSync(`${file}-wal`).equals(log)).toBe(true);
    expect(queue.stats().checkpoints).toBe(0);
    // Events keep being read meanwhile, from memory.
    expect(payloads(queue).slice(-10)).toEqual(Array.from({ length: 10 }, (_, n) => `{"n":${n}}`));

    // 3. The database is on the disk: what waited is committed at once.
    disk.release('database');
    expect(queue.stats().checkpoints).toBe(1);
    expect(queue.stats().commits).toBe(commits + 1);
    expect(queue.stats().uncommitted).toBe(0);
    const reopened = reopen(queue);
    expect(reopened.depth).toBe(appended + 10);
    expect(payloads(reopened).slice(-10)).toEqual(Array.from({ length: 10 }, (_, n) => `{"n":${n}}`));
  });

  it('a write outside the group commit waits with the commits for the database fsync, never syncing on the event loop', () => {
    const disk = heldDisk();
    const onTheLoop = vi.fn();
    const queue = open({ synchronous: 'normal', checkpointBytes: 64 * 1024, fsync: disk.fsync, fsyncSync: onTheLoop });
    const file = queue.location;
    growLogUntilCheckpoint(queue, disk);
    appendMany(queue, 'b', 3);
    queue.commit();
    appendMany(queue, 'c', 2);
    disk.release('log');
    expect(disk.waiting()).toEqual(['database']);
    const log = readFileSync(`${file}-wal`);
    // The service refused device b for good, and confirmed device c: both are writes outside the group commit.
    queue.dropDevice('sensor/b');
    queue.rememberDevice('sensor/c', true);
    expect(queue.stats().dropped.refused).toBe(3);
    expect(readFileSync(`${file}-wal`).equals(log), 'the log is not written again before the database is synced').toBe(true);
    expect(onTheLoop).not.toHaveBeenCalled();
    // The database is on the disk: the deferred writes go in, then the buffer.
    disk.release('database');
    expect(queue.stats()).toMatchObject({ checkpoints: 1, uncommitted: 0 });
    const reopened = reopen(queue);
    expect(reopened.readAfter(0, 100_000).some((event) => event.device === 'sensor/b')).toBe(false);
    expect(reopened.readAfter(0, 100_000).filter((event) => event.device === 'sensor/c')).toHaveLength(2);
    expect(reopened.knownDevices()).toEqual(['sensor/c']);
  });

  it('reports a failed sync of the log, naming the file and the error, and goes on committing', () => {
    const { logger, records } = capturingLogger();
    const disk = heldDisk();
    const queue = open({ synchronous: 'full', logger, fsync: disk.fsync });
    appendMany(queue, 'a', 5);
    queue.commit();
    disk.release('directory');
    disk.release('log', ioError());
    const reported = records(/cannot sync/);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.msg).toContain(`the disk holding ${queue.location} reported an I/O error (EIO)`);
    expect(reported[0]?.msg).toContain('may not survive a power cut');
    expect(queue.stats()).toMatchObject({ flushes: 0, flushedAt: undefined, syncFailures: 1 });
    // The next commit is flushed again, and this time the disk answers.
    appendMany(queue, 'a', 5, 5);
    queue.commit();
    disk.release('log');
    expect(queue.stats().flushes).toBe(1);
    expect(payloads(reopen(queue))).toEqual(Array.from({ length: 10 }, (_, n) => `{"n":${n}}`));
  });

  it('a failed sync does not hide a write that fails right after it: each kind of error is said', () => {
    const { logger, records } = capturingLogger();
    const disk = heldDisk();
    const queue = open({ synchronous: 'full', logger, fsync: disk.fsync, maxPageCount: 16 });
    appendMany(queue, 'a', 5);
    queue.commit();
    disk.release('directory');
    disk.release('log', ioError());
    expect(records(/cannot sync/)).toHaveLength(1);
    // Within the same 10 s the disk fills up: events now stay in memory, which the log must say too.
    const pad = 'x'.repeat(3000);
    for (let n = 0; n < 30; n++) queue.append('sensor/a', topic('a'), `{"n":${n},"pad":"${pad}"}`, 1, Date.now());
    queue.commit();
    expect(records(/cannot write/)[0]?.msg).toContain(`the disk holding ${queue.location} is full`);
    expect(records(/cannot sync/)).toHaveLength(1);
  });

  it('reports a failed sync of the database after a checkpoint, and lets the held commits go', () => {
    const { logger, records } = capturingLogger();
    const disk = heldDisk();
    const queue = open({ synchronous: 'normal', checkpointBytes: 64 * 1024, logger, fsync: disk.fsync });
    const appended = growLogUntilCheckpoint(queue, disk);
    disk.release('log');
    appendMany(queue, 'b', 5);
    queue.commit();
    expect(queue.stats().uncommitted).toBe(5);
    disk.release('database', ioError());
    expect(records(/cannot sync/)[0]?.msg).toContain('(EIO)');
    // Held commits would only pile up in memory while the disk does not get better: they go on.
    expect(queue.stats()).toMatchObject({ uncommitted: 0, checkpoints: 0 });
    expect(reopen(queue).depth).toBe(appended + 5);
  });

  it('closing during the database fsync syncs it on the spot; a failed sync there is reported, not thrown', () => {
    const { logger, records } = capturingLogger();
    const disk = heldDisk();
    const failingSync = vi.fn(() => {
      throw ioError();
    }) as unknown as typeof fsyncSync;
    const queue = open({ synchronous: 'normal', checkpointBytes: 64 * 1024, logger, fsync: disk.fsync, fsyncSync: failingSync });
    growLogUntilCheckpoint(queue, disk);
    appendMany(queue, 'b', 3);
    disk.release('log');
    expect(disk.waiting()).toEqual(['database']);
    queue.dropDevice('sensor/b');
    expect(failingSync).not.toHaveBeenCalled();
    expect(() => queue.close()).not.toThrow();
    expect(failingSync).toHaveBeenCalledTimes(1);
    expect(records(/cannot sync/)[0]?.msg).toContain('(EIO)');
    expect(queue.stats().dropped.refused).toBe(3);
  });

  it('on a database fsync that hangs, the writes outside the group commit neither block nor pile up: drops, expiry and room made once', () => {
    const { queue, disk, clock, appended } = queueOnHangingDisk();
    disk.release('log');
    expect(disk.waiting()).toEqual(['database']);
    clock.now += 60_000;
    for (let round = 0; round < 1000; round++) {
      queue.dropDevice('sensor/z');
      queue.rememberDevice('sensor/z', false);
    }
    const deferred = () => (queue as unknown as { deferred: unknown[] }).deferred.length;
    expect(deferred()).toBe(2000);
    // A full queue asks for room at every append meanwhile, and the expiry timer at every tick: once each.
    (queue as unknown as { expire(): void }).expire();
    (queue as unknown as { expire(): void }).expire();
    (queue as unknown as { makeRoom(n: number): void }).makeRoom(10);
    (queue as unknown as { makeRoom(n: number): void }).makeRoom(10);
    expect(deferred()).toBe(2002);
    disk.release('database');
    expect(deferred()).toBe(0);
    expect(queue.stats()).toMatchObject({ checkpoints: 1, uncommitted: 0 });
    expect(reopen(queue).depth).toBe(appended);
  });

  it('stops waiting for a flush of the log that does not come back within the hold limit: says so, and commits', () => {
    const { queue, disk, records, clock, appended } = queueOnHangingDisk();
    appendMany(queue, 'b', 5);
    clock.now += 4999;
    queue.commit();
    expect(queue.stats().uncommitted, 'held while the log is being flushed').toBe(5);
    // The disk hangs: the events read meanwhile would pile up in memory for as long.
    clock.now += 1;
    queue.commit();
    expect(queue.stats()).toMatchObject({ uncommitted: 0, syncFailures: 1, checkpoints: 0 });
    expect(records(/cannot sync/)[0]?.msg).toContain(`${queue.location}: the disk has not finished a sync in 5 s`);
    // No new checkpoint while that sync is out: the commits go on, the log grows.
    appendMany(queue, 'c', 3000);
    queue.commit();
    expect(queue.stats().uncommitted).toBe(0);
    expect(disk.waiting()).toEqual(['log']);
    // It comes back at last: the next commit asks for a checkpoint again, and this one completes.
    disk.release('log');
    appendMany(queue, 'd', 1);
    queue.commit();
    disk.release('log');
    disk.release('database');
    expect(queue.stats().checkpoints).toBe(1);
    expect(reopen(queue).depth).toBe(appended + 3006);
  });

  it('keeps commits waiting for a database fsync that hangs (a power cut could corrupt the file otherwise), says so once, and caps what waits in memory', () => {
    const { queue, disk, records, clock, appended } = queueOnHangingDisk();
    disk.release('log');
    expect(disk.waiting()).toEqual(['database']);
    clock.now += 5000;
    appendMany(queue, 'b', 25_000);
    queue.commit();
    queue.commit();
    const reported = records(/cannot sync/);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.msg).toContain('the disk has not finished a sync in 5 s');
    expect(reported[0]?.msg).toContain('commits wait for it, as going on could let a power cut corrupt the file');
    // Still waiting, and what waits is capped as when the file cannot be written: the oldest go, counted.
    expect(queue.stats()).toMatchObject({ uncommitted: 20_000, syncFailures: 1, dropped: { 'write-failed': 5000 } });
    // The disk answers at last: the commit goes in.
    disk.release('database');
    expect(queue.stats()).toMatchObject({ uncommitted: 0, checkpoints: 1 });
    expect(reopen(queue).depth).toBe(appended + 20_000);
  });

  it('keeps the log bounded through a long outage, and closes with everything on the disk', () => {
    const disk = heldDisk();
    const queue = open({ synchronous: 'full', checkpointBytes: 64 * 1024, fsync: disk.fsync });
    for (let round = 0; round < 40; round++) {
      appendMany(queue, 'a', 100, round * 100);
      queue.commit();
      disk.release();
    }
    expect(queue.stats().checkpoints).toBeGreaterThanOrEqual(3);
    // Cut back after each checkpoint: never far above the size that starts one.
    expect(readFileSync(`${queue.location}-wal`).length).toBeLessThan(2 * 64 * 1024);
    appendMany(queue, 'a', 7, 4000);
    const reopened = reopen(queue);
    expect(reopened.depth).toBe(4007);
    expect(payloads(reopened).at(-1)).toBe('{"n":4006}');
  });
});

describe('SqliteQueue: limits', () => {
  const rowBytes = topic('a').length + '{"n":0}'.length;

  it('drop-oldest makes room for new events and counts what it dropped, per device', () => {
    const queue = open({ maxBytes: rowBytes * 100 });
    appendMany(queue, 'a', 100);
    appendMany(queue, 'a', 50, 100);
    const stats = queue.stats();
    expect(stats.bytes).toBeLessThanOrEqual(rowBytes * 100);
    expect(stats.dropped.full).toBeGreaterThanOrEqual(50);
    expect(stats.depth + stats.dropped.full).toBe(150);
    const kept = payloads(queue);
    expect(kept.at(-1)).toBe('{"n":149}');
    expect(queue.droppedPerDevice().get('sensor/a')).toBe(stats.dropped.full);
  });

  it('drop-newest refuses new events once full and keeps the old ones', () => {
    const queue = open({ maxBytes: rowBytes * 10, fullPolicy: 'drop-newest' });
    const appended = appendMany(queue, 'a', 15);
    expect(appended.filter(Boolean)).toHaveLength(10);
    expect(queue.stats().dropped.full).toBe(5);
    expect(payloads(queue).at(0)).toBe('{"n":0}');
  });

  it('logs drops at most once a minute, with the counts', () => {
    const { logger, records } = capturingLogger();
    const queue = open({ maxBytes: rowBytes * 10, fullPolicy: 'drop-newest', logger });
    appendMany(queue, 'a', 100);
    const lines = records(/events dropped/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ dropped: { full: 1 }, store: queue.location });
  });

  it('expires events older than maxAgeMs, oldest first', () => {
    let now = 10_000_000;
    const queue = open({ maxAgeMs: 1000, now: () => now });
    queue.append('sensor/a', topic('a'), '{"n":"old"}', 1, now - 5000);
    queue.append('sensor/a', topic('a'), '{"n":"new"}', 1, now);
    now += 500;
    queue.close();
    const reopened = open({ file: queue.location, maxAgeMs: 1000, now: () => now });
    expect(payloads(reopened)).toEqual(['{"n":"new"}']);
    expect(reopened.stats().dropped.expired).toBe(1);
  });
});

describe('SqliteQueue: a wall clock that is stepped (a Pi with no real-time clock, NTP)', () => {
  const HOUR = 3_600_000;
  const NTP_TIME = Date.UTC(2026, 11, 3, 12, 0, 0);
  const expire = (queue: SqliteQueue) => (queue as unknown as { expire(): void }).expire();

  function bootedIn1970(logger = silentLogger()) {
    const clock = { wall: 60_000, mono: 5_000 };
    const pass = (ms: number) => {
      clock.wall += ms;
      clock.mono += ms;
    };
    const queue = open({ maxAgeMs: 24 * HOUR, now: () => clock.wall, monotonicNow: () => clock.mono, logger });
    return { clock, pass, queue };
  }

  it('does not expire what was read offline before NTP set the clock decades forward, on disk and in the buffer', () => {
    const { logger, records } = capturingLogger();
    const { clock, pass, queue } = bootedIn1970(logger);
    for (let hour = 0; hour < 5; hour++) {
      queue.append('sensor/a', topic('a'), `{"hour":${hour}}`, 1, clock.wall);
      pass(HOUR);
      expire(queue);
    }
    queue.commit();
    queue.append('sensor/a', topic('a'), '{"hour":"last, not committed"}', 1, clock.wall);
    pass(1000);
    clock.wall = NTP_TIME;
    expire(queue);
    expect(queue.stats().dropped.expired ?? 0).toBe(0);
    expect(queue.depth).toBe(6);
    expect(records(/wall clock was stepped by \+56\.9 years; the read times of 6 queued events moved/)).toHaveLength(1);
    // Their ages are what really passed: the oldest was read 5 h ago, on the new clock.
    expect(queue.stats().oldestReadAt).toBe(NTP_TIME - 5 * HOUR - 1000);
    // A restart keeps the moved times, and they age as usual: 20 h later the two read 25 and 24 h ago expire.
    const reopened = reopen(queue, { maxAgeMs: 24 * HOUR, now: () => clock.wall, monotonicNow: () => clock.mono });
    expect(reopened.depth).toBe(6);
    expect(reopened.stats().dropped.expired ?? 0).toBe(0);
    clock.wall += 20 * HOUR;
    clock.mono += 20 * HOUR;
    expire(reopened);
    expect(reopened.depth).toBe(4);
    expect(reopened.stats().dropped.expired).toBe(2);
  });

  it('keeps the times of events read after the step on the new clock, and moves those read before it', () => {
    const { clock, pass, queue } = bootedIn1970();
    queue.append('sensor/a', topic('a'), '{"n":"before"}', 1, clock.wall);
    queue.commit();
    pass(10_000);
    clock.wall = NTP_TIME;
    queue.append('sensor/a', topic('a'), '{"n":"after"}', 1, clock.wall);
    queue.commit();
    pass(5_000);
    expire(queue);
    const reopened = reopen(queue, { now: () => clock.wall, monotonicNow: () => clock.mono });
    const rows = reopened.readAfter(0, 10).map((event) => [event.payload, event.readAt]);
    expect(rows).toEqual([
      ['{"n":"before"}', NTP_TIME - 10_000],
      ['{"n":"after"}', NTP_TIME],
    ]);
  });

  it('takes a suspend (an hour asleep: the wall clock and the sleep-inclusive one moved, the monotonic one not) for no step', () => {
    const { logger, records } = capturingLogger();
    const clock = { wall: NTP_TIME, mono: 5_000, boot: 9_000 };
    const queue = open({
      maxAgeMs: 2 * HOUR,
      logger,
      now: () => clock.wall,
      monotonicNow: () => clock.mono,
      sleepInclusiveNow: () => clock.boot,
    });
    queue.append('sensor/a', topic('a'), '{"n":"before the lid closed"}', 1, clock.wall);
    queue.commit();
    expire(queue);
    clock.wall += HOUR;
    clock.boot += HOUR;
    expire(queue);
    expect(records(/wall clock was stepped/)).toHaveLength(0);
    expect(queue.stats().oldestReadAt).toBe(NTP_TIME);
    // Its age counts the hour asleep: another hour and a minute awake, and it expires at its 2 h.
    clock.wall += HOUR + 60_000;
    clock.boot += HOUR + 60_000;
    clock.mono += HOUR + 60_000;
    expire(queue);
    expect(queue.stats().dropped.expired).toBe(1);
    expect(queue.depth).toBe(0);
  });

  it('still logs drops a minute after the wall clock was stepped back an hour (the minute is on the monotonic clock)', () => {
    const { logger, records } = capturingLogger();
    const clock = { wall: NTP_TIME, mono: 5_000 };
    const rowBytes = topic('a').length + '{"n":0}'.length;
    const queue = open({
      maxBytes: rowBytes * 2,
      fullPolicy: 'drop-newest',
      logger,
      now: () => clock.wall,
      monotonicNow: () => clock.mono,
    });
    const append = (n: number) => queue.append('sensor/a', topic('a'), `{"n":${n}}`, 1, clock.wall);
    for (let n = 0; n < 3; n++) append(n);
    expect(records(/events dropped/)).toHaveLength(1);
    // A minute passes, and meanwhile the wall clock is set back an hour.
    clock.mono += 60_000;
    clock.wall += 60_000 - HOUR;
    append(3);
    const lines = records(/events dropped/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ dropped: { full: 1 } });
  });

  it('still logs an error of the file 10 s after the wall clock was stepped back an hour', () => {
    const { logger, records } = capturingLogger();
    const clock = { wall: NTP_TIME, mono: 5_000 };
    const queue = open({ logger, now: () => clock.wall, monotonicNow: () => clock.mono });
    const fail = () => (queue as unknown as { onError(error: unknown, what: 'write'): void }).onError(new Error('EIO'), 'write');
    fail();
    fail();
    expect(records(/cannot write/)).toHaveLength(1);
    clock.mono += 10_000;
    clock.wall += 10_000 - HOUR;
    fail();
    expect(records(/cannot write/)).toHaveLength(2);
  });
});

describe('SqliteQueue: a file that cannot be used', () => {
  it('refuses the file of another gateway, naming it', () => {
    const queue = open();
    queue.close();
    expect(() => open({ file: queue.location, identity: 'abc123/rpi/other' })).toThrow(StoreError);
    expect(() => open({ file: queue.location, identity: 'abc123/rpi/other' })).toThrow(/belongs to gateway abc123\/rpi\/gw1/);
  });

  it('refuses a file another process holds, instead of "database is locked" loops', () => {
    const queue = open();
    expect(() => openQueue(options({ file: queue.location }))).toThrow(/in use by another process/);
  });

  it('moves a corrupt file aside, starts afresh and says so loudly', () => {
    const { logger, records } = capturingLogger();
    const dir = tempDir();
    const file = join(dir, 'queue.sqlite');
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const queue = openQueue(options({ file, logger }));
    queues.push(queue);
    appendMany(queue, 'a', 1);
    queue.commit();
    expect(queue.stats()).toMatchObject({ depth: 1, durable: true, location: file });
    expect(readdirSync(dir).some((name) => name.startsWith('queue.sqlite.corrupt-'))).toBe(true);
    expect(records(/moved aside, starting a fresh queue/)).toHaveLength(1);
  });

  it('falls back to memory, naming the path, when the directory cannot be created', () => {
    const { logger, records } = capturingLogger();
    const blocker = join(tempDir(), 'not-a-directory');
    writeFileSync(blocker, 'x');
    const file = join(blocker, 'queue.sqlite');
    const queue = openQueue(options({ file, logger }));
    queues.push(queue);
    expect(queue.stats()).toMatchObject({ durable: false, location: ':memory:' });
    const [line] = records(/queueing in memory instead/);
    expect(line?.msg).toContain(file);
    // Readiness and `status` say why, which tells this from a store turned off on purpose.
    expect(queue.stats().fallbackReason).toContain(file);
    appendMany(queue, 'a', 2);
    expect(payloads(queue)).toHaveLength(2);
  });

  it("is refused a folder under /proc at once, where Node's recursive mkdir spins for good", () => {
    // In a child process: were it to spin again, the child is killed at the timeout and this test fails, rather than
    // the test run hanging. The compiled queue file (npm test builds first).
    const module = new URL('../../dist/src/store/queue-file.js', import.meta.url).href;
    const file = `/proc/wiotp-no-such-${process.pid}/queue/queue.sqlite`;
    const script =
      `import { openQueueFile } from ${JSON.stringify(module)};` +
      `try { openQueueFile({ file: ${JSON.stringify(file)}, identity: 'o/t/d' }); console.log('opened'); }` +
      'catch (error) { console.log(error.code ?? error.message); }';
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000, encoding: 'utf8' });
    expect(output.trim()).toBe('ENOENT');
  });

  it('falls back to memory when the directory is read-only', () => {
    const { logger, records } = capturingLogger();
    const dir = readOnlyDirectory();
    const file = join(dir, 'queue.sqlite');
    const queue = openQueue(options({ file, logger }));
    queues.push(queue);
    expect(queue.stats().durable).toBe(false);
    expect(records(/queueing in memory instead/)[0]?.msg).toMatch(new RegExp(`${file}.*not writable|cannot open ${file}`));
    expect(queue.stats().fallbackReason).toMatch(new RegExp(`${file}.*not writable|cannot open ${file}`));
  });

  it('in memory when asked to be (store.enabled: false): no failure to report', () => {
    const { logger, records } = capturingLogger();
    const queue = openQueue(options({ file: ':memory:', logger }));
    queues.push(queue);
    expect(queue.stats()).toMatchObject({ durable: false, location: ':memory:' });
    expect(queue.stats().fallbackReason).toBeUndefined();
    expect(records(/./)).toEqual([]);
  });

  it('on a full disk keeps events in memory, says which file, and writes them once there is room', () => {
    const { logger, records } = capturingLogger();
    // max_page_count makes SQLite answer SQLITE_FULL exactly as a full disk does.
    let queue = open({ logger, maxPageCount: 16 });
    const big = 'x'.repeat(3000);
    const events = Array.from({ length: 30 }, (_, i) =>
      queue.append('sensor/a', topic('a'), `{"n":${i},"pad":"${big}"}`, 1, Date.now()),
    );
    queue.commit();
    expect(records(/disk holding .* is full/)[0]?.msg).toContain(queue.location);
    expect(queue.readAfter(0, 100)).toHaveLength(30);
    // Delivered meanwhile: those never need writing, and the rest now fits.
    for (const event of events.slice(0, 24)) queue.acknowledge(event!.id);
    queue.commit();
    expect(queue.stats().commits).toBe(1);
    queue = reopen(queue, { maxPageCount: 16 });
    expect(queue.readAfter(0, 100).map((event) => JSON.parse(event.payload).n)).toEqual([24, 25, 26, 27, 28, 29]);
  });
});
