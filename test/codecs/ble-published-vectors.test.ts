import { describe, expect, it } from 'vitest';
import { createBthomeDecoder, parseBthome, parseBthomeDeviceInfo } from '../../src/codecs/ble/bthome.js';
import { decryptBthome } from '../../src/codecs/ble/bthome-encryption.js';
import { BTHOME_OBJECTS } from '../../src/codecs/ble/bthome-objects.js';
import { createGattDecoder } from '../../src/codecs/ble/gatt-characteristics.js';
import { createRuuviDecoder } from '../../src/codecs/ble/ruuvi.js';
import { createAtcDecoder } from '../../src/codecs/ble/xiaomi-atc.js';
import type { DecodeContext, Reading } from '../../src/codecs/decoder.js';

/**
 * Vectors taken from the formats' own published documents and their authors' reference code, never from
 * this decoder's output. Where a document gives only bytes (no decoded values), the expected values are
 * worked out by hand from the same document's field layout, as the comment above each group says.
 */

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
const toHex = (data: Uint8Array) => Buffer.from(data).toString('hex');
const failure = (reason: RegExp) => ({ ok: false, reason: expect.stringMatching(reason) });
const plain = (value: Reading) => ({ ok: true, value: { encrypted: false, trigger_based: false, ...value } });

describe('BTHome v2 format page', () => {
  const decode = (hex: string, context?: DecodeContext) => createBthomeDecoder().decode(bytes(hex), context);

  // https://bthome.io/format/ (source: github.com/home-assistant/bthome.io src/format.html), "Advertising payload":
  // 020106 0B094449592D73656E736F72 0A16D2FC4002C40903BF13; the third AD element's data is the service data
  // D2FC 40 02C409 03BF13 = temperature 0xC409 (LE 2500) x 0.01 = 25.00 °C, humidity 0xBF13 (LE 5055) x 0.01 = 50.55 %.
  it('reads the walkthrough service data as printed, UUID D2FC first', () => {
    expect(decode('D2FC4002C40903BF13')).toEqual(plain({ temperature: 25, humidity: 50.55 }));
  });

  // https://bthome.io/format/ "BTHome Device Information": bit 0 encryption, bit 2 trigger based, bits 5-7 the
  // version (010 = 2); 0x40 = no encryption, regular updates, v2. https://bthome.io/encryption/: 0x41 = encrypted v2.
  it.each([
    { name: '0x40', byte: 0x40, encrypted: false, triggerBased: false },
    { name: '0x41', byte: 0x41, encrypted: true, triggerBased: false },
    { name: '0x44', byte: 0x44, encrypted: false, triggerBased: true },
    { name: '0x45', byte: 0x45, encrypted: true, triggerBased: true },
  ])('reads device info $name: encryption bit 0, trigger-based bit 2, version 2', ({ byte, encrypted, triggerBased }) => {
    expect(parseBthomeDeviceInfo(byte)).toMatchObject({ ok: true, value: { encrypted, triggerBased, version: 2 } });
  });

  // Same section: "Currently only BTHome version 1 or 2 are allowed"; v1 is the legacy 0x181C format
  // (https://bthome.io/v1/), not readable as v2. bthome-ble tests/test_parser_v2.py test_incorrect_bthome_version: 00.
  it.each([
    ['00', 0],
    ['2002c409', 1],
    ['e102000c0404138a01', 7],
  ])('refuses %s, naming version %i and the byte', (hex, version) => {
    expect(decode(hex)).toEqual(
      failure(new RegExp(`byte 0 \\(device information .*\\) says BTHome version ${version}, expected 2`)),
    );
  });

  // https://bthome.io/format/ "Supported data types": data type and factor columns, one row per numeric object id
  // (stored page version with 0x5E/0x5F). 0x5F (precipitation) is left out: see the todo at the end of this file.
  const PUBLISHED_NUMERIC: [id: number, type: string, factor: number][] = [
    [0x00, 'u8', 1],
    [0x01, 'u8', 1],
    [0x02, 's16', 0.01],
    [0x03, 'u16', 0.01],
    [0x04, 'u24', 0.01],
    [0x05, 'u24', 0.01],
    [0x06, 'u16', 0.01],
    [0x07, 'u16', 0.01],
    [0x08, 's16', 0.01],
    [0x09, 'u8', 1],
    [0x0a, 'u24', 0.001],
    [0x0b, 'u24', 0.01],
    [0x0c, 'u16', 0.001],
    [0x0d, 'u16', 1],
    [0x0e, 'u16', 1],
    [0x12, 'u16', 1],
    [0x13, 'u16', 1],
    [0x14, 'u16', 0.01],
    [0x2e, 'u8', 1],
    [0x2f, 'u8', 1],
    [0x3d, 'u16', 1],
    [0x3e, 'u32', 1],
    [0x3f, 's16', 0.1],
    [0x40, 'u16', 1],
    [0x41, 'u16', 0.1],
    [0x42, 'u24', 0.001],
    [0x43, 'u16', 0.001],
    [0x44, 'u16', 0.01],
    [0x45, 's16', 0.1],
    [0x46, 'u8', 0.1],
    [0x47, 'u16', 0.1],
    [0x48, 'u16', 1],
    [0x49, 'u16', 0.001],
    [0x4a, 'u16', 0.1],
    [0x4b, 'u24', 0.001],
    [0x4c, 'u32', 0.001],
    [0x4d, 'u32', 0.001],
    [0x4e, 'u32', 0.001],
    [0x4f, 'u32', 0.001],
    [0x51, 'u16', 0.001],
    [0x52, 'u16', 0.001],
    [0x55, 'u32', 0.001],
    [0x56, 'u16', 1],
    [0x57, 's8', 1],
    [0x58, 's8', 0.35],
    [0x59, 's8', 1],
    [0x5a, 's16', 1],
    [0x5b, 's32', 1],
    [0x5c, 's32', 0.01],
    [0x5d, 's16', 0.001],
    [0x5e, 'u16', 0.01],
    [0xf0, 'u16', 1],
  ];
  const numericRows = PUBLISHED_NUMERIC.map(([id, type, factor]) => ({
    name: `0x${id.toString(16).padStart(2, '0')}`,
    id,
    type,
    factor,
  }));
  it.each(numericRows)('lays out numeric object $name as $type x $factor, as the table says', ({ id, type, factor }) => {
    expect(BTHOME_OBJECTS.get(id)).toMatchObject({ kind: 'number', type, factor });
  });

  // Same page, "Binary Sensor data" (uint8, 1 byte each) and "Events" (0x3A button 1 byte, 0x3C dimmer 2 bytes),
  // "Device information" (0xF1 4 bytes, 0xF2 3 bytes), 0x50 timestamp 4 bytes, 0x53/0x54 length byte + content.
  it('gives binary sensors, events, timestamp, firmware and text/raw their published sizes', () => {
    for (let id = 0x0f; id <= 0x2d; id++) {
      if ([0x12, 0x13, 0x14].includes(id)) continue;
      expect(BTHOME_OBJECTS.get(id), `0x${id.toString(16)}`).toMatchObject({ kind: 'binary', size: 1 });
    }
    expect(BTHOME_OBJECTS.get(0x3a)).toMatchObject({ kind: 'button', size: 1 });
    expect(BTHOME_OBJECTS.get(0x3c)).toMatchObject({ kind: 'dimmer', size: 2 });
    expect(BTHOME_OBJECTS.get(0x50)).toMatchObject({ kind: 'timestamp', size: 4 });
    expect(BTHOME_OBJECTS.get(0xf1)).toMatchObject({ kind: 'firmware', size: 4 });
    expect(BTHOME_OBJECTS.get(0xf2)).toMatchObject({ kind: 'firmware', size: 3 });
    expect(BTHOME_OBJECTS.get(0x53)).toMatchObject({ kind: 'text', size: 1 });
    expect(BTHOME_OBJECTS.get(0x54)).toMatchObject({ kind: 'raw', size: 1 });
  });

  // https://bthome.io/format/ "Timestamp": 0x5D396164 (LE) = 1684093277 s = 2023-05-14 19:41:17 UTC;
  // bthome-ble tests/test_parser_v2.py test_bthome_timestamp sends it from a trigger-based device (0x44).
  it('reads the timestamp example as UTC', () => {
    expect(decode('44505d396164')).toEqual({
      ok: true,
      value: { encrypted: false, trigger_based: true, timestamp: '2023-05-14T19:41:17.000Z' },
    });
  });

  // https://bthome.io/format/ "Text and Raw sensors": 0x0C = 12 bytes, "Hello World!" as text, hex as raw; the
  // same bytes back to back, then the length byte running past the end.
  it('reads text and raw objects by their length byte', () => {
    expect(decode('40 530C48656C6C6F20576F726C6421 540C48656C6C6F20576F726C6421')).toEqual(
      plain({ text: 'Hello World!', raw: '48656c6c6f20576f726c6421' }),
    );
    expect(decode('40 530D48656C6C6F20576F726C6421')).toEqual(failure(/text \(0x53\).*length byte says 13 bytes, 12 left/));
  });

  // https://bthome.io/format/ "Multiple measurements of the same type": a postfix in order of appearance;
  // bthome-ble tests/test_parser_v2.py test_bthome_triple_temperature_double_humidity_battery.
  it('numbers repeated measurements in order of appearance', () => {
    expect(decode('4002ca0902cf0902cf0803b71803b717015d')).toEqual(
      plain({ temperature: 25.06, temperature_2: 25.11, temperature_3: 22.55, humidity: 63.27, humidity_2: 60.71, battery: 93 }),
    );
  });

  // bthome-ble test_bthome_double_voltage_different_object_id: 0x4A (0.1 V) and 0x0C (0.001 V) are both "voltage".
  it('numbers one property across two object ids (0x4A and 0x0C voltage)', () => {
    expect(decode('400001 0b000000 4a0d09 0133 0ce90c')).toEqual(
      plain({ packet_id: 1, power: 0, voltage: 231.7, battery: 51, voltage_2: 3.305 }),
    );
  });

  // https://bthome.io/format/ "Multiple events of the same type" (3A00 = no event for button 1);
  // bthome-ble test_bthome_event_triple_button_device: 3A00 3A01 3A03.
  it('numbers button events, the None event included', () => {
    expect(decode('403a003a013a03')).toEqual(plain({ button: null, button_2: 'press', button_3: 'triple_press' }));
  });

  // bthome-ble test_bthome_shelly_button and test_bthome_shelly_button_no_press (trigger-based 0x44, event None).
  it.each([
    ['40 0052 0164 3a01', { packet_id: 82, battery: 100, button: 'press' }, false],
    ['44 0021 015e 3a01', { packet_id: 33, battery: 94, button: 'press' }, true],
    ['44 0023 015e 3a00', { packet_id: 35, battery: 94, button: null }, true],
  ])('reads the Shelly button packet %s', (hex, value, triggerBased) => {
    expect(decode(hex)).toEqual({ ok: true, value: { encrypted: false, trigger_based: triggerBased, ...value } });
  });

  // bthome-ble test_bthome_packet_id_temperature_humidity_battery and test_bthome_test (0x10 power, off).
  it.each([
    ['40 0009 015d 025d09 03b718', { packet_id: 9, battery: 93, temperature: 23.97, humidity: 63.27 }],
    ['40 00a7 0c780b 1000', { packet_id: 167, voltage: 2.936, power_on: false }],
  ])('reads the packet id and the objects after it: %s', (hex, value) => {
    expect(decode(hex)).toEqual(plain(value));
  });

  // Object ids newer than the stored bthome.io table, from the reference receiver's tests
  // (github.com/Bluetooth-Devices/bthome-ble tests/test_parser_v2.py, linked from bthome.io/format as the
  // "Full example payloads for each data type"): direction 0x5E, channel 0x60, rotational speed 0x61,
  // signed hi-res speed 0x62 and acceleration 0x63 (sint32 x 0.000001), light level 0x64.
  it.each([
    ['405e3f75', { direction: 300.15 }],
    ['406001', { channel: 1 }],
    ['4061ac0d', { rotational_speed: 3500 }],
    ['40624099dfff', { speed: -2.123456 }],
    ['40630057d0ff', { acceleration: -3.123456 }],
    ['406402', { light_level: 2 }],
  ])('reads %s', (hex, value) => {
    expect(decode(hex)).toEqual(plain(value));
  });

  // bthome-ble test_bthome_invalid_object_payload_data_length: 03BF misses a byte.
  it('refuses an object cut short, naming it', () => {
    expect(decode('4002ca0903bf')).toEqual(failure(/humidity \(0x03\) at byte 4: needs 2 byte\(s\), 1 left/));
  });
});

