import { z } from 'zod';
import { fail, type Result } from '../result.js';
import { bthomeOptionsSchema, createBthomeDecoder } from './ble/bthome.js';
import { createGattDecoder, gattOptionsSchema } from './ble/gatt-characteristics.js';
import { createRuuviDecoder, ruuviOptionsSchema } from './ble/ruuvi.js';
import { atcOptionsSchema, createAtcDecoder } from './ble/xiaomi-atc.js';
import type { DecodeContext, Decoder } from './decoder.js';
import { binaryStructOptionsSchema, createBinaryStructDecoder } from './decoders/binary-struct.js';
import { createCsvDecoder, csvOptionsSchema } from './decoders/csv.js';
import { createJsonLinesDecoder, jsonLinesOptionsSchema } from './decoders/json-lines.js';
import { createKeyValueDecoder, keyValueOptionsSchema } from './decoders/key-value.js';
import { createNmea0183Decoder, nmea0183OptionsSchema } from './decoders/nmea0183.js';
import { decodePollResponse, modbusPollOptionsSchema, type PollRequest } from './modbus/modbus-poll.js';
import { parseResponse } from './modbus/modbus-rtu.js';
import { describeModbusFrame } from './modbus/modbus-rtu-decoder.js';

/** Each codec's own options schema, by the `kind` a profile names it with. */
const OPTION_SCHEMAS = {
  json: jsonLinesOptionsSchema,
  'key-value': keyValueOptionsSchema,
  csv: csvOptionsSchema,
  struct: binaryStructOptionsSchema,
  nmea0183: nmea0183OptionsSchema,
  ruuvi: ruuviOptionsSchema,
  bthome: bthomeOptionsSchema,
  atc: atcOptionsSchema,
  gatt: gattOptionsSchema,
} as const;

export { CODEC_KINDS } from './codec-kinds.js';

const modbusEntry = z.object({ kind: z.literal('modbus-rtu'), poll: modbusPollOptionsSchema.optional() }).strict();

/**
 * A profile's `codec`: `{ kind, ...options }`. The union gives editors the shape; each codec's own
 * schema then checks its finer rules (refinements), so every error still names its path.
 */
export const codecSpecSchema = z
  .discriminatedUnion('kind', [
    z
      .object({ kind: z.literal('json') })
      .extend(jsonLinesOptionsSchema.shape)
      .strict(),
    z
      .object({ kind: z.literal('key-value') })
      .extend(keyValueOptionsSchema.shape)
      .strict(),
    z
      .object({ kind: z.literal('csv') })
      .extend(csvOptionsSchema.shape)
      .strict(),
    z
      .object({ kind: z.literal('struct') })
      .extend(binaryStructOptionsSchema.shape)
      .strict(),
    z
      .object({ kind: z.literal('nmea0183') })
      .extend(nmea0183OptionsSchema.shape)
      .strict(),
    z
      .object({ kind: z.literal('ruuvi') })
      .extend(ruuviOptionsSchema.shape)
      .strict(),
    z
      .object({ kind: z.literal('bthome') })
      .extend(bthomeOptionsSchema.shape)
      .strict(),
    z
      .object({ kind: z.literal('atc') })
      .extend(atcOptionsSchema.shape)
      .strict(),
    z
      .object({ kind: z.literal('gatt') })
      .extend(gattOptionsSchema.shape)
      .strict(),
    modbusEntry,
  ])
  .superRefine((spec, ctx) => {
    if (spec.kind === 'modbus-rtu') return;
    const { kind, ...options } = spec;
    const checked = OPTION_SCHEMAS[kind].safeParse(options);
    if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: issue.path });
  });

export type CodecSpec = z.infer<typeof codecSpecSchema>;

/** Builds the decoder a codec spec describes. Throws only for a spec that skipped validation. */
export function createDecoder(spec: CodecSpec): Decoder {
  switch (spec.kind) {
    case 'json':
      return createJsonLinesDecoder(withoutKind(spec));
    case 'key-value':
      return createKeyValueDecoder(withoutKind(spec));
    case 'csv':
      return createCsvDecoder(withoutKind(spec));
    case 'struct':
      return createBinaryStructDecoder(withoutKind(spec));
    case 'nmea0183':
      return createNmea0183Decoder(withoutKind(spec));
    case 'ruuvi':
      return createRuuviDecoder({});
    case 'bthome':
      return createBthomeDecoder(withoutKind(spec));
    case 'atc':
      return createAtcDecoder(withoutKind(spec));
    case 'gatt':
      return createGattDecoder(withoutKind(spec));
    case 'modbus-rtu':
      return modbusDecoder;
  }
}

/** Modbus frames decode against the poll that asked for them (`context.poll`), or standalone. */
const modbusDecoder: Decoder = {
  kind: 'modbus-rtu',
  decode(bytes: Uint8Array, context?: DecodeContext): Result<import('./decoder.js').Reading> {
    const poll = context?.poll as PollRequest | undefined;
    if (!poll) return describeModbusFrame(bytes);
    const response = parseResponse(bytes, poll.request);
    if (!response.ok) return fail(`slave ${poll.slave}: ${response.reason}`);
    return decodePollResponse(poll, response.value);
  },
};

function withoutKind<T extends { kind: string }>(spec: T): Omit<T, 'kind'> {
  const { kind: _kind, ...rest } = spec;
  return rest;
}
