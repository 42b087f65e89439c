// The serial-side codecs and framings against the formats' published data: every input below is
// quoted from the document named above its group, and every expected value is read off that
// document's field descriptions (a coordinate is written as the document's own arithmetic,
// degrees + minutes / 60), never copied from what our code printed. Where a document has no
// checksum or CRC for a frame, it was computed independently (Python, or the bitwise CRC helper of
// the Modbus tests) and the comment says so; a few deliberately malformed sentences are completed
// with withNmeaChecksum, which the first group checks against the published checksums.
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../src/codecs/decoder.js';
import { createCsvDecoder } from '../../src/codecs/decoders/csv.js';
import { createNmea0183Decoder } from '../../src/codecs/decoders/nmea0183.js';
import { createCobsDeframer, decodeCobs, encodeCobs, encodeCobsFrame } from '../../src/codecs/framing/cobs.js';
import { createDelimiterDeframer } from '../../src/codecs/framing/delimiter.js';
import {
  createSlipDeframer,
  decodeSlip,
  encodeSlipFrame,
  SLIP_END,
  SLIP_ESC,
  SLIP_ESC_END,
  SLIP_ESC_ESC,
} from '../../src/codecs/framing/slip.js';
import { appendCrc16Modbus, checkCrc16Modbus, crc16Modbus } from '../../src/codecs/modbus/crc16-modbus.js';
import { modbusExceptionName } from '../../src/codecs/modbus/modbus-codes.js';
import { ModbusResponseDeframer } from '../../src/codecs/modbus/modbus-response-deframer.js';
import {
  encodeModbusRequest,
  type ModbusRequest,
  parseModbusRequest,
  parseResponse,
} from '../../src/codecs/modbus/modbus-rtu.js';
import { describeModbusFrame, modbusRtuDecoder } from '../../src/codecs/modbus/modbus-rtu-decoder.js';
import { nmeaChecksum, withNmeaChecksum } from '../../src/codecs/nmea-checksum.js';
import { concat, deframeEverySplit, hex, range, render } from './framing/feed.js';
import { fromHex, toHex, withReferenceCrc } from './modbus/modbus-test-bytes.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const KNOT_KMH = 1.852; // the international knot, exactly 1852 m per hour

const nmea = createNmea0183Decoder();

/** The reading of a sentence that must decode; a failure shows the decoder's reason. */
function reading(sentence: string): Reading {
  const result = nmea.decode(utf8(`${sentence}\r\n`));
  if (!result.ok) throw new Error(`${sentence}: ${result.reason}`);
  return result.value;
}

/** Asserts a coordinate to within 1e-8 degrees (about a millimetre), the decoder rounding to 1e-9. */
function expectDegrees(value: unknown, expected: number): void {
  expect(typeof value).toBe('number');
  expect(value as number).toBeCloseTo(expected, 8);
}

