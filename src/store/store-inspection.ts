import Database from 'better-sqlite3';
import { describeStoreError, StoreError } from './store-errors.js';

/** What one device has queued. */
export interface DeviceBacklog {
  device: string;
  events: number;
  bytes: number;
  oldestReadAt: number;
}

/** What a stopped gateway's queue holds. */
export interface QueueInspection {
  file: string;
  identity: string | undefined;
  events: number;
  bytes: number;
  oldestReadAt: number | undefined;
  devices: DeviceBacklog[];
}

/** One queued event as `store export` writes it. */
export interface ExportedEvent {
  id: number;
  device: string;
  topic: string;
  qos: number;
  readAt: string;
  /** Delivered, kept until the device's registration is confirmed. */
  retained: boolean;
  payload: string;
}

/**
 * Opens a stopped gateway's queue for `wiotp-gateway store`: the same exclusive lock as the gateway's,
 * so a running gateway is reported instead of read behind its back.
 */
function openStopped(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.prepare('SELECT COUNT(*) FROM events').get();
    return db;
  } catch (error) {
    db?.close();
    throw new StoreError(file, 'open', describeStoreError(error, file).replace(/^store [^:]*: /, ''));
  }
}

/** Events, bytes and the oldest read time, per device and in all. */
export function inspectQueue(file: string): QueueInspection {
  const db = openStopped(file);
  try {
    const identity = (db.prepare("SELECT value FROM meta WHERE key = 'identity'").get() as { value: string } | undefined)?.value;
    const devices = db
      .prepare(
        'SELECT device, COUNT(*) AS events, SUM(bytes) AS bytes, MIN(read_at) AS oldestReadAt FROM events GROUP BY device ORDER BY device',
      )
      .all() as DeviceBacklog[];
    return {
      file,
      identity,
      events: devices.reduce((sum, d) => sum + d.events, 0),
      bytes: devices.reduce((sum, d) => sum + d.bytes, 0),
      oldestReadAt: devices.length ? Math.min(...devices.map((d) => d.oldestReadAt)) : undefined,
      devices,
    };
  } finally {
    db.close();
  }
}

/**
 * Every queued event, oldest first, handed to `write` one at a time (a backlog may be large: up to store.maxBytes).
 * When `write` returns a promise (its reader is behind: a pipe into `less` or over ssh), the next row waits for it, so
 * the export holds one row in memory, not the whole backlog as text.
 */
export async function exportQueue(file: string, write: (event: ExportedEvent) => Promise<void> | undefined): Promise<number> {
  const db = openStopped(file);
  try {
    let count = 0;
    const rows = db
      .prepare('SELECT id, device, topic, qos, read_at, retained, payload FROM events ORDER BY id')
      .iterate() as Iterable<{
      id: number;
      device: string;
      topic: string;
      qos: number;
      read_at: number;
      retained: number;
      payload: string;
    }>;
    for (const row of rows) {
      const written = write({
        id: row.id,
        device: row.device,
        topic: row.topic,
        qos: row.qos,
        readAt: new Date(row.read_at).toISOString(),
        retained: row.retained === 1,
        payload: row.payload,
      });
      if (written) await written;
      count++;
    }
    return count;
  } finally {
    db.close();
  }
}

/** Deletes every queued event (the devices the service confirmed are kept); returns how many went. */
export function purgeQueue(file: string): number {
  const db = openStopped(file);
  try {
    const deleted = db.prepare('DELETE FROM events').run().changes;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    return deleted;
  } finally {
    db.close();
  }
}
