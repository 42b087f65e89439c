import { describe, expect, it } from 'vitest';
import { appendCrc16Modbus, checkCrc16Modbus, crc16Modbus } from '../../../src/codecs/modbus/crc16-modbus.js';
import { fromHex, referenceCrc16, toHex } from './modbus-test-bytes.js';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('crc16Modbus', () => {
  const cases = [
    {
      name: 'the CRC-16/MODBUS check value for ASCII "123456789"',
      input: ascii('123456789'),
      expected: 0x4b37,
    },
    { name: 'the initial value for no bytes', input: new Uint8Array(0), expected: 0xffff },
    { name: 'read 10 holding registers from slave 1', input: fromHex('01 03 00 00 00 0A'), expected: 0xcdc5 },
    { name: 'the spec request to slave 17', input: fromHex('11 03 00 6B 00 03'), expected: 0x8776 },
    // Often quoted with CRC bytes "05 7A", which is wrong: both implementations here give C8 BA.
    {
      name: 'the spec response from slave 17',
      input: fromHex('11 03 06 02 2B 00 00 00 64'),
      expected: 0xbac8,
    },
    { name: 'an ILLEGAL DATA ADDRESS exception', input: fromHex('01 83 02'), expected: 0xf1c0 },
  ];

  it.each(cases)('gives $expected for $name', ({ input, expected }) => {
    expect(crc16Modbus(input)).toBe(expected);
  });

  it.each(cases)('agrees with the bitwise reference on the vector for $name', ({ input, expected }) => {
    expect(referenceCrc16(input)).toBe(expected);
  });

  it('agrees with the bitwise reference for every single byte, so every table entry is checked', () => {
    const wrong = [];
    for (let b = 0; b < 256; b++) {
      const bytes = Uint8Array.of(b);
      if (crc16Modbus(bytes) !== referenceCrc16(bytes)) wrong.push(b);
    }
    expect(wrong).toEqual([]);
  });

  it('agrees with the bitwise reference on a long run of varied bytes', () => {
    const bytes = Uint8Array.from({ length: 1024 }, (_, i) => (i * 37 + (i >> 3)) & 0xff);
    expect(crc16Modbus(bytes)).toBe(referenceCrc16(bytes));
  });
});

describe('appendCrc16Modbus', () => {
  it.each([
    {
      name: 'read 10 holding registers from slave 1',
      input: '01 03 00 00 00 0A',
      expected: '01 03 00 00 00 0A C5 CD',
    },
    { name: 'the spec request to slave 17', input: '11 03 00 6B 00 03', expected: '11 03 00 6B 00 03 76 87' },
  ])('appends the CRC low byte first for $name', ({ input, expected }) => {
    expect(toHex(appendCrc16Modbus(fromHex(input)))).toBe(expected);
  });
});

describe('checkCrc16Modbus', () => {
  it('returns the frame without its CRC when the CRC is right', () => {
    const result = checkCrc16Modbus(fromHex('01 03 00 00 00 0A C5 CD'));
    expect(result.ok && toHex(result.value)).toBe('01 03 00 00 00 0A');
  });

  it.each([
    {
      name: 'a CRC with its bytes swapped',
      input: '01 03 00 00 00 0A CD C5',
      expected: 'Modbus CRC mismatch: frame says 0xC5CD, computed 0xCDC5',
    },
    {
      name: 'a corrupted body',
      input: '01 03 00 00 00 0B C5 CD',
      expected: `Modbus CRC mismatch: frame says 0xCDC5, computed 0x${referenceCrc16(fromHex('01 03 00 00 00 0B')).toString(16).toUpperCase().padStart(4, '0')}`,
    },
    {
      name: 'two bytes',
      input: 'C5 CD',
      expected: 'Modbus frame too short for a CRC: got 2 bytes, expected at least 3',
    },
  ])('rejects $name naming both values', ({ input, expected }) => {
    expect(checkCrc16Modbus(fromHex(input))).toEqual({ ok: false, reason: expected });
  });
});
