import { createCipheriv } from 'node:crypto';

/*
 * Encoders for the simulated radio: what real devices put on the air, written from the public format
 * documents (not from our decoders), so a test that decodes them checks the decoders too.
 */

/** The values a RuuviTag data format 5 (RAWv2) packet carries, in the units Ruuvi documents. */
export interface RuuviDf5Values {
  temperature: number;
  humidity: number;
  pressure: number;
  acceleration_x: number;
  acceleration_y: number;
  acceleration_z: number;
  battery_voltage: number;
  tx_power: number;
  movement_counter: number;
  measurement_sequence: number;
}

/**
 * Manufacturer data of a RuuviTag, data format 5: company id 0x0499 (99 04), then 24 big-endian bytes
 * (docs.ruuvi.com, data-format-5-rawv2). Values are rounded to the format's resolution.
 */
export function encodeRuuviDf5(values: RuuviDf5Values, mac: Uint8Array): Buffer {
  const out = Buffer.alloc(26);
  out.writeUInt16LE(0x0499, 0);
  out.writeUInt8(5, 2);
  out.writeInt16BE(Math.round(values.temperature * 200), 3);
  out.writeUInt16BE(Math.round(values.humidity * 400), 5);
  out.writeUInt16BE(Math.round(values.pressure - 50_000), 7);
  out.writeInt16BE(Math.round(values.acceleration_x * 1000), 9);
  out.writeInt16BE(Math.round(values.acceleration_y * 1000), 11);
  out.writeInt16BE(Math.round(values.acceleration_z * 1000), 13);
  const battery = Math.round(values.battery_voltage * 1000 - 1600);
  const txPower = Math.round((values.tx_power + 40) / 2);
  out.writeUInt16BE((battery << 5) | txPower, 15);
  out.writeUInt8(values.movement_counter, 17);
  out.writeUInt16BE(values.measurement_sequence, 18);
  Buffer.from(mac).copy(out, 20);
  return out;
}

/** The values the simulated BTHome sensor sends: battery %, temperature °C, humidity %. */
export interface BthomeValues {
  battery: number;
  temperature: number;
  humidity: number;
}

/** BTHome v2 objects in id order (bthome.io/format): 0x01 battery u8, 0x02 temperature s16 0.01, 0x03 humidity u16 0.01. */
export function encodeBthomeObjects(values: BthomeValues): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt8(0x01, 0);
  out.writeUInt8(values.battery, 1);
  out.writeUInt8(0x02, 2);
  out.writeInt16LE(Math.round(values.temperature * 100), 3);
  out.writeUInt8(0x03, 5);
  out.writeUInt16LE(Math.round(values.humidity * 100), 6);
  return out;
}

/**
 * BTHome v2 service data (after the UUID d2 fc): device info byte 0x40 (v2, plain) and the objects, or
 * with a key 0x41 and AES-128-CCM ciphertext + counter (4, LE) + MIC (4), nonce = MAC + d2 fc + info +
 * counter (bthome.io/encryption).
 */
export function encodeBthomeServiceData(
  values: BthomeValues,
  options: { key?: string; mac: Uint8Array; counter: number },
): Buffer {
  const objects = encodeBthomeObjects(values);
  if (options.key === undefined) return Buffer.concat([Buffer.of(0x40), objects]);
  const info = 0x41;
  const counter = Buffer.alloc(4);
  counter.writeUInt32LE(options.counter >>> 0);
  const nonce = Buffer.concat([Buffer.from(options.mac), Buffer.of(0xd2, 0xfc, info), counter]);
  const cipher = createCipheriv('aes-128-ccm', Buffer.from(options.key, 'hex'), nonce, { authTagLength: 4 });
  const ciphertext = Buffer.concat([cipher.update(objects), cipher.final()]);
  return Buffer.concat([Buffer.of(info), ciphertext, counter, cipher.getAuthTag()]);
}

/** What a pvvx-firmware Xiaomi thermometer sends under service data 0x181A. */
export interface PvvxValues {
  temperature: number;
  humidity: number;
  battery_voltage: number;
  battery: number;
  counter: number;
}

/** pvvx "custom" format, 15 little-endian bytes: MAC reversed, temp 0.01 °C, humidity 0.01 %, mV, %, counter, flags. */
export function encodePvvx(values: PvvxValues, mac: Uint8Array): Buffer {
  const out = Buffer.alloc(15);
  Buffer.from(mac).reverse().copy(out, 0);
  out.writeInt16LE(Math.round(values.temperature * 100), 6);
  out.writeUInt16LE(Math.round(values.humidity * 100), 8);
  out.writeUInt16LE(Math.round(values.battery_voltage * 1000), 10);
  out.writeUInt8(values.battery, 12);
  out.writeUInt8(values.counter & 0xff, 13);
  out.writeUInt8(0, 14);
  return out;
}

/** Heart Rate Measurement (GATT 0x2A37): flags 0x16 (uint8 rate, contact detected, RR present), rate, RR in 1/1024 s. */
export function encodeHeartRateMeasurement(heartRate: number, rrIntervals: number[]): Buffer {
  const out = Buffer.alloc(2 + 2 * rrIntervals.length);
  out.writeUInt8(0x16, 0);
  out.writeUInt8(heartRate, 1);
  for (const [i, rr] of rrIntervals.entries()) out.writeUInt16LE(rr, 2 + 2 * i);
  return out;
}