describe('BTHome v2 encryption page', () => {
  // https://bthome.io/encryption/ (source: github.com/home-assistant/bthome.io src/encryption.html): key
  // 231d39c1d7cc1ab1aee224cd096db932, MAC 5448E68F80A5, device info 41, counter 1122867 = 33221100 (LE),
  // nonce 5448e68f80a5 d2fc 41 33221100, ciphertext e445f3c9962b, MIC 6c7c4519, decrypted data 02ca09 03bf13.
  const KEY = '231d39c1d7cc1ab1aee224cd096db932';
  const MAC = '54:48:E6:8F:80:A5';
  const body = bytes('e445f3c9962b 33221100 6c7c4519');

  it('decrypts the published example to the published data and counter', () => {
    const result = decryptBthome(0x41, bytes('5448E68F80A5'), body, bytes(KEY));
    expect(result.ok && { payload: toHex(result.value.payload), counter: result.value.counter }).toEqual({
      payload: '02ca0903bf13',
      counter: 1122867,
    });
  });

  it('builds the nonce from the MAC in printed order and the device info byte, as the page lays it out', () => {
    expect(decryptBthome(0x41, bytes('A5808FE64854'), body, bytes(KEY))).toEqual(failure(/MIC 6c7c4519 does not verify/));
    expect(decryptBthome(0x45, bytes('5448E68F80A5'), body, bytes(KEY))).toEqual(failure(/MIC 6c7c4519 does not verify/));
  });

  it('reads the full service data of the example, d2fc first', () => {
    expect(createBthomeDecoder({ key: KEY }).decode(bytes('d2fc41e445f3c9962b332211006c7c4519'), { address: MAC })).toEqual({
      ok: true,
      value: { encrypted: true, trigger_based: false, counter: 1122867, temperature: 25.06, humidity: 50.55 },
    });
  });

  // bthome-ble tests/test_parser_v2.py, same key and MAC: test_increasing_encryption_counter (1122868),
  // test_decreasing_encryption_counter (1122866), test_reset_encryption_counter (4294967295, then 0).
  it.each([
    ['413e932cc7175f34221100553876af', 1122868],
    ['41723d3035fb88322211009e7414c0', 1122866],
    ['41ba0db07aeef6ffffffff21fd4600', 4294967295],
    ['41de40b50e676600000000d7cb95de', 0],
  ])('verifies %s and reads its counter %i', (hex, counter) => {
    expect(createBthomeDecoder({ key: KEY }).decode(bytes(hex), { address: MAC })).toMatchObject({
      ok: true,
      value: { encrypted: true, counter },
    });
  });

  // bthome-ble test_bthome_motion (Shelly BLU Motion): motion detected.
  it('decrypts the Shelly BLU Motion vector', () => {
    expect(createBthomeDecoder({ key: KEY }).decode(bytes('4187b90011223372b0231f'), { address: MAC })).toEqual({
      ok: true,
      value: { encrypted: true, trigger_based: false, counter: 0x33221100, motion: true },
    });
  });

  // bthome-ble test_bthome_with_mac_encrypted: device info 0x43 (bit 1: the MAC, reversed, follows), no address needed.
  it('decrypts with the MAC the device put in the payload', () => {
    expect(createBthomeDecoder({ key: KEY }).decode(bytes('43a5808fe64854f196c06ffb4900112233f08ecbde'))).toEqual({
      ok: true,
      value: { encrypted: true, trigger_based: false, mac: MAC, counter: 0x33221100, temperature: 25.06, humidity: 50.55 },
    });
  });

  // bthome-ble test_encrypted_shelly_blu_button_event: key 90bffd73..., address B4:35:22:F5:3D:A4, device info 0x45
  // (encrypted, trigger based); the test only asserts that the key verifies; the counter is bytes ba010000 (LE).
  it('verifies the encrypted Shelly BLU Button1 vector', () => {
    const decoder = createBthomeDecoder({ key: '90bffd73cb6b26ef58a7a8eba9232036' });
    expect(decoder.decode(bytes('450aeb84467f85ba0100003188788c'), { address: 'B4:35:22:F5:3D:A4' })).toMatchObject({
      ok: true,
      value: { encrypted: true, trigger_based: true, counter: 0x1ba },
    });
  });

  // bthome-ble test_too_short_encryption_advertisement: 7 bytes after the device info cannot hold counter + MIC.
  it('refuses an encrypted packet too short for counter and MIC', () => {
    expect(createBthomeDecoder({ key: KEY }).decode(bytes('41ba0db07aeef600'), { address: MAC })).toEqual(
      failure(/too short.*got 7 bytes/),
    );
  });

  it('keeps the service data it was given intact', () => {
    const input = bytes('d2fc41e445f3c9962b332211006c7c4519');
    parseBthome(input, { key: bytes(KEY), mac: bytes('5448E68F80A5') });
    expect(toHex(input)).toBe('d2fc41e445f3c9962b332211006c7c4519');
  });
});

