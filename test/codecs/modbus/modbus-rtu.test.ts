import { describe, expect, it } from 'vitest';
import { MODBUS_EXCEPTION_NAMES, modbusExceptionName } from '../../../src/codecs/modbus/modbus-codes.js';
import {
  encodeModbusRequest,
  expectedResponseLength,
  type ModbusRequest,
  type ModbusResponse,
  parseModbusRequest,
  parseResponse,
} from '../../../src/codecs/modbus/modbus-rtu.js';
import { fromHex, referenceCrc16, toHex, withReferenceCrc } from './modbus-test-bytes.js';

const read10 = { slave: 1, function: 0x03, address: 0, count: 10 } as const;
const specRead = { slave: 17, function: 0x03, address: 0x6b, count: 3 } as const;
/** The spec's response to specRead, registers 108-110 = 555, 0, 100, with its correct CRC (C8 BA). */
const specResponse = '11 03 06 02 2B 00 00 00 64 C8 BA';

const requests: Array<{ name: string; input: ModbusRequest; expected: string }> = [
  { name: 'read 10 holding registers from slave 1', input: read10, expected: '01 03 00 00 00 0A C5 CD' },
  {
    name: 'read holding registers 108-110 from slave 17 (spec example)',
    input: specRead,
    expected: '11 03 00 6B 00 03 76 87',
  },
  {
    name: 'read 37 coils from 20',
    input: { slave: 17, function: 0x01, address: 0x13, count: 0x25 },
    expected: '11 01 00 13 00 25 0E 84',
  },
  {
    name: 'read 22 discrete inputs',
    input: { slave: 17, function: 0x02, address: 0xc4, count: 0x16 },
    expected: toHex(withReferenceCrc('11 02 00 C4 00 16')),
  },
  {
    name: 'read 1 input register',
    input: { slave: 17, function: 0x04, address: 0x08, count: 1 },
    expected: toHex(withReferenceCrc('11 04 00 08 00 01')),
  },
  {
    name: 'switch coil 173 on',
    input: { slave: 17, function: 0x05, address: 0xac, value: true },
    expected: '11 05 00 AC FF 00 4E 8B',
  },
  {
    name: 'switch coil 173 off',
    input: { slave: 17, function: 0x05, address: 0xac, value: false },
    expected: toHex(withReferenceCrc('11 05 00 AC 00 00')),
  },
  {
    name: 'write 3 to register 2',
    input: { slave: 17, function: 0x06, address: 1, value: 3 },
    expected: '11 06 00 01 00 03 9A 9B',
  },
  {
    name: 'write two registers',
    input: { slave: 17, function: 0x10, address: 1, values: [0x000a, 0x0102] },
    expected: '11 10 00 01 00 02 04 00 0A 01 02 C6 F0',
  },
];

describe('encodeModbusRequest', () => {
  it.each(requests)('encodes "$name" as $expected', ({ input, expected }) => {
    const result = encodeModbusRequest(input);
    expect(result.ok && toHex(result.value)).toBe(expected);
  });

  it.each(requests)('has a vector for "$name" whose CRC the bitwise reference confirms', ({ expected }) => {
    const bytes = fromHex(expected);
    const crc = referenceCrc16(bytes.subarray(0, -2));
    expect([bytes.at(-2), bytes.at(-1)]).toEqual([crc & 0xff, crc >>> 8]);
  });

  it.each<{ name: string; input: ModbusRequest; expected: string }>([
    {
      name: 'broadcast slave 0',
      input: { ...read10, slave: 0 },
      expected: 'Modbus slave address: expected 1..247, got 0',
    },
    {
      name: 'slave 248',
      input: { ...read10, slave: 248 },
      expected: 'Modbus slave address: expected 1..247, got 248',
    },
    {
      name: 'address 65536',
      input: { ...read10, address: 65536 },
      expected: 'Modbus start address: expected 0..65535, got 65536',
    },
    {
      name: 'no registers',
      input: { ...read10, count: 0 },
      expected: 'Modbus count for read holding registers (0x03): expected 1..125, got 0',
    },
    {
      name: '126 registers',
      input: { ...read10, count: 126 },
      expected: 'Modbus count for read holding registers (0x03): expected 1..125, got 126',
    },
    {
      name: '2001 coils',
      input: { slave: 1, function: 0x01, address: 0, count: 2001 },
      expected: 'Modbus count for read coils (0x01): expected 1..2000, got 2001',
    },
    {
      name: 'a read past 65535',
      input: { ...read10, address: 65530 },
      expected: 'Modbus read of 10 items from 65530 runs past 65535',
    },
    {
      name: 'a register value of 65536',
      input: { slave: 1, function: 0x06, address: 0, value: 65536 },
      expected: 'Modbus register value: expected 0..65535, got 65536',
    },
    {
      name: '124 registers to write',
      input: { slave: 1, function: 0x10, address: 0, values: new Array(124).fill(0) },
      expected: 'Modbus register values: expected 1..123, got 124',
    },
    {
      name: 'a negative value to write',
      input: { slave: 1, function: 0x10, address: 0, values: [1, -1] },
      expected: 'Modbus register value [1]: expected 0..65535, got -1',
    },
  ])('refuses $name', ({ input, expected }) => {
    expect(encodeModbusRequest(input)).toEqual({ ok: false, reason: expected });
  });
});

