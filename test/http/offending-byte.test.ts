import { describe, expect, it } from 'vitest';
import { offendingByte } from '../../src/http/offending-byte.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('offendingByte (the byte a reject reason names)', () => {
  it.each([
    {
      name: 'a framing offset',
      reason: 'byte 0x00 at offset 5 inside the block of code 0x07',
      frame: bytes('0123456789'),
      expected: 5,
    },
    {
      name: 'a decoder byte number',
      reason: 'byte 3 (temperature fraction) is 120, expected 0..99 hundredths',
      frame: bytes('abcdef'),
      expected: 3,
    },
    {
      name: 'a JSON position in ASCII text',
      reason: "invalid JSON at position 7: expected a value, found ','",
      frame: bytes('{"a":1,,}'),
      expected: 7,
    },
    {
      name: 'a JSON position after multi-byte characters',
      reason: "invalid JSON at position 8: expected ',' or '}', found 'x'",
      frame: bytes('{"é":"ü"x}'),
      expected: 10,
    },
    { name: 'an offset past the frame', reason: 'needs 8 bytes at offset 12', frame: bytes('short'), expected: undefined },
    {
      name: 'a reason that names no byte',
      reason: 'expected 3 columns (t, h, id), got 2',
      frame: bytes('1,2'),
      expected: undefined,
    },
    { name: 'a byte value, not a position', reason: 'byte 0x7e is not allowed', frame: bytes('abc'), expected: undefined },
  ])('finds $name', ({ reason, frame, expected }) => {
    expect(offendingByte(reason, frame)).toBe(expected);
  });
});
