import { type QueueOptions, SqliteQueue } from './sqlite-queue.js';
import { describeStoreError, isBusy, isCorruption, moveCorruptFileAside, StoreError } from './store-errors.js';

/**
 * Opens the queue, and keeps the gateway running when the file cannot be used: a corrupt file is moved
 * aside (`*.corrupt-<time>`) and a fresh one started; a directory that cannot be written falls back to a
 * queue in memory (bounded, lost on a crash), loudly. Another process holding the file is an error.
 */
export function openQueue(options: QueueOptions): SqliteQueue {
  const { file, logger } = options;
  try {
    return new SqliteQueue(options);
  } catch (error) {
    if (isBusy(error)) throw new StoreError(file, 'busy', describeStoreError(error, file));
    if (error instanceof StoreError) throw error;
    if (isCorruption(error)) {
      const aside = moveCorruptFileAside(file, new Date());
      logger.error(
        { store: file, movedTo: aside },
        `store: ${describeStoreError(error, file)}; moved aside, starting a fresh queue (the events in it are not sent)`,
      );
      return new SqliteQueue(options);
    }
    const reason = describeStoreError(error, file);
    logger.error(
      { store: file },
      `store: ${reason}; queueing in memory instead: events read while offline are lost on a crash or restart`,
    );
    // The queue carries why, so readiness and `status` tell this fallback from a store turned off on purpose.
    return new SqliteQueue({ ...options, file: ':memory:', fallbackReason: reason });
  }
}
