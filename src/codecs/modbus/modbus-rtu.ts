import { fail, ok, type Result } from '../../result.js';
import { appendCrc16Modbus, checkCrc16Modbus } from './crc16-modbus.js';
import {
  describeModbusFunction,
  exceptionOf,
  hex8,
  hex16,
  isModbusFunctionCode,
  MODBUS_EXCEPTION_RESPONSE_LENGTH,
  MODBUS_MAX_READ_COUNT,
  MODBUS_MAX_WRITE_REGISTERS,
  type ModbusException,
  type ModbusFunctionCode,
  type ModbusReadFunction,
  readWord as word,
} from './modbus-codes.js';

/** One request from the master; slave is 1..247 (broadcast 0 is not supported: it gets no response). */
export type ModbusRequest =
  | { slave: number; function: ModbusReadFunction; address: number; count: number }
  | { slave: number; function: 0x05; address: number; value: boolean }
  | { slave: number; function: 0x06; address: number; value: number }
  | { slave: number; function: 0x10; address: number; values: number[] };

/** A checked response; an exception response is a value too, since the slave did answer. */
export type ModbusResponse =
  | { kind: 'bits'; slave: number; function: 0x01 | 0x02; coils: boolean[] }
  | { kind: 'registers'; slave: number; function: 0x03 | 0x04; registers: number[] }
  | { kind: 'write'; slave: number; function: 0x05 | 0x06 | 0x10; address: number; count: number }
  | { kind: 'exception'; slave: number; function: ModbusFunctionCode; exception: ModbusException };

/** Encodes a request as an RTU frame (slave, PDU, CRC low byte first), or names the out-of-range field. */
export function encodeModbusRequest(request: ModbusRequest): Result<Uint8Array> {
  const problem = checkRequest(request);
  if (problem !== undefined) return fail(problem);
  const head = [request.slave, request.function, request.address >> 8, request.address & 0xff];
  switch (request.function) {
    case 0x05:
      return ok(appendCrc16Modbus(Uint8Array.from([...head, request.value ? 0xff : 0x00, 0x00])));
    case 0x06:
      return ok(appendCrc16Modbus(Uint8Array.from([...head, request.value >> 8, request.value & 0xff])));
    case 0x10: {
      const n = request.values.length;
      const data = request.values.flatMap((v) => [v >> 8, v & 0xff]);
      return ok(appendCrc16Modbus(Uint8Array.from([...head, n >> 8, n & 0xff, n * 2, ...data])));
    }
    default:
      return ok(appendCrc16Modbus(Uint8Array.from([...head, request.count >> 8, request.count & 0xff])));
  }
}

/** Reads a request frame back into a ModbusRequest (for a request given as hex on the command line). */
export function parseModbusRequest(frame: Uint8Array): Result<ModbusRequest> {
  if (frame.length < 8) {
    return fail(`Modbus request too short: got ${frame.length} bytes, expected at least 8`);
  }
  const crc = checkCrc16Modbus(frame);
  if (!crc.ok) return crc;
  const [slave = 0, fn = 0] = frame;
  const address = word(frame, 2);
  const quantity = word(frame, 4);
  if (!isModbusFunctionCode(fn)) {
    return fail(`Modbus function code (byte 1): expected 0x01-0x06 or 0x10, got ${hex8(fn)}`);
  }
  const length = fn === 0x10 ? 9 + quantity * 2 : 8;
  if (frame.length !== length) {
    return fail(`Modbus request length: expected ${length} bytes for ${describeModbusFunction(fn)}, got ${frame.length}`);
  }
  let request: ModbusRequest;
  if (fn === 0x05) {
    if (quantity !== 0xff00 && quantity !== 0x0000) {
      return fail(`Modbus coil value (bytes 4-5): expected 0xFF00 or 0x0000, got ${hex16(quantity)}`);
    }
    request = { slave, function: fn, address, value: quantity === 0xff00 };
  } else if (fn === 0x06) {
    request = { slave, function: fn, address, value: quantity };
  } else if (fn === 0x10) {
    if (frame[6] !== quantity * 2) {
      return fail(`Modbus byte count (byte 6): expected ${quantity * 2} for ${quantity} registers, got ${frame[6]}`);
    }
    const values = Array.from({ length: quantity }, (_, i) => word(frame, 7 + i * 2));
    request = { slave, function: fn, address, values };
  } else {
    request = { slave, function: fn, address, count: quantity };
  }
  const problem = checkRequest(request);
  return problem === undefined ? ok(request) : fail(problem);
}

/**
 * Bytes in the normal response to `request`, or in an exception response when `exception` is set,
 * so a deframer can cut the frame without relying only on the 3.5-character gap.
 */
export function expectedResponseLength(request: ModbusRequest, exception = false): number {
  if (exception) return MODBUS_EXCEPTION_RESPONSE_LENGTH;
  const data = responseDataBytes(request);
  return data === undefined ? 8 : 5 + data;
}

/** Data bytes a normal response to a read carries (the byte-count field); undefined for writes. */
export function responseDataBytes(request: ModbusRequest): number | undefined {
  switch (request.function) {
    case 0x01:
    case 0x02:
      return Math.ceil(request.count / 8);
    case 0x03:
    case 0x04:
      return request.count * 2;
    default:
      return undefined;
  }
}

