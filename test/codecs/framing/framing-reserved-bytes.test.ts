import { describe, expect, it } from 'vitest';
import { type FramingSpecInput, framingReservedBytes, framingSpecSchema } from '../../../src/codecs/framing/framing-spec.js';

describe('framingReservedBytes', () => {
  it.each<{ name: string; spec: FramingSpecInput | undefined; expected: ReturnType<typeof framingReservedBytes> }>([
    {
      name: 'delimiter: its bytes, which the framing cannot escape',
      spec: { kind: 'delimiter', delimiter: '\r\n' },
      expected: { bytes: [0x0d, 0x0a], escaped: false },
    },
    {
      name: 'delimiter: a repeated byte once',
      spec: { kind: 'delimiter', delimiter: { hex: '7e7e' } },
      expected: { bytes: [0x7e], escaped: false },
    },
    {
      name: 'SLIP: END and ESC, escaped by the encoder',
      spec: { kind: 'slip' },
      expected: { bytes: [0xc0, 0xdb], escaped: true },
    },
    { name: 'COBS: the zero byte, escaped by the encoder', spec: { kind: 'cobs' }, expected: { bytes: [0x00], escaped: true } },
    { name: 'length-prefixed: none', spec: { kind: 'length-prefixed' }, expected: { bytes: [], escaped: true } },
    { name: 'no framing: none', spec: undefined, expected: { bytes: [], escaped: true } },
  ])('$name', ({ spec, expected }) => {
    expect(framingReservedBytes(spec && framingSpecSchema.parse(spec))).toEqual(expected);
  });
});
