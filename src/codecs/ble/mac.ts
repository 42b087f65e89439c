import { fail, ok, type Result } from '../../result.js';

/** Formats 6 bytes, in the order given, as "AA:BB:CC:DD:EE:FF". */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** Six hex pairs, separated by ':' or '-' (the same one throughout) or by nothing. */
export const MAC_ADDRESS_PATTERN = /^[0-9a-f]{2}([:-]?)(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$/i;

/** Parses "aa:bb:cc:dd:ee:ff" (any case; ':' or '-' between pairs, or nothing) into 6 bytes, first octet first. */
export function parseMac(text: string): Result<Uint8Array> {
  if (!MAC_ADDRESS_PATTERN.test(text)) {
    return fail(`"${text}" is not a MAC address: expected six hex pairs like "54:48:E6:8F:80:A5"`);
  }
  return ok(Uint8Array.from(Buffer.from(text.replace(/[:-]/g, ''), 'hex')));
}