describe('NMEA 0183 checksums', () => {
  // Sentences whose checksum the documents print, each verified by an independent XOR:
  // gpsd "NMEA Revealed" v2.24 (gpsd.gitlab.io/gpsd/NMEA.html); the u-blox receiver description's
  // NMEA examples (u-blox 5 / M8 protocol specification; the 4.10 GSVs as quoted from the u-blox
  // docs in Go NMEA libraries' tests); "GPS - NMEA sentence information" (aprs.gids.nl/nmea, NMEA
  // Revealed's [GIDS]) for the two GPRMC examples; ST Teseo's NMEA 4.1 RMC without a fix (as quoted
  // in dakejahl/nmea_parser).
  const published = [
    '$GNGGA,001043.00,4404.14036,N,12118.85961,W,1,12,0.98,1113.0,M,-21.3,M,,*47',
    '$GNGLL,4404.14012,N,12118.85993,W,001037.00,A,A*67',
    '$GNGSA,A,3,80,71,73,79,69,,,,,,,,1.83,1.09,1.47*17',
    '$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74',
    '$GPGSV,3,2,11,14,25,170,00,16,57,208,39,18,67,296,40,19,40,246,00*74',
    '$GPGSV,3,3,11,22,42,067,42,24,14,311,43,27,05,244,00,,,,*4D',
    '$GLGSV,3,3,09,88,07,028,*51',
    '$GNRMC,001031.00,A,4404.13993,N,12118.86023,W,0.146,,100117,,,A*7B',
    '$GPVTG,220.86,T,,M,2.550,N,4.724,K,A*34',
    '$GPZDA,160012.71,11,03,2004,-1,00*7D',
    '$PGRMZ,2282,f,3*21',
    '$PASHR,085335.000,224.19,T,-01.26,+00.83,+00.00,0.101,0.113,0.267,1,0*06',
    '$HEROT,0.0,A*2B',
    '$SDDBT,7.8,f,2.4,M,1.3,F*0D',
    '$GPGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*5B',
    '$GPGLL,4717.11364,N,00833.91565,E,092321.00,A,A*60',
    '$GPGSA,A,3,23,29,07,08,09,18,26,28,,,,,1.94,1.18,1.54*0D',
    '$GPGSV,1,1,03,12,,,42,24,,,47,32,,,37,5*66',
    '$GAGSV,1,1,00,2*76',
    '$GPRMC,083559.00,A,4717.11437,N,00833.91522,E,0.004,77.52,091202,,,A*57',
    '$GPVTG,77.52,T,,M,0.004,N,0.008,K,A*06',
    '$GPZDA,082710.00,16,09,2002,00,00*64',
    '$GPRMC,225446,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E*68',
    '$GPRMC,081836,A,3751.65,S,14507.36,E,000.0,360.0,130998,011.3,E*62',
    '$GNRMC,,V,,,,,,,,,,N,V*37',
    // gpsd AIVDM/AIVDO decoding (gpsd.gitlab.io/gpsd/AIVDM.html): '!' sentences use the same checksum.
    '!AIVDM,1,1,,B,177KQJ5000G?tO`K>RA1wUbN0TKH,0*5C',
  ];

  it.each(published)('computes the published checksum of %s', (sentence) => {
    expect(nmeaChecksum(sentence)).toBe(sentence.slice(-2));
  });

  it.each(published.filter((s) => s.startsWith('$')))('accepts %s with its checksum in lower case and CR LF', (sentence) => {
    const lower = `${sentence.slice(0, -2)}${sentence.slice(-2).toLowerCase()}\r\n`;
    expect(nmea.decode(utf8(lower)).ok).toBe(true);
  });

  // Two published examples carry a wrong checksum: NMEA Revealed's PGRME (the XOR is 0x1C), and the
  // u-blox NMEA 4.10 RMC with a navigational status (the XOR is 0x2D; a Go NMEA library's tests say so too).
  it.each([
    { input: '$PGRME,15.0,M,45.0,M,25.0,M*22', said: '22', computed: '1C' },
    { input: '$GPRMC,083559.00,A,4717.11437,N,00833.91522,E,0.004,77.52,091202,,,A,V*57', said: '57', computed: '2D' },
  ])('refuses the misprinted $input, naming both values', ({ input, said, computed }) => {
    expect(nmea.decode(utf8(input))).toEqual({
      ok: false,
      reason: `NMEA checksum mismatch: sentence says 0x${said}, computed 0x${computed}`,
    });
  });

  // NMEA Revealed: "the 8-bit XOR of all characters ... encoded as two hexadecimal characters". A
  // character outside ASCII is sent as UTF-8 bytes, so those bytes are what the far end XORs.
  it.each(['$PNAME,ۀ', '$PNAME,😀😀', '$GPTXT,01,01,02,Grüße'])(
    'checksums %s over its UTF-8 bytes, as two hex digits',
    (body) => {
      const bytes = utf8(body.slice(1));
      const xor = bytes.reduce((sum, b) => sum ^ b, 0);
      const sentence = withNmeaChecksum(body);
      expect(sentence).toBe(`${body}*${xor.toString(16).toUpperCase().padStart(2, '0')}`);
      expect(nmea.decode(utf8(sentence)).ok).toBe(true);
    },
  );
});

describe('NMEA 0183 GGA: gpsd NMEA Revealed and the u-blox receiver description', () => {
  // NMEA Revealed, GGA: 1 UTC, 2-3 latitude N/S, 4-5 longitude E/W, 6 quality, 7 satellites, 8 HDOP,
  // 9-10 altitude M, 11-12 geoidal separation M ("-" means geoid below ellipsoid), 13 DGPS age, 14 station.
  it('reads the NMEA Revealed GGA example', () => {
    const r = reading('$GNGGA,001043.00,4404.14036,N,12118.85961,W,1,12,0.98,1113.0,M,-21.3,M,,*47');
    expect(r).toMatchObject({ talker: 'GN', sentence: 'GGA', time: '00:10:43.000', fixQuality: 1, satellites: 12 });
    expect(r).toMatchObject({ hdop: 0.98, altitude: 1113.0, geoidSeparation: -21.3, dgpsAge: null, dgpsStationId: null });
    expectDegrees(r.latitude, 44 + 4.14036 / 60);
    expectDegrees(r.longitude, -(121 + 18.85961 / 60));
  });

  it('reads the u-blox GGA example', () => {
    const r = reading('$GPGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*5B');
    expect(r).toMatchObject({ talker: 'GP', time: '09:27:25.000', fixQuality: 1, satellites: 8, hdop: 1.01 });
    expect(r).toMatchObject({ altitude: 499.6, geoidSeparation: 48.0, dgpsAge: null, dgpsStationId: null });
    expectDegrees(r.latitude, 47 + 17.11399 / 60);
    expectDegrees(r.longitude, 8 + 33.9159 / 60);
  });

  // NMEA Revealed, encoding conventions: "4533.35 is 45 degrees and 33.35 minutes";
  // "16708.033 is 167 degrees and 8.033 minutes". Checksums computed independently.
  it('converts the NMEA Revealed coordinate examples, signed by hemisphere', () => {
    const north = reading('$GPGLL,4533.35,N,16708.033,E,,,*78');
    expectDegrees(north.latitude, 45 + 33.35 / 60);
    expectDegrees(north.longitude, 167 + 8.033 / 60);
    const south = reading('$GPGLL,4533.35,S,16708.033,W,,,*77');
    expectDegrees(south.latitude, -(45 + 33.35 / 60));
    expectDegrees(south.longitude, -(167 + 8.033 / 60));
  });
});

