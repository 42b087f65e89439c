import { describe, expect, it } from 'vitest';
import {
  createLengthPrefixedDeframer,
  encodeLengthPrefixed,
  type LengthPrefixedOptions,
} from '../../../src/codecs/framing/length-prefixed.js';
import { concat, deframeEverySplit, feedChunks, hex, randomBytes, randomChunks, render, seededRandom } from './feed.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('length-prefixed deframer', () => {
  const cases: { name: string; options?: LengthPrefixedOptions; input: string; expected: string[] }[] = [
    {
      name: 'reads a 2-byte big-endian length',
      input: '00 03 aa bb cc 00 01 dd',
      expected: ['aabbcc', 'dd'],
    },
    {
      name: 'reads a 2-byte little-endian length',
      options: { endian: 'little' },
      input: '03 00 aa bb cc',
      expected: ['aabbcc'],
    },
    {
      name: 'reads a 1-byte length and delivers an empty body',
      options: { lengthBytes: 1 },
      input: '02 aa bb 00 01 cc',
      expected: ['aabb', '', 'cc'],
    },
    {
      name: 'reads a 4-byte big-endian length',
      options: { lengthBytes: 4 },
      input: '00 00 00 02 aa bb',
      expected: ['aabb'],
    },
    {
      name: 'reads a 4-byte little-endian length',
      options: { lengthBytes: 4, endian: 'little' },
      input: '02 00 00 00 aa bb',
      expected: ['aabb'],
    },
    {
      name: 'keeps the bytes before the length field (lengthOffset)',
      options: { lengthOffset: 1 },
      input: 'a5 00 02 01 02 a6 00 00',
      expected: ['a50102', 'a6'],
    },
    {
      name: 'keeps the length field when includeLengthField is set',
      options: { lengthOffset: 1, includeLengthField: true },
      input: 'a5 00 02 01 02',
      expected: ['a500020102'],
    },
    {
      name: 'subtracts the header when the length includes it',
      options: { lengthIncludesHeader: true },
      input: '00 04 01 02 00 02',
      expected: ['0102', ''],
    },
    {
      name: 'adds lengthAdjustment (a CRC the length leaves out)',
      options: { lengthAdjustment: 2 },
      input: '00 01 aa c1 c2',
      expected: ['aac1c2'],
    },
    {
      name: 'rejects a length that works out negative, drops its header and goes on',
      options: { lengthIncludesHeader: true },
      input: '00 01 00 03 ab',
      expected: ['reject: length-prefixed: length field 1 at offset 0 gives a body of -1 bytes; expected at least 0', 'ab'],
    },
    {
      name: 'rejects a truncated header at flush',
      options: { lengthOffset: 1 },
      input: '00 00 03 aa bb cc a5 00',
      expected: ['00aabbcc', 'reject: length-prefixed: stream ended 2 bytes into a 3-byte header'],
    },
  ];
  it.each(cases)('$name', ({ options, input, expected }) => {
    expect(deframeEverySplit(() => createLengthPrefixedDeframer(options), hex(input))).toEqual(expected);
  });
});

describe('encodeLengthPrefixed', () => {
  const cases: {
    name: string;
    input: { options?: LengthPrefixedOptions; payload: string };
    expected: string | typeof RangeError;
  }[] = [
    { name: 'prepends a 2-byte big-endian length', input: { payload: 'aa bb cc' }, expected: '0003aabbcc' },
    {
      name: 'writes little-endian',
      input: { options: { endian: 'little', lengthBytes: 4 }, payload: 'aa' },
      expected: '01000000aa',
    },
    {
      name: 'inserts the length after the prefix',
      input: { options: { lengthOffset: 1 }, payload: 'a5 01 02' },
      expected: 'a500020102',
    },
    {
      name: 'counts the header when asked',
      input: { options: { lengthIncludesHeader: true, lengthBytes: 1 }, payload: 'aa' },
      expected: '02aa',
    },
    {
      name: 'takes off lengthAdjustment',
      input: { options: { lengthAdjustment: 2 }, payload: 'aa c1 c2' },
      expected: '0001aac1c2',
    },
    {
      name: 'throws when the length does not fit one byte',
      input: { options: { lengthBytes: 1 }, payload: '00'.repeat(256) },
      expected: RangeError,
    },
    {
      name: 'throws when the payload is shorter than the prefix',
      input: { options: { lengthOffset: 2 }, payload: 'a5' },
      expected: RangeError,
    },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    const encode = () => toHex(encodeLengthPrefixed(hex(input.payload), input.options));
    if (typeof expected === 'string') expect(encode()).toEqual(expected);
    else expect(encode).toThrow(expected);
  });

  it('round-trips 200 random payloads under random options, fed in random chunks', () => {
    const random = seededRandom(42);
    for (let round = 0; round < 20; round++) {
      const options: LengthPrefixedOptions = {
        lengthBytes: ([1, 2, 4] as const)[round % 3],
        endian: round % 2 === 0 ? 'big' : 'little',
        lengthOffset: round % 4,
        lengthAdjustment: (round % 5) - 2,
        lengthIncludesHeader: round % 3 === 1,
      };
      const payloads = Array.from({ length: 10 }, () => randomBytes(random, 4 + Math.floor(random() * 200)));
      const stream = concat(...payloads.map((p) => encodeLengthPrefixed(p, options)));
      const out = feedChunks(() => createLengthPrefixedDeframer(options), randomChunks(random, stream, 40));
      expect(render(out), JSON.stringify(options)).toEqual(payloads.map(toHex));
    }
  });
});
