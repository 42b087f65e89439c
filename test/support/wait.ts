import { filter, firstValueFrom, type Observable, take, timeout, toArray } from 'rxjs';

/** The first value matching `predicate`, or a loud failure after `ms`. */
export function nextMatching<T>(source: Observable<T>, predicate: (value: T) => boolean = () => true, ms = 5000): Promise<T> {
  return firstValueFrom(
    source.pipe(
      filter(predicate),
      timeout({
        first: ms,
        with: () => {
          throw new Error(`no matching value within ${ms} ms`);
        },
      }),
    ),
  );
}

/** The next `count` values, or a loud failure after `ms`. */
export function collect<T>(source: Observable<T>, count: number, ms = 5000): Promise<T[]> {
  return firstValueFrom(
    source.pipe(
      take(count),
      toArray(),
      timeout({
        first: ms,
        with: () => {
          throw new Error(`fewer than ${count} values within ${ms} ms`);
        },
      }),
    ),
  );
}

/** Anything with once/off, such as a Node EventEmitter or an mqtt.js client. */
export interface Emitter {
  once(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/** Resolves with the arguments of the next `event`, or fails after `ms`. */
export function once<T extends unknown[] = unknown[]>(emitter: Emitter, event: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`no "${event}" within ${ms} ms`));
    }, ms);
    const handler = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, handler);
  });
}

/** Polls a condition without sleeping blindly: resolves as soon as it holds, fails loudly after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
