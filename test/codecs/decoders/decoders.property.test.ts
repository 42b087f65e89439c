import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/codecs/decoder.js';
import {
  type BinaryStructOptions,
  binaryStructOptionsSchema,
  createBinaryStructDecoder,
  type StructField,
} from '../../../src/codecs/decoders/binary-struct.js';
import { type CsvOptions, createCsvDecoder, csvOptionsSchema } from '../../../src/codecs/decoders/csv.js';
import { createJsonLinesDecoder } from '../../../src/codecs/decoders/json-lines.js';
import { createKeyValueDecoder, type KeyValueOptions, keyValueOptionsSchema } from '../../../src/codecs/decoders/key-value.js';
import { createNmea0183Decoder } from '../../../src/codecs/decoders/nmea0183.js';
import { decodeFrameText, parseDecimal, parseInteger } from '../../../src/codecs/decoders/text.js';
import { withNmeaChecksum } from '../../../src/codecs/nmea-checksum.js';
import {
  anyBytes,
  expectJsonResult,
  expectNeverThrows,
  expectResult,
  fuzzParameters,
  validOrMutated,
} from '../../support/fuzz.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Options that pass the codec's own schema, drawn from `input`. */
function validOptions<T>(schema: { safeParse(data: unknown): { success: boolean; data?: T } }, input: fc.Arbitrary<unknown>) {
  return input
    .map((raw) => schema.safeParse(raw))
    .filter((parsed) => parsed.success)
    .map((parsed) => parsed.data as T);
}

describe('text helpers, fuzzed', () => {
  it('decodeFrameText accepts exactly valid UTF-8 and names a byte after a valid prefix', () => {
    fc.assert(
      fc.property(fc.oneof(anyBytes(64), fc.string({ unit: 'binary' }).map(utf8)), (bytes) => {
        const text = decodeFrameText(bytes);
        expectResult(text);
        expect(text.ok).toBe(isUtf8(bytes));
        if (text.ok) return;
        const at = Number(/byte (\d+)/.exec(text.reason)?.[1]);
        expect(at).toBeLessThan(bytes.length);
        expect(isUtf8(bytes.subarray(0, at))).toBe(true);
      }),
      fuzzParameters(),
    );
  });

  it('parseDecimal reads back every finite number as written, and never yields NaN or Infinity', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), (value, junk) => {
        expect(parseDecimal(String(value))).toBe(Object.is(value, -0) ? 0 : value);
        const parsed = parseDecimal(junk);
        if (parsed !== undefined) expect(Number.isFinite(parsed)).toBe(true);
        const integer = parseInteger(junk);
        if (integer !== undefined) expect(Number.isSafeInteger(integer)).toBe(true);
      }),
      fuzzParameters(),
    );
  });
});

describe('json codec, fuzzed', () => {
  const valueField = fc.oneof(fc.constant('value'), fc.string({ minLength: 1, maxLength: 8 }), fc.constant('__proto__'));

  it('decodes any JSON document into that document (a non-object under valueField)', () => {
    fc.assert(
      fc.property(valueField, fc.jsonValue(), (field, document) => {
        const result = createJsonLinesDecoder({ valueField: field }).decode(utf8(`${JSON.stringify(document)}\r\n`));
        expectJsonResult(result);
        const parsed = JSON.parse(JSON.stringify(document)) as JsonValue;
        const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
        expect(result).toEqual({ ok: true, value: isObject ? parsed : { [field]: parsed } });
      }),
      fuzzParameters(),
    );
  });

  it('never throws on broken JSON: a plain-JSON reading or a reason', () => {
    const documents = fc.json().map(utf8);
    expectNeverThrows(validOrMutated(documents), (bytes) => createJsonLinesDecoder().decode(bytes));
  });
});

