import { describe, expect, it } from 'vitest';
import {
  createSlipDeframer,
  decodeSlip,
  encodeSlip,
  encodeSlipFrame,
  type SlipOptions,
} from '../../../src/codecs/framing/slip.js';
import { concat, deframeEverySplit, feedChunks, hex, randomBytes, randomChunks, render, seededRandom } from './feed.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('encodeSlipFrame', () => {
  const cases = [
    { name: 'wraps plain bytes in END', input: '01 02 03', expected: 'c0 01 02 03 c0' },
    { name: 'escapes END as ESC ESC_END', input: '01 c0 02', expected: 'c0 01 db dc 02 c0' },
    { name: 'escapes ESC as ESC ESC_ESC', input: 'db', expected: 'c0 db dd c0' },
    {
      name: 'escapes END and ESC side by side',
      input: 'c0 db db c0',
      expected: 'c0 db dc db dd db dd db dc c0',
    },
    { name: 'leaves ESC_END and ESC_ESC bytes alone', input: 'dc dd', expected: 'c0 dc dd c0' },
    { name: 'frames an empty payload as two ENDs', input: '', expected: 'c0 c0' },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(toHex(encodeSlipFrame(hex(input)))).toEqual(toHex(hex(expected)));
  });

  it('omits the leading END when asked', () => {
    expect(toHex(encodeSlipFrame(hex('01 c0'), false))).toEqual('01dbdcc0');
  });

  it('encodeSlip escapes without adding END', () => {
    expect(toHex(encodeSlip(hex('c0 41 db')))).toEqual('dbdc41dbdd');
  });
});

describe('decodeSlip', () => {
  const cases = [
    { name: 'unescapes END and ESC', input: 'db dc 41 db dd', expected: 'c0 41 db' },
    {
      name: 'rejects a byte other than ESC_END or ESC_ESC after ESC, naming offset and value',
      input: '01 02 db 41',
      expected: 'reject: SLIP: byte 0x41 at offset 3 follows ESC (0xDB); expected 0xDC or 0xDD',
    },
    {
      name: 'rejects ESC as the last byte',
      input: '01 db',
      expected: 'reject: SLIP: frame ends right after ESC (0xDB) at offset 1; expected 0xDC or 0xDD to follow',
    },
    {
      name: 'rejects END inside a frame body',
      input: '01 c0',
      expected: 'reject: SLIP: END (0xC0) at offset 1 inside a frame body',
    },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    const [outcome] = render([decodeSlip(hex(input))]);
    expect(outcome).toEqual(expected.startsWith('reject') ? expected : toHex(hex(expected)));
  });
});

describe('SLIP deframer', () => {
  const cases: { name: string; options?: SlipOptions; input: string; expected: string[] }[] = [
    { name: 'delivers frames between ENDs', input: 'c0 01 02 c0 03 c0', expected: ['0102', '03'] },
    { name: 'accepts a frame with no leading END', input: '01 02 c0', expected: ['0102'] },
    {
      name: 'unescapes END and ESC inside the payload',
      input: 'c0 01 db dc db dd 02 c0',
      expected: ['01c0db02'],
    },
    {
      name: 'ignores empty frames between ENDs',
      input: 'c0 c0 c0 01 c0 c0 c0 02 c0',
      expected: ['01', '02'],
    },
    {
      name: 'rejects a bad escape and still delivers the next frame',
      input: 'c0 01 02 db 41 c0 05 c0',
      expected: ['reject: SLIP: byte 0x41 at offset 3 follows ESC (0xDB); expected 0xDC or 0xDD', '05'],
    },
    {
      name: 'treats END after ESC as the frame end and rejects the dangling ESC',
      input: 'c0 01 db c0 02 c0',
      expected: ['reject: SLIP: frame ends right after ESC (0xDB) at offset 1; expected 0xDC or 0xDD to follow', '02'],
    },
    {
      name: 'accepts a decoded frame of exactly maxLength',
      options: { maxLength: 2 },
      input: 'db dc db dc c0',
      expected: ['c0c0'],
    },
  ];
  it.each(cases)('$name', ({ options, input, expected }) => {
    expect(deframeEverySplit(() => createSlipDeframer(options), hex(input))).toEqual(expected);
  });

  it('round-trips 300 random payloads rich in END and ESC, fed in random chunks', () => {
    const random = seededRandom(1055);
    const payloads = Array.from({ length: 300 }, () =>
      randomBytes(random, 1 + Math.floor(random() * 200), [0xc0, 0xdb, 0xdc, 0xdd]),
    );
    const stream = concat(...payloads.map((p, i) => encodeSlipFrame(p, i % 2 === 0)));
    const out = feedChunks(() => createSlipDeframer(), randomChunks(random, stream, 64));
    expect(render(out)).toEqual(payloads.map(toHex));
  });
});
