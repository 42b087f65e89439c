import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import { defineCodec } from '../codec-definition.js';
import type { Decoder } from '../decoder.js';
import { formatMac } from './mac.js';

/**
 * RuuviTag manufacturer data: data format 3 (RAWv1) and 5 (RAWv2).
 * Spec: https://docs.ruuvi.com/communication/bluetooth-advertisements/data-format-3-rawv1
 * and https://docs.ruuvi.com/communication/bluetooth-advertisements/data-format-5-rawv2.
 * All fields are big-endian. Units: °C, %RH, Pa, G, V, dBm.
 */

/** Ruuvi Innovations' Bluetooth SIG company id; it arrives little-endian (99 04) in front of the payload. */
export const RUUVI_COMPANY_ID = 0x0499;

/** The Ruuvi decoder takes no options: the data format byte picks the layout. */
export const ruuviOptionsSchema = z.object({}).strict();

/** Options of the `ruuvi` decoder (none yet). */
export type RuuviOptions = z.infer<typeof ruuviOptionsSchema>;

/** Data format 3 (RAWv1). It has no "not available" values: Ruuvi suggests sending 0 instead. */
export type RuuviRawV1 = {
  data_format: 3;
  /** %RH, 0.5 % steps. */
  humidity: number;
  /** °C, 0.01 °C steps. */
  temperature: number;
  /** Pa. */
  pressure: number;
  /** G (mG / 1000). */
  acceleration_x: number;
  acceleration_y: number;
  acceleration_z: number;
  /** V. */
  battery_voltage: number;
};

/** Data format 5 (RAWv2); a field is null when the tag sent that field's "not available" value. */
export type RuuviRawV2 = {
  data_format: 5;
  /** °C, 0.005 °C steps; null for 0x8000. */
  temperature: number | null;
  /** %RH, 0.0025 % steps; null for 0xFFFF. */
  humidity: number | null;
  /** Pa; null for 0xFFFF. */
  pressure: number | null;
  /** G (mG / 1000); null for 0x8000. */
  acceleration_x: number | null;
  acceleration_y: number | null;
  acceleration_z: number | null;
  /** V; null for 2047 in the 11-bit field. */
  battery_voltage: number | null;
  /** dBm; null for 31 in the 5-bit field. */
  tx_power: number | null;
  /** null for 255. */
  movement_counter: number | null;
  /** null for 65535. */
  measurement_sequence: number | null;
  /** "AA:BB:CC:DD:EE:FF"; null when all bits are set. */
  mac: string | null;
};

/** What the `ruuvi` decoder yields, by data format. */
export type RuuviReading = RuuviRawV1 | RuuviRawV2;

/** The formats this module reads: format byte -> name, exact payload length (format byte included) and parser. */
const RUUVI_FORMATS: ReadonlyMap<number, { name: string; length: number; parse: (view: DataView) => Result<RuuviReading> }> =
  new Map([
    [3, { name: 'RAWv1', length: 14, parse: readRawV1 }],
    [5, { name: 'RAWv2', length: 24, parse: readRawV2 }],
  ]);

/** Removes the company id 0x0499 (bytes 99 04) if the manufacturer data starts with it. */
export function stripRuuviCompanyId(bytes: Uint8Array): Uint8Array {
  return bytes.length >= 2 && bytes[0] === 0x99 && bytes[1] === 0x04 ? bytes.subarray(2) : bytes;
}

/** Parses Ruuvi manufacturer data, with or without the company id in front, by its data format byte. */
export function parseRuuvi(bytes: Uint8Array): Result<RuuviReading> {
  const payload = stripRuuviCompanyId(bytes);
  const format = payload[0];
  if (format === undefined) return fail('empty payload: expected a data format byte (3 or 5) after company id 99 04');
  const spec = RUUVI_FORMATS.get(format);
  if (spec === undefined) {
    const known = [...RUUVI_FORMATS].map(([byte, f]) => `${byte} (${f.name}, ${f.length} bytes)`).join(', ');
    return fail(`data format byte 0x${hex(format)} is not supported; expected ${known}`);
  }
  if (payload.length !== spec.length) {
    return fail(`data format ${format} (${spec.name}) is ${spec.length} bytes from the format byte on, got ${payload.length}`);
  }
  return spec.parse(new DataView(payload.buffer, payload.byteOffset, payload.byteLength));
}

