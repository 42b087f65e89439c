import { fail, ok, type Result } from '../../result.js';

/** CRC-16/MODBUS lookup table: reflected polynomial 0xA001 (Modbus over Serial Line V1.02, §6.2.2). */
const TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    table[n] = crc;
  }
  return table;
})();

/** CRC-16/MODBUS (init 0xFFFF, reflected poly 0xA001, no final xor) of `bytes`; "123456789" gives 0x4B37. */
export function crc16Modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) crc = (crc >>> 8) ^ (TABLE[(crc ^ byte) & 0xff] ?? 0);
  return crc;
}

/** Returns `payload` followed by its CRC, low byte first as Modbus RTU sends it. */
export function appendCrc16Modbus(payload: Uint8Array): Uint8Array {
  const crc = crc16Modbus(payload);
  const frame = new Uint8Array(payload.length + 2);
  frame.set(payload);
  frame[payload.length] = crc & 0xff;
  frame[payload.length + 1] = crc >>> 8;
  return frame;
}

/** Checks the trailing little-endian CRC of an RTU frame; the value is the frame without its CRC. */
export function checkCrc16Modbus(frame: Uint8Array): Result<Uint8Array> {
  if (frame.length < 3) {
    return fail(`Modbus frame too short for a CRC: got ${frame.length} bytes, expected at least 3`);
  }
  const body = frame.subarray(0, frame.length - 2);
  const said = (frame[frame.length - 2] ?? 0) | ((frame[frame.length - 1] ?? 0) << 8);
  const computed = crc16Modbus(body);
  if (said !== computed) {
    return fail(`Modbus CRC mismatch: frame says ${hex16(said)}, computed ${hex16(computed)}`);
  }
  return ok(body);
}

function hex16(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(4, '0')}`;
}
