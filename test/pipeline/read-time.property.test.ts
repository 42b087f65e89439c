import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stampReadTime } from '../../src/pipeline/read-time.js';

const SEED = Number(process.env.FUZZ_SEED || 20_261_202);
const RUNS = Number(process.env.FUZZ_RUNS || 200);

// Read times a gateway meets: 1970 … 2100, ms precision.
const readTime = fc.integer({ min: 0, max: 4_102_444_800_000 });
const reading = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).filter((key) => key !== 'ts'),
  fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.boolean(), fc.constant(null)),
);

describe('stampReadTime', () => {
  it('adds the read time to the device text as ISO 8601, whatever the order of read times (one cached per read)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(reading, readTime, fc.constantFrom('', ' ', '\r', '  \r')), { minLength: 1, maxLength: 8 }),
        (frames) => {
          for (const [object, at, trailing] of frames) {
            const stamped = stampReadTime(`${JSON.stringify(object)}${trailing}`, 'ts', at);
            expect(JSON.parse(stamped)).toEqual({ ...object, ts: new Date(at).toISOString() });
          }
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('gives two frames of one read the same time and the next read its own', () => {
    const first = stampReadTime('{"a":1}', 'ts', Date.UTC(2026, 11, 2, 4, 6, 12, 345));
    const same = stampReadTime('{"b":2}', 'ts', Date.UTC(2026, 11, 2, 4, 6, 12, 345));
    const next = stampReadTime('{ }', 'ts', Date.UTC(2026, 11, 2, 4, 6, 12, 346));
    expect([first, same, next]).toEqual([
      '{"a":1,"ts":"2026-12-02T04:06:12.345Z"}',
      '{"b":2,"ts":"2026-12-02T04:06:12.345Z"}',
      '{ "ts":"2026-12-02T04:06:12.346Z"}',
    ]);
  });

  it('leaves text that is not an object unchanged', () => {
    for (const text of ['[1,2]', '42', '"text"', '']) expect(stampReadTime(text, 'ts', 0)).toBe(text);
  });
});