describe('NMEA 0183 RMC', () => {
  // NMEA Revealed, RMC: 1 UTC, 2 status A/V, 3-4 latitude, 5-6 longitude, 7 speed (knots),
  // 8 track (true), 9 date ddmmyy, 10-11 magnetic variation E/W, 12 FAA mode (2.3+), 13 nav status (4.1+).
  it('reads the NMEA Revealed RMC example (empty track, NMEA 2.3 mode)', () => {
    const r = reading('$GNRMC,001031.00,A,4404.13993,N,12118.86023,W,0.146,,100117,,,A*7B');
    expect(r).toMatchObject({ talker: 'GN', time: '00:10:31.000', status: 'A', valid: true, speedKnots: 0.146 });
    expect(r).toMatchObject({ courseTrue: null, date: '2017-01-10', timestamp: '2017-01-10T00:10:31.000Z' });
    expect(r).toMatchObject({ magneticVariation: null, mode: 'A' });
    expect(r.speedKmh).toBeCloseTo(0.146 * KNOT_KMH, 9);
    expectDegrees(r.latitude, 44 + 4.13993 / 60);
    expectDegrees(r.longitude, -(121 + 18.86023 / 60));
  });

  // GIDS, also in gpsd's driver_nmea0183.c: "225446 Time of fix 22:54:46 UTC ... 020.3,E Magnetic
  // variation 20.3 deg East"; 191194 is ddmmyy (pre-2.3: no mode field).
  it('reads the classic RMC with an easterly variation and no mode', () => {
    const r = reading('$GPRMC,225446,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E*68');
    expect(r).toMatchObject({ time: '22:54:46.000', speedKnots: 0.5, courseTrue: 54.7, date: '1994-11-19' });
    expect(r).toMatchObject({ magneticVariation: 20.3, mode: null });
    expectDegrees(r.latitude, 49 + 16.45 / 60);
    expectDegrees(r.longitude, -(123 + 11.12 / 60));
  });

  it('reads the GIDS RMC example south of the equator', () => {
    const r = reading('$GPRMC,081836,A,3751.65,S,14507.36,E,000.0,360.0,130998,011.3,E*62');
    expect(r).toMatchObject({ time: '08:18:36.000', speedKnots: 0, courseTrue: 360, date: '1998-09-13' });
    expect(r).toMatchObject({ magneticVariation: 11.3, timestamp: '1998-09-13T08:18:36.000Z' });
    expectDegrees(r.latitude, -(37 + 51.65 / 60));
    expectDegrees(r.longitude, 145 + 7.36 / 60);
  });

  it('reads the u-blox RMC example: fractional seconds and a 20xx date', () => {
    const r = reading('$GPRMC,083559.00,A,4717.11437,N,00833.91522,E,0.004,77.52,091202,,,A*57');
    expect(r).toMatchObject({ time: '08:35:59.000', speedKnots: 0.004, courseTrue: 77.52, date: '2002-12-09' });
    expectDegrees(r.latitude, 47 + 17.11437 / 60);
    expectDegrees(r.longitude, 8 + 33.91522 / 60);
  });

  it('reads an NMEA 4.1 RMC without a fix: every empty field null, the nav status after the mode', () => {
    expect(reading('$GNRMC,,V,,,,,,,,,,N,V*37')).toEqual({
      talker: 'GN',
      sentence: 'RMC',
      time: null,
      status: 'V',
      valid: false,
      latitude: null,
      longitude: null,
      speedKnots: null,
      speedKmh: null,
      courseTrue: null,
      date: null,
      timestamp: null,
      magneticVariation: null,
      mode: 'N',
      navStatus: 'V',
    });
  });

  it('reads UTC with fractional seconds as NMEA Revealed ZDA shows them (hhmmss.ss)', () => {
    expect(reading(withNmeaChecksum('$GPRMC,160012.71,V,,,,,,,110304,,,N')).timestamp).toBe('2004-03-11T16:00:12.710Z');
  });
});

