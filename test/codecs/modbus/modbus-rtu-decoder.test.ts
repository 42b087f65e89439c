import { describe, expect, it } from 'vitest';
import type { DecodeContext, Reading } from '../../../src/codecs/decoder.js';
import { describeModbusFrame, modbusRtuDecoder } from '../../../src/codecs/modbus/modbus-rtu-decoder.js';
import { fromHex, withReferenceCrc } from './modbus-test-bytes.js';

const holding = { function: 3, functionName: 'read holding registers' };

describe('describeModbusFrame', () => {
  it.each<{ name: string; input: Uint8Array; expected: Reading }>([
    {
      name: 'the request for 10 holding registers from slave 1',
      input: fromHex('01 03 00 00 00 0A C5 CD'),
      expected: { slave: 1, ...holding, frame: 'request', address: 0, count: 10 },
    },
    {
      name: "the spec's request to slave 17 for registers 108-110",
      input: fromHex('11 03 00 6B 00 03 76 87'),
      expected: { slave: 17, ...holding, frame: 'request', address: 107, count: 3 },
    },
    {
      name: "the spec's response from slave 17",
      input: fromHex('11 03 06 02 2B 00 00 00 64 C8 BA'),
      expected: { slave: 17, ...holding, frame: 'response', byteCount: 6, registers: [555, 0, 100] },
    },
    {
      name: 'an exception response by name',
      input: fromHex('01 83 02 C0 F1'),
      expected: {
        slave: 1,
        ...holding,
        frame: 'exception',
        exceptionCode: 2,
        exception: 'ILLEGAL DATA ADDRESS',
      },
    },
    {
      name: 'a response of one input register',
      input: withReferenceCrc('11 04 02 00 0A'),
      expected: {
        slave: 17,
        function: 4,
        functionName: 'read input registers',
        frame: 'response',
        byteCount: 2,
        registers: [10],
      },
    },
    {
      name: 'an 8-byte read whose byte 2, as a byte count, would be odd, as a request',
      input: withReferenceCrc('11 04 03 00 00 01'),
      expected: {
        slave: 17,
        function: 4,
        functionName: 'read input registers',
        frame: 'request',
        address: 768,
        count: 1,
      },
    },
    {
      name: 'a coils response of 3 bytes, 8 bytes long like a request but with a count over 2000',
      input: withReferenceCrc('11 01 03 CD 6B 05'),
      expected: {
        slave: 17,
        function: 1,
        functionName: 'read coils',
        frame: 'response',
        byteCount: 3,
        coils: [
          ...[true, false, true, true, false, false, true, true],
          ...[true, true, false, true, false, true, true, false],
          ...[true, false, true, false, false, false, false, false],
        ],
      },
    },
    {
      name: 'a single coil write, which its response echoes',
      input: fromHex('11 05 00 AC FF 00 4E 8B'),
      expected: {
        slave: 17,
        function: 5,
        functionName: 'write single coil',
        frame: 'request or echo',
        address: 172,
        value: true,
      },
    },
    {
      name: 'a multiple register write request',
      input: fromHex('11 10 00 01 00 02 04 00 0A 01 02 C6 F0'),
      expected: {
        slave: 17,
        function: 16,
        functionName: 'write multiple registers',
        frame: 'request',
        address: 1,
        count: 2,
        values: [10, 258],
      },
    },
    {
      name: 'a multiple register write response',
      input: withReferenceCrc('11 10 00 01 00 02'),
      expected: {
        slave: 17,
        function: 16,
        functionName: 'write multiple registers',
        frame: 'response',
        address: 1,
        count: 2,
      },
    },
  ])('describes $name', ({ input, expected }) => {
    expect(describeModbusFrame(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    {
      name: 'a bad CRC',
      input: fromHex('11 03 06 02 2B 00 00 00 64 05 7A'),
      expected: 'Modbus CRC mismatch: frame says 0x7A05, computed 0xBAC8',
    },
    {
      name: 'four bytes',
      input: fromHex('01 83 02 C0'),
      expected: 'Modbus frame too short: got 4 bytes, expected at least 5',
    },
    {
      name: 'an unsupported function',
      input: withReferenceCrc('01 2B 0E 01 00'),
      expected: 'Modbus function code (byte 1): expected 0x01-0x06, 0x10, or one of those | 0x80 for an exception, got 0x2B',
    },
    {
      name: 'a read whose length fits neither request nor response',
      input: withReferenceCrc('11 03 06 02 2B 00 00'),
      expected:
        'Modbus frame length: got 9 bytes, expected 8 for a read holding registers (0x03) request or 11 for a response (byte count, byte 2, is 6)',
    },
    {
      name: 'a register response with an odd byte count',
      input: withReferenceCrc('11 03 03 02 2B 00'),
      expected: 'Modbus byte count (byte 2): expected an even number for 16-bit registers, got 3',
    },
    {
      name: 'an exception response with extra bytes',
      input: withReferenceCrc('01 83 02 00'),
      expected: 'Modbus exception response length: expected 5 bytes, got 6',
    },
  ])('rejects $name', ({ input, expected }) => {
    expect(describeModbusFrame(input)).toEqual({ ok: false, reason: expected });
  });
});

describe('modbusRtuDecoder', () => {
  it.each<{
    name: string;
    input: Uint8Array;
    context?: DecodeContext;
    expected: ReturnType<typeof describeModbusFrame>;
  }>([
    {
      name: 'describes a frame on its own without a request',
      input: fromHex('01 83 02 C0 F1'),
      expected: {
        ok: true,
        value: {
          slave: 1,
          ...holding,
          frame: 'exception',
          exceptionCode: 2,
          exception: 'ILLEGAL DATA ADDRESS',
        },
      },
    },
    {
      name: 'checks a frame as the response to context.request',
      input: fromHex('11 03 06 02 2B 00 00 00 64 C8 BA'),
      context: { request: fromHex('11 03 00 6B 00 03 76 87') },
      expected: { ok: true, value: { slave: 17, ...holding, frame: 'response', registers: [555, 0, 100] } },
    },
    {
      name: 'refuses a response to another slave than context.request asked',
      input: fromHex('11 03 06 02 2B 00 00 00 64 C8 BA'),
      context: { request: withReferenceCrc('12 03 00 6B 00 03') },
      expected: { ok: false, reason: 'Modbus slave address (byte 0): expected 18, got 17' },
    },
    {
      name: 'refuses a context.request that is not bytes',
      input: fromHex('01 83 02 C0 F1'),
      context: { request: '01 03 00 00 00 0A C5 CD' } as unknown as DecodeContext,
      expected: { ok: false, reason: 'Modbus context.request: expected the request frame as a Uint8Array' },
    },
    {
      name: 'refuses a context.request with a bad CRC',
      input: fromHex('01 83 02 C0 F1'),
      context: { request: fromHex('01 03 00 00 00 0A C5 CE') },
      expected: {
        ok: false,
        reason: 'Modbus context.request: Modbus CRC mismatch: frame says 0xCEC5, computed 0xCDC5',
      },
    },
  ])('$name', ({ input, context, expected }) => {
    expect(modbusRtuDecoder.kind).toBe('modbus-rtu');
    expect(modbusRtuDecoder.decode(input, context)).toEqual(expected);
  });
});
