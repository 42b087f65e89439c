import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import type { Deframer } from './deframer.js';
import { allocBytes, byteCount, copyBytes, FrameBuffer, hexByte, plainBytes } from './frame-buffer.js';
import { byteOption, defineFraming, maxLengthOption } from './framing-definition.js';

/** How a delimiter-ended stream (text lines, or SLIP/COBS frames) is split and each piece finished. */
export interface DelimitedSplit {
  /** Framing name that starts every reason, e.g. "SLIP". */
  readonly label: string;
  /** The delimiter bytes (at least one). */
  readonly delimiter: Uint8Array;
  /** How reasons name the delimiter, e.g. "END (0xC0)". */
  readonly delimiterName: string;
  /** Most bytes a piece may hold between delimiters; more is rejected and skipped to the next delimiter. */
  readonly maxPieceLength: number;
  /** The configured maxLength, as named in the rejection reason. */
  readonly maxLength: number;
  /** Drops pieces of zero bytes instead of finishing them. */
  readonly skipEmpty: boolean;
  /**
   * Turns the piece `bytes[start, end)` into a frame or a reject; `bytes` may be reused after the call.
   * (A range rather than a subarray: creating views costs more than the work on a short frame.)
   */
  finish(bytes: Uint8Array, start: number, end: number): Result<Uint8Array>;
}

/** Partial-match table for finding a multi-byte delimiter across chunk boundaries (Knuth-Morris-Pratt). */
function failureTable(pattern: Uint8Array): Int32Array {
  const table = new Int32Array(pattern.length);
  for (let i = 1, k = 0; i < pattern.length; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = table[k - 1] ?? 0;
    if (pattern[i] === pattern[k]) k++;
    table[i] = k;
  }
  return table;
}

/** Splits a stream at a delimiter, bounded in memory; the shared engine of delimiter, SLIP and COBS. */
export function createDelimitedDeframer(split: DelimitedSplit): Deframer {
  const delimiter = split.delimiter;
  const n = delimiter.length;
  if (n === 0) throw new RangeError(`${split.label}: delimiter must have at least one byte`);
  const first = delimiter[0] ?? 0;
  const table = failureTable(delimiter);
  // A piece still waiting for its delimiter may hold up to n - 1 bytes of a partial delimiter match.
  const pending = new FrameBuffer(split.maxPieceLength + n - 1);
  const tooLong = `${split.label}: frame exceeds maxLength ${split.maxLength} bytes; dropped through the next ${split.delimiterName}`;
  let matched = 0;
  let discarding = false;

  /** Index just past the next complete delimiter in `chunk` from `from`, or -1 (state kept in `matched`). */
  function findEnd(chunk: Uint8Array, from: number): number {
    let m = matched;
    for (let i = from; i < chunk.length; i++) {
      if (m === 0) {
        i = chunk.indexOf(first, i);
        if (i < 0) break;
      }
      const b = chunk[i];
      while (m > 0 && delimiter[m] !== b) m = table[m - 1] ?? 0;
      if (delimiter[m] === b) m++;
      if (m === n) {
        matched = 0;
        return i + 1;
      }
    }
    matched = m;
    return -1;
  }

  /** Finishes the piece that ends with the delimiter at `chunk[end - n, end)`. */
  function complete(chunk: Uint8Array, start: number, end: number, out: Result<Uint8Array>[]): void {
    const pieceLength = pending.length + (end - start) - n;
    if (pieceLength > split.maxPieceLength) {
      out.push(fail(tooLong));
    } else if (pieceLength > 0 || !split.skipEmpty) {
      if (pending.length === 0) {
        out.push(split.finish(chunk, start, end - n));
      } else {
        // Part of the delimiter may already sit in `pending`: cut it, or append only the piece's tail.
        if (pieceLength > pending.length) pending.append(chunk, start, start + pieceLength - pending.length);
        out.push(split.finish(pending.storage, 0, pieceLength));
      }
    }
    pending.clear();
  }

  return {
    push(input) {
      const chunk = plainBytes(input);
      const out: Result<Uint8Array>[] = [];
      let start = 0;
      for (let end = findEnd(chunk, 0); end >= 0; end = findEnd(chunk, start)) {
        if (discarding) discarding = false;
        else complete(chunk, start, end, out);
        start = end;
      }
      if (!discarding && start < chunk.length) {
        if (pending.length + (chunk.length - start) > pending.capacity) {
          out.push(fail(tooLong));
          pending.clear();
          discarding = true;
        } else {
          pending.append(chunk, start);
        }
      }
      return out;
    },
    flush() {
      const left = pending.length;
      pending.clear();
      matched = 0;
      discarding = false;
      if (left === 0) return [];
      return [fail(`${split.label}: stream ended ${byteCount(left)} into a frame, before any ${split.delimiterName}`)];
    },
  };
}

