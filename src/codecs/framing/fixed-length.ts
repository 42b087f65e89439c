import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import type { Deframer } from './deframer.js';
import { byteCount, copyBytes, FrameBuffer, plainBytes } from './frame-buffer.js';
import { byteOption, defineFraming } from './framing-definition.js';

/** Options of the fixed-length framing. */
export interface FixedLengthOptions {
  /** Bytes per frame (at least 1). */
  length: number;
  /** When set, the encoder pads a shorter payload with this byte instead of throwing. */
  padByte?: number;
}

/** Every `length` bytes is a frame; bytes left over at `flush()` are rejected as a truncated frame. */
export function createFixedLengthDeframer(options: FixedLengthOptions): Deframer {
  const size = options.length;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`fixed: length must be a positive integer, got ${size}`);
  const pending = new FrameBuffer(size);
  return {
    push(input) {
      const chunk = plainBytes(input);
      const out: Result<Uint8Array>[] = [];
      let i = 0;
      if (pending.length > 0) {
        const take = Math.min(size - pending.length, chunk.length);
        pending.append(chunk, 0, take);
        i = take;
        if (pending.length === size) out.push(ok(pending.take()));
      }
      // Whole frames straight from the chunk, one copy each.
      for (; i + size <= chunk.length; i += size) out.push(ok(copyBytes(chunk, i, i + size)));
      if (i < chunk.length) pending.append(chunk, i);
      return out;
    },
    flush() {
      const left = pending.length;
      pending.clear();
      if (left === 0) return [];
      return [fail(`fixed: stream ended ${byteCount(left)} into a ${size}-byte frame`)];
    },
  };
}

/** A payload as one fixed-length frame: padded with `padByte` if shorter; throws RangeError if it cannot fit. */
export function encodeFixedLength(payload: Uint8Array, options: FixedLengthOptions): Uint8Array {
  const size = options.length;
  if (payload.length === size) return plainBytes(payload).slice();
  if (payload.length < size && options.padByte !== undefined) {
    const frame = new Uint8Array(size).fill(options.padByte);
    frame.set(payload);
    return frame;
  }
  const padding = options.padByte === undefined ? 'no padByte is set' : 'longer payloads cannot be cut';
  throw new RangeError(`fixed: payload of ${byteCount(payload.length)} for a ${size}-byte frame (${padding})`);
}

/** The `fixed` framing: every frame has the same length. */
export const fixedFraming = defineFraming({
  kind: 'fixed',
  options: z.object({ length: z.number().int().min(1).max(65536), padByte: byteOption.optional() }).strict(),
  createDeframer: createFixedLengthDeframer,
  createEncoder: (options) => (payload) => encodeFixedLength(payload, options),
});
