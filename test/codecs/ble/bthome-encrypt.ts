import { createCipheriv } from 'node:crypto';

/**
 * Encrypts BTHome objects (hex) like a device would (bthome.io/encryption), with node:crypto rather than
 * the decoder's code; returns the service data (without the d2 fc UUID) as hex.
 */
export function encryptBthome(
  key: string,
  mac: string,
  info: number,
  counter: number,
  objects: string,
  macInPayload = false,
): string {
  const macBytes = Buffer.from(mac.replace(/:/g, ''), 'hex');
  const counterBytes = Buffer.alloc(4);
  counterBytes.writeUInt32LE(counter);
  const nonce = Buffer.concat([macBytes, Buffer.from([0xd2, 0xfc, info]), counterBytes]);
  const cipher = createCipheriv('aes-128-ccm', Buffer.from(key, 'hex'), nonce, { authTagLength: 4 });
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(objects.replace(/\s/g, ''), 'hex')), cipher.final()]);
  const header = Buffer.from([info, ...(macInPayload ? Buffer.from(macBytes).reverse() : [])]);
  return Buffer.concat([header, ciphertext, counterBytes, cipher.getAuthTag()]).toString('hex');
}
