import { describe, expect, it } from 'vitest';
import { checkCommandResponse, type ModbusRequest } from '../../../src/codecs/modbus/modbus-rtu.js';
import { fromHex, withReferenceCrc } from './modbus-test-bytes.js';

const WRITE: ModbusRequest = { slave: 1, function: 0x06, address: 0x0101, value: 0xfff1 };

describe('checkCommandResponse: a write succeeds only when the slave did it', () => {
  it.each([
    {
      name: 'the echo of the write',
      frame: withReferenceCrc('01 06 0101 FFF1'),
      expected: { ok: true, value: { kind: 'write', slave: 1, function: 0x06, address: 0x0101, count: 1 } },
    },
    {
      name: 'an exception reply, named',
      frame: withReferenceCrc('01 86 02'),
      expected: { ok: false, reason: 'slave 1 answered exception 0x02 ILLEGAL DATA ADDRESS to write single register (0x06)' },
    },
    {
      name: 'an exception code the spec does not define',
      frame: withReferenceCrc('01 86 07'),
      expected: {
        ok: false,
        reason: 'slave 1 answered exception 0x07 UNKNOWN EXCEPTION 0x07 to write single register (0x06)',
      },
    },
    {
      name: 'a bad CRC',
      frame: fromHex('01 06 0101 FFF1 0000'),
      expected: {
        ok: false,
        reason: expect.stringMatching(
          /^slave 1 answered write single register \(0x06\) with a bad response: Modbus CRC mismatch: frame says 0x0000, computed 0x[0-9A-F]{4}$/,
        ),
      },
    },
    {
      name: 'an echo of another value',
      frame: withReferenceCrc('01 06 0101 0000'),
      expected: {
        ok: false,
        reason:
          'slave 1 answered write single register (0x06) with a bad response: Modbus write echo value (bytes 4-5): expected 0xFFF1, got 0x0000',
      },
    },
  ])('$name', ({ frame, expected }) => {
    expect(checkCommandResponse(frame, WRITE)).toEqual(expected);
  });
});
