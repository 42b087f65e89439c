// The durable queue against a power cut at every step of a busy outage: checkpoints, the log written again after
// them, devices dropped and remembered while commits are held. The disk model is the strict one: a file's content survives as it was when its
// last completed fsync began; everything written since is lost, or (second model) the log's writes all survive while
// the database's unsynced ones are lost, the order that would corrupt the file if the log were written again before
// the database's copy of it was on the disk. Every fsync the queue asks for goes through here (SQLite itself syncs
// nothing while it runs: src/store/file-sync.ts), so the crash states are exact, without a block device.

import { type fsync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../src/store/sqlite-queue.js';
import { capturingLogger } from '../support/logger.js';
import { testQueueOptions } from '../support/queue-options.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-power-cut-'));
  dirs.push(dir);
  return dir;
}

const readIfThere = (path: string): Buffer | undefined => {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
};

/** The events and known devices a database file and its log hold, read as SQLite would after a restart. */
function contentOf(database: Buffer | undefined, log: Buffer | undefined, dir: string): string {
  const file = join(dir, 'queue.sqlite');
  rmSync(`${file}-shm`, { force: true });
  rmSync(`${file}-wal`, { force: true });
  writeFileSync(file, database ?? Buffer.alloc(0));
  if (log) writeFileSync(`${file}-wal`, log);
  const db = new Database(file);
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') return `corrupt: ${String(integrity)}`;
    const events = db.prepare('SELECT id, device, payload, retained FROM events ORDER BY id').all();
    const devices = db.prepare('SELECT device FROM devices ORDER BY device').all();
    return JSON.stringify({ events, devices });
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  } finally {
    db.close();
  }
}

/**
 * A disk whose fsyncs complete when the test says, remembering what each one made durable. An fsync that completes
 * after a later one of the same file makes nothing older durable again: each snapshot is numbered.
 */
class StrictDisk {
  private readonly durable = new Map<string, { content: Buffer | undefined; taken: number }>();
  private taken = 0;
  private expectedTaken = 0;
  private readonly pending: Array<{
    path: string;
    content: Buffer | undefined;
    taken: number;
    /** For the log's flush: what the files held together when it began. */
    logical?: string;
    done: (error: null) => void;
  }> = [];
  private readonly scratch = tempDir();
  /** The log's logical content when its last completed flush began: what a cut keeps at least. */
  expectedAfterCut = '';

  constructor(readonly file: string) {}

  /** The queue is open: opening synced the file on the spot (synchronous = FULL while it is set up). */
  opened(): void {
    this.durable.set(this.file, { content: readIfThere(this.file), taken: 0 });
    this.durable.set(`${this.file}-wal`, { content: readIfThere(`${this.file}-wal`), taken: 0 });
    this.expectedAfterCut = this.current();
  }

  readonly fsync = ((fd: number, done: (error: null) => void) => {
    const path = readlinkSync(`/proc/self/fd/${fd}`);
    const content = statSync(path).isDirectory() ? undefined : readFileSync(path);
    const logical = path === `${this.file}-wal` ? this.logicalAt(readIfThere(this.file), content) : undefined;
    this.pending.push({ path, content, taken: ++this.taken, ...(logical ? { logical } : {}), done });
  }) as typeof fsync;

  readonly fsyncSync = (fd: number): void => {
    const path = readlinkSync(`/proc/self/fd/${fd}`);
    this.durable.set(path, { content: readFileSync(path), taken: ++this.taken });
  };

  get waiting(): number {
    return this.pending.length;
  }

  /** Completes the `index`-th waiting fsync. */
  complete(index: number): void {
    const [call] = this.pending.splice(index, 1);
    if (!call) return;
    if (call.content && call.taken > (this.durable.get(call.path)?.taken ?? 0)) {
      this.durable.set(call.path, { content: call.content, taken: call.taken });
    }
    if (call.logical && call.taken > this.expectedTaken) {
      this.expectedAfterCut = call.logical;
      this.expectedTaken = call.taken;
    }
    call.done(null);
  }

