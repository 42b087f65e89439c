import { describe, expect, it } from 'vitest';
import { type CsvOptionsInput, createCsvDecoder, csvOptionsSchema } from '../../../src/codecs/decoders/csv.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

const typed: CsvOptionsInput = {
  columns: [
    { name: 'temp', type: 'number' },
    { name: 'hum', type: 'integer' },
    { name: 'id', type: 'string' },
    { name: 'ok', type: 'boolean' },
  ],
};

describe('csv codec', () => {
  it('names itself csv', () => {
    expect(createCsvDecoder(typed).kind).toBe('csv');
  });

  const cases: { name: string; options?: CsvOptionsInput; input: string; expected: unknown }[] = [
    {
      name: 'decodes typed columns',
      input: '21.5,40,abc,true',
      expected: { ok: true, value: { temp: 21.5, hum: 40, id: 'abc', ok: true } },
    },
    {
      name: 'unquotes a field holding the separator and doubled quotes, ignoring CR LF',
      input: '21.5,40,"a,b ""c""",0\r\n',
      expected: { ok: true, value: { temp: 21.5, hum: 40, id: 'a,b "c"', ok: false } },
    },
    {
      name: 'reads empty typed fields as null and an empty string field as ""',
      input: ',,,',
      expected: { ok: true, value: { temp: null, hum: null, id: '', ok: null } },
    },
    {
      name: 'trims typed fields but keeps string fields verbatim',
      input: ' 21.5 , 40 , x y ,YES',
      expected: { ok: true, value: { temp: 21.5, hum: 40, id: ' x y ', ok: true } },
    },
    {
      name: 'reads signs and exponents',
      input: '-1e2,+7,"",off',
      expected: { ok: true, value: { temp: -100, hum: 7, id: '', ok: false } },
    },
    {
      name: 'treats plain column names as strings',
      options: { columns: ['a', 'b'] },
      input: '1,2',
      expected: { ok: true, value: { a: '1', b: '2' } },
    },
    {
      name: 'uses a configured separator',
      options: { columns: ['t', { name: 'n', type: 'number' }], separator: ';' },
      input: '21,5;3',
      expected: { ok: true, value: { t: '21,5', n: 3 } },
    },
    {
      name: 'splits on tabs',
      options: { columns: ['a', 'b'], separator: '\t' },
      input: 'x y\tz',
      expected: { ok: true, value: { a: 'x y', b: 'z' } },
    },
    {
      name: 'states expected and actual counts when a column is missing',
      input: '21.5,40,abc',
      expected: { ok: false, reason: 'expected 4 columns (temp, hum, id, ok), got 3' },
    },
    {
      name: 'states expected and actual counts when there is an extra column',
      input: '21.5,40,abc,true,extra',
      expected: { ok: false, reason: 'expected 4 columns (temp, hum, id, ok), got 5' },
    },
    {
      name: 'counts a separator inside quotes as text, not a column',
      input: '21.5,40,"abc,true"',
      expected: { ok: false, reason: 'expected 4 columns (temp, hum, id, ok), got 3' },
    },
    {
      name: 'names a number column that is not a number',
      input: 'warm,40,abc,true',
      expected: { ok: false, reason: "column 1 'temp': expected a number, got 'warm'" },
    },
    {
      name: 'names an integer column holding a fraction',
      input: '21.5,40.5,abc,true',
      expected: { ok: false, reason: "column 2 'hum': expected an integer, got '40.5'" },
    },
    {
      name: 'names a boolean column holding something else',
      input: '21.5,40,abc,maybe',
      expected: {
        ok: false,
        reason: "column 4 'ok': expected a boolean (true/false, 1/0, yes/no, on/off), got 'maybe'",
      },
    },
    {
      name: 'does not take inherited object keys for booleans',
      input: '21.5,40,abc,constructor',
      expected: {
        ok: false,
        reason: "column 4 'ok': expected a boolean (true/false, 1/0, yes/no, on/off), got 'constructor'",
      },
    },
    {
      name: 'names a quote that is never closed',
      input: '21.5,40,"abc,true',
      expected: { ok: false, reason: 'field 3: quote opened at position 8 is never closed' },
    },
    {
      name: 'names text after a closing quote',
      input: '21.5,40,"abc"x,true',
      expected: {
        ok: false,
        reason: "field 3: expected ',' or end of line after the closing quote at position 12, found 'x'",
      },
    },
  ];

  it.each(cases)('$name', ({ options, input, expected }) => {
    expect(createCsvDecoder(options ?? typed).decode(utf8(input))).toEqual(expected);
  });

  it.each([
    { name: 'a misspelt option', input: { columns: ['a'], seperator: ';' }, expected: false },
    { name: 'a misspelt column key', input: { columns: [{ name: 'a', typ: 'number' }] }, expected: false },
    { name: 'an unknown column type', input: { columns: [{ name: 'a', type: 'float' }] }, expected: false },
    {
      name: 'a column named twice',
      input: { columns: ['a', { name: 'a', type: 'number' }] },
      expected: false,
    },
    { name: 'no columns', input: { columns: [] }, expected: false },
    { name: 'a quote as separator', input: { columns: ['a'], separator: '"' }, expected: false },
    { name: 'a two-character separator', input: { columns: ['a'], separator: ';;' }, expected: false },
    {
      name: 'plain and typed columns',
      input: { columns: ['a', { name: 'b', type: 'integer' }] },
      expected: true,
    },
  ])('options schema: $name -> valid is $expected', ({ input, expected }) => {
    expect(csvOptionsSchema.safeParse(input).success).toBe(expected);
  });
});
