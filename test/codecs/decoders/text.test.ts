import { describe, expect, it } from 'vitest';
import { decodeFrameText, hexByte, parseDecimal, parseInteger } from '../../../src/codecs/decoders/text.js';

describe('decodeFrameText', () => {
  const cases = [
    { name: 'decodes ASCII', input: [0x61, 0x3d, 0x31], expected: { ok: true, value: 'a=1' } },
    { name: 'drops a trailing CR LF', input: [0x61, 0x0d, 0x0a], expected: { ok: true, value: 'a' } },
    { name: 'drops trailing LF CR LF', input: [0x61, 0x0a, 0x0d, 0x0a], expected: { ok: true, value: 'a' } },
    { name: 'keeps a leading CR LF', input: [0x0d, 0x0a, 0x61], expected: { ok: true, value: '\r\na' } },
    {
      name: 'decodes a frame of only line endings as empty',
      input: [0x0d, 0x0a],
      expected: { ok: true, value: '' },
    },
    {
      name: 'decodes multi-byte UTF-8',
      input: [0x32, 0x31, 0xc2, 0xb0, 0x43],
      expected: { ok: true, value: '21°C' },
    },
    {
      name: 'names a byte that cannot start a sequence',
      input: [0x61, 0xff],
      expected: {
        ok: false,
        reason: 'frame is not valid UTF-8: byte 1 (0xFF) does not start a valid sequence',
      },
    },
    {
      name: 'names an overlong encoding',
      input: [0x61, 0x62, 0xc0, 0x80],
      expected: {
        ok: false,
        reason: 'frame is not valid UTF-8: byte 2 (0xC0) does not start a valid sequence',
      },
    },
    {
      name: 'names an encoded surrogate',
      input: [0xed, 0xa0, 0x80],
      expected: {
        ok: false,
        reason: 'frame is not valid UTF-8: byte 0 (0xED) does not start a valid sequence',
      },
    },
    {
      name: 'names a sequence cut short by the end of the frame',
      input: [0xc2, 0xb0, 0xe2, 0x82, 0x0d, 0x0a],
      expected: {
        ok: false,
        reason: 'frame is not valid UTF-8: byte 2 (0xE2) does not start a valid sequence',
      },
    },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    expect(decodeFrameText(new Uint8Array(input))).toEqual(expected);
  });
});

describe('parseDecimal', () => {
  it.each([
    { name: 'an integer', input: '40', expected: 40 },
    { name: 'a signed fraction', input: '-21.5', expected: -21.5 },
    { name: 'a leading plus', input: '+3', expected: 3 },
    { name: 'a bare fraction', input: '.25', expected: 0.25 },
    { name: 'a trailing dot', input: '7.', expected: 7 },
    { name: 'an exponent', input: '1.5e-3', expected: 0.0015 },
    { name: 'empty text', input: '', expected: undefined },
    { name: 'surrounding spaces', input: ' 1', expected: undefined },
    { name: 'hex', input: '0x10', expected: undefined },
    { name: 'Infinity', input: 'Infinity', expected: undefined },
    { name: 'an overflowing exponent', input: '1e999', expected: undefined },
    { name: 'a lone dot', input: '.', expected: undefined },
    { name: 'trailing letters', input: '12abc', expected: undefined },
  ])('reads $name', ({ input, expected }) => {
    expect(parseDecimal(input)).toBe(expected);
  });

  // Found while fuzzing: `\d+\.?\d*` let two parts claim the same digits, so a long digit run that was
  // not a number backtracked quadratically: '1' x 65,536 + 'x' took 2.8 s, and a 1 MB frame (the largest
  // maxLength) would have held the event loop for minutes. 200,000 digits took 38 s.
  it.each([
    { name: "'1' x 200,000 then 'x'", input: `${'1'.repeat(200_000)}x` },
    { name: "'1' x 200,000 then 'e'", input: `${'1'.repeat(200_000)}e` },
    { name: "'1' x 100,000, '.', '1' x 100,000 then 'x'", input: `${'1'.repeat(100_000)}.${'1'.repeat(100_000)}x` },
  ])('refuses $name in linear time', ({ input }) => {
    const started = performance.now();
    expect(parseDecimal(input)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('still reads a long digit run that is a number', () => {
    expect(parseDecimal(`${'1'.repeat(200)}.5`)).toBe(Number(`${'1'.repeat(200)}.5`));
  });
});

describe('parseInteger', () => {
  it.each([
    { name: 'digits', input: '08', expected: 8 },
    { name: 'a negative', input: '-40', expected: -40 },
    { name: 'a fraction', input: '1.0', expected: undefined },
    { name: 'past the safe range', input: '9007199254740993', expected: undefined },
    { name: 'empty text', input: '', expected: undefined },
  ])('reads $name', ({ input, expected }) => {
    expect(parseInteger(input)).toBe(expected);
  });
});

describe('hexByte', () => {
  it.each([
    { name: 'pads a small byte', input: 0x0a, expected: '0A' },
    { name: 'upper-cases', input: 0x4b, expected: '4B' },
  ])('$name', ({ input, expected }) => {
    expect(hexByte(input)).toBe(expected);
  });
});
