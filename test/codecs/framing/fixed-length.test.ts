import { describe, expect, it } from 'vitest';
import { createFixedLengthDeframer, encodeFixedLength } from '../../../src/codecs/framing/fixed-length.js';
import { deframeEverySplit, hex } from './feed.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('fixed-length deframer', () => {
  const cases = [
    {
      name: 'cuts every 3 bytes',
      input: { length: 3, bytes: '01 02 03 04 05 06' },
      expected: ['010203', '040506'],
    },
    {
      name: 'makes every byte a frame at length 1',
      input: { length: 1, bytes: 'aa bb' },
      expected: ['aa', 'bb'],
    },
    {
      name: 'rejects a truncated last frame at flush',
      input: { length: 4, bytes: '01 02 03 04 05 06' },
      expected: ['01020304', 'reject: fixed: stream ended 2 bytes into a 4-byte frame'],
    },
    {
      name: 'names a single leftover byte in the singular',
      input: { length: 2, bytes: '01' },
      expected: ['reject: fixed: stream ended 1 byte into a 2-byte frame'],
    },
    { name: 'delivers nothing for no bytes', input: { length: 2, bytes: '' }, expected: [] },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(deframeEverySplit(() => createFixedLengthDeframer({ length: input.length }), hex(input.bytes))).toEqual(expected);
  });

  it('refuses a length below 1 as a programmer error', () => {
    expect(() => createFixedLengthDeframer({ length: 0 })).toThrow(RangeError);
  });
});

describe('encodeFixedLength', () => {
  const cases = [
    {
      name: 'passes a payload of exactly the length',
      input: { payload: '01 02 03', padByte: undefined },
      expected: '010203',
    },
    {
      name: 'pads a short payload with padByte',
      input: { payload: '01', padByte: 0x20 },
      expected: '012020',
    },
    {
      name: 'throws for a short payload without padByte',
      input: { payload: '01', padByte: undefined },
      expected: RangeError,
    },
    {
      name: 'throws for a long payload even with padByte',
      input: { payload: '01 02 03 04', padByte: 0 },
      expected: RangeError,
    },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    const encode = () => toHex(encodeFixedLength(hex(input.payload), { length: 3, padByte: input.padByte }));
    if (typeof expected === 'string') expect(encode()).toEqual(expected);
    else expect(encode).toThrow(expected);
  });
});
