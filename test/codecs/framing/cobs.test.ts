import { describe, expect, it } from 'vitest';
import {
  type CobsOptions,
  createCobsDeframer,
  decodeCobs,
  encodeCobs,
  encodeCobsFrame,
  maxCobsEncodedLength,
} from '../../../src/codecs/framing/cobs.js';
import { concat, deframeEverySplit, feedChunks, hex, randomBytes, randomChunks, range, render, seededRandom } from './feed.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Wikipedia's examples, after Cheshire & Baker: payload -> frame with its 0x00 delimiter. */
const vectors: { name: string; input: Uint8Array; expected: Uint8Array }[] = [
  { name: 'a single zero', input: hex('00'), expected: hex('01 01 00') },
  { name: 'two zeros', input: hex('00 00'), expected: hex('01 01 01 00') },
  { name: 'a zero between data', input: hex('11 22 00 33'), expected: hex('03 11 22 02 33 00') },
  { name: 'no zero at all', input: hex('11 22 33 44'), expected: hex('05 11 22 33 44 00') },
  { name: 'a run of trailing zeros', input: hex('11 00 00 00'), expected: hex('02 11 01 01 01 00') },
  {
    name: '254 non-zero bytes (one full 0xFF block, no extra code)',
    input: range(1, 0xfe),
    expected: concat(hex('ff'), range(1, 0xfe), hex('00')),
  },
  {
    name: 'a zero then 254 non-zero bytes',
    input: range(0, 0xfe),
    expected: concat(hex('01 ff'), range(1, 0xfe), hex('00')),
  },
  {
    name: '255 non-zero bytes (a full block and a short one)',
    input: range(1, 0xff),
    expected: concat(hex('ff'), range(1, 0xfe), hex('02 ff 00')),
  },
  {
    name: '254 non-zero bytes then a zero',
    input: concat(range(2, 0xff), hex('00')),
    expected: concat(hex('ff'), range(2, 0xff), hex('01 01 00')),
  },
  {
    name: '253 non-zero bytes, a zero, one more',
    input: concat(range(3, 0xff), hex('00 01')),
    expected: concat(hex('fe'), range(3, 0xff), hex('02 01 00')),
  },
  { name: 'an empty payload', input: hex(''), expected: hex('01 00') },
];

describe('COBS encoding (Cheshire & Baker vectors)', () => {
  it.each(vectors)('encodeCobsFrame: $name', ({ input, expected }) => {
    expect(toHex(encodeCobsFrame(input))).toEqual(toHex(expected));
  });

  it.each(vectors)('encodeCobs leaves the delimiter off: $name', ({ input, expected }) => {
    expect(toHex(encodeCobs(input))).toEqual(toHex(expected.subarray(0, -1)));
  });

  it.each(vectors)('decodeCobs: $name', ({ input, expected }) => {
    expect(render([decodeCobs(expected.subarray(0, -1))])).toEqual([toHex(input)]);
  });

  it.each(vectors)('the deframer, at every chunk split: $name', ({ input, expected }) => {
    expect(deframeEverySplit(() => createCobsDeframer(), expected)).toEqual([toHex(input)]);
  });

  it('decodes a non-canonical trailing 01 after a full block to the same 254 bytes', () => {
    expect(render([decodeCobs(concat(hex('ff'), range(1, 0xfe), hex('01')))])).toEqual([toHex(range(1, 0xfe))]);
  });

  it('bounds the encoding at one code byte per started 254 bytes', () => {
    expect([0, 1, 254, 255, 508, 509].map(maxCobsEncodedLength)).toEqual([1, 2, 255, 257, 510, 512]);
    const random = seededRandom(7);
    for (let n = 0; n < 800; n += 1 + Math.floor(random() * 20)) {
      const worst = range(1, n).map((b) => (b % 255) + 1);
      expect(encodeCobs(worst).length, `n=${n}`).toBe(maxCobsEncodedLength(n));
    }
  });
});

describe('decodeCobs rejects', () => {
  const cases = [
    { name: 'an empty frame', input: '', expected: 'COBS: empty frame; expected at least one code byte' },
    {
      name: 'a code that runs past the frame end',
      input: '05 11 22',
      expected: 'COBS: code 0x05 at offset 0 needs 4 data bytes but the frame ends after 2',
    },
    {
      name: 'a code that runs one byte past the frame end',
      input: '03 11',
      expected: 'COBS: code 0x03 at offset 0 needs 2 data bytes but the frame ends after 1',
    },
    {
      name: 'a zero code byte',
      input: '02 11 00 01',
      expected: 'COBS: code byte 0x00 at offset 2; a zero is only valid as the delimiter',
    },
    {
      name: 'a zero inside a block',
      input: '02 11 04 22 00 33',
      expected: 'COBS: byte 0x00 at offset 4 inside the block of code 0x04 at offset 2',
    },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(render([decodeCobs(hex(input))])).toEqual([`reject: ${expected}`]);
  });
});

describe('COBS deframer', () => {
  const cases: { name: string; options?: CobsOptions; input: string; expected: string[] }[] = [
    {
      name: 'delivers consecutive frames',
      input: '03 11 22 02 33 00 01 01 00',
      expected: ['11220033', '00'],
    },
    {
      name: 'ignores runs of 0x00 between frames',
      input: '00 00 02 11 00 00 00 02 22 00',
      expected: ['11', '22'],
    },
    {
      name: 'rejects a code that runs past the frame end and delivers the next frame',
      input: '05 11 22 00 02 33 00',
      expected: ['reject: COBS: code 0x05 at offset 0 needs 4 data bytes but the frame ends after 2', '33'],
    },
  ];
  it.each(cases)('$name', ({ options, input, expected }) => {
    expect(deframeEverySplit(() => createCobsDeframer(options), hex(input))).toEqual(expected);
  });

  it('round-trips 300 random payloads with zero runs and 254-byte blocks, fed in random chunks', () => {
    const random = seededRandom(1999);
    const lengths = [0, 1, 253, 254, 255, 508, 509, 1000];
    const payloads = Array.from({ length: 300 }, (_, i) => {
      const length = lengths[i % lengths.length] ?? 0;
      return i % 3 === 0 ? randomBytes(random, length, [0]) : randomBytes(random, Math.floor(random() * 600));
    });
    const stream = concat(...payloads.map(encodeCobsFrame));
    const out = feedChunks(() => createCobsDeframer(), randomChunks(random, stream, 300));
    expect(render(out)).toEqual(payloads.map(toHex));
  });
});
