import * as rxjs from 'rxjs';
import { describe, expect, it } from 'vitest';
import * as rx from '../src/rx.js';

describe('src/rx.ts', () => {
  it("exports the very objects `rxjs` exports (an upgrade that moves one of rxjs's internal paths fails here)", () => {
    // Plain objects of both namespaces: the comparison is by name, the very thing being checked.
    const ours: Record<string, unknown> = { ...rx };
    const theirs: Record<string, unknown> = { ...rxjs };
    const names = Object.keys(ours);
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      expect(ours[name], name).toBeDefined();
      expect(ours[name], name).toBe(theirs[name]);
    }
  });

  it('makes observables that interoperate with rxjs', async () => {
    const values = await rxjs.firstValueFrom(
      rx.from([1, 2, 3]).pipe(
        rx.map((n) => n * 2),
        rxjs.toArray(),
      ),
    );
    expect(values).toEqual([2, 4, 6]);
    expect(rx.from([1])).toBeInstanceOf(rxjs.Observable);
  });
});
