import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/codecs/codec-spec.js';
import { createDeframer } from '../../src/codecs/framing/framing-spec.js';
import { planPolls } from '../../src/codecs/modbus/modbus-poll.js';
import { loadProfiles } from '../../src/config/load.js';
import type { HardwareProfile } from '../../src/config/profile-schema.js';
import { resolveDevice } from '../../src/pipeline/device-template.js';
import { mapReading } from '../../src/pipeline/event-mapping.js';

const loaded = loadProfiles();
if (!loaded.ok) throw new Error(loaded.reason);
const profiles = loaded.value;

/** Runs raw device bytes through a profile exactly as the pipeline does (framing → codec → device → events). */
function run(profile: HardwareProfile, raw: Buffer, vars: Record<string, string | number>) {
  const deframer = createDeframer(profile.framing!);
  const decoder = createDecoder(profile.codec);
  return [...deframer.push(raw, 0), ...deframer.flush()].map((frame) => {
    if (!frame.ok) return { reject: frame.reason };
    const reading = decoder.decode(frame.value);
    if (!reading.ok) return { reject: reading.reason };
    const device = resolveDevice(profile.device, vars, reading.value);
    return { device: device.ok ? device.value : device.reason, events: mapReading(profile.events, reading.value) };
  });
}

function structBytes(): Buffer {
  const payload = Buffer.alloc(13);
  payload.writeUInt16LE(7, 0);
  payload.writeInt16LE(2150, 2);
  payload.writeUInt16LE(4000, 4);
  payload.writeUInt32LE(100_000, 6);
  payload.writeUInt16LE(3300, 10);
  payload.writeUInt8(0, 12);
  return payload;
}

const STRUCT_READING = { sequence: 7, temperature: 21.5, humidity: 40, pressure: 100000, battery_mv: 3300, alarm: 0 };

describe('serial hardware profiles, raw bytes to events', () => {
  it('nmea-gps: GGA becomes "position", RMC "course"; a bad checksum is rejected', () => {
    const raw = Buffer.from(
      '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n' +
        '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n' +
        '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48\r\n',
    );
    const out = run(profiles.get('nmea-gps')!, raw, { 'port.name': 'ttyUSB0' });
    expect(out[0]).toMatchObject({
      device: { typeId: 'gps-receiver', deviceId: 'gps-ttyUSB0' },
      events: [{ eventId: 'position' }],
    });
    expect(out[1]).toMatchObject({ events: [{ eventId: 'course', payload: { timestamp: '1994-03-23T12:35:19.000Z' } }] });
    expect(out[2]).toEqual({ reject: 'NMEA checksum mismatch: sentence says 0x48, computed 0x47' });
  });

  it('json-sensor: the deviceId comes from the "id" field and is validated', () => {
    const out = run(profiles.get('json-sensor')!, Buffer.from('{"id":"esp-01","t":1}\n{"id":"bad id","t":2}\n{"t":3}\n'), {});
    expect(out[0]).toMatchObject({
      device: { typeId: 'mcu-sensor', deviceId: 'esp-01' },
      events: [{ eventId: 'status', payload: { id: 'esp-01', t: 1 } }],
    });
    expect(out[1]?.device).toMatch(/deviceId "bad id" has " "/);
    expect(out[2]?.device).toMatch(/\{reading\.id\} has no value/);
  });

  it('slip-struct-sensor and cobs-struct-sensor decode the same packed struct', () => {
    const slip = Buffer.concat([Buffer.from([0xc0]), structBytes(), Buffer.from([0xc0])]);
    expect(run(profiles.get('slip-struct-sensor')!, slip, { 'port.name': 'ttyUSB1' })[0]).toMatchObject({
      device: { typeId: 'env-sensor', deviceId: 'env-ttyUSB1' },
      events: [{ eventId: 'environment', payload: STRUCT_READING }],
    });
    // COBS by hand: 07 00 -> the first zero ends a 2-byte block "02 07", and so on.
    const payload = structBytes();
    const cobs: number[] = [];
    let block: number[] = [];
    for (const byte of [...payload, 0]) {
      if (byte === 0) {
        cobs.push(block.length + 1, ...block);
        block = [];
      } else block.push(byte);
    }
    const encoded = Buffer.from([...cobs, 0x00]);
    expect(run(profiles.get('cobs-struct-sensor')!, encoded, { 'port.name': 'ttyACM1' })[0]).toMatchObject({
      events: [{ eventId: 'environment', payload: STRUCT_READING }],
    });
  });

  it('modbus-th-sensor: a response to its poll becomes "climate" with only the declared fields', () => {
    const profile = profiles.get('modbus-th-sensor')!;
    const decoder = createDecoder(profile.codec);
    const poll = planPolls(profile.codec.kind === 'modbus-rtu' ? profile.codec.poll! : (undefined as never))[0];
    // 01 04 04 00 D7 01 AE + CRC: temperature 215 (21.5 °C), humidity 430 (43.0 %).
    const response = Buffer.from('010404' + '00d7' + '01ae', 'hex');
    const crc = crc16(response);
    const frame = Buffer.concat([response, Buffer.from([crc & 0xff, crc >> 8])]);
    const reading = decoder.decode(frame, { poll });
    expect(reading).toEqual({ ok: true, value: { slave: 1, temperature: 21.5, humidity: 43 } });
    if (!reading.ok) return;
    expect(mapReading(profile.events, reading.value)).toEqual([
      { eventId: 'climate', format: 'json', payload: { temperature: 21.5, humidity: 43 } },
    ]);
    expect(resolveDevice(profile.device, { 'port.name': 'ttyRS485', slave: 1 }, reading.value)).toEqual({
      ok: true,
      value: { typeId: 'th-sensor', deviceId: 'th-ttyRS485-1' },
    });
  });
});

/** Bitwise CRC-16/MODBUS, independent of the table-driven one under test. */
function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}
