import { describe, expect, it } from 'vitest';
import {
  type BinaryStructOptionsInput,
  binaryStructOptionsSchema,
  createBinaryStructDecoder,
  type NumberType,
  readNumber,
} from '../../../src/codecs/decoders/binary-struct.js';

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));

// Ruuvi RAWv2 (data format 5) layout, big-endian; vectors and values from Ruuvi's published spec.
const ruuvi: BinaryStructOptionsInput = {
  fields: [
    { name: 'format', offset: 0, type: 'u8' },
    { name: 'temperature', offset: 1, type: 'i16', scale: 0.005 },
    { name: 'humidity', offset: 3, type: 'u16', scale: 0.0025 },
    { name: 'pressure', offset: 5, type: 'u16', add: 50000 },
    { name: 'accX', offset: 7, type: 'i16' },
    { name: 'accY', offset: 9, type: 'i16' },
    { name: 'accZ', offset: 11, type: 'i16' },
    { name: 'battery', offset: 13, type: 'bits', bit: { start: 5, length: 11 }, add: 1600 },
    { name: 'txPower', offset: 14, type: 'bits', bit: { start: 0, length: 5 }, scale: 2, add: -40 },
    { name: 'movement', offset: 15, type: 'u8' },
    { name: 'sequence', offset: 16, type: 'u16' },
  ],
};

// Every type once, little-endian by default with big-endian overrides.
const mixed: BinaryStructOptionsInput = {
  endian: 'little',
  fields: [
    { name: 'a', offset: 0, type: 'u16' },
    { name: 'b', offset: 2, type: 'i16' },
    { name: 'c', offset: 4, type: 'i8' },
    { name: 'd', offset: 5, type: 'u32', endian: 'big' },
    { name: 'e', offset: 9, type: 'i32', endian: 'big' },
    { name: 'f', offset: 13, type: 'f32' },
    { name: 'g', offset: 17, type: 'f64', endian: 'big' },
    { name: 'h', offset: 25, type: 'bits', bit: { start: 28, length: 4 } },
    { name: 'nan', offset: 29, type: 'f32' },
  ],
};

