import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/protocol/iso-time.js';

const SEED = Number(process.env.FUZZ_SEED || 20_261_202);
const RUNS = Number(process.env.FUZZ_RUNS || 2000);

describe('isoTime', () => {
  it('formats any time as Date.prototype.toISOString does', () => {
    // Date's whole range (±8.64e15 ms), fractions of a millisecond included.
    const anyTime = fc.oneof(
      fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }),
      fc.integer({ min: -62_167_219_200_000, max: 253_402_300_800_000 }),
      fc.double({ min: -1e14, max: 1e14, noNaN: true }),
    );
    fc.assert(
      fc.property(anyTime, (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('gets the edges right: leap days, century years, the ends of the four-digit years', () => {
    const times = [
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(1900, 1, 28, 12),
      Date.UTC(2100, 2, 1),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      -62_167_219_200_000,
      -62_167_219_200_001,
      253_402_300_799_999,
      253_402_300_800_000,
      0,
      -0.5,
      0.9,
    ];
    for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(isoTime(Date.UTC(2026, 11, 2, 4, 6, 12, 345))).toBe('2026-12-02T04:06:12.345Z');
  });

  it('refuses what toISOString refuses', () => {
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1]) {
      expect(() => isoTime(ms)).toThrow(RangeError);
    }
  });
});
