import { describe, expect, it } from 'vitest';
import { createRuuviDecoder, parseRuuviRawV1, parseRuuviRawV2, ruuviOptionsSchema } from '../../../src/codecs/ble/ruuvi.js';
import type { Reading } from '../../../src/codecs/decoder.js';

type Case = {
  name: string;
  input: string;
  expected: { ok: true; value: Reading } | { ok: false; reason: RegExp };
};

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));

// Vectors and expected values: Ruuvi's own test vectors,
// https://docs.ruuvi.com/communication/bluetooth-advertisements/data-format-5-rawv2 ("Test vectors")
// https://docs.ruuvi.com/communication/bluetooth-advertisements/data-format-3-rawv1 ("Test vectors"),
// expected values as tabled in github.com/ruuvi/docs and github.com/ruuvi/ruuvi-sensor-protocols/dataformat_03.md.
const V5_VALID = '0512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F';
const V5_MAX = '057FFFFFFEFFFE7FFF7FFF7FFFFFDEFEFFFECBB8334C884F';
const V5_MIN = '058001000000008001800180010000000000CBB8334C884F';
const V5_INVALID = '058000FFFFFFFF800080008000FFFFFFFFFFFFFFFFFFFFFF';
const V3_VALID = '03291A1ECE1EFC18F94202CA0B53';
const V3_MAX = '03FF7F63FFFF7FFF7FFF7FFFFFFF';
const V3_MIN = '0300FF6300008001800180010000';

const v5Valid = {
  data_format: 5,
  temperature: 24.3,
  humidity: 53.49,
  pressure: 100044,
  acceleration_x: 0.004,
  acceleration_y: -0.004,
  acceleration_z: 1.036,
  battery_voltage: 2.977,
  tx_power: 4,
  movement_counter: 66,
  measurement_sequence: 205,
  mac: 'CB:B8:33:4C:88:4F',
};
const v3Valid = {
  data_format: 3,
  humidity: 20.5,
  temperature: 26.3,
  pressure: 102766,
  acceleration_x: -1,
  acceleration_y: -1.726,
  acceleration_z: 0.714,
  battery_voltage: 2.899,
};

