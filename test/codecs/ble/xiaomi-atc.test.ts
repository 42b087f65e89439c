import { describe, expect, it } from 'vitest';
import { atcOptionsSchema, createAtcDecoder } from '../../../src/codecs/ble/xiaomi-atc.js';
import type { Reading } from '../../../src/codecs/decoder.js';

type Case = {
  name: string;
  input: string;
  options?: unknown;
  expected: { ok: true; value: Reading } | { ok: false; reason: RegExp };
};

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));

// Layouts: https://github.com/atc1441/ATC_MiThermometer#advertising-format-of-the-custom-firmware and
// https://github.com/pvvx/ATC_MiThermometer#custom-format-all-data-little-endian.
// Vectors and the values they must give: github.com/theengs/decoder tests/BLE/test_ble.cpp (service data
// 0x181a for "LYWSD03MMC_ATC", "LYWSD03MMC_PVVX", "MJWSD05MMC_PVVX", "Qingping TH Lite sensor ...",
// expected tempc/hum/batt/volt/mac); counter and flags read from the same bytes by the layouts above.
const pvvxFlags = (flags: number) => ({
  flags,
  reed_switch: (flags & 1) !== 0,
  gpio_trg_output: (flags & 2) !== 0,
  gpio_trg_controlled: (flags & 4) !== 0,
  temperature_trigger: (flags & 8) !== 0,
  humidity_trigger: (flags & 16) !== 0,
});

const cases: Case[] = [
  {
    name: 'reads an atc1441 frame from a LYWSD03MMC (MAC in printed order, big-endian values)',
    input: 'a4c138d5d49801453e510b7b62',
    expected: {
      ok: true,
      value: {
        format: 'atc1441',
        mac: 'A4:C1:38:D5:D4:98',
        temperature: 32.5,
        humidity: 62,
        battery: 81,
        battery_voltage: 2.939,
        counter: 0x62,
      },
    },
  },
  {
    name: 'reads a negative atc1441 temperature (0xFFD3 = -4.5 °C)',
    input: 'a4c138d5d498ffd33e510b7b62',
    expected: {
      ok: true,
      value: {
        format: 'atc1441',
        mac: 'A4:C1:38:D5:D4:98',
        temperature: -4.5,
        humidity: 62,
        battery: 81,
        battery_voltage: 2.939,
        counter: 0x62,
      },
    },
  },
  {
    name: 'reads an atc1441 frame from a Qingping CGDK2',
    input: '2d34121ee5ff00e62b640b71c0',
    expected: {
      ok: true,
      value: {
        format: 'atc1441',
        mac: '2D:34:12:1E:E5:FF',
        temperature: 23,
        humidity: 43,
        battery: 100,
        battery_voltage: 2.929,
        counter: 0xc0,
      },
    },
  },
  {
    name: 'reads a pvvx frame from a LYWSD03MMC (MAC reversed, little-endian 0.01 units)',
    input: '5601cf38c1a44008bd13470c64cc0f',
    expected: {
      ok: true,
      value: {
        format: 'pvvx',
        mac: 'A4:C1:38:CF:01:56',
        temperature: 21.12,
        humidity: 50.53,
        battery_voltage: 3.143,
        battery: 100,
        counter: 0xcc,
        ...pvvxFlags(0x0f),
      },
    },
  },
  {
    name: 'reads a second pvvx frame',
    input: '628f5238c1a48307e4128f0b64b40f',
    expected: {
      ok: true,
      value: {
        format: 'pvvx',
        mac: 'A4:C1:38:52:8F:62',
        temperature: 19.23,
        humidity: 48.36,
        battery_voltage: 2.959,
        battery: 100,
        counter: 0xb4,
        ...pvvxFlags(0x0f),
      },
    },
  },
  {
    name: 'reads a negative pvvx temperature (0xFD62 = -6.70 °C)',
    input: '5601cf38c1a462fdbd13470c64cc0f',
    expected: {
      ok: true,
      value: {
        format: 'pvvx',
        mac: 'A4:C1:38:CF:01:56',
        temperature: -6.7,
        humidity: 50.53,
        battery_voltage: 3.143,
        battery: 100,
        counter: 0xcc,
        ...pvvxFlags(0x0f),
      },
    },
  },
  {
    name: 'reads pvvx flags bit by bit (0x05: reed switch and controlled output)',
    input: 'ffe51e12342df8080611920b649905',
    expected: {
      ok: true,
      value: {
        format: 'pvvx',
        mac: '2D:34:12:1E:E5:FF',
        temperature: 22.96,
        humidity: 43.58,
        battery_voltage: 2.962,
        battery: 100,
        counter: 0x99,
        ...pvvxFlags(0x05),
      },
    },
  },
  {
    name: 'reads a pvvx frame from an MJWSD05MMC',
    input: '2fdedf38c1a47c090d11350c644b05',
    expected: {
      ok: true,
      value: {
        format: 'pvvx',
        mac: 'A4:C1:38:DF:DE:2F',
        temperature: 24.28,
        humidity: 43.65,
        battery_voltage: 3.125,
        battery: 100,
        counter: 0x4b,
        ...pvvxFlags(0x05),
      },
    },
  },
  {
    name: 'rejects a 12-byte (truncated atc1441) frame, naming both known lengths',
    input: 'a4c138d5d49801453e510b7b',
    expected: { ok: false, reason: /12 bytes: expected 13 \(atc1441\) or 15 \(pvvx custom\)/ },
  },
  {
    name: 'rejects a 14-byte (truncated pvvx) frame',
    input: '5601cf38c1a44008bd13470c64cc',
    expected: { ok: false, reason: /14 bytes: expected 13 \(atc1441\) or 15 \(pvvx custom\)/ },
  },
  {
    name: 'rejects the 16-byte pvvx frame that also carries its UUID',
    input: '1a185601cf38c1a44008bd13470c64cc',
    expected: { ok: false, reason: /16 bytes: expected 13 .* or 15/ },
  },
  { name: 'rejects empty service data', input: '', expected: { ok: false, reason: /0 bytes/ } },
  {
    name: 'rejects a pvvx frame when pinned to atc1441',
    input: '5601cf38c1a44008bd13470c64cc0f',
    options: { format: 'atc1441' },
    expected: { ok: false, reason: /atc1441 service data is 13 bytes, got 15/ },
  },
  {
    name: 'reads a pvvx frame when pinned to pvvx',
    input: '5601cf38c1a44008bd13470c64cc0f',
    options: { format: 'pvvx' },
    expected: {
      ok: true,
      value: {
        format: 'pvvx',
        mac: 'A4:C1:38:CF:01:56',
        temperature: 21.12,
        humidity: 50.53,
        battery_voltage: 3.143,
        battery: 100,
        counter: 0xcc,
        ...pvvxFlags(0x0f),
      },
    },
  },
];

describe('atc decoder', () => {
  it.each(cases)('$name', ({ input, options, expected }) => {
    const decoder = createAtcDecoder(atcOptionsSchema.parse(options ?? {}));
    const result = decoder.decode(bytes(input));
    expect(result).toEqual(expected.ok ? expected : { ok: false, reason: expect.stringMatching(expected.reason) });
  });

  it('is of kind "atc" and refuses unknown formats and options', () => {
    expect(createAtcDecoder().kind).toBe('atc');
    expect(atcOptionsSchema.safeParse({ format: 'mibeacon' }).success).toBe(false);
    expect(atcOptionsSchema.safeParse({ uuid: '181a' }).success).toBe(false);
  });
});
