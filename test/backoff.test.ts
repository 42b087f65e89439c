import { concat, defer, firstValueFrom, lastValueFrom, of, take, throwError, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { nextBackoffMs, retryWithBackoff } from '../src/backoff.js';

describe('nextBackoffMs', () => {
  const options = { initialMs: 100, maxMs: 1_000 };

  it.each([
    { attempt: 0, random: 0, expected: 50 },
    { attempt: 0, random: 1, expected: 100 },
    { attempt: 2, random: 0, expected: 200 },
    { attempt: 2, random: 0.5, expected: 300 },
    { attempt: 10, random: 1, expected: 1_000 },
    { attempt: 10_000, random: 0, expected: 500 },
  ])(
    'waits half the ceiling plus a random half (attempt $attempt, random $random → $expected ms)',
    ({ attempt, random, expected }) => {
      expect(nextBackoffMs(options, attempt, () => random)).toBe(expected);
    },
  );
});

describe('retryWithBackoff', () => {
  it('resubscribes after each failure, telling the error and the wait, until the source succeeds', async () => {
    let attempts = 0;
    const heard: Array<{ message: string; wait: number }> = [];
    const source = defer(() => (++attempts < 3 ? throwError(() => new Error(`fault ${attempts}`)) : of(attempts)));
    const value = await firstValueFrom(
      source.pipe(retryWithBackoff({ initialMs: 2, maxMs: 4 }, (error, wait) => heard.push({ message: error.message, wait }))),
    );
    expect(value).toBe(3);
    expect(heard.map((entry) => entry.message)).toEqual(['fault 1', 'fault 2']);
    expect(heard[0]?.wait).toBeGreaterThanOrEqual(1);
    expect(heard[0]?.wait).toBeLessThanOrEqual(2);
    expect(heard[1]?.wait).toBeGreaterThanOrEqual(2);
    expect(heard[1]?.wait).toBeLessThanOrEqual(4);
  });

  it('starts the delays over once the source has produced a value', async () => {
    const waits: number[] = [];
    // Every subscription yields a value and then fails, so every failure follows a success.
    const values = await lastValueFrom(
      defer(() =>
        concat(
          of('up'),
          throwError(() => new Error('down')),
        ),
      ).pipe(
        retryWithBackoff({ initialMs: 2, maxMs: 1_000 }, (_error, wait) => waits.push(wait)),
        take(4),
        toArray(),
      ),
    );
    expect(values).toEqual(['up', 'up', 'up', 'up']);
    // Without the reset the third wait would be at least 8 ms (ceiling 2 × 2²).
    expect(waits).toHaveLength(3);
    expect(waits.every((wait) => wait <= 2)).toBe(true);
  });
});
