const utf8 = new TextEncoder();

/**
 * XOR of the bytes of `text` in [start, end) as sent on the wire (UTF-8): the NMEA 0183 checksum of
 * a sentence body, always 0x00-0xFF. NMEA is ASCII, where a character is a byte; a non-ASCII
 * character counts as its UTF-8 bytes, never as one UTF-16 unit (which would give 0x6EB for "ۀ").
 */
export function nmeaXor(text: string, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) {
      for (const byte of utf8.encode(text.slice(i, end))) sum ^= byte;
      return sum;
    }
    sum ^= unit;
  }
  return sum;
}

/** The NMEA 0183 checksum: XOR of the bytes between "$" (or "!") and "*", as two uppercase hex digits. */
export function nmeaChecksum(sentence: string): string {
  const start = sentence.search(/[$!]/) + 1;
  const star = sentence.indexOf('*', start);
  return nmeaXor(sentence, start, star === -1 ? sentence.length : star)
    .toString(16)
    .toUpperCase()
    .padStart(2, '0');
}

/** Completes a sentence body (`$GPGGA,...`) with `*HH`. */
export function withNmeaChecksum(body: string): string {
  return `${body}*${nmeaChecksum(body)}`;
}
