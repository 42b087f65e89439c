import type { z } from 'zod';
import type { Decoder } from './decoder.js';
import type { KindDefinition } from './kind-union.js';

/**
 * One codec, declared in its own file: the `kind` a profile names it by, its options schema and the factory
 * of its decoder. Listed once in codec-registry.ts, it is in the profile schema, the JSON Schema, the docs
 * and `decode --codec`.
 */
export interface CodecDefinition<Kind extends string = string, Options extends z.ZodObject = z.ZodObject>
  extends KindDefinition<Kind, Options> {
  /** Builds a decoder from validated options. */
  create(options: z.output<Options>): Decoder;
}

/** Declares a codec, keeping its kind and options types for the union the registry derives. */
export function defineCodec<const Kind extends string, Options extends z.ZodObject>(
  definition: CodecDefinition<Kind, Options>,
): CodecDefinition<Kind, Options> {
  return definition;
}
