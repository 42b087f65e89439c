// Test-only helpers for Modbus vectors. The CRC here is a plain bitwise implementation, written
// independently of the table-driven one under test, so a wrong table cannot agree with it.

/** "01 03 00 0A" (spaces optional) to bytes. */
export function fromHex(hex: string): Uint8Array {
  const digits = hex.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex in test vector: ${hex}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

/** Bytes to "01 03 00 0A", upper case, for readable failures. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/** CRC-16/MODBUS bit by bit: init 0xFFFF, reflected poly 0xA001. */
export function referenceCrc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) {
      const lsb = crc & 1;
      crc >>>= 1;
      if (lsb) crc ^= 0xa001;
    }
  }
  return crc;
}

/** The body given as hex, followed by its reference CRC low byte first. */
export function withReferenceCrc(bodyHex: string): Uint8Array {
  const body = fromHex(bodyHex);
  const crc = referenceCrc16(body);
  return Uint8Array.from([...body, crc & 0xff, crc >>> 8]);
}
