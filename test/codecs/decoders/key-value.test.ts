import { describe, expect, it } from 'vitest';
import {
  createKeyValueDecoder,
  type KeyValueOptionsInput,
  keyValueOptionsSchema,
} from '../../../src/codecs/decoders/key-value.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('key-value codec', () => {
  it('names itself key-value', () => {
    expect(createKeyValueDecoder().kind).toBe('key-value');
  });

  const cases: { name: string; options?: KeyValueOptionsInput; input: string; expected: unknown }[] = [
    {
      name: 'decodes space-separated key=value pairs, numbers as numbers',
      input: 'temp=21.5 hum=40 id=abc',
      expected: { ok: true, value: { temp: 21.5, hum: 40, id: 'abc' } },
    },
    {
      name: 'decodes comma-separated key:value pairs',
      input: 'temp:21.5,hum:40',
      expected: { ok: true, value: { temp: 21.5, hum: 40 } },
    },
    {
      name: 'treats a run of separators as one and ignores a trailing CR LF',
      input: 'temp=21.5 ,  hum=40\r\n',
      expected: { ok: true, value: { temp: 21.5, hum: 40 } },
    },
    {
      name: 'ignores leading and trailing separators',
      input: ', temp=1;',
      expected: { ok: true, value: { temp: 1 } },
    },
    {
      name: 'splits a pair at its first key/value separator',
      input: 'time=12:30:00 at:x=1',
      expected: { ok: true, value: { time: '12:30:00', at: 'x=1' } },
    },
    {
      name: 'converts only whole decimal numbers',
      input: 'a=-3 b=1e3 c=0x10 d=007 e=.5 f=12abc g=Infinity h=',
      expected: {
        ok: true,
        value: { a: -3, b: 1000, c: '0x10', d: 7, e: 0.5, f: '12abc', g: 'Infinity', h: '' },
      },
    },
    {
      name: 'keeps numbers as text when parseNumbers is off',
      options: { parseNumbers: false },
      input: 'temp=21.5 id=007',
      expected: { ok: true, value: { temp: '21.5', id: '007' } },
    },
    {
      name: 'uses configured separators, so values may hold spaces',
      options: { pairSeparators: '&', keyValueSeparators: '=' },
      input: 'name=John Smith&x=1',
      expected: { ok: true, value: { name: 'John Smith', x: 1 } },
    },
    {
      name: 'accepts multi-character separators',
      options: { pairSeparators: ['||'], keyValueSeparators: ['->'] },
      input: 'a->1||b->two',
      expected: { ok: true, value: { a: 1, b: 'two' } },
    },
    {
      name: 'names a pair without a separator by index and text',
      input: 'temp=21.5 hum 40',
      expected: { ok: false, reason: "pair 2 'hum' has no '=' or ':' between key and value" },
    },
    {
      name: 'names a pair with an empty key',
      input: 'a=1 =5',
      expected: { ok: false, reason: "pair 2 '=5' has an empty key" },
    },
    {
      name: 'refuses a repeated key',
      input: 'a=1 b=2 a=3',
      expected: { ok: false, reason: "pair 3 'a=3' repeats key 'a'" },
    },
    {
      name: 'refuses a frame with no pairs',
      input: ' ,\r\n',
      expected: { ok: false, reason: 'frame has no key/value pairs' },
    },
  ];

  it.each(cases)('$name', ({ options, input, expected }) => {
    expect(createKeyValueDecoder(options).decode(utf8(input))).toEqual(expected);
  });

  it('keeps a __proto__ key as a plain field, not a prototype', () => {
    const result = createKeyValueDecoder().decode(utf8('__proto__=1 a=2'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(Object.entries(result.value)).toEqual([
      ['__proto__', 1],
      ['a', 2],
    ]);
  });

  it.each([
    { name: 'a misspelt option', input: { pairSeparator: ',' }, expected: false },
    { name: 'an empty separator', input: { pairSeparators: [''] }, expected: false },
    {
      name: 'a key/value separator that is also a pair separator',
      input: { pairSeparators: [':', ' '] },
      expected: false,
    },
    { name: 'a non-boolean parseNumbers', input: { parseNumbers: 'yes' }, expected: false },
    {
      name: 'single-string separators',
      input: { pairSeparators: ';', keyValueSeparators: '=' },
      expected: true,
    },
  ])('options schema: $name -> valid is $expected', ({ input, expected }) => {
    expect(keyValueOptionsSchema.safeParse(input).success).toBe(expected);
  });
});
