import { describeModbusFunction } from '../../src/codecs/modbus/modbus-codes.js';
import { type ModbusPollOptions, type PollRequest, planPolls } from '../../src/codecs/modbus/modbus-poll.js';
import { ModbusResponseDeframer } from '../../src/codecs/modbus/modbus-response-deframer.js';
import {
  checkCommandResponse,
  type ModbusRequest,
  type ModbusResponse,
  parseModbusRequest,
} from '../../src/codecs/modbus/modbus-rtu.js';
import type { ByteChannel } from './byte-channel.js';

/** What the master reports: a response frame to a poll, or why a transaction failed. */
export type MasterEvent =
  | { kind: 'response'; poll: PollRequest; bytes: Uint8Array; at: number }
  | { kind: 'failure'; poll?: PollRequest; slave: number; reason: string; at: number };

/**
 * Runs a Modbus RTU polling schedule on one bus, one transaction at a time (RTU is half-duplex):
 * write a request, wait for the response cut by ModbusResponseDeframer, or time out. Commands
 * share the same queue so they never collide with a poll on the wire.
 */
export class ModbusMaster {
  private readonly polls: PollRequest[];
  private readonly deframer = new ModbusResponseDeframer();
  private pending: { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly channel: ByteChannel,
    private readonly options: ModbusPollOptions,
    private readonly emit: (event: MasterEvent) => void,
  ) {
    this.polls = planPolls(options);
  }

  /** Bytes from the bus go here. */
  push(chunk: Uint8Array): void {
    this.handle(this.deframer.push(chunk, performance.now()));
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.handle(this.deframer.flush()), this.deframer.idleFlushMs);
  }

  /** Starts polling: one round now, then every intervalMs. */
  start(): void {
    const round = () => {
      if (this.stopped) return;
      void this.pollRound().finally(() => {
        if (!this.stopped) this.timer = setTimeout(round, this.options.intervalMs);
      });
    };
    round();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.flushTimer);
    this.pending?.reject(new Error('bus closed'));
  }

  /**
   * Sends a ready-made request frame (a command) in turn with the polls; resolves with the checked
   * response, rejects when the slave answers with an exception, a bad CRC or a wrong echo, or not in time.
   */
  async transact(bytes: Uint8Array): Promise<ModbusResponse> {
    const request = parseModbusRequest(bytes);
    if (!request.ok) throw new Error(request.reason);
    const frame = await this.enqueue(() => this.exchange(request.value, bytes));
    const response = checkCommandResponse(frame, request.value);
    if (!response.ok) throw new Error(response.reason);
    return response.value;
  }

  private async pollRound(): Promise<void> {
    for (const poll of this.polls) {
      if (this.stopped) return;
      try {
        const bytes = await this.enqueue(() => this.exchange(poll.request, poll.bytes));
        this.emit({ kind: 'response', poll, bytes, at: Date.now() });
      } catch (error) {
        if (!this.stopped)
          this.emit({ kind: 'failure', poll, slave: poll.slave, reason: (error as Error).message, at: Date.now() });
      }
    }
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private exchange(request: ModbusRequest, bytes: Uint8Array): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      const timeout = setTimeout(() => {
        this.pending = undefined;
        this.deframer.expect(undefined);
        const what = describeModbusFunction(request.function);
        reject(new Error(`slave ${request.slave} did not answer ${what} within ${this.options.responseTimeoutMs} ms`));
      }, this.options.responseTimeoutMs);
      this.pending = {
        resolve: (frame) => {
          clearTimeout(timeout);
          resolve(frame);
        },
        reject: (error) => {
          clearTimeout(timeout);
          reject(error);
        },
      };
      this.deframer.expect(request);
      this.channel.write(bytes).catch((error: Error) => this.pending?.reject(error));
    });
  }

  private handle(results: ReturnType<ModbusResponseDeframer['push']>): void {
    for (const result of results) {
      const pending = this.pending;
      if (!pending) continue;
      this.pending = undefined;
      this.deframer.expect(undefined);
      if (result.ok) pending.resolve(result.value);
      else pending.reject(new Error(result.reason));
    }
  }
}
