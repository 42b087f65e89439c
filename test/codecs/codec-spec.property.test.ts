import fc from 'fast-check';
import { describe, it } from 'vitest';
import { GATT_CHARACTERISTICS } from '../../src/codecs/ble/gatt-characteristics.js';
import { CODEC_KINDS } from '../../src/codecs/codec-registry.js';
import { type CodecSpec, codecSpecSchema, createDecoder } from '../../src/codecs/codec-spec.js';
import type { DecodeContext } from '../../src/codecs/decoder.js';
import { planPolls } from '../../src/codecs/modbus/modbus-poll.js';
import { anyBytes, expectNeverThrows } from '../support/fuzz.js';

const hexKey = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((key) => Buffer.from(key).toString('hex'));
const mac = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':'));
/** Now and then a value of the wrong kind, so the schema's refusals are exercised too. */
const junk = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null));
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary }, { weight: 1, arbitrary: junk });

/** Options for each codec kind, drawn around what its schema accepts. */
const OPTIONS: Record<(typeof CODEC_KINDS)[number], fc.Arbitrary<Record<string, unknown>>> = {
  json: fc.record({ valueField: sometimes(fc.string({ minLength: 1, maxLength: 6 })) }, { requiredKeys: [] }),
  'key-value': fc.record(
    {
      pairSeparators: sometimes(
        fc.oneof(fc.constantFrom(' ', ',', ';', '|', '.', '*'), fc.array(fc.constantFrom(' ', '&', '\t'))),
      ),
      keyValueSeparators: sometimes(fc.oneof(fc.constantFrom('=', ':', '->', '(', '$'), fc.array(fc.constantFrom('=', '?')))),
      parseNumbers: sometimes(fc.boolean()),
    },
    { requiredKeys: [] },
  ),
  csv: fc.record(
    {
      columns: sometimes(
        fc.uniqueArray(
          fc.oneof(
            fc.stringMatching(/^[a-z]{1,4}$/),
            fc.record({
              name: fc.stringMatching(/^[a-z]{1,4}$/),
              type: fc.constantFrom('string', 'number', 'integer', 'boolean'),
            }),
          ),
          { minLength: 1, maxLength: 4, selector: (column) => (typeof column === 'string' ? column : column.name) },
        ),
      ),
      separator: sometimes(fc.string({ minLength: 1, maxLength: 1 })),
    },
    { requiredKeys: ['columns'] },
  ),
  struct: fc.record(
    {
      fields: sometimes(
        fc
          .array(
            fc.oneof(
              fc.record(
                {
                  offset: fc.integer({ min: 0, max: 16 }),
                  type: fc.constantFrom('u8', 'i16', 'u32', 'f32', 'f64'),
                  scale: fc.double(),
                  add: fc.double(),
                },
                { requiredKeys: ['offset', 'type'] },
              ),
              fc.record({
                offset: fc.integer({ min: 0, max: 16 }),
                type: fc.constant('bits'),
                bit: fc.record({ start: fc.integer({ min: 0, max: 31 }), length: fc.integer({ min: 1, max: 32 }) }),
              }),
            ),
            { minLength: 1, maxLength: 4 },
          )
          .map((fields) => fields.map((field, i) => ({ name: `f${i}`, ...field }))),
      ),
      endian: sometimes(fc.constantFrom('big', 'little')),
      length: fc.integer({ min: 20, max: 40 }),
      minLength: fc.integer({ min: 0, max: 20 }),
    },
    { requiredKeys: ['fields'] },
  ),
  nmea0183: fc.record({ requireChecksum: sometimes(fc.boolean()) }, { requiredKeys: [] }),
  ruuvi: fc.constant({}),
  bthome: fc.record(
    { key: sometimes(hexKey), keys: sometimes(fc.dictionary(fc.oneof(mac, fc.string()), hexKey, { maxKeys: 3 })) },
    { requiredKeys: [] },
  ),
  atc: fc.record({ format: sometimes(fc.constantFrom('auto', 'atc1441', 'pvvx')) }, { requiredKeys: [] }),
  gatt: fc.record({
    characteristic: sometimes(
      fc.constantFrom(...Object.keys(GATT_CHARACTERISTICS), ...Object.values(GATT_CHARACTERISTICS), '0x2A19'),
    ),
  }),
  'modbus-rtu': fc.record(
    {
      poll: sometimes(
        fc.record({
          intervalMs: fc.integer({ min: 0, max: 10_000 }),
          slaves: fc.array(
            fc.record({
              address: fc.integer({ min: 1, max: 248 }),
              reads: fc.array(
                fc.record({
                  function: fc.constantFrom('holding', 'input', 'coils', 'discrete'),
                  address: fc.integer({ min: 0, max: 0xffff }),
                  count: fc.integer({ min: 4, max: 130 }),
                  fields: fc.array(
                    fc.record({
                      name: fc.constantFrom('a', 'b', 'c', 'slave'),
                      register: fc.integer({ min: 0, max: 4 }),
                      type: fc.constantFrom('u16', 'i32', 'f32', 'bool'),
                    }),
                    { minLength: 1, maxLength: 2 },
                  ),
                }),
                { minLength: 1, maxLength: 2 },
              ),
            }),
            { minLength: 1, maxLength: 2 },
          ),
        }),
      ),
    },
    { requiredKeys: [] },
  ),
};

/** Codec specs the schema accepts, with every kind's options across and beyond their range. */
const spec: fc.Arbitrary<CodecSpec> = fc
  .constantFrom(...CODEC_KINDS)
  .chain((kind) => OPTIONS[kind].map((options) => ({ ...options, kind })))
  .map((input) => codecSpecSchema.safeParse(input))
  .filter((parsed) => parsed.success)
  .map((parsed) => parsed.data as CodecSpec);

/** The context the gateway hands a decoder: a BLE address, or for Modbus the poll being answered. */
function contextFor(codec: CodecSpec): fc.Arbitrary<DecodeContext> {
  if (codec.kind === 'modbus-rtu') {
    const polls = codec.poll ? planPolls(codec.poll) : [];
    return polls.length > 0
      ? fc.oneof(
          fc.constant({}),
          fc.constantFrom(...polls).map((poll) => ({ poll })),
        )
      : fc.constant({});
  }
  return fc.record({ address: fc.oneof(mac, fc.string({ maxLength: 20 })) }, { requiredKeys: [] });
}

describe('every codec a profile can configure, fuzzed', () => {
  it('builds a decoder from every spec the schema accepts, which never throws on any bytes', () => {
    const input = spec.chain((codec) => fc.tuple(fc.constant(codec), anyBytes(64), contextFor(codec)));
    expectNeverThrows(input, ([codec, bytes, context]) => createDecoder(codec).decode(bytes, context));
  });
});