describe('key-value codec, fuzzed', () => {
  const separator = fc.constantFrom(' ', '\t', ',', ';', '|', '.', '*', '(', '&&', '$', '\\', '[', '^');
  const separators = fc.oneof(separator, fc.array(separator, { minLength: 1, maxLength: 3 }));
  const options = validOptions<KeyValueOptions>(
    keyValueOptionsSchema,
    fc.record(
      {
        pairSeparators: separators,
        keyValueSeparators: fc.oneof(
          fc.constantFrom('=', ':', '->', '+', '?', ')'),
          fc.array(fc.constantFrom('=', ':', '->', '+', '?', ')'), { minLength: 1, maxLength: 3 }),
        ),
        parseNumbers: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  );
  const first = (value: string | string[]): string => (typeof value === 'string' ? value : (value[0] ?? ''));

  it('reads back the pairs it is given, whatever the separators (regex characters included)', () => {
    const pairs = fc.uniqueArray(
      fc.tuple(fc.stringMatching(/^[a-z_]{1,8}$/), fc.oneof(fc.stringMatching(/^[a-z]{1,8}$/), fc.nat().map(String))),
      { minLength: 1, maxLength: 6, selector: ([key]) => key },
    );
    fc.assert(
      fc.property(options, pairs, (parsed, list) => {
        const text = list
          .map(([key, value]) => `${key}${first(parsed.keyValueSeparators)}${value}`)
          .join(first(parsed.pairSeparators));
        const result = createKeyValueDecoder(parsed).decode(utf8(text));
        const expected = Object.fromEntries(
          list.map(([key, value]) => [key, parsed.parseNumbers && /^\d+$/.test(value) ? Number(value) : value]),
        );
        expect(result).toEqual({ ok: true, value: expected });
      }),
      fuzzParameters(),
    );
  });

  it('never throws on any text: a plain-JSON reading or a reason', () => {
    const text = fc.string({ unit: 'binary', maxLength: 80 }).map(utf8);
    expectNeverThrows(fc.tuple(options, validOrMutated(text)), ([parsed, bytes]) => createKeyValueDecoder(parsed).decode(bytes));
  });
});

describe('csv codec, fuzzed', () => {
  const columnType = fc.constantFrom('string' as const, 'number' as const, 'integer' as const, 'boolean' as const);
  const options = validOptions<CsvOptions>(
    csvOptionsSchema,
    fc.record({
      columns: fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z]{1,6}$/), type: columnType }), {
        minLength: 1,
        maxLength: 6,
        selector: (column) => column.name,
      }),
      separator: fc.constantFrom(',', ';', '\t', ' ', '|', '.', 'e', '1', 'é', '\\', '*'),
    }),
  );

  /** A random value for a column, as the reading holds it, and its text in a quoted field. */
  function cell(type: 'string' | 'number' | 'integer' | 'boolean'): fc.Arbitrary<[JsonValue, string]> {
    const empty = fc.constant<[JsonValue, string]>([null, '']);
    switch (type) {
      case 'string':
        return fc.string({ unit: 'binary', maxLength: 12 }).map((s) => [s, s]);
      case 'number':
        return fc.oneof(
          empty,
          fc.double({ noNaN: true, noDefaultInfinity: true }).map((n): [JsonValue, string] => [n === 0 ? 0 : n, String(n)]),
        );
      case 'integer':
        return fc.oneof(
          empty,
          fc.maxSafeInteger().map((n): [JsonValue, string] => [n === 0 ? 0 : n, String(n)]),
        );
      case 'boolean':
        return fc.oneof(
          empty,
          fc.constantFrom<[JsonValue, string]>([true, 'true'], [false, 'FALSE'], [true, ' yes '], [false, 'off'], [true, '1']),
        );
    }
  }

  it('reads back every row it is given, each field quoted RFC 4180 style', () => {
    const rows = options.chain((parsed) =>
      fc.record({
        parsed: fc.constant(parsed),
        cells: fc.tuple(...parsed.columns.map((column) => cell(typeof column === 'string' ? 'string' : column.type))),
      }),
    );
    fc.assert(
      fc.property(rows, ({ parsed, cells }) => {
        const line = cells.map(([, text]) => `"${text.replaceAll('"', '""')}"`).join(parsed.separator);
        const result = createCsvDecoder(parsed).decode(utf8(`${line}\r\n`));
        const names = parsed.columns.map((column) => (typeof column === 'string' ? column : column.name));
        expect(result).toEqual({ ok: true, value: Object.fromEntries(names.map((name, i) => [name, cells[i]?.[0]])) });
      }),
      fuzzParameters(),
    );
  });

  it('never throws on any line: a plain-JSON reading or a reason', () => {
    const line = fc.string({ unit: 'binary', maxLength: 80 }).map(utf8);
    expectNeverThrows(fc.tuple(options, validOrMutated(line)), ([parsed, bytes]) => createCsvDecoder(parsed).decode(bytes));
  });
});

