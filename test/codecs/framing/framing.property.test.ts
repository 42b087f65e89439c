import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCobs, encodeCobs, maxCobsEncodedLength } from '../../../src/codecs/framing/cobs.js';
import type { Deframer } from '../../../src/codecs/framing/deframer.js';
import {
  createDeframer,
  createFrameEncoder,
  type FramingSpec,
  type FramingSpecInput,
  framingSpecSchema,
} from '../../../src/codecs/framing/framing-spec.js';
import { decodeSlip, encodeSlip } from '../../../src/codecs/framing/slip.js';
import type { Result } from '../../../src/result.js';
import { bytesFavouring, chunked, expectResults, fuzzParameters } from '../../support/fuzz.js';
import { concat, render } from './feed.js';

// Small maxLength values, so the oversize paths run as often as the normal ones.
const maxLength = fc.integer({ min: 1, max: 64 });

/** Every framing a profile can configure, with options across their whole range. */
const specInput: fc.Arbitrary<FramingSpecInput> = fc.oneof(
  fc.record({
    kind: fc.constant('delimiter' as const),
    delimiter: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
    includeDelimiter: fc.boolean(),
    skipEmpty: fc.boolean(),
    maxLength,
  }),
  fc.record(
    { kind: fc.constant('fixed' as const), length: fc.integer({ min: 1, max: 16 }) },
    { requiredKeys: ['kind', 'length'] },
  ),
  fc.record({
    kind: fc.constant('fixed' as const),
    length: fc.integer({ min: 1, max: 16 }),
    padByte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('length-prefixed' as const),
    lengthBytes: fc.constantFrom(1 as const, 2 as const, 4 as const),
    endian: fc.constantFrom('big' as const, 'little' as const),
    lengthOffset: fc.integer({ min: 0, max: 3 }),
    lengthAdjustment: fc.integer({ min: -8, max: 8 }),
    lengthIncludesHeader: fc.boolean(),
    includeLengthField: fc.boolean(),
    maxLength,
  }),
  fc.record({ kind: fc.constant('slip' as const), leadingEnd: fc.boolean(), maxLength }),
  fc.record({ kind: fc.constant('cobs' as const), maxLength }),
  fc.record({ kind: fc.constant('gap' as const), gapMs: fc.integer({ min: 1, max: 100 }), maxLength }),
);

const spec: fc.Arbitrary<FramingSpec> = specInput.map((input) => framingSpecSchema.parse(input));

/** The bytes a framing treats specially, so random streams hit its escapes, delimiters and lengths. */
function specialBytes(framing: FramingSpec): number[] {
  switch (framing.kind) {
    case 'delimiter':
      return Array.from(framing.delimiter);
    case 'slip':
      return [0xc0, 0xdb, 0xdc, 0xdd];
    case 'cobs':
      return [0x00, 0x01, 0xff];
    default:
      return [0x00, 0x01, 0x02, 0x03, 0x04, 0xff];
  }
}

/** A spec with a stream of bytes rich in its special bytes. */
const specAndStream = spec.chain((framing) =>
  fc.record({ framing: fc.constant(framing), stream: chunked(bytesFavouring(specialBytes(framing), 400)) }),
);

/** Longest frame a deframer may emit: what bounds its memory. */
function longestFrame(framing: FramingSpec): number {
  switch (framing.kind) {
    case 'delimiter':
      return framing.maxLength + (framing.includeDelimiter ? framing.delimiter.length : 0);
    case 'fixed':
      return framing.length;
    case 'length-prefixed':
      return framing.maxLength + (framing.includeLengthField ? framing.lengthOffset + framing.lengthBytes : framing.lengthOffset);
    default:
      return framing.maxLength;
  }
}

/** Feeds chunks to a fresh deframer; the gap framing gets them `gaps[i]` ms apart. */
function deframe(framing: FramingSpec, chunks: Uint8Array[], gaps: number[] = []): Result<Uint8Array>[] {
  const deframer: Deframer = createDeframer(framing);
  let at = 0;
  const out = chunks.flatMap((chunk, i) => {
    at += gaps[i] ?? 0;
    return deframer.push(chunk, at);
  });
  return [...out, ...deframer.flush()];
}

