import { describe, expect, it } from 'vitest';
import {
  createGattDecoder,
  gattOptionsSchema,
  normalizeUuid,
  resolveCharacteristic,
} from '../../../src/codecs/ble/gatt-characteristics.js';
import type { Reading } from '../../../src/codecs/decoder.js';

type Case = {
  name: string;
  characteristic: string;
  input: number[];
  expected: { ok: true; value: Reading } | { ok: false; reason: RegExp };
};

// Vectors built by hand from the Bluetooth SIG GATT Specification Supplement
// (https://www.bluetooth.com/specifications/gss/): Heart Rate Measurement, Battery Level, Temperature,
// Humidity, Pressure. All multi-byte fields are little-endian.
const le16 = (value: number) => [value & 0xff, value >>> 8];
const le32 = (value: number) => [...le16(value & 0xffff), ...le16(value >>> 16)];

// Heart Rate Measurement: every combination of flag bits 0-4, bytes and expected values written from the
// spec's field list, not from the decoder.
const CONTACT = ['not_supported', 'not_supported', 'not_detected', 'detected'];
const RR = [1024, 820]; // 1.000 s and 0.80078125 s
const heartRateCases: Case[] = [];
for (let flags = 0; flags < 32; flags++) {
  const wide = (flags & 0b00001) !== 0;
  const contact = CONTACT[(flags & 0b00110) >> 1] ?? 'bad test table';
  const energy = (flags & 0b01000) !== 0;
  const rr = (flags & 0b10000) !== 0;
  const heartRate = wide ? 300 : 72;
  const input = [
    flags,
    ...(wide ? le16(heartRate) : [heartRate]),
    ...(energy ? le16(1234) : []),
    ...(rr ? RR.flatMap(le16) : []),
  ];
  heartRateCases.push({
    name: `reads heart rate flags 0b${flags.toString(2).padStart(5, '0')}`,
    characteristic: '2a37',
    input,
    expected: {
      ok: true,
      value: {
        heart_rate: heartRate,
        sensor_contact: contact,
        energy_expended: energy ? 1234 : null,
        rr_intervals: rr ? [1024, 820] : [],
        rr_intervals_ms: rr ? [1000, 800.78125] : [],
      },
    },
  });
  // One byte short of what these flags require: flags + value (1 or 2) + energy (2) + one RR-interval (2).
  const required = 1 + (wide ? 2 : 1) + (energy ? 2 : 0) + (rr ? 2 : 0);
  heartRateCases.push({
    name: `rejects heart rate flags 0b${flags.toString(2).padStart(5, '0')} cut to ${required - 1} bytes`,
    characteristic: '2a37',
    input: input.slice(0, required - 1),
    expected: { ok: false, reason: new RegExp(`is ${required - 1} bytes: .*need at least ${required}$`) },
  });
}

const cases: Case[] = [
  ...heartRateCases,
  {
    name: 'ignores reserved heart rate flag bits 5-7',
    characteristic: 'heart-rate-measurement',
    input: [0b1110_0110, 60],
    expected: {
      ok: true,
      value: {
        heart_rate: 60,
        sensor_contact: 'detected',
        energy_expended: null,
        rr_intervals: [],
        rr_intervals_ms: [],
      },
    },
  },
  {
    name: 'reads three RR-intervals',
    characteristic: '2a37',
    input: [0x10, 60, ...le16(512), ...le16(1024), ...le16(2048)],
    expected: {
      ok: true,
      value: {
        heart_rate: 60,
        sensor_contact: 'not_supported',
        energy_expended: null,
        rr_intervals: [512, 1024, 2048],
        rr_intervals_ms: [500, 1000, 2000],
      },
    },
  },
  {
    name: 'rejects an RR-interval cut in half',
    characteristic: '2a37',
    input: [0x10, 60, ...le16(1024), 0x04],
    expected: {
      ok: false,
      reason: /RR-intervals from byte 2 are 3 bytes, expected a whole number of uint16/,
    },
  },
  {
    name: 'rejects heart rate bytes past the last field when bit 4 is 0',
    characteristic: '2a37',
    input: [0x00, 60, 0x00],
    expected: { ok: false, reason: /1 byte\(s\) after byte 1, but flags bit 4 \(RR-intervals\) is 0/ },
  },
  {
    name: 'rejects an empty heart rate measurement',
    characteristic: '2a37',
    input: [],
    expected: { ok: false, reason: /empty: expected the flags byte/ },
  },
  {
    name: 'reads battery level 87 %',
    characteristic: '2a19',
    input: [87],
    expected: { ok: true, value: { battery_level: 87 } },
  },
  {
    name: 'reads battery level 0 %',
    characteristic: 'battery-level',
    input: [0],
    expected: { ok: true, value: { battery_level: 0 } },
  },
  {
    name: 'reads battery level 100 %',
    characteristic: '0x2A19',
    input: [100],
    expected: { ok: true, value: { battery_level: 100 } },
  },
  {
    name: 'rejects battery level 101',
    characteristic: '2a19',
    input: [101],
    expected: { ok: false, reason: /battery level is 101, expected 0\.\.100/ },
  },
  {
    name: 'rejects an empty battery level',
    characteristic: '2a19',
    input: [],
    expected: { ok: false, reason: /battery level \(uint8\) is 1 byte\(s\), got 0/ },
  },
  {
    name: 'rejects a two-byte battery level',
    characteristic: '2a19',
    input: [50, 0],
    expected: { ok: false, reason: /is 1 byte\(s\), got 2/ },
  },
  {
    name: 'reads temperature 22.50 °C',
    characteristic: '2a6e',
    input: le16(2250),
    expected: { ok: true, value: { temperature: 22.5 } },
  },
  {
    name: 'reads temperature -10.05 °C',
    characteristic: 'temperature',
    input: le16(0x10000 - 1005),
    expected: { ok: true, value: { temperature: -10.05 } },
  },
  {
    name: 'reads temperature 0x8000 as unknown (null)',
    characteristic: '2a6e',
    input: [0x00, 0x80],
    expected: { ok: true, value: { temperature: null } },
  },
  {
    name: 'rejects a one-byte temperature',
    characteristic: '2a6e',
    input: [0x10],
    expected: { ok: false, reason: /temperature \(sint16\) is 2 byte\(s\), got 1/ },
  },
  {
    name: 'reads humidity 45.37 %',
    characteristic: '2a6f',
    input: le16(4537),
    expected: { ok: true, value: { humidity: 45.37 } },
  },
  {
    name: 'reads humidity 0xFFFF as unknown (null)',
    characteristic: 'humidity',
    input: [0xff, 0xff],
    expected: { ok: true, value: { humidity: null } },
  },
  {
    name: 'rejects a one-byte humidity',
    characteristic: '2a6f',
    input: [0x10],
    expected: { ok: false, reason: /humidity \(uint16\) is 2 byte\(s\), got 1/ },
  },
  {
    name: 'reads pressure 101325.3 Pa',
    characteristic: '2a6d',
    input: le32(1013253), // 0.1 Pa units
    expected: { ok: true, value: { pressure: 101325.3 } },
  },
  {
    name: 'reads pressure 0xFFFFFFFF as 429496729.5 Pa',
    characteristic: '00002a6d-0000-1000-8000-00805f9b34fb',
    input: [0xff, 0xff, 0xff, 0xff],
    expected: { ok: true, value: { pressure: 429496729.5 } },
  },
  {
    name: 'rejects a three-byte pressure',
    characteristic: 'pressure',
    input: [1, 2, 3],
    expected: { ok: false, reason: /pressure \(uint32\) is 4 byte\(s\), got 3/ },
  },
];

