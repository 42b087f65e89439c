import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import { defineCodec } from '../codec-definition.js';
import type { Decoder, JsonValue, Reading } from '../decoder.js';
import { decodeFrameText, parseDecimal, parseInteger } from './text.js';

const columnName = z
  .string()
  .min(1)
  .refine((name) => name !== '__proto__', { message: "'__proto__' cannot name a column" });
const columnType = z.enum(['string', 'number', 'integer', 'boolean']);

/** Options of the `csv` codec: one line of separated values, RFC 4180 quoting, columns named in order. */
export const csvOptionsSchema = z
  .object({
    /** The columns in order: a plain name (a string column) or `{ name, type }`. */
    columns: z.array(z.union([columnName, z.object({ name: columnName, type: columnType.default('string') }).strict()])).min(1),
    /** One character between fields; `"` quotes a field (a doubled `""` inside is one quote). */
    separator: z
      .string()
      .length(1)
      .refine((s) => s !== '"' && s !== '\r' && s !== '\n', { message: 'cannot be a quote or line break' })
      .default(','),
  })
  .strict()
  .superRefine((options, ctx) => {
    const seen = new Set<string>();
    options.columns.forEach((column, index) => {
      const name = typeof column === 'string' ? column : column.name;
      if (seen.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', index],
          message: `column '${name}' is named twice`,
        });
      }
      seen.add(name);
    });
  });

/** Validated `csv` codec options. */
export type CsvOptions = z.infer<typeof csvOptionsSchema>;
/** `csv` codec options as written in a profile (defaults not yet applied). */
export type CsvOptionsInput = z.input<typeof csvOptionsSchema>;
/** How a CSV column's text becomes a value. */
export type CsvColumnType = z.infer<typeof columnType>;

const BOOLEANS = new Map<string, boolean>([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
  ['on', true],
  ['off', false],
]);

/**
 * A decoder for one CSV line into named, typed fields. An empty field is `null` in a number,
 * integer or boolean column and `""` in a string column; typed fields may have spaces around them.
 */
export function createCsvDecoder(options: CsvOptionsInput): Decoder {
  const parsed = csvOptionsSchema.parse(options);
  const columns = parsed.columns.map((column) =>
    typeof column === 'string' ? { name: column, type: 'string' as const } : column,
  );
  const separator = parsed.separator;
  const names = columns.map((column) => column.name).join(', ');
  const fields: string[] = []; // reused between frames: decode is synchronous
  return {
    kind: 'csv',
    decode(bytes: Uint8Array): Result<Reading> {
      const text = decodeFrameText(bytes);
      if (!text.ok) return text;
      const bad = splitCsvLine(text.value, separator, fields);
      if (bad !== undefined) return fail(bad);
      if (fields.length !== columns.length) {
        return fail(`expected ${columns.length} columns (${names}), got ${fields.length}`);
      }
      const reading: Reading = {};
      let index = 0;
      for (const column of columns) {
        const raw = fields[index++] ?? '';
        const value = convert(raw, column.type);
        if (value === undefined) {
          return fail(`column ${index} '${column.name}': expected ${EXPECTED[column.type]}, got '${raw}'`);
        }
        reading[column.name] = value;
      }
      return ok(reading);
    },
  };
}

const EXPECTED: Record<CsvColumnType, string> = {
  string: 'text',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean (true/false, 1/0, yes/no, on/off)',
};

/** A field's value for its column type, or undefined when the text is not of that type. */
function convert(raw: string, type: CsvColumnType): JsonValue | undefined {
  if (type === 'string') return raw;
  const text = raw.trim();
  if (text === '') return null;
  if (type === 'number') return parseDecimal(text);
  if (type === 'integer') return parseInteger(text);
  return BOOLEANS.get(text.toLowerCase());
}

/**
 * Splits one line into `fields` (cleared first) per RFC 4180: a field that starts with `"` runs to
 * the matching `"`, with `""` standing for one quote, and any other field holds no quote. Returns a
 * reason if the quoting is broken.
 */
function splitCsvLine(line: string, separator: string, fields: string[]): string | undefined {
  fields.length = 0;
  let i = 0;
  let nextQuote = line.indexOf('"'); // refreshed only once passed, so the split stays linear
  for (;;) {
    if (line.charCodeAt(i) !== 0x22) {
      const next = line.indexOf(separator, i);
      const end = next < 0 ? line.length : next;
      // RFC 4180 §2.5: a quote may only appear in a quoted field. `1, "a,b"` (a space before the
      // quote) is such a case, and splitting it at the comma inside would shift every later column.
      if (nextQuote >= 0 && nextQuote < i) nextQuote = line.indexOf('"', i);
      if (nextQuote >= 0 && nextQuote < end) {
        const at = `position ${nextQuote}`;
        return `field ${fields.length + 1}: quote at ${at} inside an unquoted field; expected the whole field in quotes`;
      }
      fields.push(line.slice(i, end));
      if (next < 0) return undefined;
      i = next + 1;
      continue;
    }
    const opening = i;
    let value = '';
    let from = i + 1;
    for (;;) {
      const quote = line.indexOf('"', from);
      if (quote < 0) return `field ${fields.length + 1}: quote opened at position ${opening} is never closed`;
      if (line.charCodeAt(quote + 1) !== 0x22) {
        value += line.slice(from, quote);
        i = quote + 1;
        break;
      }
      value += line.slice(from, quote + 1);
      from = quote + 2;
    }
    fields.push(value);
    if (i === line.length) return undefined;
    if (line[i] !== separator) {
      const after = `after the closing quote at position ${i - 1}`;
      return `field ${fields.length}: expected '${separator}' or end of line ${after}, found '${line[i]}'`;
    }
    i++;
  }
}

/** The `csv` codec: one line of separated values. */
export const csvCodec = defineCodec({ kind: 'csv', options: csvOptionsSchema, create: createCsvDecoder });
