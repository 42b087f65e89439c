import { z } from 'zod';
import { createCobsDeframer, encodeCobsFrame } from './cobs.js';
import type { Deframer, FrameEncoder } from './deframer.js';
import { createDelimiterDeframer, encodeDelimited } from './delimiter.js';
import { createFixedLengthDeframer, encodeFixedLength } from './fixed-length.js';
import { createInterByteGapDeframer } from './inter-byte-gap.js';
import { createLengthPrefixedDeframer, encodeLengthPrefixed } from './length-prefixed.js';
import { createSlipDeframer, encodeSlipFrame, SLIP_END, SLIP_ESC } from './slip.js';

const MAX_FRAME = 1_048_576;

/** Longest frame a deframer buffers; beyond it a frame is rejected, so memory stays bounded. */
const maxLength = z.number().int().min(1).max(MAX_FRAME).default(4096);

const byte = z.number().int().min(0).max(255);

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
      z.array(byte).min(1),
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

/** A framing as configured in a hardware profile: how a byte stream splits into frames, and back. */
export const framingSpecSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('delimiter'),
      delimiter: delimiterBytes.prefault('\n'),
      includeDelimiter: z.boolean().default(false),
      skipEmpty: z.boolean().default(true),
      maxLength,
    })
    .strict(),
  z
    .object({
      kind: z.literal('fixed'),
      length: z.number().int().min(1).max(65536),
      padByte: byte.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('length-prefixed'),
      lengthBytes: z.union([z.literal(1), z.literal(2), z.literal(4)]).default(2),
      endian: z.enum(['big', 'little']).default('big'),
      lengthOffset: z.number().int().min(0).max(255).default(0),
      lengthAdjustment: z.number().int().min(-MAX_FRAME).max(MAX_FRAME).default(0),
      lengthIncludesHeader: z.boolean().default(false),
      includeLengthField: z.boolean().default(false),
      maxLength,
    })
    .strict(),
  z
    .object({
      kind: z.literal('slip'),
      leadingEnd: z.boolean().default(true),
      maxLength,
    })
    .strict(),
  z.object({ kind: z.literal('cobs'), maxLength }).strict(),
  z
    .object({
      kind: z.literal('gap'),
      gapMs: z.number().positive().max(60_000).default(50),
      maxLength,
    })
    .strict(),
]);

/** A validated framing, defaults filled in and the delimiter turned into bytes. */
export type FramingSpec = z.infer<typeof framingSpecSchema>;

/** A framing as written in YAML/JSON, before validation and defaults. */
export type FramingSpecInput = z.input<typeof framingSpecSchema>;

/** The read side of a framing: a fresh deframer (one per stream, it holds state). */
export function createDeframer(spec: FramingSpec): Deframer {
  switch (spec.kind) {
    case 'delimiter':
      return createDelimiterDeframer(spec);
    case 'fixed':
      return createFixedLengthDeframer(spec);
    case 'length-prefixed':
      return createLengthPrefixedDeframer(spec);
    case 'slip':
      return createSlipDeframer(spec);
    case 'cobs':
      return createCobsDeframer(spec);
    case 'gap':
      return createInterByteGapDeframer(spec);
    default:
      return unknownKind(spec);
  }
}

/**
 * The write side of a framing. Throws RangeError for a payload the framing cannot carry (fixed length
 * mismatch without padByte, length beyond the length field): that is a profile or programmer error.
 */
export function createFrameEncoder(spec: FramingSpec): FrameEncoder {
  switch (spec.kind) {
    case 'delimiter': {
      const delimiter = Uint8Array.from(spec.delimiter);
      return (payload) => encodeDelimited(payload, delimiter);
    }
    case 'fixed':
      return (payload) => encodeFixedLength(payload, spec);
    case 'length-prefixed':
      return (payload) => encodeLengthPrefixed(payload, spec);
    case 'slip':
      return (payload) => encodeSlipFrame(payload, spec.leadingEnd);
    case 'cobs':
      return encodeCobsFrame;
    case 'gap':
      return (payload) => payload;
    default:
      return unknownKind(spec);
  }
}

/** The bytes a framing gives meaning to, and whether its encoder escapes them inside a payload. */
export interface FramingReservedBytes {
  /** Delimiter bytes; SLIP END and ESC; COBS's 0x00. Empty for framings that give no byte a meaning. */
  bytes: readonly number[];
  /** True when the frame encoder carries these bytes transparently (SLIP escapes, COBS), false for a delimiter. */
  escaped: boolean;
}

/**
 * Which bytes of a payload the framing treats specially: text inserted into a command must not carry
 * them (a delimiter inside a value would end the frame early at the device).
 */
export function framingReservedBytes(spec: FramingSpec | undefined): FramingReservedBytes {
  switch (spec?.kind) {
    case 'delimiter':
      return { bytes: [...new Set(spec.delimiter)], escaped: false };
    case 'slip':
      return { bytes: [SLIP_END, SLIP_ESC], escaped: true };
    case 'cobs':
      return { bytes: [0x00], escaped: true };
    default:
      return { bytes: [], escaped: true };
  }
}

function unknownKind(spec: never): never {
  throw new Error(`unknown framing kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
}