describe('Ruuvi data formats 5 and 3, field examples', () => {
  const decode = (hex: string) => createRuuviDecoder().decode(bytes(hex));
  /** The published "valid data" vector with `hex` written over the bytes from `offset` (format byte = 0). */
  const patch = (vector: string, offset: number, hex: string) =>
    vector.slice(0, offset * 2) + hex + vector.slice(offset * 2 + hex.length);

  // https://docs.ruuvi.com/communication/bluetooth-advertisements/data-format-5-rawv2 (source:
  // github.com/ruuvi/ruuvi-sensor-protocols dataformat_05.md): "Data field descriptions" examples, written into the
  // document's own "valid data" vector (battery 2977 mV and Tx 22 = +4 dBm there, 0xAC36 = 1377 << 5 | 22).
  const V5 = '0512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F';
  it.each([
    ['temperature 0x0000', 1, '0000', { temperature: 0 }],
    ['temperature 0x01C3', 1, '01C3', { temperature: 2.255 }],
    ['temperature 0x8000', 1, '8000', { temperature: null }],
    ['humidity 0', 3, '0000', { humidity: 0 }],
    ['humidity 10010', 3, '271A', { humidity: 25.025 }],
    ['humidity 40000', 3, '9C40', { humidity: 100 }],
    ['humidity 65535', 3, 'FFFF', { humidity: null }],
    ['pressure 0', 5, '0000', { pressure: 50000 }],
    ['pressure 51325', 5, 'C87D', { pressure: 101325 }],
    ['pressure 65534', 5, 'FFFE', { pressure: 115534 }],
    ['pressure 65535', 5, 'FFFF', { pressure: null }],
    ['acceleration X 0xFC18', 7, 'FC18', { acceleration_x: -1 }],
    ['acceleration Y 0x03E8', 9, '03E8', { acceleration_y: 1 }],
    ['acceleration Z 0x8000', 11, '8000', { acceleration_z: null }],
    ['battery 0 mV over 1.6 V', 13, '0016', { battery_voltage: 1.6, tx_power: 4 }],
    ['battery 1400 mV over 1.6 V', 13, 'AF16', { battery_voltage: 3, tx_power: 4 }],
    ['battery 2047 (not available)', 13, 'FFF6', { battery_voltage: null, tx_power: 4 }],
    ['Tx power 0', 13, 'AC20', { battery_voltage: 2.977, tx_power: -40 }],
    ['Tx power 31 (not available)', 13, 'AC3F', { battery_voltage: 2.977, tx_power: null }],
    ['movement counter 100', 15, '64', { movement_counter: 100 }],
    ['movement counter 255', 15, 'FF', { movement_counter: null }],
    ['measurement sequence 1000', 16, '03E8', { measurement_sequence: 1000 }],
    ['measurement sequence 65535', 16, 'FFFF', { measurement_sequence: null }],
  ])('RAWv2 %s', (_name, offset, hex, fields) => {
    expect(decode(patch(V5, offset, hex))).toMatchObject({ ok: true, value: fields });
  });

  // https://docs.ruuvi.com/communication/bluetooth-advertisements/data-format-3-rawv1 (source: dataformat_03.md):
  // field examples written into that document's "valid data" vector. (Its "65536 = 115536 Pa" pressure example
  // does not fit the 16-bit field and is not used.)
  const V3 = '03291A1ECE1EFC18F94202CA0B53';
  it.each([
    ['temperature 0x0000', 2, '0000', { temperature: 0 }],
    ['temperature 0x0145', 2, '0145', { temperature: 1.69 }],
    ['temperature 0x8145', 2, '8145', { temperature: -1.69 }],
    ['humidity 0', 1, '00', { humidity: 0 }],
    ['humidity 128', 1, '80', { humidity: 64 }],
    ['humidity 200', 1, 'C8', { humidity: 100 }],
    ['pressure 0', 4, '0000', { pressure: 50000 }],
    ['pressure 51325', 4, 'C87D', { pressure: 101325 }],
    ['acceleration 0x03E8', 6, '03E8', { acceleration_x: 1 }],
    ['acceleration 0xFC18', 8, 'FC18', { acceleration_y: -1 }],
  ])('RAWv1 %s', (_name, offset, hex, fields) => {
    expect(decode(patch(V3, offset, hex))).toMatchObject({ ok: true, value: fields });
  });
});

