import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import { defineCodec } from '../codec-definition.js';
import type { Decoder, JsonValue, Reading } from '../decoder.js';
import { nmeaXor } from '../nmea-checksum.js';
import { decodeFrameText, hexByte, parseDecimal, parseInteger } from './text.js';

/** Options of the `nmea0183` codec. */
export const nmea0183OptionsSchema = z
  .object({
    /** Refuse sentences without `*HH`; turn off only for devices that never send one. */
    requireChecksum: z.boolean().default(true),
  })
  .strict();

/** Validated `nmea0183` codec options. */
export type Nmea0183Options = z.infer<typeof nmea0183OptionsSchema>;
/** `nmea0183` codec options as written in a profile (defaults not yet applied). */
export type Nmea0183OptionsInput = z.input<typeof nmea0183OptionsSchema>;

const KNOTS_TO_KMH = 1.852;
const ADDRESS = /^[A-Z0-9]{5}$/;
const UNSIGNED_DECIMAL = /^\d+(?:\.\d*)?$/;
const TIME = /^\d{6}(?:\.\d+)?$/;
const DATE = /^\d{6}$/;
const CHECKSUM = /^[0-9A-Fa-f]{2}$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const LATITUDE = { digits: 2, limit: 90, positive: 'N', negative: 'S' };
const LONGITUDE = { digits: 3, limit: 180, positive: 'E', negative: 'W' };

/** Rounds a computed value to 1e-9 so 48 + 7.038 / 60 reads 48.1173; finer than any receiver reports. */
const tidy = (value: number): number => Math.round(value * 1e9) / 1e9;

/** Reads a sentence's fields by index; the first bad field leaves a reason and later reads are ignored. */
class FieldReader {
  fields: string[] = [];
  talker = '';
  sentence = '';
  reason: string | undefined;

  reset(fields: string[], talker: string, sentence: string): this {
    this.fields = fields;
    this.talker = talker;
    this.sentence = sentence;
    this.reason = undefined;
    return this;
  }

  /** The raw field, or null when empty or absent (older sentence versions end early). */
  text(i: number): string | null {
    const raw = this.fields[i];
    return raw === undefined || raw === '' ? null : raw;
  }

  number(i: number, what: string): number | null {
    const raw = this.text(i);
    return raw === null ? null : (parseDecimal(raw) ?? this.bad(i, what, 'a number'));
  }

  integer(i: number, what: string): number | null {
    const raw = this.text(i);
    return raw === null ? null : (parseInteger(raw) ?? this.bad(i, what, 'an integer'));
  }

  /** `ddmm.mmmm` (latitude) or `dddmm.mmmm` (longitude) at i, hemisphere at i + 1, as signed degrees. */
  coordinate(i: number, what: 'latitude' | 'longitude'): number | null {
    const raw = this.text(i);
    if (raw === null) return null;
    const { digits, limit, positive, negative } = what === 'latitude' ? LATITUDE : LONGITUDE;
    const dot = raw.indexOf('.');
    if (!UNSIGNED_DECIMAL.test(raw) || (dot < 0 ? raw.length : dot) !== digits + 2) {
      return this.bad(i, what, `${'d'.repeat(digits)}mm.mmmm`);
    }
    const minutes = Number(raw.slice(digits));
    const value = Number(raw.slice(0, digits)) + minutes / 60;
    if (minutes >= 60 || value > limit) return this.bad(i, what, `minutes under 60, ${limit} degrees at most`);
    return this.sign(i + 1, tidy(value), `${what} hemisphere`, positive, negative);
  }

  /** `hhmmss.ss` as "hh:mm:ss.sss". */
  time(i: number): string | null {
    const raw = this.text(i);
    if (raw === null) return null;
    const hh = raw.slice(0, 2);
    const mm = raw.slice(2, 4);
    const ss = raw.slice(4, 6);
    if (!TIME.test(raw) || +hh > 23 || +mm > 59 || +ss > 60) return this.bad(i, 'time', 'hhmmss.sss (UTC)');
    return `${hh}:${mm}:${ss}.${`${raw.slice(7, 10)}000`.slice(0, 3)}`;
  }