describe('parseModbusRequest', () => {
  it.each(requests)('reads "$name" back from its bytes', ({ input, expected }) => {
    expect(parseModbusRequest(fromHex(expected))).toEqual({ ok: true, value: input });
  });

  it.each([
    {
      name: 'an unsupported function 0x2B',
      input: toHex(withReferenceCrc('01 2B 0E 01 00 00')),
      expected: 'Modbus function code (byte 1): expected 0x01-0x06 or 0x10, got 0x2B',
    },
    {
      name: 'a coil value that is neither on nor off',
      input: toHex(withReferenceCrc('11 05 00 AC 12 34')),
      expected: 'Modbus coil value (bytes 4-5): expected 0xFF00 or 0x0000, got 0x1234',
    },
    {
      name: 'a bad CRC',
      input: '01 03 00 00 00 0A C5 CC',
      expected: 'Modbus CRC mismatch: frame says 0xCCC5, computed 0xCDC5',
    },
  ])('rejects $name', ({ input, expected }) => {
    expect(parseModbusRequest(fromHex(input))).toEqual({ ok: false, reason: expected });
  });
});

describe('expectedResponseLength', () => {
  it.each<{ name: string; input: ModbusRequest; exception?: boolean; expected: number }>([
    { name: '10 holding registers', input: read10, expected: 25 },
    { name: '3 holding registers', input: specRead, expected: 11 },
    {
      name: '37 coils (5 data bytes)',
      input: { slave: 1, function: 0x01, address: 0, count: 37 },
      expected: 10,
    },
    {
      name: '8 discrete inputs (1 data byte)',
      input: { slave: 1, function: 0x02, address: 0, count: 8 },
      expected: 6,
    },
    { name: '2 input registers', input: { slave: 1, function: 0x04, address: 0, count: 2 }, expected: 9 },
    {
      name: 'a single coil write (echo)',
      input: { slave: 1, function: 0x05, address: 0, value: true },
      expected: 8,
    },
    {
      name: 'a single register write (echo)',
      input: { slave: 1, function: 0x06, address: 0, value: 1 },
      expected: 8,
    },
    {
      name: 'a multiple register write',
      input: { slave: 1, function: 0x10, address: 0, values: [1, 2, 3] },
      expected: 8,
    },
    { name: 'an exception to a read of 10 registers', input: read10, exception: true, expected: 5 },
  ])('is $expected bytes for $name', ({ input, exception, expected }) => {
    expect(expectedResponseLength(input, exception)).toBe(expected);
  });
});

