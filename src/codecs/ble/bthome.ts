import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import { defineCodec } from '../codec-definition.js';
import type { DecodeContext, Decoder, JsonValue, Reading } from '../decoder.js';
import { decryptBthome } from './bthome-encryption.js';
import { BTHOME_BUTTON_EVENTS, BTHOME_DIMMER_EVENTS, BTHOME_OBJECTS, type BthomeObjectSpec } from './bthome-objects.js';
import { formatMac, MAC_ADDRESS_PATTERN, parseMac } from './mac.js';

export { BTHOME_UUID, decryptBthome } from './bthome-encryption.js';

/**
 * BTHome v2 service data (UUID 0xFCD2), starting with the device information byte.
 * Format: https://bthome.io/format/ — encryption: https://bthome.io/encryption/.
 *
 * A Reading holds `encrypted`, `trigger_based`, `counter` (encrypted packets only), `mac` (only when the
 * device puts its MAC in the payload, device info bit 1, as bthome-ble reads it), then one field per
 * object. A repeated property gets a numbered name in order of appearance, as bthome.io
 * prescribes: temperature, temperature_2, temperature_3 ...
 */

const KEY_HEX = /^[0-9a-f]{32}$/i;
const hexKey = z.string().regex(KEY_HEX, 'expected a 16-byte AES key as 32 hex digits');

/** Keys for encrypted devices: one for every device (`key`) and/or one per MAC address (`keys`). */
export const bthomeOptionsSchema = z
  .object({
    key: hexKey.optional(),
    keys: z.record(z.string().regex(MAC_ADDRESS_PATTERN, 'expected a MAC address like 54:48:E6:8F:80:A5'), hexKey).optional(),
  })
  .strict();

/** Options of the `bthome` decoder. */
export type BthomeOptions = z.infer<typeof bthomeOptionsSchema>;

/** The device information byte (first byte of the service data). */
export type BthomeDeviceInfo = {
  encrypted: boolean;
  macIncluded: boolean;
  triggerBased: boolean;
  version: number;
};

/** What `parseBthome` needs beyond the bytes: the 16-byte key and the advertiser's MAC (for the nonce). */
export type BthomeParseOptions = { key?: Uint8Array; mac?: Uint8Array };

/** Reads the device information byte: bit 0 encryption, bit 1 MAC included, bit 2 trigger based, bits 5-7 version (must be 2). */
export function parseBthomeDeviceInfo(byte: number): Result<BthomeDeviceInfo> {
  const version = byte >>> 5;
  if (version !== 2) {
    return fail(`byte 0 (device information 0x${hex(byte)}) says BTHome version ${version}, expected 2`);
  }
  return ok({
    encrypted: (byte & 1) !== 0,
    macIncluded: (byte & 2) !== 0,
    triggerBased: (byte & 4) !== 0,
    version,
  });
}

/** Parses BTHome v2 service data into a Reading, decrypting it first when device info bit 0 is set. */
export function parseBthome(input: Uint8Array, options: BthomeParseOptions = {}): Result<Reading> {
  // Accept the service data with its 16-bit UUID in front (d2 fc, as bthome.io prints it): 0xD2 is never a
  // valid v2 device information byte, so there is no ambiguity.
  const serviceData = input[0] === 0xd2 && input[1] === 0xfc ? input.subarray(2) : input;
  const infoByte = serviceData[0];
  if (infoByte === undefined) return fail('empty service data: expected the BTHome device information byte');
  const info = parseBthomeDeviceInfo(infoByte);
  if (!info.ok) return info;
  const reading: Reading = { encrypted: info.value.encrypted, trigger_based: info.value.triggerBased };
  let mac = options.mac;
  let offset = 1;
  if (info.value.macIncluded) {
    if (serviceData.length < 7) {
      return fail(`device info bit 1 says a MAC follows: expected 6 bytes at byte 1, got ${serviceData.length - 1}`);
    }
    mac = Uint8Array.from(serviceData.subarray(1, 7)).reverse();
    reading.mac = formatMac(mac);
    offset = 7;
  }
  if (!info.value.encrypted) {
    if (options.key !== undefined) {
      return fail('device info bit 0 says unencrypted, but this device has a key: refusing a possible downgrade');
    }
    return parseBthomeObjects(serviceData.subarray(offset), reading, (at) => `byte ${offset + at}`);
  }
  if (options.key === undefined) {
    return fail('device info bit 0 says encrypted, but no key is configured for this device');
  }
  if (mac === undefined) return fail('encrypted packet: the nonce needs the MAC address (context.address)');
  const decrypted = decryptBthome(infoByte, mac, serviceData.subarray(offset), options.key);
  if (!decrypted.ok) return decrypted;
  reading.counter = decrypted.value.counter;
  return parseBthomeObjects(decrypted.value.payload, reading, (at) => `byte ${at} of the decrypted payload`);
}

/** Where a reading says parsing stopped at an object id this decoder does not know (bthome.io: a receiver stops there). */
const BTHOME_UNPARSED_FIELD = 'unparsed';

/**
 * Parses the object list into `into`. An unknown object id ends parsing, as bthome.io tells a receiver to (its size is
 * unknown): the objects before it are kept and `unparsed` names the id and its byte; with none before it, it fails.
 * A value running past the end fails, naming its byte.
 */
