/**
 * `work`, or the error `expired()` makes if it has not settled within `ms`; the timer is cleared either way. `work`
 * goes on; a late failure of it is handled by the race and heard by nobody (the caller heard of the timeout).
 */
export function withTimeout<T>(work: Promise<T>, ms: number, expired: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(expired()), ms);
  });
  return Promise.race([work, timedOut]).finally(() => clearTimeout(timer));
}
