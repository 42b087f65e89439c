import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import { defineCodec } from '../codec-definition.js';
import type { Decoder, JsonValue, Reading } from '../decoder.js';
import { decodeFrameText, parseDecimal } from './text.js';

const separators = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** Options of the `key-value` codec: text such as `temp=21.5 hum=40 id=abc` or `temp:21.5,hum:40`. */
export const keyValueOptionsSchema = z
  .object({
    /** What separates one pair from the next; a run of separators counts as one. */
    pairSeparators: separators.default([' ', '\t', ',', ';']),
    /** What separates a key from its value; the first one found in a pair wins. */
    keyValueSeparators: separators.default(['=', ':']),
    /** Turn values that are entirely a decimal number ("21.5", "-3", "1e3") into numbers. */
    parseNumbers: z.boolean().default(true),
  })
  .strict()
  .superRefine((options, ctx) => {
    const pairs = asList(options.pairSeparators);
    for (const separator of asList(options.keyValueSeparators)) {
      if (pairs.some((pair) => pair.includes(separator) || separator.includes(pair))) {
        ctx.addIssue({
          code: 'custom',
          path: ['keyValueSeparators'],
          message: `'${separator}' overlaps a pair separator; a pair could never be split`,
        });
      }
    }
  });

/** Validated `key-value` codec options. */
export type KeyValueOptions = z.infer<typeof keyValueOptionsSchema>;
/** `key-value` codec options as written in a profile (defaults not yet applied). */
export type KeyValueOptionsInput = z.input<typeof keyValueOptionsSchema>;

/** A decoder for `key<sep>value` pairs; a pair without a key/value separator or key is a reason naming it. */
export function createKeyValueDecoder(options: KeyValueOptionsInput = {}): Decoder {
  const parsed = keyValueOptionsSchema.parse(options);
  const pairSplitter = new RegExp(`(?:${asList(parsed.pairSeparators).map(escapeRegExp).join('|')})+`);
  const keyValueSeparators = asList(parsed.keyValueSeparators);
  const described = keyValueSeparators.map((separator) => `'${separator}'`).join(' or ');
  const { parseNumbers } = parsed;
  return {
    kind: 'key-value',
    decode(bytes: Uint8Array): Result<Reading> {
      const text = decodeFrameText(bytes);
      if (!text.ok) return text;
      const reading: Reading = {};
      let index = 0;
      for (const pair of text.value.split(pairSplitter)) {
        if (pair === '') continue; // leading or trailing separators
        index++;
        let at = -1;
        let width = 0;
        for (const separator of keyValueSeparators) {
          const found = pair.indexOf(separator);
          if (found >= 0 && (at < 0 || found < at)) {
            at = found;
            width = separator.length;
          }
        }
        if (at < 0) return fail(`pair ${index} '${pair}' has no ${described} between key and value`);
        const key = pair.slice(0, at).trim();
        if (key === '') return fail(`pair ${index} '${pair}' has an empty key`);
        if (Object.hasOwn(reading, key)) return fail(`pair ${index} '${pair}' repeats key '${key}'`);
        const raw = pair.slice(at + width).trim();
        setField(reading, key, parseNumbers ? (parseDecimal(raw) ?? raw) : raw);
      }
      return index === 0 ? fail('frame has no key/value pairs') : ok(reading);
    },
  };
}

/** Sets a field whose name came from the frame; `__proto__` becomes a plain field, not a prototype. */
function setField(reading: Reading, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(reading, key, { value, enumerable: true, writable: true, configurable: true });
  } else reading[key] = value;
}

function asList(value: string | string[]): string[] {
  return typeof value === 'string' ? [value] : value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The `key-value` codec: `KEY=VALUE` pairs. */
export const keyValueCodec = defineCodec({ kind: 'key-value', options: keyValueOptionsSchema, create: createKeyValueDecoder });
