import { z } from 'zod';

/** Something a profile names by `kind`, with its own options written beside the kind (a codec, a framing). */
export interface KindDefinition<Kind extends string = string, Options extends z.ZodObject = z.ZodObject> {
  readonly kind: Kind;
  /** The options beside `kind`: a strict zod object; its own refinements run too. */
  readonly options: Options;
}

/** `{ kind, ...options }` as one strict object schema. */
type SpecSchema<Kind extends string, Options extends z.ZodObject> = z.ZodObject<
  { kind: z.ZodLiteral<Kind> } & Options['shape'],
  z.core.$strict
>;

function specSchemaOf<Kind extends string, Options extends z.ZodObject>(
  definition: KindDefinition<Kind, Options>,
): SpecSchema<Kind, Options> {
  return z
    .object({ kind: z.literal(definition.kind) })
    .extend(definition.options.shape)
    .strict() as SpecSchema<Kind, Options>;
}

/** The spec schema of each definition of a tuple, as a tuple (what `z.discriminatedUnion` takes). */
type SpecSchemas<Definitions extends readonly KindDefinition[]> = {
  -readonly [Index in keyof Definitions]: Definitions[Index] extends KindDefinition<infer Kind, infer Options>
    ? SpecSchema<Kind, Options>
    : never;
};

/**
 * The discriminated union of `{ kind, ...options }` over the definitions, in their order (editors and the
 * JSON Schema see every variant). The union keeps only the fields of each options schema, so the options'
 * own refinements then run on the options, each error still naming its path.
 */
export function kindUnion<const Definitions extends readonly [KindDefinition, ...KindDefinition[]]>(definitions: Definitions) {
  const options = new Map<string, z.ZodObject>(definitions.map((definition) => [definition.kind, definition.options]));
  const variants = definitions.map((definition) => specSchemaOf(definition)) as unknown as SpecSchemas<Definitions>;
  return z.discriminatedUnion('kind', variants).superRefine((spec, ctx) => {
    const schema = options.get((spec as { kind: string }).kind);
    if (!schema?._zod.def.checks?.length) return;
    const { kind: _kind, ...given } = spec as { kind: string };
    const checked = schema.safeParse(given);
    if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: issue.path });
  });
}