describe('struct codec, fuzzed', () => {
  const numberType = fc.constantFrom('u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'f64');
  const field = fc.oneof(
    fc.record(
      {
        offset: fc.integer({ min: 0, max: 12 }),
        type: numberType,
        endian: fc.constantFrom('big' as const, 'little' as const),
        scale: fc.constantFrom(1, 0.1, 0.01, 0.5, -2, 0, 1e-300),
        add: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1000, max: 1000 }),
      },
      { requiredKeys: ['offset', 'type'] },
    ),
    fc.record({
      offset: fc.integer({ min: 0, max: 12 }),
      type: fc.constant('bits' as const),
      bit: fc.record({ start: fc.integer({ min: 0, max: 31 }), length: fc.integer({ min: 1, max: 32 }) }),
    }),
  );
  const options = validOptions<BinaryStructOptions>(
    binaryStructOptionsSchema,
    fc.record(
      {
        fields: fc.array(field, { minLength: 1, maxLength: 6 }).map((fields) => fields.map((f, i) => ({ name: `f${i}`, ...f }))),
        endian: fc.constantFrom('big' as const, 'little' as const),
        length: fc.integer({ min: 1, max: 24 }),
        minLength: fc.integer({ min: 0, max: 24 }),
      },
      { requiredKeys: ['fields'] },
    ),
  );

  it('reads every field as DataView does, scaled and offset, NaN and Infinity as null', () => {
    fc.assert(
      fc.property(options, fc.uint8Array({ minLength: 24, maxLength: 24 }), (parsed, bytes) => {
        const size = parsed.length ?? Math.max(parsed.minLength ?? 0, ...parsed.fields.map((f) => f.offset + width(f)));
        const result = createBinaryStructDecoder(parsed).decode(bytes.subarray(0, size));
        expectJsonResult(result);
        if (!result.ok) throw new Error(result.reason);
        for (const f of parsed.fields) {
          const expected = reference(bytes, f, parsed.endian);
          const got = result.value[f.name];
          if (expected === null) expect(got).toBeNull();
          else expect(Math.abs((got as number) - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
        }
      }),
      fuzzParameters(),
    );
  });

  it('never throws on frames of any length: a plain-JSON reading or a reason', () => {
    expectNeverThrows(fc.tuple(options, anyBytes(40)), ([parsed, bytes]) => createBinaryStructDecoder(parsed).decode(bytes));
  });

  function width(f: StructField): number {
    if (f.type !== 'bits') return { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8 }[f.type];
    return Math.ceil(((f.bit?.start ?? 0) + (f.bit?.length ?? 0)) / 8);
  }

  /** The field's value computed with DataView and BigInt, independently of the decoder. */
  function reference(bytes: Uint8Array, f: StructField, endian: 'big' | 'little'): number | null {
    const little = (f.endian ?? endian) === 'little';
    const view = new DataView(bytes.buffer, bytes.byteOffset + f.offset);
    let raw: number;
    if (f.type === 'bits') {
      let container = 0n;
      const n = width(f);
      for (let k = 0; k < n; k++) container = (container << 8n) | BigInt(bytes[f.offset + (little ? n - 1 - k : k)] ?? 0);
      const { start, length } = f.bit ?? { start: 0, length: 32 };
      raw = Number((container >> BigInt(start)) & ((1n << BigInt(length)) - 1n));
    } else {
      const read = {
        u8: () => view.getUint8(0),
        i8: () => view.getInt8(0),
        u16: () => view.getUint16(0, little),
        i16: () => view.getInt16(0, little),
        u32: () => view.getUint32(0, little),
        i32: () => view.getInt32(0, little),
        f32: () => view.getFloat32(0, little),
        f64: () => view.getFloat64(0, little),
      }[f.type];
      raw = read();
    }
    const value = raw * (f.scale ?? 1) + (f.add ?? 0);
    return Number.isFinite(value) ? value : null;
  }
});

describe('nmea0183 codec, fuzzed', () => {
  const sentence = fc
    .record({
      talker: fc.constantFrom('GP', 'GN', 'GL', 'BD', 'P'),
      type: fc.constantFrom('GGA', 'RMC', 'GSV', 'VTG', 'GLL', 'ZDA', 'TXT', 'MTK'),
      fields: fc.array(fc.stringMatching(/^[0-9.NSEWAVM-]{0,10}$/), { maxLength: 24 }),
    })
    .map(({ talker, type, fields }) => withNmeaChecksum(`$${talker}${type},${fields.join(',')}`));
  const realistic = fc.constantFrom(
    '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47',
    '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A',
  );
  const requireChecksum = fc.boolean();

  it('never throws on sentences, broken or not: a plain-JSON reading or a reason', () => {
    const bytes = fc.oneof(sentence, realistic).map(utf8);
    expectNeverThrows(fc.tuple(requireChecksum, validOrMutated(bytes)), ([required, input]) =>
      createNmea0183Decoder({ requireChecksum: required }).decode(input),
    );
  });

  it('refuses a sentence with any one byte changed (the checksum catches it)', () => {
    fc.assert(
      fc.property(fc.oneof(sentence, realistic), fc.nat(), fc.integer({ min: 1, max: 255 }), (text, at, xor) => {
        const bytes = utf8(text);
        const i = at % bytes.length;
        const changed = bytes.slice();
        changed[i] = (changed[i] ?? 0) ^ xor;
        // The checksum's hex digits may change case and still say the same thing.
        const star = text.lastIndexOf('*');
        fc.pre(!(i > star && String.fromCharCode(changed[i] ?? 0).toUpperCase() === text[i]?.toUpperCase()));
        const result = createNmea0183Decoder().decode(changed);
        expectResult(result);
        expect(result.ok).toBe(false);
      }),
      fuzzParameters(),
    );
  });
});
