import { createDecipheriv } from 'node:crypto';
import { fail, ok, type Result } from '../../result.js';

/** The BTHome 16-bit service UUID; its little-endian bytes (d2 fc) are part of the nonce. */
export const BTHOME_UUID = 0xfcd2;

/**
 * Decrypts `ciphertext + counter (4, little-endian) + MIC (4)` with AES-128-CCM, nonce = MAC (6) + d2 fc +
 * device info byte + counter (bthome.io/encryption). A bad MIC (wrong key, wrong MAC, altered bytes) fails.
 */
export function decryptBthome(
  deviceInfo: number,
  mac: Uint8Array,
  body: Uint8Array,
  key: Uint8Array,
): Result<{ payload: Uint8Array; counter: number }> {
  if (key.length !== 16) return fail(`the key is ${key.length} bytes, expected 16`);
  if (mac.length !== 6) return fail(`the MAC address is ${mac.length} bytes, expected 6`);
  if (body.length < 8) {
    return fail(`encrypted packet too short: expected ciphertext + counter (4) + MIC (4), got ${body.length} bytes`);
  }
  const ciphertext = body.subarray(0, body.length - 8);
  const counterBytes = body.subarray(body.length - 8, body.length - 4);
  const mic = body.subarray(body.length - 4);
  const nonce = Buffer.concat([mac, Uint8Array.of(BTHOME_UUID & 0xff, BTHOME_UUID >>> 8, deviceInfo), counterBytes]);
  try {
    const decipher = createDecipheriv('aes-128-ccm', key, nonce, { authTagLength: 4 });
    decipher.setAuthTag(mic);
    const payload = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return ok({ payload: new Uint8Array(payload), counter: Buffer.from(counterBytes).readUInt32LE(0) });
  } catch {
    return fail(`MIC ${Buffer.from(mic).toString('hex')} does not verify: wrong key or MAC for this device, or altered data`);
  }
}
