import { fail, ok, type Result } from '../../result.js';
import type { Deframer } from '../framing/deframer.js';
import { describeModbusFunction, hex8 } from './modbus-codes.js';
import { expectedResponseLength, type ModbusRequest, responseDataBytes } from './modbus-rtu.js';

/** Options for {@link ModbusResponseDeframer}. */
export interface ModbusResponseDeframerOptions {
  /** Silence, in ms, after which a partial response is given up (default 50: well over 3.5 characters). */
  idleFlushMs?: number;
}

/** Default inter-frame silence: 3.5 characters is 4 ms at 9600 baud, so 50 ms also covers USB adapters' latency. */
export const MODBUS_DEFAULT_IDLE_FLUSH_MS = 50;

/**
 * Cuts the response to the one pending request (set with `expect`) out of an RTU byte stream, by
 * its function code and byte count rather than only the 3.5-character gap. Bytes before the
 * expected slave address are dropped as line noise; bytes with no request pending are rejected.
 * The CRC is left to `parseResponse`, which names both values.
 */
export class ModbusResponseDeframer implements Deframer {
  readonly idleFlushMs: number;
  private request: ModbusRequest | undefined;
  private buffer: number[] = [];
  private lastAtMs: number | undefined;
  private dropped = 0;

  constructor(options: ModbusResponseDeframerOptions = {}) {
    const idle = options.idleFlushMs ?? MODBUS_DEFAULT_IDLE_FLUSH_MS;
    if (!Number.isFinite(idle) || idle <= 0) throw new RangeError(`idleFlushMs must be > 0, got ${idle}`);
    this.idleFlushMs = idle;
  }

  /** Bytes dropped so far as noise before an expected response began (for diagnostics). */
  get discardedBytes(): number {
    return this.dropped;
  }

  /** Sets the request whose response comes next (undefined: none); drops any partial earlier response. */
  expect(request: ModbusRequest | undefined): void {
    this.request = request;
    this.buffer = [];
  }

  /** Feeds bytes received at `atMs`; a gap of `idleFlushMs` since the last push first flushes. */
  push(chunk: Uint8Array, atMs: number): Result<Uint8Array>[] {
    const out: Result<Uint8Array>[] = [];
    if (this.lastAtMs !== undefined && atMs - this.lastAtMs >= this.idleFlushMs) out.push(...this.flush());
    this.lastAtMs = atMs;
    const unexpected: number[] = [];
    for (const byte of chunk) {
      if (this.request === undefined) unexpected.push(byte);
      else this.accept(byte, this.request, out);
    }
    if (unexpected.length > 0) {
      out.push(fail(`Modbus: ${unexpected.length} unexpected bytes with no request pending: ${hexBytes(unexpected)}`));
    }
    return out;
  }

  /** Gives up a partial response (the line went quiet); nothing pending, or nothing received yet, gives []. */
  flush(): Result<Uint8Array>[] {
    const request = this.request;
    if (request === undefined || this.buffer.length === 0) return [];
    const got = this.buffer.length;
    const want = this.expectedLength(request);
    this.expect(undefined);
    const of = want === undefined ? 'at least 5' : `${want}`;
    return [
      fail(
        `Modbus response from slave ${request.slave} to ${describeModbusFunction(request.function)} ` +
          `incomplete: got ${got} of ${of} bytes before ${this.idleFlushMs} ms of silence`,
      ),
    ];
  }

  private accept(byte: number, request: ModbusRequest, out: Result<Uint8Array>[]): void {
    const buffer = this.buffer;
    buffer.push(byte);
    if (!this.plausible(request)) {
      // Not the start of our response after all: drop its first byte and look again in the rest.
      const rest = buffer.slice(1);
      this.buffer = [];
      this.dropped += 1;
      for (const b of rest) this.accept(b, request, out);
      return;
    }
    if (buffer.length === this.expectedLength(request)) {
      out.push(ok(Uint8Array.from(buffer)));
      this.expect(undefined);
    }
  }

  /** Whether the buffer can still be the start of the response: slave, function (or exception), byte count. */
  private plausible(request: ModbusRequest): boolean {
    const [slave, fn, byteCount] = this.buffer;
    if (slave !== request.slave) return false;
    if (fn === undefined || fn === (request.function | 0x80)) return true;
    if (fn !== request.function) return false;
    const data = responseDataBytes(request);
    return byteCount === undefined || data === undefined || byteCount === data;
  }

  private expectedLength(request: ModbusRequest): number | undefined {
    const fn = this.buffer[1];
    if (fn === undefined) return undefined;
    return expectedResponseLength(request, fn === (request.function | 0x80));
  }
}

function hexBytes(bytes: number[]): string {
  const shown = bytes.slice(0, 16).map((b) => hex8(b).slice(2));
  return shown.join(' ') + (bytes.length > 16 ? ' …' : '');
}
