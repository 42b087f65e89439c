import { appendCrc16Modbus, checkCrc16Modbus } from '../../src/codecs/modbus/crc16-modbus.js';
import { parseModbusRequest } from '../../src/codecs/modbus/modbus-rtu.js';
import { fail, ok, type Result } from '../../src/result.js';
import type { Emulator, EmulatorResponse } from './emulator.js';

/** How the emulated slaves answer a write, to play a faulty or refusing device: */
export type ModbusWriteFault =
  /** an exception response with this code (0x02 ILLEGAL DATA ADDRESS, say), the register left as it was; */
  | { exception: number }
  /** the echo with its CRC spoiled; */
  | 'bad-crc'
  /** no answer at all. */
  | 'silence';

/** Reads a write fault from emulator options ("bad-crc", "silence", { exception: 2 }); the reason names what was given. */
export function parseModbusWriteFault(given: unknown): Result<ModbusWriteFault | undefined> {
  if (given === undefined || given === 'bad-crc' || given === 'silence') return ok(given);
  const code = (given as { exception?: unknown } | null)?.exception;
  if (typeof code === 'number' && Number.isInteger(code) && code >= 1 && code <= 0xff) return ok({ exception: code });
  return fail(`writeFault: expected "bad-crc", "silence" or { exception: 1…255 }, got ${JSON.stringify(given)}`);
}

/**
 * Modbus RTU temperature/humidity slaves on one bus (XY-MD02 register map): input register 1 is
 * temperature x10, 2 is humidity x10; holding register 0x0101 is a temperature offset x10.
 */
export class ModbusSlaveEmulator implements Emulator {
  private readonly offsets = new Map<number, number>();
  private tickCount = 0;

  constructor(
    private readonly slaves: number[] = [1],
    private readonly writeFault?: ModbusWriteFault,
  ) {}

  tick(n: number): Uint8Array[] {
    this.tickCount = n;
    return [];
  }

  receive(message: Uint8Array): EmulatorResponse {
    if (!checkCrc16Modbus(message).ok) return { action: 'ignored a frame with a bad CRC' };
    const request = parseModbusRequest(message);
    if (!request.ok || !this.slaves.includes(request.value.slave)) return {};
    const req = request.value;
    if (req.function === 0x04 || req.function === 0x03) {
      if (req.address < 1 || req.address + req.count > 3) {
        return { replies: [appendCrc16Modbus(Uint8Array.of(req.slave, req.function | 0x80, 0x02))] };
      }
      const offset = this.offsets.get(req.slave) ?? 0;
      const registers = [
        Math.round((22 + req.slave + Math.sin(this.tickCount / 5)) * 10 + offset) & 0xffff,
        Math.round((40 + 3 * req.slave) * 10),
      ].slice(req.address - 1, req.address - 1 + req.count);
      const body = Buffer.alloc(3 + registers.length * 2);
      body[0] = req.slave;
      body[1] = req.function;
      body[2] = registers.length * 2;
      for (const [i, value] of registers.entries()) body.writeUInt16BE(value, 3 + i * 2);
      return { replies: [appendCrc16Modbus(body)] };
    }
    if (this.writeFault !== undefined && (req.function === 0x05 || req.function === 0x06 || req.function === 0x10)) {
      return this.faultyWriteReply(message, req.slave, req.function, this.writeFault);
    }
    if (req.function === 0x06 && req.address === 0x0101) {
      const raw = req.value > 0x7fff ? req.value - 0x10000 : req.value;
      this.offsets.set(req.slave, raw);
      return { replies: [Uint8Array.from(message)], action: `slave ${req.slave}: temperature offset set to ${raw / 10} °C` };
    }
    return { replies: [appendCrc16Modbus(Uint8Array.of(req.slave, req.function | 0x80, 0x01))] };
  }

  private faultyWriteReply(message: Uint8Array, slave: number, fn: number, fault: ModbusWriteFault): EmulatorResponse {
    if (fault === 'silence') return { action: `slave ${slave}: left a write unanswered` };
    if (fault === 'bad-crc') {
      const echo = Uint8Array.from(message);
      echo[echo.length - 1] = (echo[echo.length - 1] ?? 0) ^ 0xff;
      return { replies: [echo], action: `slave ${slave}: answered a write with a bad CRC` };
    }
    const reply = appendCrc16Modbus(Uint8Array.of(slave, fn | 0x80, fault.exception));
    return { replies: [reply], action: `slave ${slave}: refused a write with exception ${fault.exception}` };
  }
}
