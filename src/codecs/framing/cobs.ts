import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import type { Deframer } from './deframer.js';
import { createDelimitedDeframer } from './delimiter.js';
import { allocBytes, hexByte } from './frame-buffer.js';
import { defineFraming, maxLengthOption } from './framing-definition.js';

const ZERO_FRAME = Uint8Array.of(0);

/** Longest COBS encoding of `length` bytes, delimiter not counted: one code byte, plus one per further 254. */
export function maxCobsEncodedLength(length: number): number {
  return length + 1 + Math.floor(Math.max(length - 1, 0) / 254);
}

/**
 * COBS-encodes a payload (Cheshire & Baker): the result holds no zero byte; the 0x00 delimiter is not
 * included (see `encodeCobsFrame`). A block of 254 non-zero bytes ending the payload gets no extra code.
 */
export function encodeCobs(payload: Uint8Array): Uint8Array {
  return encodeInto(payload, 0);
}

/** One COBS frame on the wire: the encoded payload followed by the 0x00 delimiter. */
export function encodeCobsFrame(payload: Uint8Array): Uint8Array {
  return encodeInto(payload, 1);
}

/** Encodes into a new array with `after` zeroed spare bytes at the end (Cheshire & Baker's loop). */
function encodeInto(payload: Uint8Array, after: number): Uint8Array {
  const n = payload.length;
  const out = new Uint8Array(maxCobsEncodedLength(n) + after);
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < n; i++) {
    const b = payload[i] ?? 0;
    if (b !== 0) {
      out[o++] = b;
      code++;
    }
    if (b === 0 || code === 0xff) {
      out[codeAt] = code;
      code = 1;
      codeAt = o;
      // A full block that ends the payload gets no further code byte.
      if (b === 0 || i + 1 < n) o++;
    }
  }
  if (codeAt < o) out[codeAt] = code;
  return o + after === out.length ? out : out.slice(0, o + after);
}

/**
 * Decodes one COBS frame body, `bytes[start, end)` (the bytes between two 0x00 delimiters). Rejects a
 * zero byte anywhere and a code that runs past the end; offsets in reasons count from `start`.
 */
export function decodeCobs(bytes: Uint8Array, start = 0, end = bytes.length): Result<Uint8Array> {
  if (end === start) return fail('COBS: empty frame; expected at least one code byte');
  // A valid body decodes to at most one byte fewer than it holds.
  const out = allocBytes(end - start - 1);
  let o = 0;
  let i = start;
  while (i < end) {
    const code = bytes[i] ?? 0;
    if (code === 0) {
      return fail(`COBS: code byte 0x00 at offset ${i - start}; a zero is only valid as the delimiter`);
    }
    const blockEnd = i + code;
    if (blockEnd > end) {
      const left = end - i - 1;
      return fail(
        `COBS: code ${hexByte(code)} at offset ${i - start} needs ${code - 1} data bytes but the frame ends after ${left}`,
      );
    }
    for (let j = i + 1; j < blockEnd; j++) {
      const b = bytes[j] ?? 0;
      if (b === 0) {
        return fail(`COBS: byte 0x00 at offset ${j - start} inside the block of code ${hexByte(code)} at offset ${i - start}`);
      }
      out[o++] = b;
    }
    i = blockEnd;
    // Every block but a full (0xFF) one stands for its bytes plus a zero, except at the very end.
    if (code !== 0xff && i < end) out[o++] = 0;
  }
  return ok(o === out.length ? out : out.subarray(0, o));
}

/** Options of the COBS deframer. */
export interface CobsOptions {
  /** Longest decoded payload (default 4096); longer frames are rejected and skipped to the next 0x00. */
  maxLength?: number;
}

/**
 * Splits a stream at 0x00 and decodes each frame; empty frames (runs of 0x00, often sent to resync)
 * are ignored, and a bad frame is rejected without disturbing the next one.
 */
export function createCobsDeframer(options: CobsOptions = {}): Deframer {
  const maxLength = options.maxLength ?? 4096;
  const tooLong = `COBS: frame exceeds maxLength ${maxLength} bytes; dropped through the next 0x00`;
  return createDelimitedDeframer({
    label: 'COBS',
    delimiter: ZERO_FRAME,
    delimiterName: '0x00',
    maxPieceLength: maxCobsEncodedLength(maxLength),
    maxLength,
    skipEmpty: true,
    finish(bytes, start, end) {
      const decoded = decodeCobs(bytes, start, end);
      if (decoded.ok && decoded.value.length > maxLength) return fail(tooLong);
      return decoded;
    },
  });
}

/** The `cobs` framing: Consistent Overhead Byte Stuffing, frames end with 0x00 and carry none inside. */
export const cobsFraming = defineFraming({
  kind: 'cobs',
  options: z.object({ maxLength: maxLengthOption }).strict(),
  createDeframer: createCobsDeframer,
  createEncoder: () => encodeCobsFrame,
  reservedBytes: () => ({ bytes: [0x00], escaped: true }),
});
