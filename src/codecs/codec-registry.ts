import { bthomeCodec } from './ble/bthome.js';
import { gattCodec } from './ble/gatt-characteristics.js';
import { ruuviCodec } from './ble/ruuvi.js';
import { atcCodec } from './ble/xiaomi-atc.js';
import { structCodec } from './decoders/binary-struct.js';
import { csvCodec } from './decoders/csv.js';
import { jsonCodec } from './decoders/json-lines.js';
import { keyValueCodec } from './decoders/key-value.js';
import { nmea0183Codec } from './decoders/nmea0183.js';
import { modbusRtuCodec } from './modbus/modbus-rtu-codec.js';

/**
 * Every codec a profile's `codec.kind` (and `decode --codec`) may name, in the order the profile schema, the
 * JSON Schema and docs/profiles.md list them. A new codec is one file with its `defineCodec`, and a line here.
 */
export const CODECS = [
  jsonCodec,
  keyValueCodec,
  csvCodec,
  structCodec,
  nmea0183Codec,
  ruuviCodec,
  bthomeCodec,
  atcCodec,
  gattCodec,
  modbusRtuCodec,
] as const;

/** The kinds of every codec, in registry order. */
export const CODEC_KINDS = CODECS.map((codec) => codec.kind);

/** A codec's `kind`. */
export type CodecKind = (typeof CODECS)[number]['kind'];
