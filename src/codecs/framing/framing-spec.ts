import type { z } from 'zod';
import { kindUnion } from '../kind-union.js';
import type { Deframer, FrameEncoder } from './deframer.js';
import type { FramingDefinition, FramingReservedBytes } from './framing-definition.js';
import { FRAMINGS } from './framing-registry.js';

export type { FramingReservedBytes } from './framing-definition.js';

/** A framing as configured in a hardware profile: how a byte stream splits into frames, and back. */
export const framingSpecSchema = kindUnion(FRAMINGS);

/** A validated framing, defaults filled in and the delimiter turned into bytes. */
export type FramingSpec = z.infer<typeof framingSpecSchema>;

/** A framing as written in YAML/JSON, before validation and defaults. */
export type FramingSpecInput = z.input<typeof framingSpecSchema>;

const byKind = new Map<string, FramingDefinition>(
  FRAMINGS.map((framing) => [framing.kind, framing as unknown as FramingDefinition]),
);

/** The definition of a validated spec, and its options. Throws only for a spec that skipped validation. */
function definitionOf(spec: FramingSpec): [FramingDefinition, Record<string, unknown>] {
  const { kind, ...options } = spec;
  const framing = byKind.get(kind);
  if (!framing) throw new Error(`unknown framing kind ${JSON.stringify(kind)}`);
  return [framing, options];
}

/** The read side of a framing: a fresh deframer (one per stream, it holds state). */
export function createDeframer(spec: FramingSpec): Deframer {
  const [framing, options] = definitionOf(spec);
  return framing.createDeframer(options);
}

/**
 * The write side of a framing. Throws RangeError for a payload the framing cannot carry (fixed length
 * mismatch without padByte, length beyond the length field): that is a profile or programmer error.
 */
export function createFrameEncoder(spec: FramingSpec): FrameEncoder {
  const [framing, options] = definitionOf(spec);
  return framing.createEncoder(options);
}

/**
 * Which bytes of a payload the framing treats specially: text inserted into a command must not carry
 * them (a delimiter inside a value would end the frame early at the device).
 */
export function framingReservedBytes(spec: FramingSpec | undefined): FramingReservedBytes {
  if (!spec) return { bytes: [], escaped: true };
  const [framing, options] = definitionOf(spec);
  return framing.reservedBytes?.(options) ?? { bytes: [], escaped: true };
}
