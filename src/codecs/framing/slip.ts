import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import type { Deframer } from './deframer.js';
import { createDelimitedDeframer } from './delimiter.js';
import { allocBytes, hexByte } from './frame-buffer.js';
import { defineFraming, maxLengthOption } from './framing-definition.js';

/** SLIP frame end (RFC 1055). */
export const SLIP_END = 0xc0;
/** SLIP escape (RFC 1055). */
export const SLIP_ESC = 0xdb;
/** After ESC: stands for a payload END byte. */
export const SLIP_ESC_END = 0xdc;
/** After ESC: stands for a payload ESC byte. */
export const SLIP_ESC_ESC = 0xdd;

const END_FRAME = Uint8Array.of(SLIP_END);

/** Escapes a payload's END and ESC bytes (RFC 1055); the result holds no END, frame it with `encodeSlipFrame`. */
export function encodeSlip(payload: Uint8Array): Uint8Array {
  return escapeInto(payload, 0, 0);
}

/** One SLIP frame on the wire: an optional leading END (flushes line noise, RFC 1055), the escaped payload, END. */
export function encodeSlipFrame(payload: Uint8Array, leadingEnd = true): Uint8Array {
  const lead = leadingEnd ? 1 : 0;
  const frame = escapeInto(payload, lead, 1);
  if (leadingEnd) frame[0] = SLIP_END;
  frame[frame.length - 1] = SLIP_END;
  return frame;
}

/** Escapes `payload` into a new array with `before` and `after` spare bytes around it. */
function escapeInto(payload: Uint8Array, before: number, after: number): Uint8Array {
  let specials = 0;
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i];
    if (b === SLIP_END || b === SLIP_ESC) specials++;
  }
  const out = new Uint8Array(before + payload.length + specials + after);
  if (specials === 0) {
    out.set(payload, before);
    return out;
  }
  let o = before;
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i] ?? 0;
    if (b === SLIP_END) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_END;
    } else if (b === SLIP_ESC) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_ESC;
    } else {
      out[o++] = b;
    }
  }
  return out;
}

/**
 * Unescapes one SLIP frame body, `bytes[start, end)` (the bytes between two ENDs). Offsets in reasons
 * count from `start`.
 */
export function decodeSlip(bytes: Uint8Array, start = 0, end = bytes.length): Result<Uint8Array> {
  const out = allocBytes(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i] ?? 0;
    if (b === SLIP_ESC) {
      const next = bytes[++i];
      if (i === end || next === undefined) {
        return fail(`SLIP: frame ends right after ESC (0xDB) at offset ${i - 1 - start}; expected 0xDC or 0xDD to follow`);
      }
      if (next === SLIP_ESC_END) out[o++] = SLIP_END;
      else if (next === SLIP_ESC_ESC) out[o++] = SLIP_ESC;
      else return fail(`SLIP: byte ${hexByte(next)} at offset ${i - start} follows ESC (0xDB); expected 0xDC or 0xDD`);
    } else if (b === SLIP_END) {
      return fail(`SLIP: END (0xC0) at offset ${i - start} inside a frame body`);
    } else {
      out[o++] = b;
    }
  }
  return ok(o === out.length ? out : out.subarray(0, o));
}

/** Options of the SLIP deframer. */
export interface SlipOptions {
  /** Longest decoded payload (default 4096); longer frames are rejected and skipped to the next END. */
  maxLength?: number;
}

/**
 * Splits a stream at END and unescapes each frame; empty frames between ENDs are ignored (RFC 1055),
 * and a frame with a bad escape is rejected without disturbing the next one.
 */
export function createSlipDeframer(options: SlipOptions = {}): Deframer {
  const maxLength = options.maxLength ?? 4096;
  const tooLong = `SLIP: frame exceeds maxLength ${maxLength} bytes; dropped through the next END (0xC0)`;
  return createDelimitedDeframer({
    label: 'SLIP',
    delimiter: END_FRAME,
    delimiterName: 'END (0xC0)',
    // Every payload byte takes at most two bytes on the wire.
    maxPieceLength: 2 * maxLength,
    maxLength,
    skipEmpty: true,
    finish(bytes, start, end) {
      const decoded = decodeSlip(bytes, start, end);
      if (decoded.ok && decoded.value.length > maxLength) return fail(tooLong);
      return decoded;
    },
  });
}

/** The `slip` framing (RFC 1055): frames between END bytes, END and ESC escaped inside. */
export const slipFraming = defineFraming({
  kind: 'slip',
  options: z.object({ leadingEnd: z.boolean().default(true), maxLength: maxLengthOption }).strict(),
  createDeframer: createSlipDeframer,
  createEncoder: (options) => (payload) => encodeSlipFrame(payload, options.leadingEnd),
  reservedBytes: () => ({ bytes: [SLIP_END, SLIP_ESC], escaped: true }),
});