describe('every framing, fuzzed', () => {
  it('takes any bytes in any chunks without throwing: frames no longer than the bound, rejects with a reason', () => {
    fc.assert(
      fc.property(specAndStream, fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 9 }), ({ framing, stream }, gaps) => {
        const out = deframe(framing, stream.chunks, gaps);
        expectResults(out);
        for (const frame of out) if (frame.ok) expect(frame.value.length).toBeLessThanOrEqual(longestFrame(framing));
      }),
      fuzzParameters(),
    );
  });

  it('gives the same frames and rejects however the stream is cut into chunks', () => {
    const streamed = specAndStream.filter(({ framing }) => framing.kind !== 'gap');
    fc.assert(
      fc.property(streamed, ({ framing, stream }) => {
        expect(render(deframe(framing, stream.chunks))).toEqual(render(deframe(framing, [stream.whole])));
      }),
      fuzzParameters(),
    );
  });

  it('starts clean after flush(): a frame sent after garbage and a flush comes out whole', () => {
    fc.assert(
      fc.property(specAndStream, fc.uint8Array({ minLength: 1, maxLength: 32 }), ({ framing, stream }, raw) => {
        const payload = carriable(framing, raw);
        fc.pre(payload !== undefined);
        const frame = createFrameEncoder(framing)(payload);
        const deframer = createDeframer(framing);
        for (const chunk of stream.chunks) deframer.push(chunk, 0);
        deframer.flush();
        const out = [...deframer.push(frame, 1000), ...deframer.flush()];
        expect(render(out)).toEqual(render([{ ok: true, value: decodedFrame(framing, payload, frame) }]));
      }),
      fuzzParameters(),
    );
  });
});

/**
 * `raw` adjusted to what the framing can carry with no ambiguity, or undefined: fixed frames get their
 * length, length-prefixed frames a body within maxLength and the length field, delimited ones no delimiter and no emptiness.
 */
function carriable(framing: FramingSpec, raw: Uint8Array): Uint8Array | undefined {
  switch (framing.kind) {
    case 'fixed':
      return Uint8Array.from({ length: framing.length }, (_, i) => raw[i % raw.length] ?? 0);
    case 'length-prefixed': {
      const body = raw.length - framing.lengthOffset;
      const header = framing.lengthIncludesHeader ? framing.lengthOffset + framing.lengthBytes : 0;
      const field = body - framing.lengthAdjustment + header;
      const fits = body >= 0 && body <= framing.maxLength && field >= 0 && field < 2 ** (8 * framing.lengthBytes);
      return fits ? raw : undefined;
    }
    case 'delimiter': {
      const clean = raw.filter((b) => !framing.delimiter.includes(b)).subarray(0, framing.maxLength);
      return clean.length > 0 ? clean : undefined;
    }
    default:
      return raw.subarray(0, framing.maxLength);
  }
}

/** What the far end's deframer must emit for an encoded payload. */
function decodedFrame(framing: FramingSpec, payload: Uint8Array, frame: Uint8Array): Uint8Array {
  switch (framing.kind) {
    case 'delimiter':
      return framing.includeDelimiter ? frame : frame.subarray(0, frame.length - framing.delimiter.length);
    case 'fixed':
      return frame;
    case 'length-prefixed':
      return framing.includeLengthField ? frame : payload;
    default:
      return payload;
  }
}

describe('SLIP and COBS codings, fuzzed', () => {
  // Long payloads with long runs of non-zero bytes reach COBS's 254-byte blocks; the deframer tests above stay short.
  const payload = fc.oneof(
    bytesFavouring([0x00, 0xc0, 0xdb, 0xdc, 0xdd], 1200),
    fc
      .tuple(fc.integer({ min: 250, max: 800 }), fc.uint8Array({ maxLength: 4 }))
      .map(([run, tail]) => Uint8Array.from([...Array.from({ length: run }, (_, i) => 1 + (i % 255)), ...tail])),
  );

  it('decodes what they encode, for payloads of any length and content', () => {
    fc.assert(
      fc.property(payload, (bytes) => {
        const slip = encodeSlip(bytes);
        const cobs = encodeCobs(bytes);
        expect(slip.includes(0xc0)).toBe(false);
        expect(cobs.includes(0x00)).toBe(false);
        expect(cobs.length).toBeLessThanOrEqual(maxCobsEncodedLength(bytes.length));
        expect(render([decodeSlip(slip), decodeCobs(cobs)])).toEqual(
          render([
            { ok: true, value: bytes },
            { ok: true, value: bytes },
          ]),
        );
      }),
      fuzzParameters(),
    );
  });
});

