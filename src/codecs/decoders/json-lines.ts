import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import { defineCodec } from '../codec-definition.js';
import { type Decoder, type JsonValue, type Reading, rememberRawJson } from '../decoder.js';
import { decodeFrameText } from './text.js';

/** Options of the `json` codec: one JSON document per frame (JSON Lines / NDJSON). */
export const jsonLinesOptionsSchema = z
  .object({
    /** Field that carries a document which is not an object (a number, string, array...). */
    valueField: z.string().min(1).default('value'),
  })
  .strict();

/** Validated `json` codec options. */
export type JsonLinesOptions = z.infer<typeof jsonLinesOptionsSchema>;
/** `json` codec options as written in a profile (defaults not yet applied). */
export type JsonLinesOptionsInput = z.input<typeof jsonLinesOptionsSchema>;

/**
 * A decoder for one JSON document per frame; a non-object document becomes `{ [valueField]: document }`.
 * A number beyond a double's range or nesting deeper than 64 levels is refused, naming the field.
 */
export function createJsonLinesDecoder(options: JsonLinesOptionsInput = {}): Decoder {
  const { valueField } = jsonLinesOptionsSchema.parse(options);
  return {
    kind: 'json',
    decode(bytes: Uint8Array): Result<Reading> {
      const text = decodeFrameText(bytes);
      if (!text.ok) return text;
      let document: JsonValue;
      try {
        document = JSON.parse(text.value) as JsonValue;
      } catch (error) {
        return fail(describeJsonError(text.value, error));
      }
      const unfit = unfitDocument(document);
      if (unfit !== undefined) return fail(unfit);
      if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
        rememberRawJson(document, text.value);
        return ok(document);
      }
      return ok({ [valueField]: document });
    },
  };
}

/** Deepest nesting a document may have; deeper ones would overflow the stack of whatever serialises them again. */
const MAX_DEPTH = 64;

type Container = JsonValue[] | { [key: string]: JsonValue };

/**
 * Why a parsed document cannot be a Reading, or undefined: a number JSON.parse turned into ±Infinity
 * (beyond a double's range), or nesting deeper than MAX_DEPTH. Iterative; primitives cost no allocation.
 */
function unfitDocument(document: JsonValue): string | undefined {
  if (typeof document !== 'object' || document === null) {
    return typeof document === 'number' && !Number.isFinite(document) ? `document: ${OUT_OF_RANGE}` : undefined;
  }
  const pending: [container: Container, path: string, depth: number][] = [[document, 'document', 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [container, path, depth] = next;
    if (depth > MAX_DEPTH) return `${path}: nested deeper than ${MAX_DEPTH} levels`;
    const isArray = Array.isArray(container);
    for (const key in container) {
      const value = (container as Record<string, JsonValue>)[key];
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) return `${childPath(path, key, isArray)}: ${OUT_OF_RANGE}`;
      } else if (typeof value === 'object' && value !== null) {
        pending.push([value, childPath(path, key, isArray), depth + 1]);
      }
    }
  }
  return undefined;
}

const OUT_OF_RANGE = 'number beyond the range of a double (about ±1.8e308)';

function childPath(path: string, key: string, isArray: boolean): string {
  return isArray ? `${path}[${key}]` : `${path}.${key}`;
}

/** Where the JSON first broke the grammar and what was expected there (failure path only). */
function describeJsonError(text: string, error: unknown): string {
  const fault = locateJsonFault(text);
  if (fault === undefined) return `invalid JSON: ${error instanceof Error ? error.message : String(error)}`;
  const found = fault.at < text.length ? `'${text[fault.at]}'` : 'end of input';
  return `invalid JSON at position ${fault.at}: expected ${fault.expected}, found ${found}`;
}

interface JsonFault {
  at: number;
  expected: string;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const ESCAPES = '"\\/bfnrt';
const HEX4 = /^[0-9a-fA-F]{4}$/;
const LITERALS = ['true', 'false', 'null'];

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * Walks text against the JSON grammar (RFC 8259) without building values, to name the position
 * of the first error: V8's own messages do not always carry one. Iterative, so deep nesting
 * cannot overflow the stack.
 */
function locateJsonFault(text: string): JsonFault | undefined {
  const n = text.length;
  const open: number[] = [];
  let i = 0;
  const fault = (expected: string): JsonFault => ({ at: i, expected });
  const skipSpace = (): void => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };
  const digits = (): JsonFault | undefined => {
    if (!isDigit(text.charCodeAt(i))) return fault('a digit');
    while (isDigit(text.charCodeAt(i))) i++;
    return undefined;
  };
  const number = (): JsonFault | undefined => {
    if (text.charCodeAt(i) === MINUS) i++;
    if (text.charCodeAt(i) === ZERO) i++;
    else if (digits()) return fault('a digit');
    if (text.charCodeAt(i) === DOT) {
      i++;
      if (digits()) return fault('a digit');
    }
    if ((text.charCodeAt(i) | 0x20) === 0x65) {
      i++;
      if (text.charCodeAt(i) === PLUS || text.charCodeAt(i) === MINUS) i++;
      if (digits()) return fault('a digit');
    }
    return undefined;
  };
  const string = (): JsonFault | undefined => {
    for (i++; i < n; ) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fault('a string character (control characters must be escaped)');
      if (c !== BACKSLASH) {
        i++;
        continue;
      }
      i++;
      if (text[i] === 'u') {
        if (!HEX4.test(text.slice(i + 1, i + 5))) return fault('four hex digits after \\u');
        i += 5;
      } else if (i < n && ESCAPES.includes(text[i] ?? '')) i++;
      else return fault('an escape character (one of " \\ / b f n r t u)');
    }
    return fault("a closing '\"'");
  };
  const key = (): JsonFault | undefined => {
    if (text.charCodeAt(i) !== QUOTE) return fault('a string key');
    const bad = string();
    if (bad) return bad;
    skipSpace();
    if (text.charCodeAt(i) !== COLON) return fault("':'");
    i++;
    skipSpace();
    return undefined;
  };

  skipSpace();
  for (;;) {
    // A value starts at i.
    const c = text.charCodeAt(i);
    if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      i++;
      skipSpace();
      if (text.charCodeAt(i) === (c === OPEN_ARRAY ? CLOSE_ARRAY : CLOSE_OBJECT)) i++;
      else {
        open.push(c);
        const bad = c === OPEN_OBJECT ? key() : undefined;
        if (bad) return bad;
        continue;
      }
    } else {
      const bad = c === QUOTE ? string() : c === MINUS || isDigit(c) ? number() : literal();
      if (bad) return bad;
    }
    // A value ended: close containers until a ',' asks for the next value.
    for (;;) {
      skipSpace();
      const container = open[open.length - 1];
      if (container === undefined) return i === n ? undefined : fault('end of input');
      const next = text.charCodeAt(i);
      const close = container === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      if (next === close) {
        open.pop();
        i++;
        continue;
      }
      if (next !== COMMA) return fault(container === OPEN_OBJECT ? "',' or '}'" : "',' or ']'");
      i++;
      skipSpace();
      const bad = container === OPEN_OBJECT ? key() : undefined;
      if (bad) return bad;
      break;
    }
  }

  function literal(): JsonFault | undefined {
    for (const word of LITERALS) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return undefined;
      }
    }
    return fault('a value');
  }
}

/** The `json` codec: JSON documents, one per frame. */
export const jsonCodec = defineCodec({ kind: 'json', options: jsonLinesOptionsSchema, create: createJsonLinesDecoder });
