import { describe, expect, it } from 'vitest';
import { bthomeOptionsSchema, createBthomeDecoder, parseBthome } from '../../../src/codecs/ble/bthome.js';
import type { DecodeContext, JsonValue, Reading } from '../../../src/codecs/decoder.js';
import { encryptBthome } from './bthome-encrypt.js';

type Case = {
  name: string;
  input: string;
  options?: unknown;
  context?: DecodeContext;
  expected: { ok: true; value: Reading } | { ok: false; reason: RegExp };
};

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
const plain = (value: Reading) => ({
  ok: true as const,
  value: { encrypted: false, trigger_based: false, ...value },
});

// bthome.io/encryption worked example: key, MAC, and the service data it ends with (d2fc + the input below).
const SPEC_KEY = '231d39c1d7cc1ab1aee224cd096db932';
const SPEC_MAC = '54:48:E6:8F:80:A5';

// One object each: the "Example" and "Result" columns of https://bthome.io/format/ (data types tables),
// prefixed with device info 0x40 (unencrypted, regular updates, v2).
const SPEC_EXAMPLES: [example: string, field: string, value: JsonValue][] = [
  ['0009', 'packet_id', 9],
  ['0161', 'battery', 97],
  ['02CA09', 'temperature', 25.06],
  ['03BF13', 'humidity', 50.55],
  ['04138A01', 'pressure', 1008.83],
  ['05138A14', 'illuminance', 13460.67],
  ['065E1F', 'mass_kg', 80.3],
  ['073E1D', 'mass_lb', 74.86],
  ['08CA06', 'dewpoint', 17.38],
  ['0960', 'count', 96],
  ['0A138A14', 'energy', 1346.067],
  ['0B021B00', 'power', 69.14],
  ['0C020C', 'voltage', 3.074],
  ['0D120C', 'pm25', 3090],
  ['0E021C', 'pm10', 7170],
  ['0F01', 'generic_boolean', true],
  ['1001', 'power_on', true],
  ['1100', 'opening', false],
  ['12E204', 'co2', 1250],
  ['133301', 'tvoc', 307],
  ['14020C', 'moisture', 30.74],
  ['1501', 'battery_low', true],
  ['1601', 'battery_charging', true],
  ['1C01', 'gas_detected', true],
  ['1F01', 'lock', true],
  ['2001', 'moisture_detected', true],
  ['2100', 'motion', false],
  ['2D01', 'window', true],
  ['2E23', 'humidity', 35],
  ['2F23', 'moisture', 35],
  ['3A01', 'button', 'press'],
  ['3A02', 'button', 'double_press'],
  ['3A03', 'button', 'triple_press'],
  ['3A04', 'button', 'long_press'],
  ['3A05', 'button', 'long_double_press'],
  ['3A06', 'button', 'long_triple_press'],
  ['3A80', 'button', 'hold_press'],
  ['3A00', 'button', null],
  ['3C0103', 'dimmer', { event: 'rotate_left', steps: 3 }],
  ['3C020A', 'dimmer', { event: 'rotate_right', steps: 10 }],
  ['3C0000', 'dimmer', null],
  ['3D0960', 'count', 24585],
  ['3E2A2C0960', 'count', 1611213866],
  ['3F020C', 'rotation', 307.4],
  ['400C00', 'distance_mm', 12],
  ['414E00', 'distance_m', 7.8],
  ['424E3400', 'duration', 13.39],
  ['434E34', 'current', 13.39],
  ['444E34', 'speed', 133.9],
  ['451101', 'temperature', 27.3],
  ['4632', 'uv_index', 5],
  ['478756', 'volume', 2215.1],
  ['48DC87', 'volume_ml', 34780],
  ['49DC87', 'volume_flow_rate', 34.78],
  ['4A020C', 'voltage', 307.4],
  ['4B138A14', 'gas', 1346.067],
  ['4C41018A01', 'gas', 25821.505],
  ['4D12138A14', 'energy', 344593.17],
  ['4E87562A01', 'volume', 19551.879],
  ['4F87562A01', 'water', 19551.879],
  ['505D396164', 'timestamp', '2023-05-14T19:41:17.000Z'],
  ['518756', 'acceleration', 22.151],
  ['528756', 'gyroscope', 22.151],
  ['530C48656C6C6F20576F726C6421', 'text', 'Hello World!'],
  ['540C48656C6C6F20576F726C6421', 'raw', '48656c6c6f20576f726c6421'],
  ['5587562A01', 'volume_storage', 19551.879],
  ['56E803', 'conductivity', 1000],
  ['57EA', 'temperature', -22],
  ['58EA', 'temperature', -7.7],
  ['59EA', 'count', -22],
  ['5AEAEA', 'count', -5398],
  ['5BEA0234EA', 'count', -365690134],
  ['5C02FBFFFF', 'power', -12.78],
  ['5D02EA', 'current', -5.63],
  ['5E9F8C', 'direction', 359.99],
  // Factor 0.1 since bthome.io pull 58 (May 2025); the format page's example predates it.
  ['5FA00F', 'precipitation', 400],
  ['F00100', 'device_type_id', 1],
  ['F100010204', 'firmware_version', '4.2.1.0'],
  ['F2000106', 'firmware_version', '6.1.0'],
];

