import { describe, expect, it } from 'vitest';
import { createDelimiterDeframer, type DelimiterOptions, encodeDelimited } from '../../../src/codecs/framing/delimiter.js';
import { deframeEverySplit, feedChunks, render, text } from './feed.js';

const CRLF = text('\r\n');
const tooLong = (max: number, delimiter = 'delimiter 0x0D 0x0A') =>
  `reject: delimiter: frame exceeds maxLength ${max} bytes; dropped through the next ${delimiter}`;

describe('delimiter deframer', () => {
  const cases: { name: string; options?: Partial<DelimiterOptions>; input: string; expected: string[] }[] = [
    { name: 'splits lines at CR LF and strips it', input: 'a\r\nbc\r\n', expected: ['a', 'bc'] },
    { name: 'keeps a lone CR or LF inside a frame', input: 'a\rb\nc\r\n', expected: ['a\rb\nc'] },
    { name: 'finds CR LF right after a run of CRs', input: 'ab\r\r\r\n', expected: ['ab\r\r'] },
    { name: 'skips blank lines by default', input: '\r\n\r\nx\r\n\r\n', expected: ['x'] },
    {
      name: 'keeps blank lines as empty frames when skipEmpty is false',
      options: { skipEmpty: false },
      input: '\r\n\r\nx\r\n',
      expected: ['', '', 'x'],
    },
    {
      name: 'keeps the delimiter when includeDelimiter is set',
      options: { includeDelimiter: true },
      input: 'a\r\nb\r\n',
      expected: ['a\r\n', 'b\r\n'],
    },
    {
      name: 'splits on a single-byte delimiter',
      options: { delimiter: text('\n') },
      input: 'one\ntwo\r\n',
      expected: ['one', 'two\r'],
    },
    {
      name: 'finds a delimiter whose prefix repeats (aab in xaaab)',
      options: { delimiter: text('aab') },
      input: 'xaaabyaab',
      expected: ['xa', 'y'],
    },
    {
      name: 'falls back more than one step in the partial-match table (aabaaaa)',
      options: { delimiter: text('aabaaaa') },
      input: 'aabaaabaaaa',
      expected: ['aaba'],
    },
    {
      name: 'does not reuse delimiter bytes for the next frame (-- in a---b--)',
      options: { delimiter: text('--') },
      input: 'a---b--',
      expected: ['a', '-b'],
    },
    {
      name: 'rejects a run as soon as it can no longer end within maxLength',
      options: { maxLength: 4 },
      input: 'abcde\r',
      expected: [tooLong(4)],
    },
    {
      name: 'rejects an oversize frame only once even if no delimiter ever comes',
      options: { maxLength: 3 },
      input: 'ok\r\nabcdefghijklmnop',
      expected: ['ok', tooLong(3)],
    },
  ];

  it.each(cases)('$name', ({ options, input, expected }) => {
    const make = () => createDelimiterDeframer({ delimiter: CRLF, ...options });
    expect(deframeEverySplit(make, text(input), { asText: true })).toEqual(expected);
  });

  it('stays bounded over a megabyte without delimiter, then decodes the next line', () => {
    const deframer = createDelimiterDeframer({ delimiter: CRLF, maxLength: 4096 });
    const junk = new Uint8Array(1000).fill(0x41);
    const out = [];
    for (let i = 0; i < 1000; i++) out.push(...deframer.push(junk, i));
    out.push(...deframer.push(text('\r\nok\r\n'), 1000));
    expect(render(out, true)).toEqual([tooLong(4096), 'ok']);
  });

  it('returns frames that do not alias the pushed chunk', () => {
    const chunk = text('ab\r\n');
    const [frame] = feedChunks(() => createDelimiterDeframer({ delimiter: CRLF }), [chunk]);
    chunk.fill(0);
    expect(render(frame ? [frame] : [], true)).toEqual(['ab']);
  });
});

describe('encodeDelimited', () => {
  const cases = [
    { name: 'appends the delimiter', input: 'AT', expected: 'AT\r\n' },
    {
      name: 'leaves a payload that already ends with the delimiter as is',
      input: 'AT\r\n',
      expected: 'AT\r\n',
    },
    { name: 'appends after a payload ending with half the delimiter', input: 'AT\r', expected: 'AT\r\r\n' },
    { name: 'turns an empty payload into just the delimiter', input: '', expected: '\r\n' },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(Buffer.from(encodeDelimited(text(input), CRLF)).toString('latin1')).toEqual(expected);
  });

  // Found by fuzzing: delimiter 0x00 and payload 00 00 went out as 00 00 00, which the far end read as two
  // empty frames instead of one frame "00".
  const refused = [
    { name: 'a payload holding the delimiter (00 00 with delimiter 0x00)', input: '\0\0', delimiter: '\0', at: 0 },
    { name: 'a payload with CR LF inside ("AT\r\nZ")', input: 'AT\r\nZ', delimiter: '\r\n', at: 2 },
    {
      name: 'a payload whose tail and the delimiter make one early ("xa" with delimiter "aa")',
      input: 'xa',
      delimiter: 'aa',
      at: 1,
    },
  ];
  it.each(refused)('refuses $name with RangeError naming the byte', ({ input, delimiter, at }) => {
    expect(() => encodeDelimited(text(input), text(delimiter))).toThrow(
      new RegExp(`^delimiter: payload holds the delimiter [0-9A-Fx ]+ at byte ${at}; the far end would cut the frame there$`),
    );
    expect(() => encodeDelimited(text(input), text(delimiter))).toThrow(RangeError);
  });
});
