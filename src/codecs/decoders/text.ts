import { isUtf8 } from 'node:buffer';
import { fail, ok, type Result } from '../../result.js';

// Non-fatal decoder (the fast path in Node); validity is checked first with the SIMD `isUtf8`.
const utf8 = new TextDecoder('utf-8');
const CR = 0x0d;
const LF = 0x0a;
// No two parts may match the same digits: `\d+\.?\d*` backtracked quadratically on a long digit run.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** A text frame as a string without the trailing CR/LF a line framing may leave; bad UTF-8 names the byte. */
export function decodeFrameText(bytes: Uint8Array): Result<string> {
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8Byte(bytes);
    const byte = hexByte(bytes[at] ?? 0);
    return fail(`frame is not valid UTF-8: byte ${at} (0x${byte}) does not start a valid sequence`);
  }
  const text = utf8.decode(bytes);
  // CR and LF are one byte and one UTF-16 unit each, so trimming the string needs no byte copy.
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === LF || text.charCodeAt(end - 1) === CR)) end--;
  return ok(end === text.length ? text : text.slice(0, end));
}

/** The number a plain decimal literal ("-21.5", "1e3", ".5") denotes; undefined for "", "0x10"... */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** The safe integer a run of decimal digits (optionally signed) denotes; undefined for anything else. */
export function parseInteger(text: string): number | undefined {
  if (!INTEGER.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Two upper-case hex digits for a byte, as reasons print them ("0x4B"). */
export function hexByte(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

/** Offset of the first byte that does not begin a well-formed UTF-8 sequence (failure path only). */
function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const trail = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (trail === 0) return i;
    // The second byte's range also excludes overlong forms, surrogates and code points past U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= trail; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += trail + 1;
  }
  return bytes.length;
}