const cases: Case[] = [
  { name: 'decodes the RAWv2 "valid data" vector', input: V5_VALID, expected: { ok: true, value: v5Valid } },
  {
    name: 'decodes the RAWv2 vector after company id 99 04',
    input: `9904${V5_VALID}`,
    expected: { ok: true, value: v5Valid },
  },
  {
    name: 'decodes the RAWv2 "maximum values" vector',
    input: V5_MAX,
    expected: {
      ok: true,
      value: {
        data_format: 5,
        temperature: 163.835,
        humidity: 163.835,
        pressure: 115534,
        acceleration_x: 32.767,
        acceleration_y: 32.767,
        acceleration_z: 32.767,
        battery_voltage: 3.646,
        tx_power: 20,
        movement_counter: 254,
        measurement_sequence: 65534,
        mac: 'CB:B8:33:4C:88:4F',
      },
    },
  },
  {
    name: 'decodes the RAWv2 "minimum values" vector',
    input: V5_MIN,
    expected: {
      ok: true,
      value: {
        data_format: 5,
        temperature: -163.835,
        humidity: 0,
        pressure: 50000,
        acceleration_x: -32.767,
        acceleration_y: -32.767,
        acceleration_z: -32.767,
        battery_voltage: 1.6,
        tx_power: -40,
        movement_counter: 0,
        measurement_sequence: 0,
        mac: 'CB:B8:33:4C:88:4F',
      },
    },
  },
  {
    name: 'maps every "not available" value of the RAWv2 "invalid values" vector to null',
    input: V5_INVALID,
    expected: {
      ok: true,
      value: {
        data_format: 5,
        temperature: null,
        humidity: null,
        pressure: null,
        acceleration_x: null,
        acceleration_y: null,
        acceleration_z: null,
        battery_voltage: null,
        tx_power: null,
        movement_counter: null,
        measurement_sequence: null,
        mac: null,
      },
    },
  },
  {
    // Docs' field examples: temperature 0xFE3D is -2.255 °C, 0x01C3 is +2.255 °C.
    name: 'reads RAWv2 temperature as two’s complement in 0.005 °C (0xFE3D = -2.255)',
    input: `05FE3D${V5_VALID.slice(6)}`,
    expected: { ok: true, value: { ...v5Valid, temperature: -2.255 } },
  },
  { name: 'decodes the RAWv1 "valid data" vector', input: V3_VALID, expected: { ok: true, value: v3Valid } },
  {
    name: 'decodes the RAWv1 vector after company id 99 04',
    input: `9904${V3_VALID}`,
    expected: { ok: true, value: v3Valid },
  },
  {
    name: 'decodes the RAWv1 "maximum values" vector',
    input: V3_MAX,
    expected: {
      ok: true,
      value: {
        data_format: 3,
        humidity: 127.5,
        temperature: 127.99,
        pressure: 115535,
        acceleration_x: 32.767,
        acceleration_y: 32.767,
        acceleration_z: 32.767,
        battery_voltage: 65.535,
      },
    },
  },
  {
    name: 'decodes the RAWv1 "minimum values" vector',
    input: V3_MIN,
    expected: {
      ok: true,
      value: {
        data_format: 3,
        humidity: 0,
        temperature: -127.99,
        pressure: 50000,
        acceleration_x: -32.767,
        acceleration_y: -32.767,
        acceleration_z: -32.767,
        battery_voltage: 0,
      },
    },
  },
  {
    // Docs' field example: 0x8145 is -1.69 °C (sign bit, then integer part, then hundredths).
    name: 'reads RAWv1 temperature as sign and magnitude (0x81 0x45 = -1.69)',
    input: `03298145${V3_VALID.slice(8)}`,
    expected: { ok: true, value: { ...v3Valid, temperature: -1.69 } },
  },
  {
    name: 'rejects a RAWv1 temperature fraction above 99',
    input: `03291A64${V3_VALID.slice(8)}`,
    expected: { ok: false, reason: /byte 3 \(temperature fraction\) is 100, expected 0\.\.99/ },
  },
  {
    name: 'rejects an unknown data format byte, naming it and the supported lengths',
    input: `04${V5_VALID.slice(2)}`,
    expected: {
      ok: false,
      reason: /data format byte 0x04 is not supported.*3 \(RAWv1, 14 bytes\).*5 \(RAWv2, 24 bytes\)/,
    },
  },
  {
    name: 'rejects a truncated RAWv2 payload, naming format 5 and its 24 bytes',
    input: V5_VALID.slice(0, -2),
    expected: { ok: false, reason: /data format 5 \(RAWv2\) is 24 bytes.*got 23/ },
  },
  {
    name: 'rejects an over-long RAWv2 payload',
    input: `${V5_VALID}00`,
    expected: { ok: false, reason: /data format 5 \(RAWv2\) is 24 bytes.*got 25/ },
  },
  {
    name: 'rejects a truncated RAWv1 payload, naming format 3 and its 14 bytes',
    input: `9904${V3_VALID.slice(0, -2)}`,
    expected: { ok: false, reason: /data format 3 \(RAWv1\) is 14 bytes.*got 13/ },
  },
  {
    name: 'rejects the company id alone',
    input: '9904',
    expected: { ok: false, reason: /empty payload.*data format byte/ },
  },
  { name: 'rejects empty manufacturer data', input: '', expected: { ok: false, reason: /empty payload/ } },
];

describe('ruuvi decoder', () => {
  const decoder = createRuuviDecoder(ruuviOptionsSchema.parse({}));

  it.each(cases)('$name', ({ input, expected }) => {
    const result = decoder.decode(bytes(input));
    expect(result).toEqual(expected.ok ? expected : { ok: false, reason: expect.stringMatching(expected.reason) });
  });

  it('is of kind "ruuvi" and refuses unknown options', () => {
    expect(decoder.kind).toBe('ruuvi');
    expect(ruuviOptionsSchema.safeParse({ format: 5 }).success).toBe(false);
  });

  it('parses one named format only when the format byte matches it', () => {
    expect(parseRuuviRawV2(bytes(V5_VALID))).toEqual({ ok: true, value: v5Valid });
    expect(parseRuuviRawV1(bytes(V3_VALID))).toEqual({ ok: true, value: v3Valid });
    expect(parseRuuviRawV1(bytes(V5_VALID))).toEqual({
      ok: false,
      reason: 'byte 0 (data format) is 0x05, expected 3',
    });
  });
});
