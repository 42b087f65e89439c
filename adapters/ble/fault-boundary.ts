import type { Logger } from '../../src/logging.js';

/** A throw caught at one of the adapter's boundaries (a noble event, a timer, a link stream), turned into an error. */
export class AdapterFault extends Error {
  override readonly name = 'AdapterFault';

  constructor(
    readonly where: string,
    readonly channel: string,
    cause: unknown,
  ) {
    super(`internal error in ${where}: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`, {
      cause,
    });
  }
}

/**
 * Where throws from code that noble or a timer calls come to rest: nothing above those callers would catch
 * them, and one would end the process. Each is logged with its stack and counted; the caller decides what
 * goes offline and restarts.
 */
export class FaultCounter {
  private total = 0;

  constructor(private readonly logger: Logger) {}

  /** Throws contained so far. */
  get count(): number {
    return this.total;
  }

  /** Logs and counts a throw; returns it as an AdapterFault to report as a status or to error a stream with. */
  record(where: string, channel: string, error: unknown): AdapterFault {
    this.total++;
    const fault = new AdapterFault(where, channel, error);
    this.logger.error({ err: error, where, channel, faults: this.total }, `ble ${channel}: ${fault.message} (contained)`);
    return fault;
  }
}
