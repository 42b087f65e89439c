import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './store-errors.js';

/** Where the queue's file is and how it is opened. */
export interface QueueFileOptions {
  /** The SQLite file, or ':memory:' (the store turned off: bounded, but lost on a crash). */
  file: string;
  /** The gateway the file belongs to ("org/typeId/deviceId"): a file of another gateway is never replayed. */
  identity: string;
  /** Tests: caps the file's pages, so a full disk (SQLITE_FULL) can be produced on purpose. */
  maxPageCount?: number;
}

/** One row of the events table, as SQLite returns it. */
export interface RawRow {
  id: number;
  device: string;
  topic: string;
  payload: string;
  qos: number;
  read_at: number;
  bytes: number;
}

/** A row a deletion that may hit delivered events took out: its size, and whether it was kept delivered (1) or not (0). */
export interface DeletedRow {
  bytes: number;
  retained: number;
}

/** Every statement the queue runs, prepared once per open file. */
export interface Statements {
  totals: Database.Statement<[], { n: number; b: number; m: number; r: number }>;
  insert: Database.Statement<[number, string, string, string, number, number, number, number]>;
  delete: Database.Statement<[number], { bytes: number }>;
  retain: Database.Statement<[number]>;
  after: Database.Statement<[number, number], RawRow>;
  oldestOf: Database.Statement<[string], { id: number }>;
  oldest: Database.Statement<[], { read_at: number }>;
  dropOldest: Database.Statement<[number], DeletedRow & { device: string }>;
  expire: Database.Statement<[number], DeletedRow & { device: string }>;
  releaseRetained: Database.Statement<[string], DeletedRow>;
  dropDevice: Database.Statement<[string], DeletedRow>;
  resetRetained: Database.Statement<[string]>;
  retainedDevices: Database.Statement<[], { device: string; since: number }>;
  knownDevices: Database.Statement<[], { device: string }>;
  rememberDevice: Database.Statement<[string, number]>;
  forgetDevice: Database.Statement<[string]>;
  /** Moves read times by a clock step: rows up to an id, read before another id or within the old clock's times. */
  shiftReadTimes: Database.Statement<[{ step: number; upTo: number; beforeId: number; oldFrom: number; oldTo: number }]>;
}

/**
 * Creates `folder` and the folders above it that are missing, one level at a time. Node 20's recursive mkdir
 * never returns where the file system refuses a folder under one that exists (/proc, /sys: ENOENT): it spins at
 * 100% CPU for good, deaf to SIGTERM. One level at a time, the refusal is an error naming the folder.
 */
function makeFolders(folder: string): void {
  const missing: string[] = [];
  for (let at = folder; !existsSync(at); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Opens (or creates) the queue's SQLite file: one writer (an exclusive lock, so a second process gets a clear
 * error instead of "database is locked" loops), WAL, a small page cache, the schema, and the gateway identity
 * it belongs to (a file of another gateway is refused with a StoreError naming both).
 */
export function openQueueFile(options: QueueFileOptions): Database.Database {
  const { file } = options;
  if (file !== ':memory:') makeFolders(dirname(file));
  // No busy wait: the only other user of the file is another process, and that is an error, not a wait.
  const db = new Database(file, { timeout: 0 });
  try {
    // One writer: a second process fails at once with SQLITE_BUSY. WAL without shared memory as a bonus.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    // SQLite syncs nothing itself (each of its fsyncs ran on the event loop): FileSync does them all, off the loop,
    // in the order SQLite would, and runs the checkpoints. OFF survives a crash of the process (the OS has the data).
    db.pragma('synchronous = OFF');
    db.pragma('wal_autocheckpoint = 0');
    // The log is cut back after each checkpoint, so its size on disk says how much it holds (FileSync reads it).
    db.pragma('journal_size_limit = 0');
    // better-sqlite3 builds SQLite with a 16 MB page cache: RSS grew with the backlog until it was full.
    // The queue reads and writes in id order, so 2 MB is plenty and RSS stays flat through an outage.
    db.pragma('cache_size = -2000');
    if (options.maxPageCount) db.pragma(`max_page_count = ${options.maxPageCount}`);
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY, device TEXT NOT NULL, topic TEXT NOT NULL, payload TEXT NOT NULL,
        qos INTEGER NOT NULL, read_at INTEGER NOT NULL, bytes INTEGER NOT NULL, retained INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS events_by_device ON events (device, id);
      CREATE TABLE IF NOT EXISTS devices (device TEXT PRIMARY KEY, confirmed_at INTEGER NOT NULL);
    `);
    const identity = db.prepare("SELECT value FROM meta WHERE key = 'identity'").get() as { value: string } | undefined;
    if (!identity) db.prepare("INSERT INTO meta (key, value) VALUES ('identity', ?)").run(options.identity);
    else if (identity.value !== options.identity) {
      throw new StoreError(
        file,
        'identity',
        `it belongs to gateway ${identity.value}, not ${options.identity}; point store.path elsewhere`,
      );
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Prepares every statement of the queue on an open file. */
export function prepareStatements(db: Database.Database): Statements {
  return {
    totals: db.prepare(
      'SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b, COALESCE(MAX(id), 0) AS m, COALESCE(SUM(retained), 0) AS r FROM events',
    ),
    insert: db.prepare(
      'INSERT INTO events (id, device, topic, payload, qos, read_at, bytes, retained) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    delete: db.prepare('DELETE FROM events WHERE id = ? RETURNING bytes'),
    retain: db.prepare('UPDATE events SET retained = 1 WHERE id = ?'),
    after: db.prepare(
      'SELECT id, device, topic, payload, qos, read_at, bytes FROM events WHERE id > ? AND retained = 0 ORDER BY id LIMIT ?',
    ),
    oldestOf: db.prepare('SELECT id FROM events WHERE device = ? AND retained = 0 ORDER BY id LIMIT 1'),
    oldest: db.prepare('SELECT read_at FROM events ORDER BY id LIMIT 1'),
    dropOldest: db.prepare(
      'DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?) RETURNING device, bytes, retained',
    ),
    expire: db.prepare(
      'DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT 1000) AND read_at < ? RETURNING device, bytes, retained',
    ),
    releaseRetained: db.prepare('DELETE FROM events WHERE device = ? AND retained = 1 RETURNING bytes, retained'),
    dropDevice: db.prepare('DELETE FROM events WHERE device = ? RETURNING bytes, retained'),
    resetRetained: db.prepare('UPDATE events SET retained = 0 WHERE device = ? AND retained = 1'),
    retainedDevices: db.prepare('SELECT device, MIN(read_at) AS since FROM events WHERE retained = 1 GROUP BY device'),
    knownDevices: db.prepare('SELECT device FROM devices ORDER BY confirmed_at, device'),
    rememberDevice: db.prepare('INSERT OR REPLACE INTO devices (device, confirmed_at) VALUES (?, ?)'),
    forgetDevice: db.prepare('DELETE FROM devices WHERE device = ?'),
    shiftReadTimes: db.prepare(
      'UPDATE events SET read_at = read_at + @step WHERE id <= @upTo AND (id < @beforeId OR read_at BETWEEN @oldFrom AND @oldTo)',
    ),
  };
}