describe('NMEA 0183 GLL, GSV and VTG', () => {
  // NMEA Revealed, GLL: 1-2 latitude, 3-4 longitude, 5 UTC, 6 status A/V, 7 FAA mode.
  it.each([
    {
      input: '$GNGLL,4404.14012,N,12118.85993,W,001037.00,A,A*67',
      time: '00:10:37.000',
      lat: 44 + 4.14012 / 60,
      lon: -(121 + 18.85993 / 60),
    },
    {
      input: '$GPGLL,4717.11364,N,00833.91565,E,092321.00,A,A*60',
      time: '09:23:21.000',
      lat: 47 + 17.11364 / 60,
      lon: 8 + 33.91565 / 60,
    },
  ])('reads GLL $input', ({ input, time, lat, lon }) => {
    const r = reading(input);
    expect(r).toMatchObject({ time, status: 'A', valid: true, mode: 'A' });
    expectDegrees(r.latitude, lat);
    expectDegrees(r.longitude, lon);
  });

  // NMEA Revealed, GSV: a group of three sentences for 11 satellites in view; the last pads an unused
  // quadruple with empty fields. Satellite quadruple: id, elevation, azimuth, SNR (00-99, empty when not tracking).
  it('reads the NMEA Revealed GSV group: 11 satellites in view, 11 listed', () => {
    const group = [
      '$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74',
      '$GPGSV,3,2,11,14,25,170,00,16,57,208,39,18,67,296,40,19,40,246,00*74',
      '$GPGSV,3,3,11,22,42,067,42,24,14,311,43,27,05,244,00,,,,*4D',
    ].map(reading);
    expect(group.map((r) => [r.messageCount, r.messageNumber, r.satellitesInView])).toEqual([
      [3, 1, 11],
      [3, 2, 11],
      [3, 3, 11],
    ]);
    const satellites = group.flatMap((r) => r.satellites as { prn: number }[]);
    expect(satellites.map((s) => s.prn)).toEqual([3, 4, 6, 13, 14, 16, 18, 19, 22, 24, 27]);
    expect(satellites[6]).toEqual({ prn: 18, elevation: 67, azimuth: 296, snr: 40 });
  });

  it('reads the NMEA Revealed GLONASS GSV whose satellite is not tracked (empty SNR)', () => {
    expect(reading('$GLGSV,3,3,09,88,07,028,*51')).toMatchObject({
      talker: 'GL',
      satellitesInView: 9,
      satellites: [{ prn: 88, elevation: 7, azimuth: 28, snr: null }],
      signalId: null,
    });
  });

  // u-blox NMEA 4.10 GSV: the signal id follows the satellites, even when there are none.
  it.each([
    {
      input: '$GPGSV,1,1,03,12,,,42,24,,,47,32,,,37,5*66',
      satellites: [
        { prn: 12, elevation: null, azimuth: null, snr: 42 },
        { prn: 24, elevation: null, azimuth: null, snr: 47 },
        { prn: 32, elevation: null, azimuth: null, snr: 37 },
      ],
      signalId: '5',
    },
    { input: '$GAGSV,1,1,00,2*76', satellites: [], signalId: '2' },
  ])('reads the u-blox NMEA 4.10 GSV $input', ({ input, satellites, signalId }) => {
    expect(reading(input)).toMatchObject({ satellitesInView: satellites.length, satellites, signalId });
  });

  // NMEA Revealed, VTG: 1 course true, 2 'T', 3 course magnetic, 4 'M', 5 knots, 6 'N', 7 km/h, 8 'K', 9 mode.
  it.each([
    {
      input: '$GPVTG,220.86,T,,M,2.550,N,4.724,K,A*34',
      expected: { courseTrue: 220.86, courseMagnetic: null, speedKnots: 2.55, speedKmh: 4.724, mode: 'A' },
    },
    {
      input: '$GPVTG,77.52,T,,M,0.004,N,0.008,K,A*06',
      expected: { courseTrue: 77.52, courseMagnetic: null, speedKnots: 0.004, speedKmh: 0.008, mode: 'A' },
    },
  ])('reads VTG $input', ({ input, expected }) => {
    expect(reading(input)).toEqual({ talker: 'GP', sentence: 'VTG', ...expected });
  });

  // NMEA Revealed: older VTG is `$--VTG,true,magnetic,knots,km/h` with no unit letters, "distinguished by
  // field 2, which will be the fixed text 'T' in the newer form". Values of the classic example
  // (054.7 T, 034.4 M, 005.5 knots, 010.2 km/h); checksum computed independently.
  it('reads the pre-3.01 VTG layout by its own field positions', () => {
    expect(reading('$GPVTG,054.7,034.4,005.5,010.2*54')).toEqual({
      talker: 'GP',
      sentence: 'VTG',
      courseTrue: 54.7,
      courseMagnetic: 34.4,
      speedKnots: 5.5,
      speedKmh: 10.2,
      mode: null,
    });
  });

  it('names a newer-form VTG whose field 2 is not the fixed T', () => {
    expect(nmea.decode(utf8(withNmeaChecksum('$GPVTG,054.7,X,034.4,M,005.5,N,010.2,K')))).toEqual({
      ok: false,
      reason: "VTG field 2 (course reference): expected 'T', got 'X'",
    });
  });
});