describe('ATC custom firmware formats', () => {
  /** Service data after the AD length, AD type 0x16 and UUID 1A18 that the published frames start with. */
  const serviceData = (frame: string) => bytes(frame).subarray(4);
  const decode = (frame: string) => createAtcDecoder().decode(serviceData(frame));
  const flags = (value: number) => ({
    flags: value,
    reed_switch: (value & 1) !== 0,
    gpio_trg_output: (value & 2) !== 0,
    gpio_trg_controlled: (value & 4) !== 0,
    temperature_trigger: (value & 8) !== 0,
    humidity_trigger: (value & 16) !== 0,
  });

  // github.com/pvvx/ATC_MiThermometer python-interface/README.md, "Decoding and encoding": the custom frame
  // 12 16 1a 18 5c c8 ee 38 c1 a4 b0 08 c3 14 ca 0a 50 14 05 parses to MAC A4:C1:38:EE:C8:5C, 22.24 °C, 53.15 %,
  // 2.762 V, 80 %, counter 20, flags: input (reed) 1, output value 0, output controlled 1, triggers 0.
  it('reads the pvvx README custom frame', () => {
    expect(decode('12161a185cc8ee38c1a4b008c314ca0a501405')).toEqual({
      ok: true,
      value: {
        format: 'pvvx',
        mac: 'A4:C1:38:EE:C8:5C',
        temperature: 22.24,
        humidity: 53.15,
        battery_voltage: 2.762,
        battery: 80,
        counter: 20,
        ...flags(0b00101),
      },
    });
  });

  // Same README: custom_format.build of MAC A4:C1:38:AA:BB:CC, 19.11 °C, 50.0 %, 2.762 V, 80 %, counter 1, flags
  // input 1, output value 1, output controlled 1 gives 12 16 1a 18 cc bb aa 38 c1 a4 77 07 88 13 ca 0a 50 01 07.
  it('reads the pvvx README built frame back to the values it was built from', () => {
    expect(decode('12161a18ccbbaa38c1a477078813ca0a500107')).toEqual({
      ok: true,
      value: {
        format: 'pvvx',
        mac: 'A4:C1:38:AA:BB:CC',
        temperature: 19.11,
        humidity: 50,
        battery_voltage: 2.762,
        battery: 80,
        counter: 1,
        ...flags(0b00111),
      },
    });
  });

  // github.com/pvvx/ATC_MiThermometer python-interface/atc_mi_interface/atc_mi_format_test.py samples (bytes
  // only), decoded by hand from the README layouts: custom = MAC reversed, int16 LE x 0.01 °C, uint16 LE x 0.01 %,
  // uint16 LE mV, uint8 %, counter, flags; atc1441 (pvvx README "atc1441 format", atc1441's ble.c set_adv_data) =
  // MAC in printed order, int16 BE x 0.1 °C, uint8 %, uint8 %, uint16 BE mV, counter.
  it('reads the pvvx sample custom frame: 0x076C = 19.00 °C, 0x13FA = 51.14 %, 0x0AD6 = 2774 mV', () => {
    expect(decode('12161a18ccbbaa38c1a46c07fa13d60a52090f')).toEqual({
      ok: true,
      value: {
        format: 'pvvx',
        mac: 'A4:C1:38:AA:BB:CC',
        temperature: 19,
        humidity: 51.14,
        battery_voltage: 2.774,
        battery: 82,
        counter: 9,
        ...flags(0x0f),
      },
    });
  });

  it('reads the pvvx sample atc1441 frame: 0x00CE = 20.6 °C, 0x33 = 51 %, 0x43 = 67 %, 0x0A6E = 2670 mV', () => {
    expect(decode('10161a18a4c138aabbcc00ce33430a6ec3')).toEqual({
      ok: true,
      value: {
        format: 'atc1441',
        mac: 'A4:C1:38:AA:BB:CC',
        temperature: 20.6,
        humidity: 51,
        battery: 67,
        battery_voltage: 2.67,
        counter: 0xc3,
      },
    });
  });

  it('refuses the atc1441 frame with its AD header still in front, naming both lengths', () => {
    expect(createAtcDecoder().decode(bytes('10161a18a4c138aabbcc00ce33430a6ec3'))).toEqual(
      failure(/17 bytes: expected 13 \(atc1441\) or 15 \(pvvx custom\)/),
    );
  });
});

