import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import { defineCodec } from '../codec-definition.js';
import type { Decoder } from '../decoder.js';
import { formatMac } from './mac.js';

/**
 * Custom-firmware Xiaomi LYWSD03MMC (and look-alikes) advertising on service data UUID 0x181A. The input is
 * the service data after the UUID. The two layouts differ in length, which is how they are told apart:
 * - atc1441, 13 bytes, big-endian: https://github.com/atc1441/ATC_MiThermometer#advertising-format-of-the-custom-firmware
 * - pvvx "custom", 15 bytes, little-endian: https://github.com/pvvx/ATC_MiThermometer#custom-format-all-data-little-endian
 */

/** The Environmental Sensing service UUID these formats advertise under. */
export const ATC_SERVICE_UUID = 0x181a;

/** `format` pins one layout; `auto` (default) picks it by length. */
export const atcOptionsSchema = z.object({ format: z.enum(['auto', 'atc1441', 'pvvx']).default('auto') }).strict();

/** Options of the `atc` decoder. */
export type AtcOptions = z.infer<typeof atcOptionsSchema>;

/** atc1441 layout: MAC (6, as printed), temperature int16 0.1 °C, humidity %, battery %, battery mV, frame counter. */
export type Atc1441Reading = {
  format: 'atc1441';
  mac: string;
  temperature: number;
  humidity: number;
  battery: number;
  battery_voltage: number;
  counter: number;
};

/** pvvx layout: MAC (6, reversed), temperature int16 0.01 °C, humidity uint16 0.01 %, battery mV, battery %, counter, flags. */
export type PvvxReading = {
  format: 'pvvx';
  mac: string;
  temperature: number;
  humidity: number;
  battery_voltage: number;
  battery: number;
  counter: number;
  /** The flags byte as sent; the booleans below are its bits 0-4. */
  flags: number;
  reed_switch: boolean;
  gpio_trg_output: boolean;
  gpio_trg_controlled: boolean;
  temperature_trigger: boolean;
  humidity_trigger: boolean;
};

/** What the `atc` decoder yields. */
export type AtcReading = Atc1441Reading | PvvxReading;

const LAYOUTS = {
  atc1441: { length: 13, parse: parseAtc1441 },
  pvvx: { length: 15, parse: parsePvvx },
} as const;

/** Parses atc1441 service data (13 bytes). */
export function parseAtc1441(bytes: Uint8Array): Result<Atc1441Reading> {
  if (bytes.length !== 13) return fail(`atc1441 service data is 13 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return ok({
    format: 'atc1441',
    mac: formatMac(bytes.subarray(0, 6)),
    temperature: view.getInt16(6) / 10,
    humidity: view.getUint8(8),
    battery: view.getUint8(9),
    battery_voltage: view.getUint16(10) / 1000,
    counter: view.getUint8(12),
  });
}

/** Parses pvvx custom-format service data (15 bytes). */
export function parsePvvx(bytes: Uint8Array): Result<PvvxReading> {
  if (bytes.length !== 15) return fail(`pvvx service data is 15 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = view.getUint8(14);
  return ok({
    format: 'pvvx',
    mac: formatMac(Uint8Array.from(bytes.subarray(0, 6)).reverse()),
    temperature: view.getInt16(6, true) / 100,
    humidity: view.getUint16(8, true) / 100,
    battery_voltage: view.getUint16(10, true) / 1000,
    battery: view.getUint8(12),
    counter: view.getUint8(13),
    flags,
    reed_switch: (flags & 0x01) !== 0,
    gpio_trg_output: (flags & 0x02) !== 0,
    gpio_trg_controlled: (flags & 0x04) !== 0,
    temperature_trigger: (flags & 0x08) !== 0,
    humidity_trigger: (flags & 0x10) !== 0,
  });
}

/** Parses 0x181A service data as atc1441 (13 bytes) or pvvx (15 bytes), by length. */
export function parseAtc(bytes: Uint8Array): Result<AtcReading> {
  for (const layout of Object.values(LAYOUTS)) {
    if (bytes.length === layout.length) return layout.parse(bytes);
  }
  return fail(`0x181A service data is ${bytes.length} bytes: expected 13 (atc1441) or 15 (pvvx custom)`);
}

/** An `atc` decoder for custom-firmware thermometers. */
export function createAtcDecoder(options: Partial<AtcOptions> = {}): Decoder {
  const format = options.format ?? 'auto';
  return {
    kind: 'atc',
    decode: (bytes) => (format === 'auto' ? parseAtc(bytes) : LAYOUTS[format].parse(bytes)),
  };
}

/** The `atc` codec: Xiaomi thermometers on ATC/pvvx firmware. */
export const atcCodec = defineCodec({ kind: 'atc', options: atcOptionsSchema, create: createAtcDecoder });
