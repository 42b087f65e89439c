import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CODEC_KINDS } from '../../src/codecs/codec-registry.js';
import { FRAMINGS } from '../../src/codecs/framing/framing-registry.js';
import { kindUnion } from '../../src/codecs/kind-union.js';
import { jsonSchemas } from '../../src/config/json-schema.js';

const evenOptions = z
  .object({ values: z.array(z.number()).default([]) })
  .strict()
  .superRefine((options, ctx) => {
    options.values.forEach((value, index) => {
      if (value % 2 !== 0) ctx.addIssue({ code: 'custom', path: ['values', index], message: `${value} is odd` });
    });
  });
const union = kindUnion([
  { kind: 'even', options: evenOptions },
  { kind: 'named', options: z.object({ name: z.string().min(1) }).strict() },
]);

const problems = (input: unknown) =>
  union.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

describe('a union of kinds built from their definitions', () => {
  it('accepts each kind with its options, defaults filled in', () => {
    expect(union.parse({ kind: 'even' })).toEqual({ kind: 'even', values: [] });
    expect(union.parse({ kind: 'named', name: 'x' })).toEqual({ kind: 'named', name: 'x' });
  });

  it("runs an options schema's own refinements, naming the path of each problem", () => {
    expect(problems({ kind: 'even', values: [2, 3, 4, 5] })).toEqual(['values.1: 3 is odd', 'values.3: 5 is odd']);
  });

  it('tells each problem once', () => {
    expect(problems({ kind: 'named', name: '', extra: 1 })).toEqual([
      'name: Too small: expected string to have >=1 characters',
      ': Unrecognized key: "extra"',
    ]);
  });

  it('refuses a kind no definition declares', () => {
    expect(problems({ kind: 'odd' })).toEqual(["kind: Invalid discriminator value. Expected 'even' | 'named'"]);
  });
});

describe('the registries', () => {
  /** The kinds a JSON Schema property offers, in order. */
  function kindsOf(node: unknown): string[] {
    const variants = (node as { oneOf?: unknown[]; anyOf?: unknown[] }).oneOf ?? (node as { anyOf?: unknown[] }).anyOf ?? [];
    return variants.map((variant) => (variant as { properties: { kind: { const: string } } }).properties.kind.const);
  }
  const profile = jsonSchemas()['hardware-profile'] as { properties: Record<string, unknown> };

  it('give the JSON Schema every registered codec, in registry order', () => {
    expect(kindsOf(profile.properties.codec)).toEqual(CODEC_KINDS);
  });

  it('give the JSON Schema every registered framing, in registry order', () => {
    expect(kindsOf(profile.properties.framing)).toEqual(FRAMINGS.map((framing) => framing.kind));
  });
});
