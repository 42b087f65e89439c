import { fail, ok, type Result } from '../../result.js';
import type { DecodeContext, Decoder, Reading } from '../decoder.js';
import { checkCrc16Modbus } from './crc16-modbus.js';
import {
  describeModbusFunction,
  hex8,
  isModbusFunctionCode,
  MODBUS_EXCEPTION_RESPONSE_LENGTH,
  MODBUS_FUNCTION_NAMES,
  type ModbusFunctionCode,
  modbusExceptionName,
  readWord,
} from './modbus-codes.js';
import { type ModbusRequest, type ModbusResponse, parseModbusRequest, parseResponse } from './modbus-rtu.js';

/**
 * Decodes one RTU frame on its own (for `decode --codec modbus-rtu HEX`): CRC, slave, function, then
 * a request's fields or a response's data, telling request from response by which length fits.
 */
export function describeModbusFrame(frame: Uint8Array): Result<Reading> {
  if (frame.length < MODBUS_EXCEPTION_RESPONSE_LENGTH) {
    return fail(`Modbus frame too short: got ${frame.length} bytes, expected at least 5`);
  }
  const crc = checkCrc16Modbus(frame);
  if (!crc.ok) return crc;
  const [slave = 0, fn = 0, third = 0] = frame;
  const base = fn & 0x7f;
  if (fn & 0x80 && isModbusFunctionCode(base)) {
    if (frame.length !== MODBUS_EXCEPTION_RESPONSE_LENGTH) {
      return fail(`Modbus exception response length: expected 5 bytes, got ${frame.length}`);
    }
    return ok(exceptionReading(slave, base, third));
  }
  if (!isModbusFunctionCode(fn)) {
    const want = '0x01-0x06, 0x10, or one of those | 0x80 for an exception';
    return fail(`Modbus function code (byte 1): expected ${want}, got ${hex8(fn)}`);
  }
  const head = { slave, function: fn, functionName: MODBUS_FUNCTION_NAMES[fn] };
  if (fn <= 0x04) {
    const fitsResponse = frame.length === 5 + third;
    if (frame.length === 8) {
      const request = parseModbusRequest(frame);
      if (request.ok) return ok(requestReading(request.value));
      if (!fitsResponse) return request;
    }
    if (!fitsResponse) {
      const fnName = describeModbusFunction(fn);
      return fail(
        `Modbus frame length: got ${frame.length} bytes, expected 8 for a ${fnName} request ` +
          `or ${5 + third} for a response (byte count, byte 2, is ${third})`,
      );
    }
    if (fn >= 0x03 && third % 2 !== 0) {
      return fail(`Modbus byte count (byte 2): expected an even number for 16-bit registers, got ${third}`);
    }
    const data = frame.subarray(3, frame.length - 2);
    if (fn <= 0x02) {
      const bits = Array.from({ length: data.length * 8 }, (_, i) => (((data[i >> 3] ?? 0) >> (i & 7)) & 1) === 1);
      // The count is only in the request, so the last byte's padding bits are listed too.
      return ok({ ...head, frame: 'response', byteCount: third, coils: bits });
    }
    const registers = Array.from({ length: third / 2 }, (_, i) => readWord(data, i * 2));
    return ok({ ...head, frame: 'response', byteCount: third, registers });
  }
  if (fn === 0x10 && frame.length === 8) {
    return ok({ ...head, frame: 'response', address: readWord(frame, 2), count: readWord(frame, 4) });
  }
  const request = parseModbusRequest(frame);
  return request.ok ? ok(requestReading(request.value)) : request;
}

/**
 * The `modbus-rtu` codec. With `context.request` (the request frame's bytes) a frame is checked as
 * the response to it; without, it is described on its own by `describeModbusFrame`.
 */
export const modbusRtuDecoder: Decoder = {
  kind: 'modbus-rtu',
  decode(bytes: Uint8Array, context?: DecodeContext): Result<Reading> {
    const requestBytes = context?.request;
    if (requestBytes === undefined) return describeModbusFrame(bytes);
    if (!(requestBytes instanceof Uint8Array)) {
      return fail('Modbus context.request: expected the request frame as a Uint8Array');
    }
    const request = parseModbusRequest(requestBytes);
    if (!request.ok) return fail(`Modbus context.request: ${request.reason}`);
    const response = parseResponse(bytes, request.value);
    return response.ok ? ok(responseReading(response.value)) : response;
  },
};

/** A checked response as a Reading: registers, coils, a write's echo, or the exception by name. */
export function responseReading(response: ModbusResponse): Reading {
  if (response.kind === 'exception') {
    return exceptionReading(response.slave, response.function, response.exception.code);
  }
  const head = {
    slave: response.slave,
    function: response.function,
    functionName: MODBUS_FUNCTION_NAMES[response.function],
    frame: 'response',
  };
  switch (response.kind) {
    case 'bits':
      return { ...head, coils: response.coils };
    case 'registers':
      return { ...head, registers: response.registers };
    case 'write':
      return { ...head, address: response.address, count: response.count };
  }
}

function requestReading(request: ModbusRequest): Reading {
  const head = {
    slave: request.slave,
    function: request.function,
    functionName: MODBUS_FUNCTION_NAMES[request.function],
  };
  switch (request.function) {
    case 0x05:
    case 0x06:
      // A normal response to a single write echoes the request byte for byte (MODBUS V1.1b3 §6.5, §6.6).
      return { ...head, frame: 'request or echo', address: request.address, value: request.value };
    case 0x10:
      return {
        ...head,
        frame: 'request',
        address: request.address,
        count: request.values.length,
        values: request.values,
      };
    default:
      return { ...head, frame: 'request', address: request.address, count: request.count };
  }
}

function exceptionReading(slave: number, fn: ModbusFunctionCode, code: number): Reading {
  return {
    slave,
    function: fn,
    functionName: MODBUS_FUNCTION_NAMES[fn],
    frame: 'exception',
    exceptionCode: code,
    exception: modbusExceptionName(code),
  };
}