describe('GATT characteristics, GATT Specification Supplement ranges and special values', () => {
  const decode = (characteristic: string, data: number[]) => createGattDecoder({ characteristic }).decode(Uint8Array.from(data));

  // https://www.bluetooth.com/specifications/gss/ Temperature (0x2A6E): sint16, M = 1, d = -2, b = 0; "Allowed range
  // is: -273.15 to 327.67. A value of 0x8000 represents 'value is not known'. All other values are prohibited."
  it.each([
    [[0x4d, 0x95], { ok: true, value: { temperature: -273.15 } }],
    [[0xff, 0x7f], { ok: true, value: { temperature: 327.67 } }],
    [[0x00, 0x80], { ok: true, value: { temperature: null } }],
    [[0x4c, 0x95], failure(/temperature is -273.16 °C, expected -273.15\.\.327\.67 °C or 0x8000/)],
    [[0x01, 0x80], failure(/temperature is -327.67 °C, expected -273.15\.\.327\.67 °C/)],
  ])('Temperature %j', (data, expected) => {
    expect(decode('2a6e', data)).toEqual(expected);
  });

  // GSS Humidity (0x2A6F): uint16, M = 1, d = -2, b = 0; "Allowed range is: 0.00 to 100.00. A value of 0xFFFF
  // represents 'value is not known'. All other values are prohibited."
  it.each([
    [[0x00, 0x00], { ok: true, value: { humidity: 0 } }],
    [[0x10, 0x27], { ok: true, value: { humidity: 100 } }],
    [[0xff, 0xff], { ok: true, value: { humidity: null } }],
    [[0x11, 0x27], failure(/humidity is 100.01 %, expected 0\.00\.\.100\.00 % or 0xFFFF/)],
    [[0xfe, 0xff], failure(/humidity is 655.34 %, expected 0\.00\.\.100\.00 %/)],
  ])('Humidity %j', (data, expected) => {
    expect(decode('2a6f', data)).toEqual(expected);
  });

  // GSS Battery Level (0x2A19): uint8 percentage, "Allowed range is 0 to 100 ... All other values are reserved".
  it.each([
    [[0], { ok: true, value: { battery_level: 0 } }],
    [[100], { ok: true, value: { battery_level: 100 } }],
    [[101], failure(/battery level is 101, expected 0\.\.100/)],
    [[255], failure(/battery level is 255, expected 0\.\.100/)],
  ])('Battery Level %j', (data, expected) => {
    expect(decode('2a19', data)).toEqual(expected);
  });

  // GSS Pressure (0x2A6D): uint32, M = 1, d = -1, b = 0, "Unit is Pascals with a resolution of 0.1 Pa".
  it.each([
    [[0x01, 0x00, 0x00, 0x00], 0.1],
    [[0x02, 0x76, 0x0f, 0x00], 101325],
  ])('Pressure %j in Pa', (data, pressure) => {
    expect(decode('2a6d', data)).toEqual({ ok: true, value: { pressure } });
  });

  // Bluetooth SIG characteristic XML org.bluetooth.characteristic.heart_rate_measurement (GSS Heart Rate
  // Measurement): flags bit 0 uint8/uint16 bpm; bits 1-2 sensor contact 0/1 not supported, 2 supported but not
  // detected, 3 detected; bit 3 Energy Expended uint16 in kJ; bit 4 RR-intervals, uint16 in 1/1024 s.
  it('reads a Heart Rate Measurement with every optional field', () => {
    // flags 0b11111: uint16 value 0x0150 = 336 bpm, contact detected, 0x1234 = 4660 kJ, RR 0x0400 = 1 s, 0x0200.
    expect(decode('2a37', [0x1f, 0x50, 0x01, 0x34, 0x12, 0x00, 0x04, 0x00, 0x02])).toEqual({
      ok: true,
      value: {
        heart_rate: 336,
        sensor_contact: 'detected',
        energy_expended: 4660,
        rr_intervals: [1024, 512],
        rr_intervals_ms: [1000, 500],
      },
    });
  });

  it.each([
    [0b000, 'not_supported'],
    [0b010, 'not_supported'],
    [0b100, 'not_detected'],
    [0b110, 'detected'],
  ])('maps Heart Rate sensor contact flags 0b%s', (flagBits, sensorContact) => {
    expect(decode('2a37', [flagBits, 60])).toMatchObject({ ok: true, value: { heart_rate: 60, sensor_contact: sensorContact } });
  });
});