describe('NMEA 0183 sentences kept as fields, talkers, AIS and line framing', () => {
  // NMEA Revealed GSA (with an NMEA 4.11 note that a system id may follow), ZDA, and the Garmin
  // PGRMZ and PASHR vendor extensions: not decoded by name, every field kept in order, empty ones "".
  it.each([
    {
      input: '$GNGSA,A,3,80,71,73,79,69,,,,,,,,1.83,1.09,1.47*17',
      expected: {
        talker: 'GN',
        sentence: 'GSA',
        fields: ['A', '3', '80', '71', '73', '79', '69', '', '', '', '', '', '', '', '1.83', '1.09', '1.47'],
      },
    },
    {
      input: '$GPZDA,160012.71,11,03,2004,-1,00*7D',
      expected: { talker: 'GP', sentence: 'ZDA', fields: ['160012.71', '11', '03', '2004', '-1', '00'] },
    },
    { input: '$PGRMZ,2282,f,3*21', expected: { talker: 'P', sentence: 'GRMZ', fields: ['2282', 'f', '3'] } },
    {
      input: '$PASHR,085335.000,224.19,T,-01.26,+00.83,+00.00,0.101,0.113,0.267,1,0*06',
      expected: {
        talker: 'P',
        sentence: 'ASHR',
        fields: ['085335.000', '224.19', 'T', '-01.26', '+00.83', '+00.00', '0.101', '0.113', '0.267', '1', '0'],
      },
    },
  ])('keeps $input as fields', ({ input, expected }) => {
    expect(reading(input)).toEqual(expected);
  });

  // NMEA Revealed, "Common talker IDs": GP GPS, GN combined, GL GLONASS, GA Galileo, GB and BD BeiDou,
  // GQ and QZ QZSS, GI NavIC. An empty GSV under each; checksums computed independently.
  it.each([
    ['$GPGSV,1,1,00*79', 'GP'],
    ['$GNGSV,1,1,00*67', 'GN'],
    ['$GLGSV,1,1,00*65', 'GL'],
    ['$GAGSV,1,1,00*68', 'GA'],
    ['$GBGSV,1,1,00*6B', 'GB'],
    ['$BDGSV,1,1,00*68', 'BD'],
    ['$GQGSV,1,1,00*78', 'GQ'],
    ['$QZGSV,1,1,00*65', 'QZ'],
    ['$GIGSV,1,1,00*60', 'GI'],
  ])('takes the talker of %s as %s', (input, talker) => {
    expect(reading(input)).toEqual({
      talker,
      sentence: 'GSV',
      messageCount: 1,
      messageNumber: 1,
      satellitesInView: 0,
      satellites: [],
      signalId: null,
    });
  });

  it("refuses gpsd's AIVDM example with the reason that '!' data is not handled", () => {
    expect(nmea.decode(utf8('!AIVDM,1,1,,B,177KQJ5000G?tO`K>RA1wUbN0TKH,0*5C\r\n'))).toEqual({
      ok: false,
      reason: "'!' starts AIS/encapsulated data, not handled; expected '$'",
    });
  });

  // NMEA Revealed: "Sentences are terminated by a <CR><LF> sequence."
  it('decodes the NMEA Revealed GSV group sent as CR LF lines in 7-byte chunks', () => {
    const wire = utf8(
      '$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74\r\n' +
        '$GPGSV,3,2,11,14,25,170,00,16,57,208,39,18,67,296,40,19,40,246,00*74\r\n' +
        '$GPGSV,3,3,11,22,42,067,42,24,14,311,43,27,05,244,00,,,,*4D\r\n',
    );
    const deframer = createDelimiterDeframer({ delimiter: utf8('\r\n') });
    const frames = [];
    for (let i = 0; i < wire.length; i += 7) frames.push(...deframer.push(wire.subarray(i, i + 7), 0));
    const numbers = frames.map((frame) => {
      const decoded = frame.ok ? nmea.decode(frame.value) : frame;
      return decoded.ok ? decoded.value.messageNumber : decoded.reason;
    });
    expect(numbers).toEqual([1, 2, 3]);
  });
});

describe('COBS: the Wikipedia examples after Cheshire & Baker (IEEE/ACM ToN, 1999)', () => {
  // "Consistent Overhead Byte Stuffing", Wikipedia, encoding examples 1-11 (payload -> encoded
  // frame with its 0x00 delimiter). By the paper's algorithm a block of 254 non-zero bytes gets code
  // 0xFF and no implied zero, and an empty packet encodes as the single code 0x01.
  const examples = [
    { n: 1, input: hex('00'), expected: hex('01 01 00') },
    { n: 2, input: hex('00 00'), expected: hex('01 01 01 00') },
    { n: 3, input: hex('00 11 00'), expected: hex('01 02 11 01 00') },
    { n: 4, input: hex('11 22 00 33'), expected: hex('03 11 22 02 33 00') },
    { n: 5, input: hex('11 22 33 44'), expected: hex('05 11 22 33 44 00') },
    { n: 6, input: hex('11 00 00 00'), expected: hex('02 11 01 01 01 00') },
    { n: 7, input: range(0x01, 0xfe), expected: concat(hex('ff'), range(0x01, 0xfe), hex('00')) },
    { n: 8, input: range(0x00, 0xfe), expected: concat(hex('01 ff'), range(0x01, 0xfe), hex('00')) },
    { n: 9, input: range(0x01, 0xff), expected: concat(hex('ff'), range(0x01, 0xfe), hex('02 ff 00')) },
    {
      n: 10,
      input: concat(range(0x02, 0xff), hex('00')),
      expected: concat(hex('ff'), range(0x02, 0xff), hex('01 01 00')),
    },
    {
      n: 11,
      input: concat(range(0x03, 0xff), hex('00 01')),
      expected: concat(hex('fe'), range(0x03, 0xff), hex('02 01 00')),
    },
    { n: 'paper: empty packet', input: hex(''), expected: hex('01 00') },
  ];
  const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

  it.each(examples)('encodes example $n', ({ input, expected }) => {
    expect(hexOf(encodeCobsFrame(input))).toBe(hexOf(expected));
    expect(hexOf(encodeCobs(input))).toBe(hexOf(expected.subarray(0, -1)));
  });

  it.each(examples)('decodes example $n, and deframes it at every chunk split', ({ input, expected }) => {
    expect(render([decodeCobs(expected.subarray(0, -1))])).toEqual([hexOf(input)]);
    expect(deframeEverySplit(() => createCobsDeframer(), expected)).toEqual([hexOf(input)]);
  });

  it('decodes an all-zero payload of 300 bytes: 301 codes of 0x01', () => {
    const wire = concat(new Uint8Array(301).fill(1), hex('00'));
    expect(deframeEverySplit(() => createCobsDeframer(), wire)).toEqual([hexOf(new Uint8Array(300))]);
  });

  it.each([
    { input: hex('03 11'), reason: 'COBS: code 0x03 at offset 0 needs 2 data bytes but the frame ends after 1' },
    { input: hex('02 11 00 33'), reason: 'COBS: code byte 0x00 at offset 2; a zero is only valid as the delimiter' },
  ])('names the byte of a malformed frame: $reason', ({ input, reason }) => {
    expect(decodeCobs(input)).toEqual({ ok: false, reason });
  });
});

