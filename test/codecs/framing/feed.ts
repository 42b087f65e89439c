import { expect } from 'vitest';
import type { Deframer } from '../../../src/codecs/framing/deframer.js';
import type { Result } from '../../../src/result.js';

/** Bytes from hex text; spaces are ignored: `hex('c0 01 db dc')`. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-f]{2})*$/i.test(clean)) throw new Error(`bad hex in test: ${text}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/** Bytes `from`..`to` inclusive, e.g. `range(1, 0xfe)`. */
export function range(from: number, to: number): Uint8Array {
  return Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Bytes of a latin1 string. */
export function text(value: string): Uint8Array {
  return Uint8Array.from(Buffer.from(value, 'latin1'));
}

/** Outcomes as comparable strings: a frame as hex (or latin1 text), a reject as "reject: <reason>". */
export function render(results: Result<Uint8Array>[], asText = false): string[] {
  return results.map((r) => (r.ok ? Buffer.from(r.value).toString(asText ? 'latin1' : 'hex') : `reject: ${r.reason}`));
}

/** Feeds chunks to a fresh deframer (all at time 0), then flushes unless told not to. */
export function feedChunks(make: () => Deframer, chunks: Uint8Array[], flush = true): Result<Uint8Array>[] {
  const deframer = make();
  const out = chunks.flatMap((chunk) => deframer.push(chunk, 0));
  return flush ? [...out, ...deframer.flush()] : out;
}

/**
 * Deframes `input` whole, from a Buffer overwritten after the push, byte by byte, split in two at every
 * point and (for short inputs) in three at every pair of points; asserts all of them agree and returns
 * the rendered outcome.
 */
export function deframeEverySplit(
  make: () => Deframer,
  input: Uint8Array,
  options: { asText?: boolean; flush?: boolean } = {},
): string[] {
  const run = (chunks: Uint8Array[]) => render(feedChunks(make, chunks, options.flush ?? true), options.asText);
  const whole = run([input]);
  // Node hands deframers Buffers, whose slice() is a view: frames must not change when the chunk is reused.
  const deframer = make();
  const reused = Buffer.from(input);
  const fromBuffer = deframer.push(reused, 0);
  reused.fill(0xee);
  if (options.flush ?? true) fromBuffer.push(...deframer.flush());
  expect(render(fromBuffer, options.asText), 'from a Buffer later overwritten').toEqual(whole);
  expect(run(Array.from(input, (b) => Uint8Array.of(b))), 'byte by byte').toEqual(whole);
  for (let i = 0; i <= input.length; i++) {
    const two = run([input.subarray(0, i), input.subarray(i)]);
    expect(two, `split at ${i}`).toEqual(whole);
    if (input.length > 48) continue;
    for (let j = i; j <= input.length; j++) {
      const three = run([input.subarray(0, i), input.subarray(i, j), input.subarray(j)]);
      expect(three, `split at ${i} and ${j}`).toEqual(whole);
    }
  }
  return whole;
}

/** A small seeded PRNG (mulberry32), so random tests repeat exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random bytes, drawn often from `favoured` (the bytes a framing treats specially). */
export function randomBytes(random: () => number, length: number, favoured: number[] = []): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const pick = favoured.length > 0 && random() < 0.3;
    bytes[i] = pick ? (favoured[Math.floor(random() * favoured.length)] ?? 0) : Math.floor(random() * 256);
  }
  return bytes;
}

/** Splits bytes into random chunks of 1..maxChunk bytes. */
export function randomChunks(random: () => number, bytes: Uint8Array, maxChunk: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const size = 1 + Math.floor(random() * maxChunk);
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return chunks;
}
