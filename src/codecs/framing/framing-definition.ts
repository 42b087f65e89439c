import { z } from 'zod';
import type { KindDefinition } from '../kind-union.js';
import type { Deframer, FrameEncoder } from './deframer.js';

/** The bytes a framing gives meaning to, and whether its encoder escapes them inside a payload. */
export interface FramingReservedBytes {
  /** Delimiter bytes; SLIP END and ESC; COBS's 0x00. Empty for framings that give no byte a meaning. */
  bytes: readonly number[];
  /** True when the frame encoder carries these bytes transparently (SLIP escapes, COBS), false for a delimiter. */
  escaped: boolean;
}

/**
 * One framing, declared in its own file: the `kind` a profile names it by, its options schema, its deframer
 * (read side) and frame encoder (write side). Listed once in framing-registry.ts, it is in the profile schema,
 * the JSON Schema and the docs.
 */
export interface FramingDefinition<Kind extends string = string, Options extends z.ZodObject = z.ZodObject>
  extends KindDefinition<Kind, Options> {
  /** A fresh deframer (one per stream: it holds state). */
  createDeframer(options: z.output<Options>): Deframer;
  /** Frames one payload; throws RangeError for a payload the framing cannot carry (a profile or programmer error). */
  createEncoder(options: z.output<Options>): FrameEncoder;
  /** The bytes a payload must not carry unescaped; none when left out. */
  reservedBytes?(options: z.output<Options>): FramingReservedBytes;
}

/** Declares a framing, keeping its kind and options types for the union the registry derives. */
export function defineFraming<const Kind extends string, Options extends z.ZodObject>(
  definition: FramingDefinition<Kind, Options>,
): FramingDefinition<Kind, Options> {
  return definition;
}

/** The largest `maxLength` a profile may give. */
export const MAX_FRAME = 1_048_576;

/** Longest frame a deframer buffers; beyond it a frame is rejected, so memory stays bounded. */
export const maxLengthOption = z.number().int().min(1).max(MAX_FRAME).default(4096);

/** One byte value, 0–255. */
export const byteOption = z.number().int().min(0).max(255);
