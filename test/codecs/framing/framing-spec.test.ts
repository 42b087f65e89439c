import { describe, expect, it } from 'vitest';
import {
  createDeframer,
  createFrameEncoder,
  type FramingSpecInput,
  framingReservedBytes,
  framingSpecSchema,
} from '../../../src/codecs/framing/framing-spec.js';
import { concat, feedChunks, hex, randomBytes, randomChunks, render, seededRandom } from './feed.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('framingSpecSchema defaults', () => {
  const cases: { name: string; input: FramingSpecInput; expected: Record<string, unknown> }[] = [
    {
      name: 'delimiter: LF, stripped, blank lines skipped, 4096 bytes',
      input: { kind: 'delimiter' },
      expected: {
        kind: 'delimiter',
        delimiter: hex('0a'),
        includeDelimiter: false,
        skipEmpty: true,
        maxLength: 4096,
      },
    },
    {
      name: 'fixed: no padding',
      input: { kind: 'fixed', length: 8 },
      expected: { kind: 'fixed', length: 8 },
    },
    {
      name: 'length-prefixed: 2-byte big-endian length of the body alone',
      input: { kind: 'length-prefixed' },
      expected: {
        kind: 'length-prefixed',
        lengthBytes: 2,
        endian: 'big',
        lengthOffset: 0,
        lengthAdjustment: 0,
        lengthIncludesHeader: false,
        includeLengthField: false,
        maxLength: 4096,
      },
    },
    {
      name: 'slip: leading END, 4096 bytes',
      input: { kind: 'slip' },
      expected: { kind: 'slip', leadingEnd: true, maxLength: 4096 },
    },
    { name: 'cobs: 4096 bytes', input: { kind: 'cobs' }, expected: { kind: 'cobs', maxLength: 4096 } },
    {
      name: 'gap: 50 ms, 4096 bytes',
      input: { kind: 'gap' },
      expected: { kind: 'gap', gapMs: 50, maxLength: 4096 },
    },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(framingSpecSchema.parse(input)).toEqual(expected);
  });
});

describe('framingSpecSchema delimiter forms', () => {
  const cases = [
    { name: 'a string YAML has unescaped', input: '\r\n', expected: '0d0a' },
    { name: 'an array of byte values', input: [13, 10], expected: '0d0a' },
    { name: 'hex', input: { hex: '0d0a' }, expected: '0d0a' },
    { name: 'hex with spaces and capitals', input: { hex: '0D 0A' }, expected: '0d0a' },
    { name: 'a non-ASCII string, as UTF-8', input: '¶', expected: 'c2b6' },
  ];
  it.each(cases)('accepts $name', ({ input, expected }) => {
    const spec = framingSpecSchema.parse({ kind: 'delimiter', delimiter: input });
    expect(spec.kind === 'delimiter' ? toHex(spec.delimiter) : spec.kind).toEqual(expected);
  });
});

describe('framingSpecSchema rejects', () => {
  const cases: { name: string; input: unknown; expected: { path: string; message: RegExp } }[] = [
    {
      name: 'a misspelt key',
      input: { kind: 'slip', maxLenght: 10 },
      expected: { path: '', message: /maxLenght/ },
    },
    { name: 'an unknown kind', input: { kind: 'sllip' }, expected: { path: 'kind', message: /slip/ } },
    {
      name: 'bad hex',
      input: { kind: 'delimiter', delimiter: { hex: '0d0' } },
      expected: { path: 'delimiter.hex', message: /hex digits/ },
    },
    {
      name: 'a delimiter byte over 255',
      input: { kind: 'delimiter', delimiter: [13, 300] },
      expected: { path: 'delimiter.1', message: /255/ },
    },
    {
      name: 'an empty delimiter',
      input: { kind: 'delimiter', delimiter: '' },
      expected: { path: 'delimiter', message: /./ },
    },
    {
      name: 'a delimiter of the wrong type',
      input: { kind: 'delimiter', delimiter: 10 },
      expected: { path: 'delimiter', message: /hex/ },
    },
    {
      name: 'a delimiter over 16 bytes',
      input: { kind: 'delimiter', delimiter: 'x'.repeat(17) },
      expected: { path: 'delimiter', message: /16 bytes/ },
    },
    { name: 'fixed without length', input: { kind: 'fixed' }, expected: { path: 'length', message: /./ } },
    {
      name: 'a 3-byte length field',
      input: { kind: 'length-prefixed', lengthBytes: 3 },
      expected: { path: 'lengthBytes', message: /./ },
    },
    {
      name: 'maxLength 0',
      input: { kind: 'cobs', maxLength: 0 },
      expected: { path: 'maxLength', message: /./ },
    },
    { name: 'a gap of 0 ms', input: { kind: 'gap', gapMs: 0 }, expected: { path: 'gapMs', message: /./ } },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    const result = framingSpecSchema.safeParse(input);
    const issue = result.error?.issues[0];
    expect({ path: issue?.path.join('.'), message: issue?.message }).toEqual({
      path: expected.path,
      message: expect.stringMatching(expected.message),
    });
  });
});

