import { describe, expect, it } from 'vitest';
import { createJsonLinesDecoder, jsonLinesOptionsSchema } from '../../../src/codecs/decoders/json-lines.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('json codec', () => {
  const decoder = createJsonLinesDecoder();

  it('names itself json', () => {
    expect(decoder.kind).toBe('json');
  });

  const cases = [
    {
      name: 'decodes an object into a reading',
      input: '{"temp":21.5,"id":"abc","on":true}',
      expected: { ok: true, value: { temp: 21.5, id: 'abc', on: true } },
    },
    {
      name: 'keeps nested values',
      input: '{ "a": { "b": [1, null, "x"] }, "c": -0.5e1 }',
      expected: { ok: true, value: { a: { b: [1, null, 'x'] }, c: -5 } },
    },
    { name: 'ignores a trailing CR LF', input: '{"a":1}\r\n', expected: { ok: true, value: { a: 1 } } },
    { name: 'ignores a trailing LF', input: '{"a":1}\n', expected: { ok: true, value: { a: 1 } } },
    { name: 'wraps a number as { value }', input: '42', expected: { ok: true, value: { value: 42 } } },
    { name: 'wraps a string as { value }', input: '"hi"', expected: { ok: true, value: { value: 'hi' } } },
    { name: 'wraps an array as { value }', input: '[1,2]', expected: { ok: true, value: { value: [1, 2] } } },
    { name: 'wraps null as { value }', input: 'null', expected: { ok: true, value: { value: null } } },
    {
      name: 'names the position of a missing value',
      input: '{"a":}',
      expected: { ok: false, reason: "invalid JSON at position 5: expected a value, found '}'" },
    },
    {
      name: 'names the position of a trailing comma in an object',
      input: '{"a":1,}',
      expected: { ok: false, reason: "invalid JSON at position 7: expected a string key, found '}'" },
    },
    {
      name: 'names the end of a truncated object',
      input: '{"a":1',
      expected: { ok: false, reason: "invalid JSON at position 6: expected ',' or '}', found end of input" },
    },
    {
      name: 'names a missing comma in an array',
      input: '[1 2]',
      expected: { ok: false, reason: "invalid JSON at position 3: expected ',' or ']', found '2'" },
    },
    {
      name: 'names trailing text after the document',
      input: '{"a":1} x',
      expected: { ok: false, reason: "invalid JSON at position 8: expected end of input, found 'x'" },
    },
    {
      name: 'refuses an empty frame',
      input: '',
      expected: { ok: false, reason: 'invalid JSON at position 0: expected a value, found end of input' },
    },
    {
      name: 'refuses an unterminated string',
      input: '"abc',
      expected: {
        ok: false,
        reason: `invalid JSON at position 4: expected a closing '"', found end of input`,
      },
    },
    {
      name: 'refuses a misspelt literal',
      input: '{"a":tru}',
      expected: { ok: false, reason: "invalid JSON at position 5: expected a value, found 't'" },
    },
    {
      name: 'refuses a leading zero',
      input: '01',
      expected: { ok: false, reason: "invalid JSON at position 1: expected end of input, found '1'" },
    },
    {
      name: 'refuses a bare minus sign',
      input: '[-]',
      expected: { ok: false, reason: "invalid JSON at position 2: expected a digit, found ']'" },
    },
    {
      name: 'refuses an unknown escape',
      input: '"a\\x"',
      expected: {
        ok: false,
        reason: `invalid JSON at position 3: expected an escape character (one of " \\ / b f n r t u), found 'x'`,
      },
    },
    {
      name: 'refuses a single-quoted key',
      input: "{'a':1}",
      expected: { ok: false, reason: "invalid JSON at position 1: expected a string key, found '''" },
    },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    expect(decoder.decode(utf8(input))).toEqual(expected);
  });

  it('refuses invalid UTF-8 naming the byte', () => {
    expect(decoder.decode(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual({
      ok: false,
      reason: 'frame is not valid UTF-8: byte 1 (0xFF) does not start a valid sequence',
    });
  });

  it('reports deeply nested broken input without overflowing the stack', () => {
    const result = decoder.decode(utf8('['.repeat(200_000)));
    expect(result).toEqual({
      ok: false,
      reason: 'invalid JSON at position 200000: expected a value, found end of input',
    });
  });

  // Found by fuzzing: JSON.parse turns a number beyond a double's range into ±Infinity, which no JSON
  // payload can carry, and a document nested 200,000 deep parses but overflows JSON.stringify later.
  const unfit = [
    {
      name: 'refuses the number -545506570097004e+2043 (it would be -Infinity)',
      input: '-545506570097004e+2043',
      reason: 'document: number beyond the range of a double (about ±1.8e308)',
    },
    {
      name: 'names the field of an out-of-range number',
      input: '{"a":{"b":[1,1e400]}}',
      reason: 'document.a.b[1]: number beyond the range of a double (about ±1.8e308)',
    },
    {
      name: 'refuses a document nested 65 levels deep',
      input: `${'['.repeat(65)}${']'.repeat(65)}`,
      reason: `document${'[0]'.repeat(64)}: nested deeper than 64 levels`,
    },
    {
      name: 'refuses a document nested 200,000 levels deep without overflowing the stack',
      input: `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`,
      reason: `document${'.a'.repeat(64)}: nested deeper than 64 levels`,
    },
  ];
  it.each(unfit)('$name', ({ input, reason }) => {
    expect(decoder.decode(utf8(input))).toEqual({ ok: false, reason });
  });

  it('accepts a document nested 64 levels deep and the largest double', () => {
    expect(decoder.decode(utf8(`${'['.repeat(64)}${']'.repeat(64)}`)).ok).toBe(true);
    expect(decoder.decode(utf8('{"max":1.7976931348623157e308}'))).toEqual({ ok: true, value: { max: Number.MAX_VALUE } });
  });

  it('wraps non-objects under a configured field', () => {
    expect(createJsonLinesDecoder({ valueField: 'reading' }).decode(utf8('7'))).toEqual({
      ok: true,
      value: { reading: 7 },
    });
  });

  it.each([
    { name: 'a misspelt option', input: { valueFeild: 'x' }, expected: false },
    { name: 'an empty value field', input: { valueField: '' }, expected: false },
    { name: 'no options', input: {}, expected: true },
  ])('options schema: $name -> valid is $expected', ({ input, expected }) => {
    expect(jsonLinesOptionsSchema.safeParse(input).success).toBe(expected);
  });
});
