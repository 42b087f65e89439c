import { readFileSync } from 'node:fs';

/**
 * How often a thread has gone to sleep and been woken (its voluntary context switches), from a /proc status file:
 * `/proc/thread-self/status` for the calling thread, `/proc/PID/status` for a process's main thread.
 */
export function wakeUps(statusFile: string): number {
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(statusFile, 'utf8'))?.[1]);
}