describe('BTHome changes published after the format page we first built from', () => {
  // https://bthome.io/format/ (home-assistant/bthome.io pull 58, merged 2025-05-19) and bthome-ble pull 226 changed
  // 0x5F precipitation to factor 0.1; bthome-ble test_bthome_direction_precipitation: 40 5e3f75 5f11d5 = 300.15 deg,
  // 5454.5 mm.
  it('0x5F precipitation: factor 0.1 (5f11d5 = 5454.5 mm)', () => {
    expect(parseBthome(bytes('405e3f755f11d5'))).toEqual({
      ok: true,
      value: { encrypted: false, trigger_based: false, direction: 300.15, precipitation: 5454.5 },
    });
  });

  // https://bthome.io/format/: "A BTHome receiver will stop parsing object ids as soon as it finds an object id that
  // isn't supported"; bthome-ble test_bthome_battery_wrong_object_id_humidity: 40 015d fe5d09 03b718 = battery 93.
  it('unknown object id: keeps the objects before it (40015dfe5d0903b718 = battery 93)', () => {
    expect(parseBthome(bytes('40015dfe5d0903b718'))).toEqual({
      ok: true,
      value: {
        encrypted: false,
        trigger_based: false,
        battery: 93,
        unparsed: 'unknown object id 0xFE at byte 3: the rest cannot be parsed',
      },
    });
  });
});
