import type { Emulator, EmulatorResponse } from './emulator.js';

/** Packs the 13-byte little-endian struct of the slip/cobs struct-sensor profiles. */
export function packEnvironment(reading: {
  sequence: number;
  temperature: number;
  humidity: number;
  pressure: number;
  batteryMv: number;
  alarm: boolean;
}): Uint8Array {
  const bytes = Buffer.alloc(13);
  bytes.writeUInt16LE(reading.sequence & 0xffff, 0);
  bytes.writeInt16LE(Math.round(reading.temperature * 100), 2);
  bytes.writeUInt16LE(Math.round(reading.humidity * 100), 4);
  bytes.writeUInt32LE(reading.pressure, 6);
  bytes.writeUInt16LE(reading.batteryMv, 10);
  bytes.writeUInt8(reading.alarm ? 1 : 0, 12);
  return bytes;
}

/** A binary environmental sensor; its readings deliberately include 0xC0/0xDB/0x00 bytes now and then. */
export class StructSensorEmulator implements Emulator {
  private periodSeconds = 10;

  tick(n: number): Uint8Array[] {
    return [
      packEnvironment({
        sequence: n,
        temperature: 19.2 + (n % 20) / 10,
        humidity: 52 + (n % 7),
        pressure: 101_325 + (n % 50) * 3,
        batteryMv: 3000 - (n % 300),
        alarm: n % 13 === 0,
      }),
    ];
  }

  receive(message: Uint8Array): EmulatorResponse {
    if (message.length !== 1 || message[0] === 0) return { action: `ignored ${Buffer.from(message).toString('hex')}` };
    this.periodSeconds = message[0] ?? this.periodSeconds;
    return { action: `report period set to ${this.periodSeconds} s` };
  }
}