describe('SLIP (RFC 1055)', () => {
  // RFC 1055, PROTOCOL: END is octal 300, ESC octal 333; a data END is sent as ESC, octal 334; a data
  // ESC as ESC, octal 335; an END follows the last byte, and (Phil Karn) may also precede the packet.
  it('uses the RFC byte values', () => {
    expect([SLIP_END, SLIP_ESC, SLIP_ESC_END, SLIP_ESC_ESC]).toEqual([0o300, 0o333, 0o334, 0o335]);
  });

  it.each([
    { name: 'plain data', input: '01 02 03', expected: 'c0 01 02 03 c0' },
    { name: 'a data END', input: 'c0', expected: 'c0 db dc c0' },
    { name: 'a data ESC', input: 'db', expected: 'c0 db dd c0' },
    { name: 'ESC_END and ESC_ESC as data, untouched', input: 'dc dd', expected: 'c0 dc dd c0' },
  ])('frames $name with a leading and trailing END', ({ input, expected }) => {
    const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    expect(hexOf(encodeSlipFrame(hex(input)))).toBe(hexOf(hex(expected)));
    expect(render([decodeSlip(hex(expected).subarray(1, -1))])).toEqual([hexOf(hex(input))]);
  });

  it('drops the empty packets of back-to-back ENDs, as the RFC expects the receiver to', () => {
    expect(deframeEverySplit(() => createSlipDeframer(), hex('c0 c0 c0 01 db dc c0 c0'))).toEqual(['01c0']);
  });

  // RFC 1055 calls ESC followed by anything else "a protocol violation"; its sample driver keeps the
  // byte as data. Here the frame is rejected instead, naming the byte, and the next frame is unharmed.
  it('rejects ESC followed by a byte other than ESC_END or ESC_ESC, naming it', () => {
    expect(deframeEverySplit(() => createSlipDeframer(), hex('c0 01 db 41 02 c0 05 c0'))).toEqual([
      'reject: SLIP: byte 0x41 at offset 2 follows ESC (0xDB); expected 0xDC or 0xDD',
      '05',
    ]);
  });

  // RFC 1055: "any new SLIP implementations should be prepared to accept 1006 byte datagrams".
  it('accepts a 1006-byte datagram made only of END and ESC (2012 bytes on the wire)', () => {
    const datagram = Uint8Array.from({ length: 1006 }, (_, i) => (i % 2 === 0 ? SLIP_END : SLIP_ESC));
    const frames = createSlipDeframer().push(encodeSlipFrame(datagram), 0);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.ok && Buffer.from(frames[0].value).equals(Buffer.from(datagram))).toBe(true);
  });
});

describe('Modbus RTU CRC-16', () => {
  // The CRC RevEng catalogue (reveng.sourceforge.io/crc-catalogue), CRC-16/MODBUS: poly 0x8005
  // reflected, init 0xFFFF, no final XOR, check 0x4B37 over "123456789", residue 0x0000.
  it('gives the catalogue check value 0x4B37 for "123456789"', () => {
    expect(crc16Modbus(utf8('123456789'))).toBe(0x4b37);
  });

  // Modbus over Serial Line V1.02 §2.5.1.2 and Appendix B §6.2.2: the CRC goes low-order byte first, so
  // the widely quoted "01 03 00 00 00 0A C5 CD" carries CRC 0xCDC5.
  it('appends the CRC low byte first: 01 03 00 00 00 0A -> C5 CD', () => {
    expect(crc16Modbus(fromHex('01 03 00 00 00 0A'))).toBe(0xcdc5);
    expect(toHex(appendCrc16Modbus(fromHex('01 03 00 00 00 0A')))).toBe('01 03 00 00 00 0A C5 CD');
  });

  it.each(['01 03 00 00 00 0A C5 CD', '11 03 06 AE 41 56 52 43 40 49 AD', '0A 81 02 B0 53'])(
    'leaves the catalogue residue 0x0000 over the whole frame %s',
    (frame) => {
      expect(crc16Modbus(fromHex(frame))).toBe(0);
      expect(checkCrc16Modbus(fromHex(frame)).ok).toBe(true);
    },
  );
});

