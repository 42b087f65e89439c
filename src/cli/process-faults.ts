import type { Logger } from '../logging.js';
import { EXIT_CODES } from './exit-codes.js';

/** What must be saved before the process ends on a fault: the durable queue. */
export interface QueueToSave {
  commit(): void;
  close(): void;
}

type FaultKind = 'uncaught exception' | 'unhandled rejection';

/**
 * The last line for the gateway's own bugs (plugins have threads of their own, adapters a boundary): an
 * uncaught exception or unhandled rejection in the gateway's thread is logged with its stack, the durable
 * queue is committed and closed, and the process ends with exit code 1, so that a supervisor (systemd's
 * Restart=on-failure) starts it again in a known state. Going on after one would run on state nobody can vouch for.
 */
export class ProcessFaults {
  private logger: Logger | undefined;
  private queue: QueueToSave | undefined;
  private handling = false;
  private readonly onException = (error: unknown) => this.handle('uncaught exception', error);
  private readonly onRejection = (reason: unknown) => this.handle('unhandled rejection', reason);

  constructor(private readonly exit: (code: number) => void = (code) => process.exit(code)) {}

  /** Installs the handlers; until `useLogger`, a fault is written to stderr. */
  install(): this {
    process.on('uncaughtException', this.onException);
    process.on('unhandledRejection', this.onRejection);
    return this;
  }

  uninstall(): void {
    process.off('uncaughtException', this.onException);
    process.off('unhandledRejection', this.onRejection);
  }

  /** Faults are logged here from now on. */
  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** The queue to commit and close on a fault, once the gateway has opened it. */
  protect(queue: QueueToSave): void {
    this.queue = queue;
  }

  private handle(kind: FaultKind, error: unknown): void {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (this.handling) {
      // A fault while saving the queue: say so and end now.
      process.stderr.write(`wiotp-gateway: ${kind} while stopping after a fault: ${text}\n`);
      return this.exit(EXIT_CODES.failure);
    }
    this.handling = true;
    const message = `${kind} in the gateway: ${error instanceof Error ? error.message : String(error)}`;
    const queue = this.queue ? 'committing the queue and exiting' : 'exiting (the gateway had not opened its queue yet)';
    if (this.logger)
      this.logger.fatal({ err: error, fault: kind }, `${message}; ${queue} so that a supervisor restarts the gateway`);
    else process.stderr.write(`wiotp-gateway: ${kind}: ${text}\n`);
    try {
      this.queue?.commit();
      this.queue?.close();
    } catch (saveError) {
      process.stderr.write(`wiotp-gateway: the queue could not be saved: ${(saveError as Error).message}\n`);
    }
    this.exit(EXIT_CODES.failure);
  }
}
