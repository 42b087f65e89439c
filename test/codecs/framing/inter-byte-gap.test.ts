import { describe, expect, it } from 'vitest';
import { createInterByteGapDeframer } from '../../../src/codecs/framing/inter-byte-gap.js';
import { deframeEverySplit, hex, render } from './feed.js';

/** One step fed to the deframer: bytes arriving at a time, or the caller's idle-timer flush. */
type Step = { at: number; bytes: string } | 'flush';

function run(steps: Step[], gapMs = 10, maxLength?: number): string[] {
  const deframer = createInterByteGapDeframer({ gapMs, maxLength });
  return render(steps.flatMap((step) => (step === 'flush' ? deframer.flush() : deframer.push(hex(step.bytes), step.at))));
}

describe('inter-byte gap deframer', () => {
  const cases: { name: string; input: { steps: Step[]; maxLength?: number }; expected: string[] }[] = [
    {
      name: 'closes the pending frame when a chunk arrives after a gap longer than gapMs',
      input: { steps: [{ at: 0, bytes: '01 02' }, { at: 5, bytes: '03' }, { at: 20, bytes: '04' }, 'flush'] },
      expected: ['010203', '04'],
    },
    {
      name: 'ends a frame at a gap of exactly gapMs, as the idle timer would',
      input: { steps: [{ at: 0, bytes: '01' }, { at: 10, bytes: '02' }, 'flush'] },
      expected: ['01', '02'],
    },
    {
      name: 'keeps a frame open across a gap just under gapMs',
      input: { steps: [{ at: 0, bytes: '01' }, { at: 9.5, bytes: '02' }, 'flush'] },
      expected: ['0102'],
    },
    {
      name: 'measures the gap from the last byte, not the first',
      input: { steps: [{ at: 0, bytes: '01' }, { at: 8, bytes: '02' }, { at: 16, bytes: '03' }, 'flush'] },
      expected: ['010203'],
    },
    {
      name: 'delivers the pending frame on flush and nothing on a second flush',
      input: { steps: [{ at: 0, bytes: 'aa' }, 'flush', 'flush', { at: 3, bytes: 'bb' }, 'flush'] },
      expected: ['aa', 'bb'],
    },
    {
      name: 'does not let an empty chunk reset the gap',
      input: { steps: [{ at: 0, bytes: '01' }, { at: 8, bytes: '' }, { at: 12, bytes: '02' }, 'flush'] },
      expected: ['01', '02'],
    },
    {
      name: 'treats a clock that goes backwards as no gap',
      input: { steps: [{ at: 100, bytes: '01' }, { at: 50, bytes: '02' }, 'flush'] },
      expected: ['0102'],
    },
    {
      name: 'rejects a frame over maxLength once and drops the rest of it until the next gap',
      input: {
        maxLength: 3,
        steps: [{ at: 0, bytes: '01 02' }, { at: 1, bytes: '03 04' }, { at: 2, bytes: '05' }, { at: 20, bytes: '06' }, 'flush'],
      },
      expected: ['reject: gap: frame exceeds maxLength 3 bytes; dropped until the next 10 ms gap', '06'],
    },
    {
      name: 'accepts a frame of exactly maxLength',
      input: { maxLength: 3, steps: [{ at: 0, bytes: '01 02' }, { at: 1, bytes: '03' }, 'flush'] },
      expected: ['010203'],
    },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(run(input.steps, 10, input.maxLength)).toEqual(expected);
  });

  it('gives the same frame for bytes of one instant however they are chunked', () => {
    const make = () => createInterByteGapDeframer({ gapMs: 10 });
    expect(deframeEverySplit(make, hex('01 02 03 04 05'))).toEqual(['0102030405']);
  });

  it('asks the caller to flush after gapMs of silence', () => {
    expect(createInterByteGapDeframer({ gapMs: 35 }).idleFlushMs).toBe(35);
  });

  it('refuses a gapMs that is not positive', () => {
    expect(() => createInterByteGapDeframer({ gapMs: 0 })).toThrow(RangeError);
  });
});
