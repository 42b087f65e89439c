import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether two secrets are equal, in a time that depends on neither's content: both sides are hashed to
 * fixed-length SHA-256 digests first, so a different length is not an early way out either.
 */
export function secretsEqual(expected: string | Buffer, given: string | Buffer): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

function digest(secret: string | Buffer): Buffer {
  return createHash('sha256').update(secret).digest();
}
