import { type MonoTypeOperatorFunction, retry, timer } from './rx.js';

/** Exponential back-off bounds for reconnects. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential up to maxMs, with "equal jitter"
 * (half fixed, half random) so a fleet of gateways does not reconnect in lock-step.
 */
export function nextBackoffMs(options: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Resubscribes to a failed source after a jittered back-off, for ever; a success (a value) starts the
 * delays over. `onRetry` hears each failure and the wait before the next attempt (to report the state).
 */
export function retryWithBackoff<T>(
  options: BackoffOptions,
  onRetry: (error: Error, waitMs: number) => void,
): MonoTypeOperatorFunction<T> {
  return retry({
    resetOnSuccess: true,
    delay: (error: Error, count) => {
      const wait = nextBackoffMs(options, count - 1);
      onRetry(error, wait);
      return timer(wait);
    },
  });
}
