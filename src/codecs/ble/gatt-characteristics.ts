import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import { defineCodec } from '../codec-definition.js';
import type { Decoder, Reading } from '../decoder.js';

/**
 * Values of standard GATT characteristics, as read or notified (little-endian). Layouts from the Bluetooth
 * SIG GATT Specification Supplement: Heart Rate Measurement (3.116), Battery Level (3.27),
 * Temperature (3.218), Humidity (3.124), Pressure (3.181).
 */

const BASE_UUID_TAIL = '-0000-1000-8000-00805f9b34fb';

/** Supported characteristics: 16-bit UUID -> the name also accepted in options. */
export const GATT_CHARACTERISTICS = {
  '2a37': 'heart-rate-measurement',
  '2a19': 'battery-level',
  '2a6e': 'temperature',
  '2a6f': 'humidity',
  '2a6d': 'pressure',
} as const;

/** A supported characteristic's 16-bit UUID, lowercase hex. */
export type GattCharacteristicUuid = keyof typeof GATT_CHARACTERISTICS;

/** `characteristic`: a supported UUID in any form `normalizeUuid` reads, or its name (e.g. "battery-level"). */
export const gattOptionsSchema = z
  .object({
    characteristic: z.string().refine((text) => resolveCharacteristic(text) !== undefined, {
      message: `expected one of ${Object.entries(GATT_CHARACTERISTICS)
        .map(([u, n]) => `${u} (${n})`)
        .join(', ')}`,
    }),
  })
  .strict();

/** Options of the `gatt` decoder. */
export type GattOptions = z.infer<typeof gattOptionsSchema>;

/**
 * Canonical form of a Bluetooth UUID: "2a37" for a 16-bit one, whether written "2a37", "0x2A37" or
 * "00002a37-0000-1000-8000-00805f9b34fb"; "xxxxxxxx" for a 32-bit one; lowercase 128-bit form otherwise.
 */
export function normalizeUuid(text: string): Result<string> {
  const lower = text.trim().toLowerCase();
  const short = /^(?:0x)?([0-9a-f]{4}|[0-9a-f]{8})$/.exec(lower)?.[1];
  if (short !== undefined) return ok(short.startsWith('0000') && short.length === 8 ? short.slice(4) : short);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(lower)) {
    return fail(`"${text}" is not a Bluetooth UUID: expected 4 or 8 hex digits (optionally 0x) or a 128-bit UUID`);
  }
  if (!lower.endsWith(BASE_UUID_TAIL)) return ok(lower);
  const head = lower.slice(0, 8);
  return ok(head.startsWith('0000') ? head.slice(4) : head);
}

/** Finds the supported characteristic a UUID or name refers to. */
export function resolveCharacteristic(text: string): GattCharacteristicUuid | undefined {
  const byName = Object.entries(GATT_CHARACTERISTICS).find(([, name]) => name === text.trim().toLowerCase());
  if (byName) return byName[0] as GattCharacteristicUuid;
  const uuid = normalizeUuid(text);
  return uuid.ok && uuid.value in GATT_CHARACTERISTICS ? (uuid.value as GattCharacteristicUuid) : undefined;
}

/** Heart Rate Measurement: bpm, contact status, energy expended (kJ) and RR-intervals (1/1024 s, and ms). */
export type HeartRateMeasurement = {
  heart_rate: number;
  sensor_contact: 'not_supported' | 'not_detected' | 'detected';
  energy_expended: number | null;
  rr_intervals: number[];
  rr_intervals_ms: number[];
};

/**
 * Parses a Heart Rate Measurement (0x2A37). Flags: bit 0 value is uint16 (else uint8); bits 1-2 sensor
 * contact (0-1 not supported, 2 supported but not detected, 3 detected); bit 3 energy expended uint16
 * present; bit 4 one or more RR-intervals (uint16, 1/1024 s) fill the rest. Bits 5-7 are reserved and ignored.
 */