describe('parseResponse', () => {
  it.each<{ name: string; request: ModbusRequest; input: string; expected: ModbusResponse }>([
    {
      name: "the spec's three registers from slave 17",
      request: specRead,
      input: specResponse,
      expected: { kind: 'registers', slave: 17, function: 0x03, registers: [555, 0, 100] },
    },
    {
      name: 'an ILLEGAL DATA ADDRESS exception from slave 1',
      request: read10,
      input: '01 83 02 C0 F1',
      expected: {
        kind: 'exception',
        slave: 1,
        function: 0x03,
        exception: { code: 2, name: 'ILLEGAL DATA ADDRESS' },
      },
    },
    {
      name: '10 coils, least significant bit first',
      request: { slave: 17, function: 0x01, address: 0, count: 10 },
      input: toHex(withReferenceCrc('11 01 02 CD 02')),
      expected: {
        kind: 'bits',
        slave: 17,
        function: 0x01,
        coils: [true, false, true, true, false, false, true, true, false, true],
      },
    },
    {
      name: 'the echo of a single register write',
      request: { slave: 17, function: 0x06, address: 1, value: 3 },
      input: '11 06 00 01 00 03 9A 9B',
      expected: { kind: 'write', slave: 17, function: 0x06, address: 1, count: 1 },
    },
    {
      name: 'the answer to a two-register write',
      request: { slave: 17, function: 0x10, address: 1, values: [10, 258] },
      input: toHex(withReferenceCrc('11 10 00 01 00 02')),
      expected: { kind: 'write', slave: 17, function: 0x10, address: 1, count: 2 },
    },
  ])('reads $name', ({ request, input, expected }) => {
    expect(parseResponse(fromHex(input), request)).toEqual({ ok: true, value: expected });
  });

  it.each<{ name: string; request: ModbusRequest; input: string; expected: string }>([
    {
      name: 'a bad CRC (the often-quoted "05 7A" for the spec response)',
      request: specRead,
      input: '11 03 06 02 2B 00 00 00 64 05 7A',
      expected: 'Modbus CRC mismatch: frame says 0x7A05, computed 0xBAC8',
    },
    {
      name: 'a response from the wrong slave',
      request: specRead,
      input: toHex(withReferenceCrc('12 03 06 02 2B 00 00 00 64')),
      expected: 'Modbus slave address (byte 0): expected 17, got 18',
    },
    {
      name: 'a truncated frame',
      request: specRead,
      input: '11 03 06 02 2B 00 00',
      expected: 'Modbus response length: expected 11 bytes for read holding registers (0x03), got 7',
    },
    {
      name: 'a frame too short to hold anything',
      request: specRead,
      input: '11 03 06',
      expected: 'Modbus response too short: got 3 bytes, expected at least 5 for read holding registers (0x03)',
    },
    {
      name: 'a byte count for two registers when three were asked for',
      request: specRead,
      input: toHex(withReferenceCrc('11 03 04 02 2B 00 00')),
      expected: 'Modbus byte count (byte 2): expected 6 for read holding registers (0x03) of 3 registers, got 4',
    },
    {
      name: 'a response to another function',
      request: specRead,
      input: toHex(withReferenceCrc('11 04 06 02 2B 00 00 00 64')),
      expected: 'Modbus function code (byte 1): expected 0x03 or exception 0x83, got 0x04',
    },
    {
      name: 'an exception response with extra bytes',
      request: read10,
      input: toHex(withReferenceCrc('01 83 02 00')),
      expected: 'Modbus response length: expected 5 bytes for an exception response to read holding registers (0x03), got 6',
    },
    {
      name: 'a write echo with another value',
      request: { slave: 17, function: 0x06, address: 1, value: 3 },
      input: toHex(withReferenceCrc('11 06 00 01 00 04')),
      expected: 'Modbus write echo value (bytes 4-5): expected 0x0003, got 0x0004',
    },
  ])('rejects $name', ({ request, input, expected }) => {
    expect(parseResponse(fromHex(input), request)).toEqual({ ok: false, reason: expected });
  });
});

describe('exception names', () => {
  it.each([
    { code: 0x01, expected: 'ILLEGAL FUNCTION' },
    { code: 0x02, expected: 'ILLEGAL DATA ADDRESS' },
    { code: 0x03, expected: 'ILLEGAL DATA VALUE' },
    { code: 0x04, expected: 'SERVER DEVICE FAILURE' },
    { code: 0x05, expected: 'ACKNOWLEDGE' },
    { code: 0x06, expected: 'SERVER DEVICE BUSY' },
    { code: 0x08, expected: 'MEMORY PARITY ERROR' },
    { code: 0x0a, expected: 'GATEWAY PATH UNAVAILABLE' },
    { code: 0x0b, expected: 'GATEWAY TARGET DEVICE FAILED TO RESPOND' },
    { code: 0x07, expected: 'UNKNOWN EXCEPTION 0x07' },
  ])('names exception code $code "$expected"', ({ code, expected }) => {
    expect(modbusExceptionName(code)).toBe(expected);
  });

  it('defines exactly the nine codes of the spec', () => {
    expect(Object.keys(MODBUS_EXCEPTION_NAMES).map(Number)).toEqual([1, 2, 3, 4, 5, 6, 8, 10, 11]);
  });
});
