import type { z } from 'zod';
import type { CodecDefinition } from './codec-definition.js';
import { CODECS } from './codec-registry.js';
import type { Decoder } from './decoder.js';
import { kindUnion } from './kind-union.js';

export { CODEC_KINDS, type CodecKind } from './codec-registry.js';

/**
 * A profile's `codec`: `{ kind, ...options }`, one variant per registered codec. The union gives editors the
 * shape; each codec's own schema then checks its finer rules (refinements), so every error still names its path.
 */
export const codecSpecSchema = kindUnion(CODECS);

/** A validated codec spec. */
export type CodecSpec = z.infer<typeof codecSpecSchema>;

const byKind = new Map<string, CodecDefinition>(CODECS.map((codec) => [codec.kind, codec as unknown as CodecDefinition]));

/** Builds the decoder a codec spec describes. Throws only for a spec that skipped validation. */
export function createDecoder(spec: CodecSpec): Decoder {
  const { kind, ...options } = spec;
  const codec = byKind.get(kind);
  if (!codec) throw new Error(`unknown codec kind ${JSON.stringify(kind)}`);
  return codec.create(options);
}