describe('struct codec', () => {
  it('names itself struct', () => {
    expect(createBinaryStructDecoder(ruuvi).kind).toBe('struct');
  });

  const cases: { name: string; options: BinaryStructOptionsInput; input: Uint8Array; expected: unknown }[] = [
    {
      name: 'decodes the Ruuvi RAWv2 "valid data" vector with scale, add and bit fields',
      options: ruuvi,
      input: hex('0512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F'),
      expected: {
        ok: true,
        value: {
          format: 5,
          temperature: 24.3,
          humidity: 53.49,
          pressure: 100044,
          accX: 4,
          accY: -4,
          accZ: 1036,
          battery: 2977,
          txPower: 4,
          movement: 66,
          sequence: 205,
        },
      },
    },
    {
      name: 'decodes the Ruuvi RAWv2 "maximum values" vector',
      options: ruuvi,
      input: hex('057FFFFFFEFFFE7FFF7FFF7FFFFFDEFEFFFECBB8334C884F'),
      expected: {
        ok: true,
        value: {
          format: 5,
          temperature: 163.835,
          humidity: 163.835,
          pressure: 115534,
          accX: 32767,
          accY: 32767,
          accZ: 32767,
          battery: 3646,
          txPower: 20,
          movement: 254,
          sequence: 65534,
        },
      },
    },
    {
      name: 'decodes the Ruuvi RAWv2 "minimum values" vector',
      options: ruuvi,
      input: hex('058001000000008001800180010000000000CBB8334C884F'),
      expected: {
        ok: true,
        value: {
          format: 5,
          temperature: -163.835,
          humidity: 0,
          pressure: 50000,
          accX: -32767,
          accY: -32767,
          accZ: -32767,
          battery: 1600,
          txPower: -40,
          movement: 0,
          sequence: 0,
        },
      },
    },
    {
      name: 'reads every type in either byte order; NaN becomes null',
      options: mixed,
      input: hex('3412' + '0080' + 'FF' + 'FFFFFFFF' + '80000000' + '0000AC41' + 'BFF8000000000000' + '000000A0' + '0000C07F'),
      expected: {
        ok: true,
        value: {
          a: 4660,
          b: -32768,
          c: -1,
          d: 4294967295,
          e: -2147483648,
          f: 21.5,
          g: -1.5,
          h: 10,
          nan: null,
        },
      },
    },
    {
      name: 'names the field a short frame cannot hold',
      options: { fields: [{ name: 'x', offset: 8, type: 'u16' }] },
      input: new Uint8Array(9),
      expected: { ok: false, reason: "frame is 9 bytes; field 'x' (u16 at offset 8) needs 10" },
    },
    {
      name: 'names the furthest field, not the last declared, when a frame is short',
      options: ruuvi,
      input: hex('0512FC5394C37C0004FFFC040CAC364200'),
      expected: { ok: false, reason: "frame is 17 bytes; field 'sequence' (u16 at offset 16) needs 18" },
    },
    {
      name: 'refuses an empty frame',
      options: { fields: [{ name: 'flags', offset: 0, type: 'bits', bit: { start: 0, length: 1 } }] },
      input: new Uint8Array(0),
      expected: { ok: false, reason: "frame is 0 bytes; field 'flags' (bits at offset 0) needs 1" },
    },
    {
      name: 'refuses a frame of the wrong exact length',
      options: { ...ruuvi, length: 24 },
      input: hex('0512FC5394C37C0004FFFC040CAC364200CDCBB8334C88'),
      expected: { ok: false, reason: 'frame is 23 bytes; expected exactly 24' },
    },
    {
      name: 'refuses a frame under minLength',
      options: { fields: [{ name: 'a', offset: 0, type: 'u8' }], minLength: 4 },
      input: hex('010203'),
      expected: { ok: false, reason: 'frame is 3 bytes; expected at least 4' },
    },
    {
      name: 'allows trailing bytes without an exact length',
      options: { fields: [{ name: 'a', offset: 0, type: 'i8', scale: 0.5, add: 1 }], minLength: 2 },
      input: hex('FB00FF'),
      expected: { ok: true, value: { a: -1.5 } },
    },
  ];

  it.each(cases)('$name', ({ options, input, expected }) => {
    expect(createBinaryStructDecoder(options).decode(input)).toEqual(expected);
  });

  it.each([
    {
      name: 'a misspelt field key',
      input: { fields: [{ name: 'a', offset: 0, type: 'u8', scal: 2 }] },
      expected: false,
    },
    {
      name: 'a misspelt option',
      input: { fields: [{ name: 'a', offset: 0, type: 'u8' }], lenght: 4 },
      expected: false,
    },
    { name: 'an unknown type', input: { fields: [{ name: 'a', offset: 0, type: 'u64' }] }, expected: false },
    {
      name: 'an unknown endian',
      input: { fields: [{ name: 'a', offset: 0, type: 'u8' }], endian: 'middle' },
      expected: false,
    },
    {
      name: 'bits without bit',
      input: { fields: [{ name: 'a', offset: 0, type: 'bits' }] },
      expected: false,
    },
    {
      name: 'bit on a non-bits type',
      input: { fields: [{ name: 'a', offset: 0, type: 'u8', bit: { start: 0, length: 1 } }] },
      expected: false,
    },
    {
      name: 'bits past 32',
      input: { fields: [{ name: 'a', offset: 0, type: 'bits', bit: { start: 30, length: 4 } }] },
      expected: false,
    },
    {
      name: 'a name used twice',
      input: {
        fields: [
          { name: 'a', offset: 0, type: 'u8' },
          { name: 'a', offset: 1, type: 'u8' },
        ],
      },
      expected: false,
    },
    {
      name: 'a field past length',
      input: { fields: [{ name: 'a', offset: 3, type: 'u16' }], length: 4 },
      expected: false,
    },
    {
      name: 'a negative offset',
      input: { fields: [{ name: 'a', offset: -1, type: 'u8' }] },
      expected: false,
    },
    {
      name: 'a fractional offset',
      input: { fields: [{ name: 'a', offset: 1.5, type: 'u8' }] },
      expected: false,
    },
    { name: 'no fields', input: { fields: [] }, expected: false },
    {
      name: 'a field ending exactly at length',
      input: { fields: [{ name: 'a', offset: 2, type: 'u16' }], length: 4 },
      expected: true,
    },
  ])('options schema: $name -> valid is $expected', ({ input, expected }) => {
    expect(binaryStructOptionsSchema.safeParse(input).success).toBe(expected);
  });
});

describe('readNumber', () => {
  const cases: { name: string; input: [string, number, NumberType, boolean]; expected: number }[] = [
    { name: 'u8', input: ['00FF', 1, 'u8', false], expected: 255 },
    { name: 'i8', input: ['80', 0, 'i8', false], expected: -128 },
    { name: 'u16 big-endian', input: ['1234', 0, 'u16', false], expected: 0x1234 },
    { name: 'u16 little-endian', input: ['1234', 0, 'u16', true], expected: 0x3412 },
    { name: 'i16 big-endian', input: ['FFFE', 0, 'i16', false], expected: -2 },
    { name: 'u32 little-endian at an offset', input: ['AA78563412', 1, 'u32', true], expected: 0x12345678 },
    { name: 'i32 big-endian', input: ['FFFFFFFF', 0, 'i32', false], expected: -1 },
    { name: 'f32 big-endian', input: ['41AC0000', 0, 'f32', false], expected: 21.5 },
    { name: 'f64 little-endian', input: ['000000000000F83F', 0, 'f64', true], expected: 1.5 },
  ];

  it.each(cases)('reads $name', ({ input: [bytes, offset, type, little], expected }) => {
    expect(readNumber(hex(bytes), offset, type, little)).toBe(expected);
  });

  it('reads from a view that starts inside a larger buffer', () => {
    const view = hex('FF0102FF').subarray(1, 3);
    expect(readNumber(view, 0, 'u16', false)).toBe(0x0102);
  });

  it('throws RangeError when asked to read past the end (a caller bug)', () => {
    expect(() => readNumber(hex('0102'), 1, 'u16', false)).toThrow(RangeError);
  });
});