export function parseBthomeObjects(
  objects: Uint8Array,
  into: Reading = {},
  where = (at: number) => `byte ${at}`,
): Result<Reading> {
  const seen = new Map<string, number>();
  let at = 0;
  while (at < objects.length) {
    const id = objects[at] ?? 0;
    const spec = BTHOME_OBJECTS.get(id);
    if (spec === undefined) {
      const stop = `unknown object id 0x${hex(id)} at ${where(at)}: the rest cannot be parsed`;
      if (seen.size === 0) return fail(stop);
      into[BTHOME_UNPARSED_FIELD] = stop;
      return ok(into);
    }
    const value = readObject(spec, objects, at + 1, (field) => `${spec.name} (0x${hex(id)}) at ${where(at)}: ${field}`);
    if (!value.ok) return value;
    const count = (seen.get(spec.name) ?? 0) + 1;
    seen.set(spec.name, count);
    into[count === 1 ? spec.name : `${spec.name}_${count}`] = value.value.value;
    at = value.value.next;
  }
  return ok(into);
}

/** A `bthome` decoder. The key comes from `context.key` (32 hex digits), else `options.keys[context.address]`, else `options.key`. */
export function createBthomeDecoder(options: BthomeOptions = {}): Decoder {
  const defaultKey = options.key === undefined ? undefined : keyBytes(options.key);
  const keysByMac = new Map(
    Object.entries(options.keys ?? {}).map(([mac, key]) => [formatMac(unwrap(parseMac(mac))), keyBytes(key)]),
  );
  return {
    kind: 'bthome',
    decode(bytes: Uint8Array, context: DecodeContext = {}): Result<Reading> {
      let mac: Uint8Array | undefined;
      if (context.address !== undefined) {
        const parsed = parseMac(context.address);
        if (!parsed.ok) return fail(`context.address: ${parsed.reason}`);
        mac = parsed.value;
      }
      let key = (mac && keysByMac.get(formatMac(mac))) ?? defaultKey;
      if (context.key !== undefined) {
        if (typeof context.key !== 'string' || !KEY_HEX.test(context.key)) {
          return fail('context.key must be a 16-byte AES key as 32 hex digits');
        }
        key = keyBytes(context.key);
      }
      return parseBthome(bytes, { key, mac });
    },
  };
}

/** Reads the value that starts at `start`; `label` turns a problem into a reason naming the object and its byte. */
function readObject(
  spec: BthomeObjectSpec,
  bytes: Uint8Array,
  start: number,
  label: (problem: string) => string,
): Result<{ value: JsonValue; next: number }> {
  const next = start + spec.size;
  if (next > bytes.length) return fail(label(`needs ${spec.size} byte(s), ${bytes.length - start} left`));
  const first = bytes[start] ?? 0;
  switch (spec.kind) {
    case 'number':
      return ok({
        value: scale(readInt(bytes, start, spec.size, spec.type.startsWith('s')), spec.factor),
        next,
      });
    case 'binary':
      return first > 1 ? fail(label(`value ${first}, expected 0 or 1`)) : ok({ value: first === 1, next });
    case 'button':
    case 'dimmer': {
      const event = (spec.kind === 'button' ? BTHOME_BUTTON_EVENTS : BTHOME_DIMMER_EVENTS).get(first);
      if (event === undefined) return fail(label(`event id 0x${hex(first)} is not defined`));
      const value = spec.kind === 'button' || event === null ? event : { event, steps: bytes[start + 1] ?? 0 };
      return ok({ value, next });
    }
    case 'text':
    case 'raw': {
      const content = bytes.subarray(next, next + first);
      if (content.length < first) return fail(label(`length byte says ${first} bytes, ${content.length} left`));
      if (spec.kind === 'raw') return ok({ value: Buffer.from(content).toString('hex'), next: next + first });
      try {
        return ok({ value: new TextDecoder('utf-8', { fatal: true }).decode(content), next: next + first });
      } catch {
        return fail(label('text is not valid UTF-8'));
      }
    }
    case 'timestamp':
      return ok({ value: new Date(readInt(bytes, start, 4, false) * 1000).toISOString(), next });
    case 'firmware':
      return ok({ value: Array.from(bytes.subarray(start, next)).reverse().join('.'), next });
  }
}

function readInt(bytes: Uint8Array, start: number, size: number, signed: boolean): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + (bytes[start + i] ?? 0);
  return signed && value >= 2 ** (8 * size - 1) ? value - 2 ** (8 * size) : value;
}

/** raw × factor, rounded to the factor's decimals so 2506 × 0.01 is 25.06, not 25.060000000000002. */
function scale(raw: number, factor: number): number {
  if (factor === 1) return raw;
  const decimals = (String(factor).split('.')[1] ?? '').length;
  return Number((raw * factor).toFixed(decimals));
}

function keyBytes(hexKey: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hexKey, 'hex'));
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`bthome options were not validated by bthomeOptionsSchema: ${result.reason}`);
  return result.value;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0').toUpperCase();
}

/** The `bthome` codec: BTHome v2 advertisements. */
export const bthomeCodec = defineCodec({ kind: 'bthome', options: bthomeOptionsSchema, create: createBthomeDecoder });