/** Options of the plain delimiter framing (text lines and the like). */
export interface DelimiterOptions {
  /** One or more bytes that end every frame, e.g. CR LF. */
  delimiter: Uint8Array;
  /** Keeps the delimiter at the end of each frame (default false: stripped). */
  includeDelimiter?: boolean;
  /** Longest frame, delimiter not counted (default 4096); longer ones are rejected. */
  maxLength?: number;
  /** Drops empty frames such as blank lines (default true). */
  skipEmpty?: boolean;
}

/** Names delimiter bytes in reasons, e.g. "delimiter 0x0D 0x0A". */
function describe(delimiter: Uint8Array): string {
  return `delimiter ${Array.from(delimiter, hexByte).join(' ')}`;
}

/** Frames end at a delimiter; a frame over maxLength is rejected and the stream resyncs at the next one. */
export function createDelimiterDeframer(options: DelimiterOptions): Deframer {
  const delimiter = Uint8Array.from(options.delimiter);
  const include = options.includeDelimiter ?? false;
  const maxLength = options.maxLength ?? 4096;
  return createDelimitedDeframer({
    label: 'delimiter',
    delimiter,
    delimiterName: describe(delimiter),
    maxPieceLength: maxLength,
    maxLength,
    skipEmpty: options.skipEmpty ?? true,
    finish(bytes, start, end) {
      if (!include) return ok(copyBytes(bytes, start, end));
      const frame = allocBytes(end - start + delimiter.length);
      frame.set(bytes.subarray(start, end));
      frame.set(delimiter, end - start);
      return ok(frame);
    },
  });
}

/**
 * Appends the delimiter to a payload, unless the payload already ends with it (so encoding is idempotent).
 * Throws RangeError when the delimiter occurs anywhere else in the frame: the far end would cut it there.
 */
export function encodeDelimited(payload: Uint8Array, delimiter: Uint8Array): Uint8Array {
  const tail = payload.length - delimiter.length;
  let frame: Uint8Array;
  if (tail >= 0 && delimiter.every((b, i) => payload[tail + i] === b)) {
    frame = plainBytes(payload).slice();
  } else {
    frame = new Uint8Array(payload.length + delimiter.length);
    frame.set(payload);
    frame.set(delimiter, payload.length);
  }
  const first = Buffer.from(frame.buffer, frame.byteOffset, frame.length).indexOf(delimiter);
  if (first !== frame.length - delimiter.length) {
    throw new RangeError(
      `delimiter: payload holds the ${describe(delimiter)} at byte ${first}; the far end would cut the frame there`,
    );
  }
  return frame;
}

const utf8 = new TextEncoder();

/** Turns a validated delimiter, in any of its written forms, into bytes. */
function delimiterToBytes(written: string | number[] | { hex: string }): Uint8Array {
  if (typeof written === 'string') return utf8.encode(written);
  if (Array.isArray(written)) return Uint8Array.from(written);
  return Uint8Array.from(Buffer.from(written.hex.replace(/\s+/g, ''), 'hex'));
}

/**
 * Delimiter bytes, written as a string (YAML has already turned "\r\n" into CR LF; encoded as UTF-8),
 * an array of byte values, or `{ hex: "0d0a" }`; 1 to 16 bytes. The options hold no transform, so a
 * union error names the one form that matched in type (e.g. the bad `hex` string).
 */
const delimiterBytes = z
  .union(
    [
      z.string().min(1),
      z.array(byteOption).min(1),
      z
        .object({
          hex: z.string().regex(/^\s*(?:[0-9a-fA-F]{2}\s*)+$/, 'expected pairs of hex digits, e.g. "0d0a"'),
        })
        .strict(),
    ],
    { error: 'expected a string, an array of byte values, or { hex: "0d0a" }' },
  )
  .transform(delimiterToBytes)
  .refine((bytes) => bytes.length <= 16, 'expected a delimiter of at most 16 bytes');

/** The `delimiter` framing: frames end with a byte sequence (a line ending, a `;`). */
export const delimiterFraming = defineFraming({
  kind: 'delimiter',
  options: z
    .object({
      delimiter: delimiterBytes.prefault('\n'),
      includeDelimiter: z.boolean().default(false),
      skipEmpty: z.boolean().default(true),
      maxLength: maxLengthOption,
    })
    .strict(),
  createDeframer: createDelimiterDeframer,
  createEncoder(options) {
    const delimiter = Uint8Array.from(options.delimiter);
    return (payload) => encodeDelimited(payload, delimiter);
  },
  reservedBytes: (options) => ({ bytes: [...new Set(options.delimiter)], escaped: false }),
});
