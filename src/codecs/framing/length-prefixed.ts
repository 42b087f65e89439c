import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import type { Deframer } from './deframer.js';
import { allocBytes, byteCount, copyBytes, plainBytes } from './frame-buffer.js';
import { defineFraming, MAX_FRAME, maxLengthOption } from './framing-definition.js';

/**
 * Options of the length-prefixed framing. On the wire a frame is `prefix | length | body`: `lengthOffset`
 * prefix bytes (a sync or type byte, say), the length field, then the body the length describes.
 */
export interface LengthPrefixedOptions {
  /** Size of the length field: 1, 2 or 4 bytes (default 2). */
  lengthBytes?: 1 | 2 | 4;
  /** Byte order of the length field (default big). */
  endian?: 'big' | 'little';
  /** Bytes before the length field (default 0); they are kept at the start of each frame. */
  lengthOffset?: number;
  /** Added to the field's value to get the body length, e.g. +2 for a trailing CRC it leaves out (default 0). */
  lengthAdjustment?: number;
  /** The field counts the prefix and itself as well as the body (default false). */
  lengthIncludesHeader?: boolean;
  /** Keeps the length field in emitted frames (default false: frames are prefix + body). */
  includeLengthField?: boolean;
  /** Longest body (default 4096); a longer frame is rejected and its declared bytes skipped. */
  maxLength?: number;
}

type Resolved = Required<LengthPrefixedOptions> & { headerLength: number };

function resolve(options: LengthPrefixedOptions): Resolved {
  const lengthOffset = options.lengthOffset ?? 0;
  const lengthBytes = options.lengthBytes ?? 2;
  return {
    lengthBytes,
    endian: options.endian ?? 'big',
    lengthOffset,
    lengthAdjustment: options.lengthAdjustment ?? 0,
    lengthIncludesHeader: options.lengthIncludesHeader ?? false,
    includeLengthField: options.includeLengthField ?? false,
    maxLength: options.maxLength ?? 4096,
    headerLength: lengthOffset + lengthBytes,
  };
}

/** Reads the unsigned length field from a full header. */
function readLength(header: Uint8Array, o: Resolved): number {
  let value = 0;
  for (let k = 0; k < o.lengthBytes; k++) {
    const at = o.endian === 'big' ? o.lengthOffset + k : o.lengthOffset + o.lengthBytes - 1 - k;
    value = value * 256 + (header[at] ?? 0);
  }
  return value;
}

/**
 * Frames carry their own length. A length over maxLength is rejected and that many bytes skipped, so a
 * genuine but oversized frame costs nothing more; a length that works out negative drops its header.
 */
