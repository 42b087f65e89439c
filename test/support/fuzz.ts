import fc from 'fast-check';
import { expect } from 'vitest';
import type { Result } from '../../src/result.js';

/**
 * Property-test settings shared by every `*.property.test.ts`. The seed is fixed so `npm test` is
 * deterministic; `FUZZ_SEED=<integer>` replays or explores another sequence and `FUZZ_RUNS=<n>`
 * runs more (or fewer) cases per property, e.g. `FUZZ_RUNS=20000 npx vitest run property --testTimeout=0`.
 */
export const FUZZ_SEED = readInteger('FUZZ_SEED', 20_240_909);

/** Cases per property in a plain `npm test` (the README's Reliability section quotes it). */
export const FUZZ_RUNS = readInteger('FUZZ_RUNS', 200);

function readInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got "${text}"`);
  return value;
}

/** fast-check parameters: the shared seed and run count; `share` scales the runs for a costly property. */
export function fuzzParameters<T>(share = 1): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(FUZZ_RUNS * share)) };
}

/** Any bytes, up to `maxLength`. */
export function anyBytes(maxLength = 256): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ maxLength });
}

/** Bytes drawn mostly from `special` (the bytes a format treats specially), the rest uniformly. */
export function bytesFavouring(special: readonly number[], maxLength = 256): fc.Arbitrary<Uint8Array> {
  const byte = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...special) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }) },
  );
  return fc.array(byte, { maxLength }).map((values) => Uint8Array.from(values));
}

/** One edit of a byte string; positions are taken modulo the length when applied. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'duplicate'; from: number; length: number; at: number }
  | { kind: 'delete'; at: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), from: fc.nat(), length: fc.integer({ min: 1, max: 16 }), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
);

/** Applies one mutation to a copy of `bytes`. */
function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  const at = (position: number, span = n) => (span === 0 ? 0 : position % span);
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return bytes;
      const copy = bytes.slice();
      const i = at(m.at);
      copy[i] = (copy[i] ?? 0) ^ (1 << m.bit);
      return copy;
    }
    case 'truncate':
      return bytes.slice(0, at(m.at, n + 1));
    case 'insert': {
      const i = at(m.at, n + 1);
      return Uint8Array.from([...bytes.subarray(0, i), ...m.bytes, ...bytes.subarray(i)]);
    }
    case 'duplicate': {
      const from = at(m.from);
      const piece = bytes.subarray(from, from + m.length);
      const i = at(m.at, n + 1);
      return Uint8Array.from([...bytes.subarray(0, i), ...piece, ...bytes.subarray(i)]);
    }
    case 'delete': {
      const i = at(m.at);
      return Uint8Array.from([...bytes.subarray(0, i), ...bytes.subarray(i + m.length)]);
    }
  }
}

/**
 * A valid input broken by 1 to `maxEdits` edits: bit flips, truncation, inserted bytes, a duplicated run,
 * a deleted run. The edits shrink away one by one, so a failure names the smallest damage that triggers it.
 */
export function mutatedBytes(valid: fc.Arbitrary<Uint8Array>, maxEdits = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: maxEdits }))
    .map(([bytes, edits]) => edits.reduce(mutate, bytes));
}

/** A valid input and the same with 1 to `maxEdits` edits that change it (a cut at the very end does not). */
export function alteredBytes(
  valid: fc.Arbitrary<Uint8Array>,
  maxEdits = 4,
): fc.Arbitrary<{ original: Uint8Array; altered: Uint8Array }> {
  return valid.chain((original) =>
    mutatedBytes(fc.constant(original), maxEdits)
      .filter((altered) => Buffer.compare(altered, original) !== 0)
      .map((altered) => ({ original, altered })),
  );
}

/** A valid input, or the same broken by edits (half and half), for "never throws" properties. */
export function validOrMutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(valid, mutatedBytes(valid));
}

/** Splits bytes into chunks at arbitrary points, as a serial port hands them over. */
export function chunked(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<{ whole: Uint8Array; chunks: Uint8Array[] }> {
  return bytes.chain((whole) =>
    fc.uniqueArray(fc.integer({ min: 0, max: whole.length }), { maxLength: 8 }).map((cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), whole.length];
      const chunks = points.slice(1).map((end, i) => whole.subarray(points[i], end));
      return { whole, chunks };
    }),
  );
}

/** Asserts the shape every parser promises: a value, or a reject whose reason is non-empty text. */
export function expectResult<T>(result: Result<T>): void {
  expect(typeof result).toBe('object');
  if (result.ok) {
    expect(result).toHaveProperty('value');
  } else {
    expect(typeof result.reason).toBe('string');
    expect(result.reason.trim()).not.toBe('');
  }
}

/** `expectResult` for each outcome of a deframer push or flush. */
export function expectResults<T>(results: Result<T>[]): void {
  expect(Array.isArray(results)).toBe(true);
  for (const result of results) expectResult(result);
}

/** Where `value` stops being plain JSON (NaN, undefined, a Date, a class instance...), or undefined if it is JSON. */
export function nonJsonPath(value: unknown, path = '$'): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is ${value}`;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const bad = nonJsonPath(item, `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `${path} is a ${proto?.constructor?.name ?? 'non-plain object'}`;
    for (const [key, item] of Object.entries(value)) {
      const bad = nonJsonPath(item, `${path}.${key}`);
      if (bad) return bad;
    }
    return undefined;
  }
  return `${path} is ${typeof value}`;
}

/** Asserts that every input `inputs` draws decodes to a plain-JSON value. */
export function expectEveryDecodes<T>(inputs: fc.Arbitrary<T>, decode: (input: T) => Result<unknown>, share = 1): void {
  fc.assert(
    fc.property(inputs, (input) => {
      const result = decode(input);
      expectJsonResult(result);
      if (!result.ok) throw new Error(`refused a well-formed input: ${result.reason}`);
    }),
    fuzzParameters(share),
  );
}

/** Asserts that no input `inputs` draws makes `decode` throw: each gives a plain-JSON value or a reason. */
export function expectNeverThrows<T>(inputs: fc.Arbitrary<T>, decode: (input: T) => Result<unknown>, share = 1): void {
  fc.assert(
    fc.property(inputs, (input) => expectJsonResult(decode(input))),
    fuzzParameters(share),
  );
}

/** `expectResult`, and a value that is plain JSON: a Reading becomes an event payload as it is. */
export function expectJsonResult<T>(result: Result<T>): void {
  expectResult(result);
  if (result.ok) expect(nonJsonPath(result.value)).toBeUndefined();
}