/** Checks a response frame against the request it answers: length, byte count, CRC, slave, function, echo. */
export function parseResponse(frame: Uint8Array, request: ModbusRequest): Result<ModbusResponse> {
  const fnName = describeModbusFunction(request.function);
  if (frame.length < MODBUS_EXCEPTION_RESPONSE_LENGTH) {
    return fail(`Modbus response too short: got ${frame.length} bytes, expected at least 5 for ${fnName}`);
  }
  const [slave = 0, fn = 0, byteCount = 0] = frame;
  const isException = fn === (request.function | 0x80);
  if (fn === request.function || isException) {
    const data = responseDataBytes(request);
    if (!isException && data !== undefined && byteCount !== data) {
      return fail(`Modbus byte count (byte 2): expected ${data} for ${fnName} of ${countOf(request)}, got ${byteCount}`);
    }
    const length = expectedResponseLength(request, isException);
    if (frame.length !== length) {
      const what = isException ? `an exception response to ${fnName}` : fnName;
      return fail(`Modbus response length: expected ${length} bytes for ${what}, got ${frame.length}`);
    }
  }
  const crc = checkCrc16Modbus(frame);
  if (!crc.ok) return crc;
  if (slave !== request.slave) {
    return fail(`Modbus slave address (byte 0): expected ${request.slave}, got ${slave}`);
  }
  if (!isException && fn !== request.function) {
    const want = `${hex8(request.function)} or exception ${hex8(request.function | 0x80)}`;
    return fail(`Modbus function code (byte 1): expected ${want}, got ${hex8(fn)}`);
  }
  if (isException) {
    return ok({ kind: 'exception', slave, function: request.function, exception: exceptionOf(byteCount) });
  }
  switch (request.function) {
    case 0x01:
    case 0x02: {
      const coils = Array.from({ length: request.count }, (_, i) => (((frame[3 + (i >> 3)] ?? 0) >> (i & 7)) & 1) === 1);
      return ok({ kind: 'bits', slave, function: request.function, coils });
    }
    case 0x03:
    case 0x04: {
      const registers = Array.from({ length: request.count }, (_, i) => word(frame, 3 + i * 2));
      return ok({ kind: 'registers', slave, function: request.function, registers });
    }
    default:
      return parseWriteEcho(frame, request);
  }
}

/**
 * The outcome of a command (a write): ok only when the slave did what was asked. An exception reply,
 * a bad CRC or a wrong echo is a failure whose reason names the slave, the exception and the function.
 */
export function checkCommandResponse(frame: Uint8Array, request: ModbusRequest): Result<ModbusResponse> {
  const fnName = describeModbusFunction(request.function);
  const response = parseResponse(frame, request);
  if (!response.ok) return fail(`slave ${request.slave} answered ${fnName} with a bad response: ${response.reason}`);
  if (response.value.kind !== 'exception') return response;
  const { code, name } = response.value.exception;
  return fail(`slave ${request.slave} answered exception ${hex8(code)} ${name} to ${fnName}`);
}

function parseWriteEcho(
  frame: Uint8Array,
  request: Extract<ModbusRequest, { function: 0x05 | 0x06 | 0x10 }>,
): Result<ModbusResponse> {
  const sent = encodeModbusRequest(request);
  if (!sent.ok) return sent;
  const fields = request.function === 0x10 ? 'quantity' : 'value';
  const checks: Array<[string, number, number]> = [
    ['address (bytes 2-3)', word(sent.value, 2), word(frame, 2)],
    [`${fields} (bytes 4-5)`, word(sent.value, 4), word(frame, 4)],
  ];
  for (const [name, want, got] of checks) {
    if (want !== got) return fail(`Modbus write echo ${name}: expected ${hex16(want)}, got ${hex16(got)}`);
  }
  const count = request.function === 0x10 ? request.values.length : 1;
  return ok({
    kind: 'write',
    slave: request.slave,
    function: request.function,
    address: request.address,
    count,
  });
}

function checkRequest(request: ModbusRequest): string | undefined {
  const { slave, address } = request;
  if (!isInt(slave, 1, 247)) return `Modbus slave address: expected 1..247, got ${slave}`;
  if (!isInt(address, 0, 0xffff)) return `Modbus start address: expected 0..65535, got ${address}`;
  switch (request.function) {
    case 0x05:
      return typeof request.value === 'boolean' ? undefined : `Modbus coil value: expected true or false`;
    case 0x06:
      return isInt(request.value, 0, 0xffff) ? undefined : `Modbus register value: expected 0..65535, got ${request.value}`;
    case 0x10: {
      const n = request.values.length;
      if (n < 1 || n > MODBUS_MAX_WRITE_REGISTERS) return `Modbus register values: expected 1..123, got ${n}`;
      const bad = request.values.findIndex((v) => !isInt(v, 0, 0xffff));
      if (bad >= 0) return `Modbus register value [${bad}]: expected 0..65535, got ${request.values[bad]}`;
      return address + n > 0x10000 ? `Modbus write of ${n} registers from ${address} runs past 65535` : undefined;
    }
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04: {
      const max = MODBUS_MAX_READ_COUNT[request.function];
      const { count } = request;
      if (!isInt(count, 1, max)) {
        return `Modbus count for ${describeModbusFunction(request.function)}: expected 1..${max}, got ${count}`;
      }
      return address + count > 0x10000 ? `Modbus read of ${count} items from ${address} runs past 65535` : undefined;
    }
    default:
      return `Modbus function code: expected 0x01-0x06 or 0x10, got ${String((request as { function: unknown }).function)}`;
  }
}

function countOf(request: ModbusRequest): string {
  if (!('count' in request)) return 'a write';
  return request.function <= 0x02 ? `${request.count} bits` : `${request.count} registers`;
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
