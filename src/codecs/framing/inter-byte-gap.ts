import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import type { Deframer } from './deframer.js';
import { FrameBuffer } from './frame-buffer.js';
import { defineFraming, maxLengthOption } from './framing-definition.js';

/** Options of the inter-byte gap framing (Modbus RTU style: silence ends a frame). */
export interface InterByteGapOptions {
  /** Silence, in ms, that ends a frame; a gap of exactly gapMs counts, like the caller's idle timer. */
  gapMs: number;
  /** Longest frame (default 4096); a longer one is rejected and the rest of it dropped until the next gap. */
  maxLength?: number;
}

/**
 * A frame is the bytes between silences of at least `gapMs`. Pure: `push` closes the pending frame when
 * the new chunk arrives after a gap, and the caller calls `flush()` once `idleFlushMs` passes quietly.
 */
export function createInterByteGapDeframer(options: InterByteGapOptions): Deframer {
  const { gapMs } = options;
  if (!(gapMs > 0)) throw new RangeError(`gap: gapMs must be positive, got ${gapMs}`);
  const maxLength = options.maxLength ?? 4096;
  const pending = new FrameBuffer(maxLength);
  const tooLong = `gap: frame exceeds maxLength ${maxLength} bytes; dropped until the next ${gapMs} ms gap`;
  let lastAt = Number.NEGATIVE_INFINITY;
  let discarding = false;

  function close(): Result<Uint8Array>[] {
    const wasDiscarding = discarding;
    discarding = false;
    if (wasDiscarding || pending.length === 0) return [];
    return [ok(pending.take())];
  }

  return {
    idleFlushMs: gapMs,
    push(chunk, atMs) {
      const out = atMs - lastAt >= gapMs ? close() : [];
      if (chunk.length === 0) return out;
      lastAt = atMs;
      if (discarding) return out;
      if (pending.length + chunk.length > maxLength) {
        pending.clear();
        discarding = true;
        out.push(fail(tooLong));
      } else {
        pending.append(chunk);
      }
      return out;
    },
    flush() {
      return close();
    },
  };
}

/** The `gap` framing: a frame ends with a silence (Modbus RTU style); commands go out as they are. */
export const gapFraming = defineFraming({
  kind: 'gap',
  options: z.object({ gapMs: z.number().positive().max(60_000).default(50), maxLength: maxLengthOption }).strict(),
  createDeframer: createInterByteGapDeframer,
  createEncoder: () => (payload) => payload,
});
