import { describe, expect, it } from 'vitest';
import { createNmea0183Decoder, nmea0183OptionsSchema } from '../../../src/codecs/decoders/nmea0183.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

// Every checksum below was computed independently (XOR of the bytes between '$' and '*').
const GGA = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47';
const RMC = '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A';

describe('nmea0183 codec', () => {
  const decoder = createNmea0183Decoder();

  it('names itself nmea0183', () => {
    expect(decoder.kind).toBe('nmea0183');
  });

  const cases: { name: string; input: string; expected: unknown }[] = [
    {
      name: 'decodes GGA: position, fix quality, satellites, hdop, altitude, geoid separation',
      input: GGA,
      expected: {
        ok: true,
        value: {
          talker: 'GP',
          sentence: 'GGA',
          time: '12:35:19.000',
          latitude: 48.1173, // 48 + 7.038 / 60
          longitude: 11.516666667, // 11 + 31 / 60, to 1e-9
          fixQuality: 1,
          satellites: 8,
          hdop: 0.9,
          altitude: 545.4,
          geoidSeparation: 46.9,
          dgpsAge: null,
          dgpsStationId: null,
        },
      },
    },
    {
      name: 'decodes a GN talker with west longitude and negative geoid separation',
      input: '$GNGGA,001043.00,4404.14036,N,12118.85961,W,1,12,0.98,1113.0,M,-21.3,M,,*47',
      expected: {
        ok: true,
        value: {
          talker: 'GN',
          sentence: 'GGA',
          time: '00:10:43.000',
          latitude: 44.069006, // 44 + 4.14036 / 60
          longitude: -121.314326833, // -(121 + 18.85961 / 60)
          fixQuality: 1,
          satellites: 12,
          hdop: 0.98,
          altitude: 1113,
          geoidSeparation: -21.3,
          dgpsAge: null,
          dgpsStationId: null,
        },
      },
    },
    {
      name: 'reads the empty fields of a GGA without a fix as null',
      input: '$GPGGA,,,,,,0,00,,,M,,M,,*66',
      expected: {
        ok: true,
        value: {
          talker: 'GP',
          sentence: 'GGA',
          time: null,
          latitude: null,
          longitude: null,
          fixQuality: 0,
          satellites: 0,
          hdop: null,
          altitude: null,
          geoidSeparation: null,
          dgpsAge: null,
          dgpsStationId: null,
        },
      },
    },
    {
      name: 'decodes RMC with knots, km/h, a dated ISO timestamp and westerly variation',
      input: RMC,
      expected: {
        ok: true,
        value: {
          talker: 'GP',
          sentence: 'RMC',
          time: '12:35:19.000',
          status: 'A',
          valid: true,
          latitude: 48.1173,
          longitude: 11.516666667,
          speedKnots: 22.4,
          speedKmh: 41.4848, // 22.4 * 1.852
          courseTrue: 84.4,
          date: '1994-03-23',
          timestamp: '1994-03-23T12:35:19.000Z',
          magneticVariation: -3.1,
          mode: null,
        },
      },
    },
    {
      name: 'decodes an NMEA 2.3 RMC with a mode, a 20xx date and no variation',
      input: '$GNRMC,083559.00,A,4717.11437,N,00833.91522,E,0.004,77.52,091202,,,A*49',
      expected: {
        ok: true,
        value: {
          talker: 'GN',
          sentence: 'RMC',
          time: '08:35:59.000',
          status: 'A',
          valid: true,
          latitude: 47.2852395, // 47 + 17.11437 / 60
          longitude: 8.565253667, // 8 + 33.91522 / 60
          speedKnots: 0.004,
          speedKmh: 0.007408,
          courseTrue: 77.52,
          date: '2002-12-09',
          timestamp: '2002-12-09T08:35:59.000Z',
          magneticVariation: null,
          mode: 'A',
        },
      },
    },
    {
      name: 'decodes GSV into a satellites array',
      input: '$GPGSV,2,1,08,01,40,083,46,02,17,308,41,12,07,344,39,14,22,228,45*75',
      expected: {
        ok: true,
        value: {
          talker: 'GP',
          sentence: 'GSV',
          messageCount: 2,
          messageNumber: 1,
          satellitesInView: 8,
          satellites: [
            { prn: 1, elevation: 40, azimuth: 83, snr: 46 },
            { prn: 2, elevation: 17, azimuth: 308, snr: 41 },
            { prn: 12, elevation: 7, azimuth: 344, snr: 39 },
            { prn: 14, elevation: 22, azimuth: 228, snr: 45 },
          ],
          signalId: null,
        },
      },
    },
    {
      name: 'decodes a GSV with an untracked satellite (empty SNR) and an NMEA 4.10 signal id',
      input: '$GPGSV,3,3,09,30,05,190,,1*53',
      expected: {
        ok: true,
        value: {
          talker: 'GP',
          sentence: 'GSV',
          messageCount: 3,
          messageNumber: 3,
          satellitesInView: 9,
          satellites: [{ prn: 30, elevation: 5, azimuth: 190, snr: null }],
          signalId: '1',
        },
      },
    },
    {
      name: 'decodes VTG courses and speeds',
      input: '$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48',
      expected: {
        ok: true,
        value: {
          talker: 'GP',
          sentence: 'VTG',
          courseTrue: 54.7,
          courseMagnetic: 34.4,
          speedKnots: 5.5,
          speedKmh: 10.2,
          mode: null,
        },
      },
    },
    {
      name: 'decodes GLL with a west longitude',
      input: '$GPGLL,4916.45,N,12311.12,W,225444,A,*1D',
      expected: {
        ok: true,
        value: {
          talker: 'GP',
          sentence: 'GLL',
          latitude: 49.274166667, // 49 + 16.45 / 60
          longitude: -123.185333333, // -(123 + 11.12 / 60)
          time: '22:54:44.000',
          status: 'A',
          valid: true,
          mode: null,
        },
      },
    },
    {
      name: 'decodes GLL with a south latitude and fractional seconds',
      input: '$GPGLL,3352.128,S,15112.558,E,092204.999,A,A*42',
      expected: {
        ok: true,
        value: {
          talker: 'GP',
          sentence: 'GLL',
          latitude: -33.8688, // -(33 + 52.128 / 60)
          longitude: 151.2093, // 151 + 12.558 / 60
          time: '09:22:04.999',
          status: 'A',
          valid: true,
          mode: 'A',
        },
      },
    },
    {
      name: 'keeps an unknown sentence as string fields',
      input: '$GPZDA,201530.00,04,07,2002,00,00*60',
      expected: {
        ok: true,
        value: { talker: 'GP', sentence: 'ZDA', fields: ['201530.00', '04', '07', '2002', '00', '00'] },
      },
    },
    {
      name: 'keeps a proprietary sentence with talker P',
      input: '$PGRME,15.0,M,45.0,M,25.0,M*1C',
      expected: {
        ok: true,
        value: { talker: 'P', sentence: 'GRME', fields: ['15.0', 'M', '45.0', 'M', '25.0', 'M'] },
      },
    },
    {
      name: 'tolerates a trailing CR LF',
      input: '$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48\r\n',
      expected: {
        ok: true,
        value: {
          talker: 'GP',
          sentence: 'VTG',
          courseTrue: 54.7,
          courseMagnetic: 34.4,
          speedKnots: 5.5,
          speedKmh: 10.2,
          mode: null,
        },
      },
    },
    {
      name: 'accepts a lower-case checksum',
      input: '$GPGSV,1,1,01,07,,,*7f',
      expected: {
        ok: true,
        value: {
          talker: 'GP',
          sentence: 'GSV',
          messageCount: 1,
          messageNumber: 1,
          satellitesInView: 1,
          satellites: [{ prn: 7, elevation: null, azimuth: null, snr: null }],
          signalId: null,
        },
      },
    },
    {
      name: 'reports a checksum mismatch with both values',
      input: '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*4B',
      expected: { ok: false, reason: 'NMEA checksum mismatch: sentence says 0x4B, computed 0x47' },
    },
    {
      name: 'catches a corrupted field through the checksum',
      input: '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.5,M,46.9,M,,*47',
      expected: { ok: false, reason: 'NMEA checksum mismatch: sentence says 0x47, computed 0x46' },
    },
    {
      name: "refuses a sentence without '*' by default",
      input: '$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K',
      expected: { ok: false, reason: "NMEA sentence has no checksum: '*HH' missing" },
    },
    {
      name: "refuses one hex digit after '*'",
      input: '$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*4',
      expected: { ok: false, reason: "NMEA checksum must be two hex digits after '*', got '4'" },
    },
    {
      name: "refuses non-hex after '*'",
      input: '$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*4G',
      expected: { ok: false, reason: "NMEA checksum must be two hex digits after '*', got '4G'" },
    },
    {
      name: "politely refuses an AIS '!' sentence",
      input: '!AIVDM,1,1,,B,177KQJ5000G?tO`K>RA1wUbN0TKH,0*5C',
      expected: { ok: false, reason: "'!' starts AIS/encapsulated data, not handled; expected '$'" },
    },
    {
      name: "refuses a sentence without '$'",
      input: 'GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48',
      expected: { ok: false, reason: "expected '$' at byte 0, found 'G'" },
    },
    {
      name: 'refuses an empty frame',
      input: '\r\n',
      expected: { ok: false, reason: "empty frame; expected '$'" },
    },
    {
      name: 'refuses a malformed address',
      input: '$GPGG,1*0A',
      expected: {
        ok: false,
        reason: "address 'GPGG': expected 2-letter talker + 3-letter sentence, or P + maker",
      },
    },
    {
      name: 'names a bad hemisphere',
      input: '$GPGLL,4916.45,X,12311.12,W,225444,A,*0B',
      expected: { ok: false, reason: "GLL field 2 (latitude hemisphere): expected N or S, got 'X'" },
    },
    {
      name: 'names a latitude with too few degree digits',
      input: '$GPGLL,916.45,N,12311.12,W,225444,A,*29',
      expected: { ok: false, reason: "GLL field 1 (latitude): expected ddmm.mmmm, got '916.45'" },
    },
    {
      name: 'names a latitude with 60 or more minutes',
      input: '$GPGLL,4867.00,N,12311.12,W,225444,A,*1B',
      expected: {
        ok: false,
        reason: "GLL field 1 (latitude): expected minutes under 60, 90 degrees at most, got '4867.00'",
      },
    },
    {
      name: 'names an impossible hour',
      input: '$GPGLL,4916.45,N,12311.12,W,256444,A,*19',
      expected: { ok: false, reason: "GLL field 5 (time): expected hhmmss.sss (UTC), got '256444'" },
    },
    {
      name: 'names an impossible date',
      input: '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,300294,003.1,W*69',
      expected: { ok: false, reason: "RMC field 9 (date): expected ddmmyy, got '300294'" },
    },
    {
      name: 'names a field that is not a number',
      input: '$GPVTG,054.7,T,034.4,M,fast,N,010.2,K*66',
      expected: { ok: false, reason: "VTG field 5 (speed (knots)): expected a number, got 'fast'" },
    },
    {
      name: 'refuses a GSV whose last satellite is cut short',
      input: '$GPGSV,1,1,01,07,80,90*52',
      expected: { ok: false, reason: 'GSV has 6 fields; expected 3 + 4 per satellite' },
    },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    expect(decoder.decode(ascii(input))).toEqual(expected);
  });

  it('accepts a sentence without a checksum when requireChecksum is false', () => {
    const lenient = createNmea0183Decoder({ requireChecksum: false });
    expect(lenient.decode(ascii('$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K'))).toEqual({
      ok: true,
      value: {
        talker: 'GP',
        sentence: 'VTG',
        courseTrue: 54.7,
        courseMagnetic: 34.4,
        speedKnots: 5.5,
        speedKmh: 10.2,
        mode: null,
      },
    });
    expect(lenient.decode(ascii(`${RMC.slice(0, -1)}B`))).toEqual({
      ok: false,
      reason: 'NMEA checksum mismatch: sentence says 0x6B, computed 0x6A',
    });
  });

  it('starts each sentence with a clean slate after a bad one', () => {
    expect(decoder.decode(ascii('$GPGLL,4916.45,X,12311.12,W,225444,A,*0B')).ok).toBe(false);
    expect(decoder.decode(ascii(GGA)).ok).toBe(true);
  });

  it.each([
    { name: 'a misspelt option', input: { requireChecksm: false }, expected: false },
    { name: 'a non-boolean requireChecksum', input: { requireChecksum: 'no' }, expected: false },
    { name: 'no options', input: {}, expected: true },
  ])('options schema: $name -> valid is $expected', ({ input, expected }) => {
    expect(nmea0183OptionsSchema.safeParse(input).success).toBe(expected);
  });
});