describe('every frame encoder, fuzzed', () => {
  const specAndPayload = spec.chain((framing) =>
    fc.record({ framing: fc.constant(framing), payload: bytesFavouring(specialBytes(framing), 80) }),
  );

  it('either refuses a payload with RangeError or frames it so the deframer gives it back exactly', () => {
    fc.assert(
      fc.property(specAndPayload, ({ framing, payload }) => {
        let frame: Uint8Array;
        try {
          frame = createFrameEncoder(framing)(payload);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
          return;
        }
        const out = deframe(framing, [frame]);
        expectResults(out);
        const expected = decodedFrame(framing, payload, frame);
        // The far end drops an empty frame (SLIP, a blank line, a gap frame is no bytes at all) or refuses
        // one over its maxLength; it never delivers other bytes.
        const dropped = (payload.length === 0 && ['slip', 'gap'].includes(framing.kind)) || emptyLine(framing, frame);
        if (dropped) expect(out).toEqual([]);
        else if (expected.length > longestFrame(framing)) expect(out.map((r) => r.ok)).toEqual([false]);
        else expect(render(out)).toEqual(render([{ ok: true, value: expected }]));
      }),
      fuzzParameters(),
    );
  });

  it('round-trips a run of frames fed in arbitrary chunks (gap frames separated by silence)', () => {
    const run = spec.chain((framing) =>
      fc.record({
        framing: fc.constant(framing),
        payloads: fc
          .array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 8 })
          .map((raws) => raws.map((raw) => carriable(framing, raw)).filter((p): p is Uint8Array => p !== undefined)),
      }),
    );
    fc.assert(
      fc.property(run, fc.integer({ min: 1, max: 7 }), ({ framing, payloads }, pieces) => {
        const encode = createFrameEncoder(framing);
        const frames = payloads.map(encode);
        const expected = payloads.map((p, i) => decodedFrame(framing, p, frames[i] ?? new Uint8Array()));
        const out =
          framing.kind === 'gap'
            ? deframe(
                framing,
                frames,
                frames.map(() => framing.gapMs),
              )
            : deframe(framing, cut(concat(...frames), pieces));
        expect(render(out)).toEqual(render(expected.map((value) => ({ ok: true, value }))));
      }),
      fuzzParameters(),
    );
  });

  it('resynchronises: frames sent after random garbage and one delimiter all come out', () => {
    // With a delimiter whose start is also its end (00 00, "abca"), garbage ending in that start runs
    // into the resync delimiter: 00 + 00 00 + 01 00 00 splits as 00 00 | 00 01 | by the rule itself.
    const delimited = spec.filter(
      (framing) =>
        framing.kind === 'slip' || framing.kind === 'cobs' || (framing.kind === 'delimiter' && !hasBorder(framing.delimiter)),
    );
    const run = delimited.chain((framing) =>
      fc.record({
        framing: fc.constant(framing),
        garbage: bytesFavouring(specialBytes(framing), 300),
        payloads: fc
          .array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 5 })
          .map((raws) => raws.map((raw) => carriable(framing, raw)).filter((p): p is Uint8Array => p !== undefined)),
      }),
    );
    fc.assert(
      fc.property(run, fc.integer({ min: 1, max: 7 }), ({ framing, garbage, payloads }, pieces) => {
        const encode = createFrameEncoder(framing);
        const frames = payloads.map(encode);
        const sync = framing.kind === 'delimiter' ? framing.delimiter : Uint8Array.of(framing.kind === 'slip' ? 0xc0 : 0x00);
        const out = deframe(framing, cut(concat(garbage, sync, ...frames), pieces));
        expectResults(out);
        const expected = payloads.map((p, i) => decodedFrame(framing, p, frames[i] ?? new Uint8Array()));
        const tail = out.slice(out.length - expected.length);
        expect(render(tail)).toEqual(render(expected.map((value) => ({ ok: true, value }))));
      }),
      fuzzParameters(),
    );
  });
});

/** A blank line the delimiter framing skips: the frame is the delimiter alone. */
function emptyLine(framing: FramingSpec, frame: Uint8Array): boolean {
  return framing.kind === 'delimiter' && framing.skipEmpty && frame.length === framing.delimiter.length;
}

/** Whether some proper prefix of the delimiter is also its suffix (a "border", in string-search terms). */
function hasBorder(delimiter: Uint8Array): boolean {
  const n = delimiter.length;
  for (let k = 1; k < n; k++) {
    if (delimiter.subarray(0, k).every((b, i) => b === delimiter[n - k + i])) return true;
  }
  return false;
}

/** Cuts bytes into `pieces` near-equal chunks. */
function cut(bytes: Uint8Array, pieces: number): Uint8Array[] {
  const size = Math.max(1, Math.ceil(bytes.length / pieces));
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}