describe('Modbus RTU frames: the Simply Modbus examples (simplymodbus.ca, FC01-FC16 and exceptions)', () => {
  // Each pair is the site's request and response to slave 0x11 with their CRCs; expected values are
  // read off the site's byte-by-byte explanations (coil and input bits LSB first, registers big-endian).
  const cases: Array<{ name: string; request: ModbusRequest; query: string; answer: string; expected: Reading }> = [
    {
      name: 'FC01 read coils 20-56',
      request: { slave: 0x11, function: 0x01, address: 0x13, count: 0x25 },
      query: '11 01 00 13 00 25 0E 84',
      answer: '11 01 05 CD 6B B2 0E 1B 45 E6',
      // CD = coils 27-20 1100 1101, 6B = 35-28 0110 1011, B2 = 43-36 1011 0010, 0E = 51-44 0000 1110,
      // 1B = three padding bits and coils 56-52 1 1011.
      expected: {
        coils: [
          ...[true, false, true, true, false, false, true, true],
          ...[true, true, false, true, false, true, true, false],
          ...[false, true, false, false, true, true, false, true],
          ...[false, true, true, true, false, false, false, false],
          ...[true, true, false, true, true],
        ],
      },
    },
    {
      name: 'FC02 read discrete inputs 10197-10218',
      request: { slave: 0x11, function: 0x02, address: 0xc4, count: 0x16 },
      query: '11 02 00 C4 00 16 BA A9',
      answer: '11 02 03 AC DB 35 20 18',
      // AC = inputs 10204-10197 1010 1100, DB = 10212-10205 1101 1011, 35 = two padding bits and 10218-10213 11 0101.
      expected: {
        coils: [
          ...[false, false, true, true, false, true, false, true],
          ...[true, true, false, true, true, false, true, true],
          ...[true, false, true, false, true, true],
        ],
      },
    },
    {
      name: 'FC03 read holding registers 40108-40110',
      request: { slave: 0x11, function: 0x03, address: 0x6b, count: 3 },
      query: '11 03 00 6B 00 03 76 87',
      answer: '11 03 06 AE 41 56 52 43 40 49 AD',
      expected: { registers: [0xae41, 0x5652, 0x4340] },
    },
    {
      name: 'FC04 read input register 30009',
      request: { slave: 0x11, function: 0x04, address: 0x08, count: 1 },
      query: '11 04 00 08 00 01 B2 98',
      answer: '11 04 02 00 0A F8 F4',
      expected: { registers: [10] },
    },
    {
      name: 'FC05 write coil 173 ON (FF00), echoed',
      request: { slave: 0x11, function: 0x05, address: 0xac, value: true },
      query: '11 05 00 AC FF 00 4E 8B',
      answer: '11 05 00 AC FF 00 4E 8B',
      expected: { address: 0xac, count: 1 },
    },
    {
      name: 'FC06 write 3 to register 40002, echoed',
      request: { slave: 0x11, function: 0x06, address: 1, value: 3 },
      query: '11 06 00 01 00 03 9A 9B',
      answer: '11 06 00 01 00 03 9A 9B',
      expected: { address: 1, count: 1 },
    },
    {
      name: 'FC16 write 000A and 0102 to registers 40002-40003',
      request: { slave: 0x11, function: 0x10, address: 1, values: [0x000a, 0x0102] },
      query: '11 10 00 01 00 02 04 00 0A 01 02 C6 F0',
      answer: '11 10 00 01 00 02 12 98',
      expected: { address: 1, count: 2 },
    },
  ];

  it.each(cases)('$name: encodes the request byte for byte', ({ request, query }) => {
    const encoded = encodeModbusRequest(request);
    expect(encoded.ok && toHex(encoded.value)).toBe(query);
    expect(parseModbusRequest(fromHex(query))).toEqual({ ok: true, value: request });
  });

  it.each(cases)('$name: decodes the response against its request', ({ request, query, answer, expected }) => {
    expect(modbusRtuDecoder.decode(fromHex(answer), { request: fromHex(query) })).toEqual({
      ok: true,
      value: expect.objectContaining({ slave: 0x11, function: request.function, frame: 'response', ...expected }),
    });
  });

  it.each(cases)('$name: the response deframer cuts the response out of noise fed byte by byte', ({ request, answer }) => {
    const deframer = new ModbusResponseDeframer();
    deframer.expect(request);
    const out = ['FF', '00', ...answer.split(' ')].flatMap((b, i) => deframer.push(fromHex(b), i));
    expect(out.map((r) => (r.ok ? toHex(r.value) : r.reason))).toEqual([answer]);
  });

  // Simply Modbus, exception responses: read coil 1186 (0x04A1) from slave 0x0A, answered with
  // function 0x81 (0x01 | 0x80) and exception 02 ILLEGAL DATA ADDRESS.
  it('reads the Simply Modbus exception response 0A 81 02 B0 53', () => {
    const expected = { slave: 10, function: 1, frame: 'exception', exceptionCode: 2, exception: 'ILLEGAL DATA ADDRESS' };
    expect(describeModbusFrame(fromHex('0A 81 02 B0 53'))).toEqual({ ok: true, value: expect.objectContaining(expected) });
    const request = parseModbusRequest(fromHex('0A 01 04 A1 00 01 AC 63'));
    expect(request.ok && parseResponse(fromHex('0A 81 02 B0 53'), request.value)).toEqual({
      ok: true,
      value: { kind: 'exception', slave: 10, function: 1, exception: { code: 2, name: 'ILLEGAL DATA ADDRESS' } },
    });
  });
});