const cases: Case[] = [
  ...SPEC_EXAMPLES.map(
    ([example, field, value]): Case => ({
      name: `reads object 0x${example.slice(0, 2)} (${field}) from bthome.io's example ${example}`,
      input: `40${example}`,
      expected: plain({ [field]: value }),
    }),
  ),
  {
    name: "reads bthome.io's format walkthrough 40 02C409 03BF13 as 25.00 °C and 50.55 %",
    input: '4002C40903BF13',
    expected: plain({ temperature: 25, humidity: 50.55 }),
  },
  {
    // github.com/Bluetooth-Devices/bthome-ble tests/test_parser_v2.py test_bthome_double_temperature
    name: 'numbers a repeated property in order of appearance (temperature, temperature_2)',
    input: '4002ca0902cf09',
    expected: plain({ temperature: 25.06, temperature_2: 25.11 }),
  },
  {
    // bthome.io/format "Multiple events of the same type": 3A00 3A01 = nothing on button 1, press on button 2.
    name: 'numbers repeated events, reporting event 0x00 as null',
    input: '403A003A01',
    expected: plain({ button: null, button_2: 'press' }),
  },
  {
    // github.com/theengs/decoder tests/BLE/test_ble.cpp, "SBBT-002C press" (Shelly BLU Button1)
    name: 'reads a Shelly BLU Button1 press: packet id, battery and button event',
    input: '40001d01643a01',
    expected: plain({ packet_id: 29, battery: 100, button: 'press' }),
  },
  {
    // bthome-ble tests/test_parser_v2.py test_shelly_blu_ht_display_zb
    name: 'reads a Shelly BLU H&T Display ZB packet with a 0.1 °C temperature',
    input: '40002e01641e012e34451601',
    expected: plain({ packet_id: 46, battery: 100, light: true, humidity: 52, temperature: 27.8 }),
  },
  {
    // bthome-ble tests/test_parser_v2.py test_sleepy_device: device info 0x44 sets bit 2.
    name: 'reports device info bit 2 as trigger_based',
    input: '4404138a01',
    expected: { ok: true, value: { encrypted: false, trigger_based: true, pressure: 1008.83 } },
  },
  {
    // bthome-ble tests/test_parser_v2.py test_bthome_with_mac: device info bit 1, then the MAC reversed.
    name: 'reads the MAC the device put in the payload (device info bit 1), reversed',
    input: '42b2188d38c1a404138a01',
    expected: plain({ mac: 'A4:C1:38:8D:18:B2', pressure: 1008.83 }),
  },
  {
    name: "decrypts bthome.io/encryption's worked example with the key from the options",
    input: '41e445f3c9962b332211006c7c4519',
    options: { key: SPEC_KEY },
    context: { address: SPEC_MAC },
    expected: {
      ok: true,
      value: { encrypted: true, trigger_based: false, counter: 1122867, temperature: 25.06, humidity: 50.55 },
    },
  },
  {
    // bthome-ble tests/test_parser_v2.py test_bindkey_correct (counter bytes 00 11 22 33)
    name: "decrypts bthome-ble's Shelly BLU H&T vector with the key from the context",
    input: '41a47266c95f730011223378237214',
    context: { address: '54:48:e6:8f:80:a5', key: SPEC_KEY },
    expected: {
      ok: true,
      value: {
        encrypted: true,
        trigger_based: false,
        counter: 0x33221100,
        temperature: 25.06,
        humidity: 50.55,
      },
    },
  },
  {
    name: 'finds the key by MAC address in options.keys',
    input: '41e445f3c9962b332211006c7c4519',
    options: { keys: { '54-48-E6-8F-80-A5': SPEC_KEY } },
    context: { address: SPEC_MAC },
    expected: {
      ok: true,
      value: { encrypted: true, trigger_based: false, counter: 1122867, temperature: 25.06, humidity: 50.55 },
    },
  },
  {
    name: 'decrypts a trigger-based packet carrying its MAC, without context.address',
    input: encryptBthome(SPEC_KEY, 'A4:C1:38:8D:18:B2', 0x47, 7, '0064 3A01 0F01', true),
    options: { key: SPEC_KEY },
    expected: {
      ok: true,
      value: {
        encrypted: true,
        trigger_based: true,
        mac: 'A4:C1:38:8D:18:B2',
        counter: 7,
        packet_id: 100,
        button: 'press',
        generic_boolean: true,
      },
    },
  },
  {
    // bthome-ble tests/test_parser_v2.py test_bindkey_wrong
    name: 'rejects an encrypted packet whose MIC does not verify with the given key',
    input: '41d2fcefe52eb212d600112233bc38c966',
    options: { key: '814aac74c4f17b6c1581e1ab87816b99' },
    context: { address: 'A4:C1:38:8D:18:B2' },
    expected: { ok: false, reason: /MIC bc38c966 does not verify/ },
  },
  {
    name: 'rejects the worked example from another MAC address (the nonce differs)',
    input: '41e445f3c9962b332211006c7c4519',
    options: { key: SPEC_KEY },
    context: { address: '54:48:E6:8F:80:A6' },
    expected: { ok: false, reason: /MIC 6c7c4519 does not verify/ },
  },
  {
    name: 'rejects the worked example with one ciphertext byte altered',
    input: '41e445f3c9962c332211006c7c4519',
    options: { key: SPEC_KEY },
    context: { address: SPEC_MAC },
    expected: { ok: false, reason: /does not verify/ },
  },
  {
    name: 'rejects an encrypted packet when no key is configured',
    input: '41e445f3c9962b332211006c7c4519',
    context: { address: SPEC_MAC },
    expected: { ok: false, reason: /encrypted, but no key/ },
  },
  {
    name: 'rejects an encrypted packet without the MAC address the nonce needs',
    input: '41e445f3c9962b332211006c7c4519',
    options: { key: SPEC_KEY },
    expected: { ok: false, reason: /nonce needs the MAC address \(context\.address\)/ },
  },
  {
    name: 'rejects an encrypted packet shorter than counter + MIC',
    input: '4100112233d8e5',
    options: { key: SPEC_KEY },
    context: { address: SPEC_MAC },
    expected: { ok: false, reason: /too short.*got 6 bytes/ },
  },
  {
    name: 'stops at an unknown object id inside a decrypted payload, keeping what came before and naming its byte there',
    input: encryptBthome(SPEC_KEY, SPEC_MAC, 0x41, 1, '02CA09 EE01'),
    options: { key: SPEC_KEY },
    context: { address: SPEC_MAC },
    expected: {
      ok: true,
      value: {
        encrypted: true,
        trigger_based: false,
        counter: 1,
        temperature: 25.06,
        unparsed: 'unknown object id 0xEE at byte 3 of the decrypted payload: the rest cannot be parsed',
      },
    },
  },
  {
    name: 'refuses an unencrypted packet from a device that has a key (downgrade)',
    input: '4002C40903BF13',
    options: { key: SPEC_KEY },
    context: { address: SPEC_MAC },
    expected: { ok: false, reason: /unencrypted.*downgrade/ },
  },
  {
    name: 'rejects a malformed context.address',
    input: '4002C409',
    context: { address: 'not-a-mac' },
    expected: { ok: false, reason: /context\.address: "not-a-mac" is not a MAC address/ },
  },
  {
    name: 'rejects a malformed context.key',
    input: '41e445f3c9962b332211006c7c4519',
    context: { address: SPEC_MAC, key: '1234' },
    expected: { ok: false, reason: /context\.key must be .*32 hex digits/ },
  },
  {
    // bthome-ble tests/test_parser_v2.py test_has_incorrect_version
    name: 'rejects device info announcing BTHome version 7',
    input: 'e102000c0404138a01',
    expected: { ok: false, reason: /byte 0 \(device information 0xE1\) says BTHome version 7, expected 2/ },
  },
  {
    name: 'rejects BTHome version 1 device info',
    input: '2002c409',
    expected: { ok: false, reason: /version 1, expected 2/ },
  },
  { name: 'rejects empty service data', input: '', expected: { ok: false, reason: /empty service data/ } },
  {
    // bthome.io/format: a receiver stops parsing at an object id it does not support.
    name: 'stops at an unknown object id, keeping the objects before it and naming the id and its byte',
    input: '4002ca09ee0103bf13',
    expected: plain({ temperature: 25.06, unparsed: 'unknown object id 0xEE at byte 4: the rest cannot be parsed' }),
  },
  {
    name: 'rejects a packet whose first object id is unknown: nothing to keep',
    input: '40ee0103bf13',
    expected: { ok: false, reason: /unknown object id 0xEE at byte 1: the rest cannot be parsed/ },
  },
  {
    name: 'rejects a truncated sint16 temperature',
    input: '4002ca',
    expected: { ok: false, reason: /temperature \(0x02\) at byte 1: needs 2 byte\(s\), 1 left/ },
  },
  {
    name: 'rejects a truncated uint24 pressure after a complete object',
    input: '400161 04138a',
    expected: { ok: false, reason: /pressure \(0x04\) at byte 3: needs 3 byte\(s\), 2 left/ },
  },
  {
    name: 'rejects a binary value other than 0 or 1',
    input: '401502',
    expected: { ok: false, reason: /battery_low \(0x15\).*value 2, expected 0 or 1/ },
  },
  {
    name: 'rejects an undefined button event',
    input: '403a07',
    expected: { ok: false, reason: /button \(0x3A\).*event id 0x07 is not defined/ },
  },
  {
    name: 'rejects a dimmer event without its steps byte',
    input: '403c01',
    expected: { ok: false, reason: /dimmer \(0x3C\).*needs 2 byte\(s\), 1 left/ },
  },
  {
    name: 'rejects text shorter than its length byte',
    input: '40530c4865',
    expected: { ok: false, reason: /text \(0x53\).*length byte says 12 bytes, 2 left/ },
  },
  {
    name: 'rejects text that is not UTF-8',
    input: '405302c328',
    expected: { ok: false, reason: /not valid UTF-8/ },
  },
  {
    name: 'rejects a payload MAC cut short',
    input: '42b2188d',
    expected: { ok: false, reason: /expected 6 bytes at byte 1, got 3/ },
  },
];