/** Parses a data format 3 (RAWv1) payload, format byte included, company id excluded. */
export function parseRuuviRawV1(payload: Uint8Array): Result<RuuviRawV1> {
  return parseAs(payload, 3) as Result<RuuviRawV1>;
}

/** Parses a data format 5 (RAWv2) payload, format byte included, company id excluded. */
export function parseRuuviRawV2(payload: Uint8Array): Result<RuuviRawV2> {
  return parseAs(payload, 5) as Result<RuuviRawV2>;
}

/** A `ruuvi` decoder: manufacturer data in, Ruuvi's fields out. */
export function createRuuviDecoder(_options: RuuviOptions = {}): Decoder {
  return {
    kind: 'ruuvi',
    decode: (bytes) => parseRuuvi(bytes),
  };
}

function parseAs(payload: Uint8Array, format: number): Result<RuuviReading> {
  if (payload[0] !== format) {
    return fail(`byte 0 (data format) is ${payload[0] === undefined ? 'missing' : `0x${hex(payload[0])}`}, expected ${format}`);
  }
  return parseRuuvi(payload);
}

function readRawV1(view: DataView): Result<RuuviRawV1> {
  const temperatureByte = view.getUint8(2);
  const fraction = view.getUint8(3);
  if (fraction > 99) return fail(`byte 3 (temperature fraction) is ${fraction}, expected 0..99 hundredths`);
  const hundredths = (temperatureByte & 0x7f) * 100 + fraction;
  return ok({
    data_format: 3,
    humidity: view.getUint8(1) / 2,
    // Sign and magnitude, not two's complement: bit 7 is the sign. (0 - x keeps 0 positive.)
    temperature: (temperatureByte & 0x80 ? 0 - hundredths : hundredths) / 100,
    pressure: view.getUint16(4) + 50_000,
    acceleration_x: view.getInt16(6) / 1000,
    acceleration_y: view.getInt16(8) / 1000,
    acceleration_z: view.getInt16(10) / 1000,
    battery_voltage: view.getUint16(12) / 1000,
  });
}

function readRawV2(view: DataView): Result<RuuviRawV2> {
  const temperature = view.getInt16(1);
  const humidity = view.getUint16(3);
  const pressure = view.getUint16(5);
  const power = view.getUint16(13);
  const battery = power >>> 5;
  const txPower = power & 0x1f;
  const movement = view.getUint8(15);
  const sequence = view.getUint16(16);
  const mac = new Uint8Array(view.buffer, view.byteOffset + 18, 6);
  return ok({
    data_format: 5,
    temperature: temperature === -0x8000 ? null : temperature / 200,
    humidity: humidity === 0xffff ? null : humidity / 400,
    pressure: pressure === 0xffff ? null : pressure + 50_000,
    acceleration_x: acceleration(view.getInt16(7)),
    acceleration_y: acceleration(view.getInt16(9)),
    acceleration_z: acceleration(view.getInt16(11)),
    battery_voltage: battery === 0x7ff ? null : (1600 + battery) / 1000,
    tx_power: txPower === 0x1f ? null : -40 + 2 * txPower,
    movement_counter: movement === 0xff ? null : movement,
    measurement_sequence: sequence === 0xffff ? null : sequence,
    mac: mac.every((byte) => byte === 0xff) ? null : formatMac(mac),
  });
}

function acceleration(milliG: number): number | null {
  return milliG === -0x8000 ? null : milliG / 1000;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0').toUpperCase();
}

/** The `ruuvi` codec: RuuviTag advertisements. */
export const ruuviCodec = defineCodec({ kind: 'ruuvi', options: ruuviOptionsSchema, create: createRuuviDecoder });