describe('Modbus Application Protocol V1.1b3', () => {
  // §6.3: read holding registers 108-110 -> "03 06 02 2B 00 00 00 64": 555, 0, 100. The spec gives
  // PDUs only; slave 0x11 and the CRC (computed bit by bit, test helper) make them RTU frames.
  it('decodes the §6.3 example registers high byte first: 555, 0, 100', () => {
    const request = { slave: 0x11, function: 0x03, address: 0x6b, count: 3 } as const;
    expect(parseResponse(withReferenceCrc('11 03 06 02 2B 00 00 00 64'), request)).toEqual({
      ok: true,
      value: { kind: 'registers', slave: 0x11, function: 0x03, registers: [555, 0, 100] },
    });
  });

  // §7: exception codes 01-06, 08, 0A, 0B and their names; 07 and 09 are not defined there.
  it.each([
    [0x01, 'ILLEGAL FUNCTION'],
    [0x02, 'ILLEGAL DATA ADDRESS'],
    [0x03, 'ILLEGAL DATA VALUE'],
    [0x04, 'SERVER DEVICE FAILURE'],
    [0x05, 'ACKNOWLEDGE'],
    [0x06, 'SERVER DEVICE BUSY'],
    [0x07, 'UNKNOWN EXCEPTION 0x07'],
    [0x08, 'MEMORY PARITY ERROR'],
    [0x09, 'UNKNOWN EXCEPTION 0x09'],
    [0x0a, 'GATEWAY PATH UNAVAILABLE'],
    [0x0b, 'GATEWAY TARGET DEVICE FAILED TO RESPOND'],
  ])('names exception code %i %s', (code, name) => {
    expect(modbusExceptionName(code)).toBe(name);
  });

  // §7: in an exception response the server sets the MSB of the function code, so 0x83 answers 0x03.
  it.each<ModbusRequest>([
    { slave: 1, function: 0x01, address: 0, count: 1 },
    { slave: 1, function: 0x02, address: 0, count: 1 },
    { slave: 1, function: 0x03, address: 0, count: 1 },
    { slave: 1, function: 0x04, address: 0, count: 1 },
    { slave: 1, function: 0x05, address: 0, value: true },
    { slave: 1, function: 0x06, address: 0, value: 1 },
    { slave: 1, function: 0x10, address: 0, values: [1] },
  ])('reads function $function | 0x80 as an exception to it', (request) => {
    const fn = request.function;
    const frame = withReferenceCrc(`01 ${(fn | 0x80).toString(16)} 04`);
    expect(parseResponse(frame, request)).toEqual({
      ok: true,
      value: { kind: 'exception', slave: 1, function: fn, exception: { code: 4, name: 'SERVER DEVICE FAILURE' } },
    });
  });
});

describe('CSV (RFC 4180 §2)', () => {
  const three = createCsvDecoder({ columns: ['a', 'b', 'c'] });
  const decode = (line: string) => three.decode(utf8(line));

  it.each([
    { rule: '1 and 2: a record, with or without its line break', input: 'aaa,bbb,ccc\r\n', expected: ['aaa', 'bbb', 'ccc'] },
    { rule: '2: the last record may have no line break', input: 'zzz,yyy,xxx', expected: ['zzz', 'yyy', 'xxx'] },
    { rule: '4: spaces are part of a field', input: 'aaa, bbb ,ccc', expected: ['aaa', ' bbb ', 'ccc'] },
    { rule: '5: fields in double quotes', input: '"aaa","bbb","ccc"\r\n', expected: ['aaa', 'bbb', 'ccc'] },
    { rule: '6: a line break inside quotes', input: '"aaa","b\r\nbb","ccc"', expected: ['aaa', 'b\r\nbb', 'ccc'] },
    { rule: '6: a comma inside quotes', input: '"aaa","b,bb","ccc"', expected: ['aaa', 'b,bb', 'ccc'] },
    { rule: '7: a doubled quote inside quotes', input: '"aaa","b""bb","ccc"', expected: ['aaa', 'b"bb', 'ccc'] },
  ])('rule $rule', ({ input, expected }) => {
    expect(decode(input)).toEqual({ ok: true, value: { a: expected[0], b: expected[1], c: expected[2] } });
  });

  it('rule 4: "the last field in the record must not be followed by a comma"', () => {
    expect(decode('aaa,bbb,ccc,')).toEqual({ ok: false, reason: 'expected 3 columns (a, b, c), got 4' });
  });

  // Rule 5: "If fields are not enclosed with double quotes, then double quotes may not appear inside
  // the fields." A space before the opening quote makes the field unquoted (rule 4).
  it.each([
    {
      input: 'aaa,b"bb,ccc',
      reason: 'field 2: quote at position 5 inside an unquoted field; expected the whole field in quotes',
    },
    { input: 'aaa, "b,bb"', reason: 'field 2: quote at position 5 inside an unquoted field; expected the whole field in quotes' },
  ])('rule 5: refuses $input, naming the field and the quote', ({ input, reason }) => {
    expect(decode(input)).toEqual({ ok: false, reason });
  });
});