describe('bthome decoder', () => {
  it.each(cases)('$name', ({ input, options, context, expected }) => {
    const decoder = createBthomeDecoder(bthomeOptionsSchema.parse(options ?? {}));
    const result = decoder.decode(bytes(input), context);
    expect(result).toEqual(expected.ok ? expected : { ok: false, reason: expect.stringMatching(expected.reason) });
  });

  it('is of kind "bthome"', () => {
    expect(createBthomeDecoder().kind).toBe('bthome');
  });

  it('refuses a key that is not 16 bytes of hex, a malformed MAC, and unknown options', () => {
    expect(bthomeOptionsSchema.safeParse({ key: SPEC_KEY.slice(2) }).success).toBe(false);
    expect(bthomeOptionsSchema.safeParse({ keys: { nope: SPEC_KEY } }).success).toBe(false);
    expect(bthomeOptionsSchema.safeParse({ bindkey: SPEC_KEY }).success).toBe(false);
    expect(bthomeOptionsSchema.safeParse({ key: SPEC_KEY, keys: { [SPEC_MAC]: SPEC_KEY } }).success).toBe(true);
  });

  it("matches bthome.io's worked example byte for byte when encrypting the same input", () => {
    // Guards the test helper itself: the spec's service data is d2fc + this.
    expect(encryptBthome(SPEC_KEY, SPEC_MAC, 0x41, 1122867, '02CA09 03BF13')).toBe('41e445f3c9962b332211006c7c4519');
  });
});

describe('service data with its UUID in front', () => {
  it('decodes bthome.io’s encryption example as printed there (d2 fc first)', () => {
    // https://bthome.io/encryption/ — key 231d39c1d7cc1ab1aee224cd096db932, MAC 54:48:E6:8F:80:A5.
    const withUuid = Uint8Array.from(Buffer.from('d2fc41e445f3c9962b332211006c7c4519', 'hex'));
    const key = Uint8Array.from(Buffer.from('231d39c1d7cc1ab1aee224cd096db932', 'hex'));
    const mac = Uint8Array.from(Buffer.from('5448E68F80A5', 'hex'));
    expect(parseBthome(withUuid, { key, mac })).toEqual(parseBthome(withUuid.subarray(2), { key, mac }));
    expect(parseBthome(withUuid, { key, mac })).toMatchObject({ ok: true, value: { temperature: 25.06, humidity: 50.55 } });
  });
});
