/** Every codec a profile's `codec.kind` (or `decode --codec`) may name. */
export const CODEC_KINDS = [
  'json',
  'key-value',
  'csv',
  'struct',
  'nmea0183',
  'ruuvi',
  'bthome',
  'atc',
  'gatt',
  'modbus-rtu',
] as const;

export type CodecKind = (typeof CODEC_KINDS)[number];
