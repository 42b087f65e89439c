/** XOR of the characters of `text` in [start, end): the NMEA 0183 checksum of a sentence body. */
export function nmeaXor(text: string, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum ^= text.charCodeAt(i);
  return sum;
}

/** The NMEA 0183 checksum: XOR of the characters between "$" (or "!") and "*", as two uppercase hex digits. */
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