describe('gatt decoder', () => {
  it.each(cases)('$name', ({ characteristic, input, expected }) => {
    const decoder = createGattDecoder(gattOptionsSchema.parse({ characteristic }));
    const result = decoder.decode(Uint8Array.from(input));
    expect(result).toEqual(expected.ok ? expected : { ok: false, reason: expect.stringMatching(expected.reason) });
  });

  it('covers all 32 heart rate flag combinations, each valid and truncated', () => {
    expect(new Set(heartRateCases.map((c) => c.input[0])).size).toBe(32);
    expect(heartRateCases).toHaveLength(64);
  });

  it('is of kind "gatt" and refuses characteristics it cannot decode', () => {
    expect(createGattDecoder({ characteristic: '2a19' }).kind).toBe('gatt');
    expect(gattOptionsSchema.safeParse({ characteristic: '2a1c' }).success).toBe(false);
    expect(gattOptionsSchema.safeParse({ characteristic: '2a19', extra: 1 }).success).toBe(false);
    expect(() => createGattDecoder({ characteristic: 'nope' })).toThrow(/not validated/);
  });
});

describe('normalizeUuid', () => {
  it.each([
    { name: 'keeps a short UUID', input: '2a37', expected: { ok: true, value: '2a37' } },
    { name: 'drops 0x and lowercases', input: '0x2A37', expected: { ok: true, value: '2a37' } },
    {
      name: 'shortens a UUID on the Bluetooth base',
      input: '00002a37-0000-1000-8000-00805f9b34fb',
      expected: { ok: true, value: '2a37' },
    },
    {
      name: 'shortens an upper-case base UUID',
      input: '00002A37-0000-1000-8000-00805F9B34FB',
      expected: { ok: true, value: '2a37' },
    },
    {
      name: 'keeps a 32-bit UUID on the base as 8 digits',
      input: '12345678-0000-1000-8000-00805f9b34fb',
      expected: { ok: true, value: '12345678' },
    },
    {
      name: 'shortens a 32-bit form with zero upper half',
      input: '00002a37',
      expected: { ok: true, value: '2a37' },
    },
    {
      name: 'keeps a vendor 128-bit UUID whole, lowercased',
      input: '6E400001-B5A3-F393-E0A9-E50E24DCCA9E',
      expected: { ok: true, value: '6e400001-b5a3-f393-e0a9-e50e24dcca9e' },
    },
    {
      name: 'rejects 3 hex digits',
      input: '2a3',
      expected: { ok: false, reason: /"2a3" is not a Bluetooth UUID/ },
    },
    {
      name: 'rejects non-hex text',
      input: 'heart',
      expected: { ok: false, reason: /is not a Bluetooth UUID/ },
    },
  ])('$name', ({ input, expected }) => {
    const result = normalizeUuid(input);
    expect(result).toEqual(expected.ok ? expected : { ok: false, reason: expect.stringMatching(expected.reason as RegExp) });
  });

  it('resolves names and every UUID form to the same characteristic', () => {
    for (const form of [
      '2a37',
      '0x2A37',
      '00002a37-0000-1000-8000-00805f9b34fb',
      'heart-rate-measurement',
      'Heart-Rate-Measurement',
    ]) {
      expect(resolveCharacteristic(form)).toBe('2a37');
    }
    expect(resolveCharacteristic('2a1c')).toBeUndefined();
  });
});