describe('createDeframer and createFrameEncoder', () => {
  const cases: { name: string; input: FramingSpecInput; expected: { idleFlushMs?: number } }[] = [
    { name: 'delimiter', input: { kind: 'delimiter', delimiter: '\r\n' }, expected: {} },
    { name: 'fixed', input: { kind: 'fixed', length: 16 }, expected: {} },
    {
      name: 'length-prefixed',
      input: { kind: 'length-prefixed', lengthBytes: 4, endian: 'little' },
      expected: {},
    },
    { name: 'slip', input: { kind: 'slip' }, expected: {} },
    { name: 'cobs', input: { kind: 'cobs' }, expected: {} },
    { name: 'gap', input: { kind: 'gap', gapMs: 20 }, expected: { idleFlushMs: 20 } },
  ];
  it.each(cases)('$name: encoded payloads come back whole from its deframer', ({ input, expected }) => {
    const spec = framingSpecSchema.parse(input);
    const random = seededRandom(spec.kind.length);
    const payloads = Array.from({ length: 50 }, () => {
      if (spec.kind === 'fixed') return randomBytes(random, spec.length);
      // Text lines must not hold the delimiter; binary framings get every byte value.
      if (spec.kind === 'delimiter')
        return Uint8Array.from({ length: 1 + Math.floor(random() * 80) }, () => 0x20 + Math.floor(random() * 95));
      return randomBytes(random, 1 + Math.floor(random() * 300), [0x00, 0x0a, 0x0d, 0xc0, 0xdb]);
    });
    const encode = createFrameEncoder(spec);
    const deframer = createDeframer(spec);
    expect(deframer.idleFlushMs).toEqual(expected.idleFlushMs);
    // The gap framing needs silence between frames; every other framing gets one stream in random chunks.
    const out =
      spec.kind === 'gap'
        ? payloads.flatMap((p, i) => deframer.push(encode(p), i * 100)).concat(deframer.flush())
        : feedChunks(() => deframer, randomChunks(random, concat(...payloads.map(encode)), 100));
    expect(render(out)).toEqual(payloads.map(toHex));
  });

  it('throws RangeError when a fixed framing gets a payload of the wrong length', () => {
    const encode = createFrameEncoder(framingSpecSchema.parse({ kind: 'fixed', length: 4 }));
    expect(() => encode(hex('01 02 03'))).toThrow(RangeError);
  });

  it('pads a fixed payload when padByte is set', () => {
    const encode = createFrameEncoder(framingSpecSchema.parse({ kind: 'fixed', length: 4, padByte: 0xff }));
    expect(toHex(encode(hex('01')))).toEqual('01ffffff');
  });

  it('returns gap payloads as they are', () => {
    const payload = hex('00 0a c0');
    expect(createFrameEncoder(framingSpecSchema.parse({ kind: 'gap' }))(payload)).toBe(payload);
  });

  it('SLIP-encodes with and without the leading END', () => {
    const withLead = createFrameEncoder(framingSpecSchema.parse({ kind: 'slip' }));
    const without = createFrameEncoder(framingSpecSchema.parse({ kind: 'slip', leadingEnd: false }));
    expect([toHex(withLead(hex('c0'))), toHex(without(hex('c0')))]).toEqual(['c0dbdcc0', 'dbdcc0']);
  });
});

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