export function parseHeartRateMeasurement(bytes: Uint8Array): Result<HeartRateMeasurement> {
  const flags = bytes[0];
  if (flags === undefined) return fail('heart rate measurement is empty: expected the flags byte');
  const wide = (flags & 0x01) !== 0;
  const hasEnergy = (flags & 0x08) !== 0;
  const hasRr = (flags & 0x10) !== 0;
  const minimum = 1 + (wide ? 2 : 1) + (hasEnergy ? 2 : 0) + (hasRr ? 2 : 0);
  if (bytes.length < minimum) {
    const parts = [`flags 0x${flags.toString(16).padStart(2, '0')}`, wide ? 'uint16 heart rate' : 'uint8 heart rate'];
    if (hasEnergy) parts.push('uint16 energy expended');
    if (hasRr) parts.push('at least one uint16 RR-interval');
    return fail(`heart rate measurement is ${bytes.length} bytes: ${parts.join(' + ')} need at least ${minimum}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 1;
  const heartRate = wide ? view.getUint16(at, true) : view.getUint8(at);
  at += wide ? 2 : 1;
  const energy = hasEnergy ? view.getUint16(at, true) : null;
  at += hasEnergy ? 2 : 0;
  if (!hasRr && at !== bytes.length) {
    return fail(
      `heart rate measurement has ${bytes.length - at} byte(s) after byte ${at - 1}, but flags bit 4 (RR-intervals) is 0`,
    );
  }
  if ((bytes.length - at) % 2 !== 0) {
    return fail(`RR-intervals from byte ${at} are ${bytes.length - at} bytes, expected a whole number of uint16`);
  }
  const rr: number[] = [];
  for (; at < bytes.length; at += 2) rr.push(view.getUint16(at, true));
  return ok({
    heart_rate: heartRate,
    sensor_contact:
      (['not_supported', 'not_supported', 'not_detected', 'detected'] as const)[(flags >>> 1) & 3] ?? 'not_supported',
    energy_expended: energy,
    rr_intervals: rr,
    rr_intervals_ms: rr.map((units) => (units * 1000) / 1024),
  });
}

/** Parses Battery Level (0x2A19): uint8 percent, 0..100. */
export function parseBatteryLevel(bytes: Uint8Array): Result<{ battery_level: number }> {
  const length = exactLength(bytes, 1, 'battery level (uint8)');
  if (length) return fail(length);
  const level = bytes[0] ?? 0;
  if (level > 100) return fail(`battery level is ${level}, expected 0..100 %`);
  return ok({ battery_level: level });
}

/** Parses Temperature (0x2A6E): sint16 in 0.01 °C, -273.15..327.67; 0x8000 means unknown (null). */
export function parseTemperature(bytes: Uint8Array): Result<{ temperature: number | null }> {
  const length = exactLength(bytes, 2, 'temperature (sint16)');
  if (length) return fail(length);
  const raw = new DataView(bytes.buffer, bytes.byteOffset, 2).getInt16(0, true);
  if (raw === -0x8000) return ok({ temperature: null });
  // GSS: allowed range -273.15 to 327.67, 0x8000 unknown, all other values prohibited (below absolute zero).
  if (raw < -27315) return fail(`temperature is ${raw / 100} °C, expected -273.15..327.67 °C or 0x8000 (unknown)`);
  return ok({ temperature: raw / 100 });
}

/** Parses Humidity (0x2A6F): uint16 in 0.01 %, 0.00..100.00; 0xFFFF means unknown (null). */
export function parseHumidity(bytes: Uint8Array): Result<{ humidity: number | null }> {
  const length = exactLength(bytes, 2, 'humidity (uint16)');
  if (length) return fail(length);
  const raw = new DataView(bytes.buffer, bytes.byteOffset, 2).getUint16(0, true);
  if (raw === 0xffff) return ok({ humidity: null });
  // GSS: allowed range 0.00 to 100.00, 0xFFFF unknown, all other values prohibited.
  if (raw > 10000) return fail(`humidity is ${raw / 100} %, expected 0.00..100.00 % or 0xFFFF (unknown)`);
  return ok({ humidity: raw / 100 });
}

/** Parses Pressure (0x2A6D): uint32 in 0.1 Pa, reported in Pa. */
export function parsePressure(bytes: Uint8Array): Result<{ pressure: number }> {
  const length = exactLength(bytes, 4, 'pressure (uint32)');
  if (length) return fail(length);
  return ok({ pressure: new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) / 10 });
}

const PARSERS: Readonly<Record<GattCharacteristicUuid, (bytes: Uint8Array) => Result<Reading>>> = {
  '2a37': parseHeartRateMeasurement,
  '2a19': parseBatteryLevel,
  '2a6e': parseTemperature,
  '2a6f': parseHumidity,
  '2a6d': parsePressure,
};

/** A `gatt` decoder for one characteristic's value. */
export function createGattDecoder(options: GattOptions): Decoder {
  const uuid = resolveCharacteristic(options.characteristic);
  if (uuid === undefined) {
    throw new Error(`gatt options were not validated by gattOptionsSchema: unknown characteristic "${options.characteristic}"`);
  }
  return { kind: 'gatt', decode: (bytes) => PARSERS[uuid](bytes) };
}

function exactLength(bytes: Uint8Array, expected: number, what: string): string | undefined {
  return bytes.length === expected ? undefined : `${what} is ${expected} byte(s), got ${bytes.length}`;
}

/** The `gatt` codec: standard GATT characteristic values. */
export const gattCodec = defineCodec({ kind: 'gatt', options: gattOptionsSchema, create: createGattDecoder });
