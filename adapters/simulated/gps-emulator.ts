import { withNmeaChecksum } from '../../src/codecs/nmea-checksum.js';
import type { Emulator, EmulatorResponse } from './emulator.js';

const text = (value: string) => Buffer.from(value, 'latin1');

/** ddmm.mmmm / dddmm.mmmm with hemisphere, as NMEA writes coordinates. */
export function formatNmeaCoordinate(degrees: number, isLatitude: boolean): [string, string] {
  const hemisphere = isLatitude ? (degrees >= 0 ? 'N' : 'S') : degrees >= 0 ? 'E' : 'W';
  const absolute = Math.abs(degrees);
  const whole = Math.floor(absolute);
  const minutes = (absolute - whole) * 60;
  return [`${String(whole).padStart(isLatitude ? 2 : 3, '0')}${minutes.toFixed(4).padStart(7, '0')}`, hemisphere];
}

/** A GPS receiver circling a point, sending GGA, RMC and GSV each fix; obeys $PMTK220 (fix interval). */
export class GpsEmulator implements Emulator {
  intervalMs: number;

  constructor(
    private readonly origin = { lat: 48.1173, lon: 11.5167 },
    intervalMs = 1000,
  ) {
    this.intervalMs = intervalMs;
  }

  tick(n: number): Uint8Array[] {
    const angle = (n % 360) * (Math.PI / 180);
    const lat = this.origin.lat + 0.001 * Math.sin(angle);
    const lon = this.origin.lon + 0.001 * Math.cos(angle);
    const [latText, ns] = formatNmeaCoordinate(lat, true);
    const [lonText, ew] = formatNmeaCoordinate(lon, false);
    const seconds = n % 86_400;
    const hhmmss = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60]
      .map((v) => String(v).padStart(2, '0'))
      .join('');
    return [
      text(withNmeaChecksum(`$GPGGA,${hhmmss}.00,${latText},${ns},${lonText},${ew},1,08,0.9,545.4,M,46.9,M,,`)),
      text(withNmeaChecksum(`$GPRMC,${hhmmss}.00,A,${latText},${ns},${lonText},${ew},022.4,084.4,251126,003.1,W`)),
      text(withNmeaChecksum('$GPGSV,1,1,04,01,40,083,46,02,17,308,41,12,07,344,39,14,22,228,45')),
    ];
  }

  receive(message: Uint8Array): EmulatorResponse {
    const sentence = Buffer.from(message).toString('latin1').trim();
    const match = /^\$PMTK220,(\d+)\*[0-9A-F]{2}$/.exec(sentence);
    if (!match) return { action: `ignored ${JSON.stringify(sentence)}` };
    this.intervalMs = Number(match[1]);
    return { replies: [text(withNmeaChecksum('$PMTK001,220,3'))], action: `fix interval set to ${this.intervalMs} ms` };
  }
}