export function createLengthPrefixedDeframer(options: LengthPrefixedOptions = {}): Deframer {
  const o = resolve(options);
  const kept = o.includeLengthField ? o.headerLength : o.lengthOffset;
  const header = new Uint8Array(o.headerLength);
  let headerFill = 0;
  // The frame being filled: its length (-1 while reading a header), and its bytes once it spans chunks.
  let frameLength = -1;
  let frame: Uint8Array | undefined;
  let frameFill = 0;
  let skip = 0;

  /** Starts a frame from a full header, or explains why not. */
  function open(): Result<Uint8Array> | undefined {
    const value = readLength(header, o);
    const body = value + o.lengthAdjustment - (o.lengthIncludesHeader ? o.headerLength : 0);
    const field = `length field ${value} at offset ${o.lengthOffset}`;
    if (body < 0) {
      return fail(`length-prefixed: ${field} gives a body of ${body} bytes; expected at least 0`);
    }
    if (body > o.maxLength) {
      skip = body;
      return fail(`length-prefixed: ${field} gives a ${body}-byte body over maxLength ${o.maxLength}; skipped`);
    }
    frameLength = kept + body;
    return undefined;
  }

  return {
    push(input) {
      const chunk = plainBytes(input);
      const out: Result<Uint8Array>[] = [];
      let i = 0;
      while (i < chunk.length || frameLength === kept) {
        if (frameLength >= 0) {
          if (frame === undefined) {
            // The common case: the whole body is in this chunk, one copy and done.
            if (kept === 0 && chunk.length - i >= frameLength) {
              out.push(ok(copyBytes(chunk, i, i + frameLength)));
              i += frameLength;
              frameLength = -1;
              continue;
            }
            frame = allocBytes(frameLength);
            frame.set(header.subarray(0, kept));
            frameFill = kept;
          }
          const n = Math.min(frameLength - frameFill, chunk.length - i);
          frame.set(chunk.subarray(i, i + n), frameFill);
          frameFill += n;
          i += n;
          if (frameFill === frameLength) {
            out.push(ok(frame));
            frame = undefined;
            frameLength = -1;
          }
        } else if (skip > 0) {
          const n = Math.min(skip, chunk.length - i);
          skip -= n;
          i += n;
        } else {
          while (headerFill < o.headerLength && i < chunk.length) header[headerFill++] = chunk[i++] ?? 0;
          if (headerFill < o.headerLength) break;
          headerFill = 0;
          const rejected = open();
          if (rejected) out.push(rejected);
        }
      }
      return out;
    },
    flush() {
      // Counted as on the wire: header and body, whatever the emitted frame keeps.
      const inBody = frameLength >= 0;
      const inFrame = inBody ? o.headerLength + (frame === undefined ? 0 : frameFill - kept) : headerFill;
      const total = inBody ? `${o.headerLength + frameLength - kept}-byte frame` : `${o.headerLength}-byte header`;
      frame = undefined;
      frameLength = -1;
      headerFill = 0;
      skip = 0;
      if (inFrame === 0) return [];
      return [fail(`length-prefixed: stream ended ${byteCount(inFrame)} into a ${total}`)];
    },
  };
}

/**
 * Wraps a payload (prefix + body, as the deframer emits it without the length field) by inserting the
 * length field after the prefix; throws RangeError if the payload is shorter than the prefix or its
 * length does not fit the field.
 */
export function encodeLengthPrefixed(payload: Uint8Array, options: LengthPrefixedOptions = {}): Uint8Array {
  const o = resolve(options);
  const body = payload.length - o.lengthOffset;
  if (body < 0) {
    throw new RangeError(`length-prefixed: payload of ${payload.length} bytes is shorter than lengthOffset ${o.lengthOffset}`);
  }
  let value = body - o.lengthAdjustment + (o.lengthIncludesHeader ? o.headerLength : 0);
  const limit = 2 ** (8 * o.lengthBytes) - 1;
  if (value < 0 || value > limit) {
    throw new RangeError(`length-prefixed: a ${body}-byte body needs length field ${value}, outside 0..${limit}`);
  }
  const frame = new Uint8Array(o.headerLength + body);
  frame.set(payload.subarray(0, o.lengthOffset));
  for (let k = o.lengthBytes - 1; k >= 0; k--) {
    const at = o.endian === 'big' ? o.lengthOffset + k : o.lengthOffset + o.lengthBytes - 1 - k;
    frame[at] = value % 256;
    value = Math.floor(value / 256);
  }
  frame.set(payload.subarray(o.lengthOffset), o.headerLength);
  return frame;
}

/** The `length-prefixed` framing: a length field tells how long each frame is. */
export const lengthPrefixedFraming = defineFraming({
  kind: 'length-prefixed',
  options: z
    .object({
      lengthBytes: z.union([z.literal(1), z.literal(2), z.literal(4)]).default(2),
      endian: z.enum(['big', 'little']).default('big'),
      lengthOffset: z.number().int().min(0).max(255).default(0),
      lengthAdjustment: z.number().int().min(-MAX_FRAME).max(MAX_FRAME).default(0),
      lengthIncludesHeader: z.boolean().default(false),
      includeLengthField: z.boolean().default(false),
      maxLength: maxLengthOption,
    })
    .strict(),
  createDeframer: createLengthPrefixedDeframer,
  createEncoder: (options) => (payload) => encodeLengthPrefixed(payload, options),
});
