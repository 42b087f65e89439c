import { describe, expect, it } from 'vitest';
import {
  createDeframer,
  createFrameEncoder,
  type FramingSpecInput,
  framingSpecSchema,
} from '../../../src/codecs/framing/framing-spec.js';
import { concat, deframeEverySplit, hex } from './feed.js';

/** What a framing that cuts frames by their content does at its bounds, written once per framing. */
interface Bounds {
  /** The framing, with maxLength 4. */
  spec: FramingSpecInput;
  /** The reject for a frame over maxLength. */
  tooLong: string;
  /** A long run of bytes that ends no frame, then the bytes that end one: for framings that look for an end. */
  endlessRun?: { run: string; end: string };
  /** Bytes that start a frame the stream never finishes, and the reject they give at flush. */
  unfinished: { bytes: string; reject: string };
}

const MAX = 4;
const run16 = (byte: string) => Array(16).fill(byte).join(' ');

/**
 * Every framing: those that cut frames by their content, with their bounds; `fixed` and `gap` cannot be
 * driven so (a fixed frame has no maximum and no end marker; a gap frame ends with time, see
 * inter-byte-gap.test.ts).
 */
const FRAMINGS: Record<FramingSpecInput['kind'], Bounds | null> = {
  delimiter: {
    spec: { kind: 'delimiter', delimiter: '\r\n', maxLength: MAX },
    tooLong: `delimiter: frame exceeds maxLength ${MAX} bytes; dropped through the next delimiter 0x0D 0x0A`,
    endlessRun: { run: run16('41'), end: '0d 0a' },
    unfinished: { bytes: '61 62 0d', reject: 'delimiter: stream ended 3 bytes into a frame, before any delimiter 0x0D 0x0A' },
  },
  'length-prefixed': {
    spec: { kind: 'length-prefixed', maxLength: MAX },
    tooLong: `length-prefixed: length field 5 at offset 0 gives a 5-byte body over maxLength ${MAX}; skipped`,
    unfinished: { bytes: '00 03 aa', reject: 'length-prefixed: stream ended 3 bytes into a 5-byte frame' },
  },
  slip: {
    spec: { kind: 'slip', maxLength: MAX },
    tooLong: `SLIP: frame exceeds maxLength ${MAX} bytes; dropped through the next END (0xC0)`,
    endlessRun: { run: run16('01'), end: 'c0' },
    unfinished: { bytes: '01 02', reject: 'SLIP: stream ended 2 bytes into a frame, before any END (0xC0)' },
  },
  cobs: {
    spec: { kind: 'cobs', maxLength: MAX },
    tooLong: `COBS: frame exceeds maxLength ${MAX} bytes; dropped through the next 0x00`,
    endlessRun: { run: run16('01'), end: '00' },
    unfinished: { bytes: '03 22', reject: 'COBS: stream ended 2 bytes into a frame, before any 0x00' },
  },
  fixed: null,
  gap: null,
};

const bounded = Object.entries(FRAMINGS).flatMap(([kind, bounds]) => (bounds ? [{ kind, ...bounds }] : []));

/** Frames payloads with the framing's own encoder, as a device would send them. */
function framed(spec: FramingSpecInput, ...payloads: string[]): Uint8Array {
  const encode = createFrameEncoder(framingSpecSchema.parse(spec));
  return concat(...payloads.map((payload) => encode(hex(payload))));
}

/** Deframes at every chunk split (all must agree), as the adapter would. */
function deframe(spec: FramingSpecInput, input: Uint8Array): string[] {
  return deframeEverySplit(() => createDeframer(framingSpecSchema.parse(spec)), input);
}

describe('every framing at its bounds', () => {
  it('lists every framing kind', () => {
    expect(Object.keys(FRAMINGS).sort()).toEqual(framingSpecSchema.options.map((option) => option.shape.kind.value).sort());
  });

  it.each(bounded)('$kind delivers a frame of exactly maxLength', ({ spec }) => {
    expect(deframe(spec, framed(spec, '01 02 03 04'))).toEqual(['01020304']);
  });

  it.each(bounded)('$kind rejects a frame one byte over maxLength, then delivers the next frame', ({ spec, tooLong }) => {
    expect(deframe(spec, framed(spec, '01 02 03 04 05', '09'))).toEqual([`reject: ${tooLong}`, '09']);
  });

  it.each(bounded.filter((framing) => framing.endlessRun))(
    '$kind rejects a long run that ends no frame once, then resyncs at the next frame end',
    ({ spec, tooLong, endlessRun }) => {
      const input = concat(hex(endlessRun?.run ?? ''), hex(endlessRun?.end ?? ''), framed(spec, '09'));
      expect(deframe(spec, input)).toEqual([`reject: ${tooLong}`, '09']);
    },
  );

  it.each(bounded)(
    '$kind rejects the bytes of an unfinished frame at flush, after the last whole one',
    ({ spec, unfinished }) => {
      expect(deframe(spec, concat(framed(spec, '09'), hex(unfinished.bytes)))).toEqual(['09', `reject: ${unfinished.reject}`]);
    },
  );
});