  /** `ddmmyy` as "yyyy-mm-dd"; two-digit years from 80 are 19xx (GPS began in 1980). */
  date(i: number): string | null {
    const raw = this.text(i);
    if (raw === null) return null;
    const day = +raw.slice(0, 2);
    const month = +raw.slice(2, 4);
    const yy = +raw.slice(4, 6);
    const year = yy >= 80 ? 1900 + yy : 2000 + yy;
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
    if (!DATE.test(raw) || day < 1 || day > days) return this.bad(i, 'date', 'ddmmyy');
    return `${year}-${raw.slice(2, 4)}-${raw.slice(0, 2)}`;
  }

  /** `value` signed by the direction letter at i: `positive` keeps the sign, `negative` flips it. */
  sign(i: number, value: number, what: string, positive: string, negative: string): number | null {
    if (this.fields[i] === negative) return -value;
    return this.fields[i] === positive ? value : this.bad(i, what, `${positive} or ${negative}`);
  }

  private bad(i: number, what: string, expected: string): null {
    const got = this.fields[i] ?? '';
    this.reason ??= `${this.sentence} field ${i} (${what}): expected ${expected}, got '${got}'`;
    return null;
  }
}

/** "A" (valid) / "V" (void) status as a boolean. */
const validity = (status: string | null): boolean | null => (status === null ? null : status === 'A');

function gga(f: FieldReader): Reading {
  return {
    talker: f.talker,
    sentence: f.sentence,
    time: f.time(1),
    latitude: f.coordinate(2, 'latitude'),
    longitude: f.coordinate(4, 'longitude'),
    fixQuality: f.integer(6, 'fix quality'),
    satellites: f.integer(7, 'satellites'),
    hdop: f.number(8, 'hdop'),
    altitude: f.number(9, 'altitude'),
    geoidSeparation: f.number(11, 'geoid separation'),
    dgpsAge: f.number(13, 'DGPS age'),
    dgpsStationId: f.integer(14, 'DGPS station id'),
  };
}

function rmc(f: FieldReader): Reading {
  const time = f.time(1);
  const speedKnots = f.number(7, 'speed (knots)');
  const date = f.date(9);
  const variation = f.number(10, 'magnetic variation');
  return {
    talker: f.talker,
    sentence: f.sentence,
    time,
    status: f.text(2),
    valid: validity(f.text(2)),
    latitude: f.coordinate(3, 'latitude'),
    longitude: f.coordinate(5, 'longitude'),
    speedKnots,
    speedKmh: speedKnots === null ? null : tidy(speedKnots * KNOTS_TO_KMH),
    courseTrue: f.number(8, 'course (true)'),
    date,
    timestamp: date === null || time === null ? null : `${date}T${time}Z`,
    magneticVariation: variation === null ? null : f.sign(11, variation, 'variation direction', 'E', 'W'),
    mode: f.text(12),
    // NMEA 4.10 adds the navigational status (S safe, C caution, U unsafe, V not valid); older receivers end at mode.
    ...(f.fields.length > 13 ? { navStatus: f.text(13) } : {}),
  };
}

function gsv(f: FieldReader): Reading {
  const count = f.fields.length;
  const extra = (count - 4) % 4; // NMEA 4.10 adds a signal id after the satellites
  if (count > 4 && extra > 1) f.reason ??= `GSV has ${count - 1} fields; expected 3 + 4 per satellite`;
  const satellites: JsonValue[] = [];
  for (let i = 4; i + 3 < count; i += 4) {
    if (f.text(i) === null) continue; // padding for an unused slot
    satellites.push({
      prn: f.integer(i, 'satellite PRN'),
      elevation: f.integer(i + 1, 'elevation'),
      azimuth: f.integer(i + 2, 'azimuth'),
      snr: f.integer(i + 3, 'SNR'),
    });
  }
  return {
    talker: f.talker,
    sentence: f.sentence,
    messageCount: f.integer(1, 'message count'),
    messageNumber: f.integer(2, 'message number'),
    satellitesInView: f.integer(3, 'satellites in view'),
    satellites,
    signalId: extra === 1 ? f.text(count - 1) : null,
  };
}