  /** What the files say now (the page cache). */
  current(): string {
    return this.logicalAt(readIfThere(this.file), readIfThere(`${this.file}-wal`));
  }

  /** After a cut where only synced content survives. */
  cut(): string {
    return contentOf(this.durable.get(this.file)?.content, this.durable.get(`${this.file}-wal`)?.content, this.scratch);
  }

  /** After a cut where the log's every write survived but the database's unsynced ones did not. */
  cutKeepingTheLog(): string {
    return contentOf(this.durable.get(this.file)?.content, readIfThere(`${this.file}-wal`), this.scratch);
  }

  private logicalAt(database: Buffer | undefined, log: Buffer | undefined): string {
    return contentOf(database, log, this.scratch);
  }
}

/** A small deterministic generator, so a failure names its seed and replays. */
function generator(seed: number) {
  let state = seed >>> 0 || 1;
  return (below: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
}

describe('SqliteQueue: a power cut at any step keeps what was synced, and never a corrupt file', () => {
  // `hangs`: now and then the disk takes over the hold limit (5 s) to answer. The queue says so, and goes on without a
  // hung flush of the log (nothing was copied yet) but not without a hung fsync of the database: commits went on there
  // once, and cuts in that window found the file damaged.
  for (const [synchronous, seed, hangs] of [
    ['normal', 1, false],
    ['full', 2, false],
    ['normal', 3, false],
    ['normal', 4, true],
    ['full', 5, true],
  ] as const) {
    it(`synchronous: ${synchronous}, seed ${seed}${hangs ? ', a disk that hangs' : ''}`, () => {
      let clock = 1_000_000;
      const file = join(tempDir(), 'queue.sqlite');
      const { logger, records } = capturingLogger();
      const disk = new StrictDisk(file);
      const queue = new SqliteQueue(
        testQueueOptions(file, {
          synchronous,
          checkpointBytes: 48 * 1024,
          fsync: disk.fsync,
          fsyncSync: disk.fsyncSync,
          now: () => clock,
          holdLimitMs: 5000,
          logger,
        }),
      );
      disk.opened();
      const random = generator(seed);
      const devices = ['sensor/a', 'sensor/b', 'sensor/c'];
      const unacknowledged: number[] = [];
      const pad = 'x'.repeat(200);
      let n = 0;
      try {
        for (let step = 0; step < 400; step++) {
          const action = random(10);
          if (action < 3) {
            const device = devices[random(devices.length)] as string;
            for (let k = random(40) + 1; k > 0; k--) {
              const event = queue.append(
                device,
                `iot-2/type/sensor/id/${device}/evt/e/fmt/json`,
                `{"n":${n++},"pad":"${pad}"}`,
                1,
                0,
              );
              if (event) unacknowledged.push(event.id);
            }
          } else if (action < 5) queue.commit();
          else if (action < 6) {
            for (let k = random(30); k > 0 && unacknowledged.length > 0; k--) {
              queue.acknowledge(unacknowledged.splice(random(unacknowledged.length), 1)[0] as number);
            }
          } else if (action < 9) {
            if (disk.waiting > 0) disk.complete(random(disk.waiting));
          } else if (hangs && random(3) === 0) {
            clock += 6000;
            queue.commit();
          } else if (random(2) === 0) queue.dropDevice(devices[random(devices.length)] as string);
          else queue.rememberDevice(devices[random(devices.length)] as string, random(2) === 0);

          const keptAtLeast = disk.expectedAfterCut;
          expect(disk.cut(), `step ${step}: a cut keeping only synced content`).toBe(keptAtLeast);
          expect(disk.cutKeepingTheLog(), `step ${step}: a cut keeping the log's unsynced writes`).toBe(disk.current());
        }
        // The run went through the order that matters: checkpoints, and the log written again after them.
        expect(queue.stats().checkpoints).toBeGreaterThan(2);
        // The hang runs went through both kinds of hang.
        expect(records(/commits wait for it/).length > 0).toBe(hangs);
        expect(records(/commits go on without waiting for it/).length > 0).toBe(hangs);
      } finally {
        queue.close();
      }
    });
  }
});
