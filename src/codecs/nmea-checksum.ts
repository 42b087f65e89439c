/** The NMEA 0183 checksum: XOR of the characters between "$" (or "!") and "*", as two uppercase hex digits. */
export function nmeaChecksum(sentence: string): string {
  const start = sentence.search(/[$!]/) + 1;
  const end = sentence.indexOf('*', start);
  let sum = 0;
  for (let i = start; i < (end === -1 ? sentence.length : end); i++) sum ^= sentence.charCodeAt(i);
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** Completes a sentence body (`$GPGGA,...`) with `*HH`. */
export function withNmeaChecksum(body: string): string {
  return `${body}*${nmeaChecksum(body)}`;
}
