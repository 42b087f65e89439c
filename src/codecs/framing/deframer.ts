import type { Result } from '../../result.js';

/**
 * A stateful splitter from a byte stream into frames. Pure: no timers, no I/O.
 * Bytes arrive in arbitrary chunks; each push returns the frames completed so far,
 * and a rejected frame (bad escape, oversize, bad length) is a failed Result, never a throw,
 * so the stream goes on.
 */
export interface Deframer {
  /** Feeds bytes received at `atMs` (monotonic ms); returns completed frames and rejects, in order. */
  push(chunk: Uint8Array, atMs: number): Result<Uint8Array>[];
  /**
   * For time-based framings: the silence, in ms, after which the caller must call `flush()`
   * to close the pending frame. Undefined for framings that never need a timer.
   */
  readonly idleFlushMs?: number;
  /** Closes whatever is buffered (end of stream, or silence for time-based framings). */
  flush(): Result<Uint8Array>[];
}

/** The write side of a framing: wraps one payload so the far end's deframer gets it back whole. */
export type FrameEncoder = (payload: Uint8Array) => Uint8Array;
