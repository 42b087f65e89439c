/**
 * The bytes of the frame being assembled: one reusable array that grows by doubling up to a fixed
 * capacity and is never reallocated below it, so a deframer costs no allocation per chunk.
 */
export class FrameBuffer {
  private bytes: Uint8Array;
  private used = 0;

  /** `capacity` is the most this buffer will ever hold; appending past it is a programmer error. */
  constructor(readonly capacity: number) {
    this.bytes = new Uint8Array(Math.min(capacity, 256));
  }

  /** Number of bytes held. */
  get length(): number {
    return this.used;
  }

  /** Appends `source[start, end)`; callers check `length + (end - start) <= capacity` first. */
  append(source: Uint8Array, start = 0, end = source.length): void {
    const needed = this.used + (end - start);
    if (needed > this.capacity) {
      throw new RangeError(`FrameBuffer: ${needed} bytes exceed capacity ${this.capacity}`);
    }
    if (needed > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < needed) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.capacity));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.bytes.set(source.subarray(start, end), this.used);
    this.used = needed;
  }

  /** The storage itself, whose first `length` bytes are the held ones; valid until the next append. */
  get storage(): Uint8Array {
    return this.bytes;
  }

  /** A copy of the held bytes, then empties the buffer. */
  take(): Uint8Array {
    const copy = copyBytes(this.bytes, 0, this.used);
    this.used = 0;
    return copy;
  }

  /** Empties the buffer, keeping its storage. */
  clear(): void {
    this.used = 0;
  }
}

/** Renders a byte as `0x41`, for reasons. */
export function hexByte(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Renders a count of bytes for reasons: "1 byte", "3 bytes". */
export function byteCount(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}

/**
 * The same bytes as a plain Uint8Array view. A Buffer's `slice()` is a view, not a copy, and its
 * `indexOf`/`subarray` cost more per call, so the framings work on plain views.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A fresh, writable plain Uint8Array of `length` bytes carved from Node's shared Buffer pool: one
 * ArrayBuffer per 8 KiB of small frames instead of one per frame, which keeps the garbage collector
 * out of the hot path (thousands of frames a second). The bytes are never shared with anything else.
 */
export function allocBytes(length: number): Uint8Array {
  const pooled = Buffer.allocUnsafe(length);
  return new Uint8Array(pooled.buffer, pooled.byteOffset, length);
}

/** A pooled copy of `source[start, end)` (see allocBytes). */
export function copyBytes(source: Uint8Array, start = 0, end = source.length): Uint8Array {
  const copy = allocBytes(end - start);
  copy.set(source.subarray(start, end));
  return copy;
}