function vtg(f: FieldReader): Reading {
  // The pre-3.01 form is `$--VTG,true,magnetic,knots,km/h`: no unit letters, so field 2 is not the
  // fixed 'T' of the newer form (gpsd's "NMEA Revealed"). Read by the newer layout, its knots became
  // the magnetic course.
  const unit = f.text(2);
  if (f.fields.length === 5 && unit !== 'T') {
    return {
      talker: f.talker,
      sentence: f.sentence,
      courseTrue: f.number(1, 'course (true)'),
      courseMagnetic: f.number(2, 'course (magnetic)'),
      speedKnots: f.number(3, 'speed (knots)'),
      speedKmh: f.number(4, 'speed (km/h)'),
      mode: null,
    };
  }
  if (unit !== null && unit !== 'T') f.reason ??= `VTG field 2 (course reference): expected 'T', got '${unit}'`;
  return {
    talker: f.talker,
    sentence: f.sentence,
    courseTrue: f.number(1, 'course (true)'),
    courseMagnetic: f.number(3, 'course (magnetic)'),
    speedKnots: f.number(5, 'speed (knots)'),
    speedKmh: f.number(7, 'speed (km/h)'),
    mode: f.text(9),
  };
}

function gll(f: FieldReader): Reading {
  return {
    talker: f.talker,
    sentence: f.sentence,
    latitude: f.coordinate(1, 'latitude'),
    longitude: f.coordinate(3, 'longitude'),
    time: f.time(5),
    status: f.text(6),
    valid: validity(f.text(6)),
    mode: f.text(7),
  };
}

type SentenceParser = (f: FieldReader) => Reading;
const SENTENCES: Record<string, SentenceParser> = { GGA: gga, RMC: rmc, GSV: gsv, VTG: vtg, GLL: gll };

/** Null when the checksum after `*` matches the XOR of the bytes between `$` and `*`, else why not. */
function checksumFault(line: string, star: number): string | null {
  const given = line.slice(star + 1);
  if (!CHECKSUM.test(given)) return `NMEA checksum must be two hex digits after '*', got '${given}'`;
  const said = Number.parseInt(given, 16);
  const computed = nmeaXor(line, 1, star);
  if (said === computed) return null;
  return `NMEA checksum mismatch: sentence says 0x${hexByte(said)}, computed 0x${hexByte(computed)}`;
}

/**
 * A decoder for NMEA 0183 sentences (`$TTSSS,...*HH`). GGA, RMC, GSV, VTG and GLL become named
 * numeric fields (empty fields are null); other sentences become `{ talker, sentence, fields }`.
 * Proprietary sentences (`$P...`) have talker "P" and the rest of the address as the sentence.
 */
export function createNmea0183Decoder(options: Nmea0183OptionsInput = {}): Decoder {
  const { requireChecksum } = nmea0183OptionsSchema.parse(options);
  const reader = new FieldReader();
  return {
    kind: 'nmea0183',
    decode(bytes: Uint8Array): Result<Reading> {
      const text = decodeFrameText(bytes);
      if (!text.ok) return text;
      const line = text.value;
      if (line[0] !== '$') {
        if (line[0] === '!') return fail("'!' starts AIS/encapsulated data, not handled; expected '$'");
        return fail(line === '' ? "empty frame; expected '$'" : `expected '$' at byte 0, found '${line[0]}'`);
      }
      const star = line.indexOf('*');
      if (star < 0 && requireChecksum) return fail("NMEA sentence has no checksum: '*HH' missing");
      const bad = star < 0 ? null : checksumFault(line, star);
      if (bad !== null) return fail(bad);
      const fields = line.slice(1, star < 0 ? line.length : star).split(',');
      const address = fields[0] ?? '';
      const proprietary = address[0] === 'P';
      if (proprietary ? address.length < 2 : !ADDRESS.test(address)) {
        return fail(`address '${address}': expected 2-letter talker + 3-letter sentence, or P + maker`);
      }
      const talker = proprietary ? 'P' : address.slice(0, 2);
      const sentence = proprietary ? address.slice(1) : address.slice(2);
      const parse = !proprietary && Object.hasOwn(SENTENCES, sentence) ? SENTENCES[sentence] : undefined;
      if (parse === undefined) return ok({ talker, sentence, fields: fields.slice(1) });
      const reading = parse(reader.reset(fields, talker, sentence));
      return reader.reason === undefined ? ok(reading) : fail(reader.reason);
    },
  };
}

/** The `nmea0183` codec: NMEA 0183 sentences. */
export const nmea0183Codec = defineCodec({ kind: 'nmea0183', options: nmea0183OptionsSchema, create: createNmea0183Decoder });
