import { z } from 'zod';
import { codecSpecSchema } from '../codecs/codec-spec.js';
import { framingSpecSchema } from '../codecs/framing/framing-spec.js';

const idTemplate = z
  .string()
  .min(1)
  .describe('literal id or template: {port.path}, {port.serialNumber}, {address}, {slave}, {reading.FIELD}');

/** How to reach the peripheral over a serial line (or serial-over-TCP). */
export const serialTransportSchema = z
  .object({
    kind: z.literal('serial'),
    baudRate: z.number().int().positive().default(9600),
    dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
  })
  .strict();

/** How to reach a BLE peripheral: advertisements only, or a GATT connection. */
export const bleTransportSchema = z
  .object({
    kind: z.literal('ble'),
    mode: z.enum(['advertisement', 'gatt']).default('advertisement'),
    /** Which advertisement part to decode: manufacturer data or the service data of one UUID. */
    source: z
      .union([
        z.object({ manufacturerData: z.number().int().min(0).max(0xffff).optional() }).strict(),
        z.object({ serviceData: z.string().min(4) }).strict(),
      ])
      .optional(),
    filter: z
      .object({
        serviceUuids: z.array(z.string()).optional(),
        localName: z.string().optional(),
        manufacturerId: z.number().int().min(0).max(0xffff).optional(),
        addresses: z.array(z.string()).optional(),
      })
      .strict()
      .default({}),
    /** At most one event per interval per device (ms), and/or only when the reading changed. */
    rateLimit: z.object({ intervalMs: z.number().int().min(0).default(0), onChange: z.boolean().default(false) }).strict().default({ intervalMs: 0, onChange: false }),
    gatt: z
      .object({
        service: z.string().optional(),
        characteristics: z
          .array(
            z
              .object({
                uuid: z.string(),
                notify: z.boolean().default(true),
                pollMs: z.number().int().positive().optional(),
                codec: codecSpecSchema.optional(),
              })
              .strict(),
          )
          .default([]),
        write: z.object({ uuid: z.string(), withoutResponse: z.boolean().default(false) }).strict().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const matchValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);

/** One event a profile publishes: which readings, under which eventId and format. */
export const eventRuleSchema = z
  .object({
    eventId: z.string().min(1),
    /** Reading fields that must equal these values (a list means any of them). Empty: every reading. */
    when: z.record(z.string(), matchValue).default({}),
    format: z.literal('json').default('json'),
    /** Only these reading fields go into the payload (default: all). */
    fields: z.array(z.string()).optional(),
  })
  .strict();

const commandParam = z
  .object({
    type: z.enum(['number', 'integer', 'string', 'boolean']),
    min: z.number().optional(),
    max: z.number().optional(),
    enum: z.array(z.union([z.string(), z.number()])).optional(),
    required: z.boolean().default(true),
  })
  .strict();

/** How a command's payload becomes bytes for the device. */
export const commandEncodingSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('template'),
      /** `{param}` placeholders; `{checksum}` is the NMEA XOR of the text between "$" and "*". */
      text: z.string().min(1),
    })
    .strict(),
  z.object({ kind: z.literal('json') }).strict(),
  z.object({ kind: z.literal('hex'), param: z.string().default('hex') }).strict(),
  z
    .object({
      kind: z.literal('modbus-write'),
      slaveParam: z.string().default('slave'),
      register: z.number().int().min(0).max(0xffff),
      valueParam: z.string().default('value'),
      scale: z.number().default(1),
    })
    .strict(),
]);

/** A command the profile lets through to hardware; anything else is refused. */
export const commandRuleSchema = z
  .object({
    commandId: z.string().min(1),
    format: z.string().default('json'),
    params: z.record(z.string(), commandParam).default({}),
    encode: commandEncodingSchema,
    /** Apply the profile's framing to the encoded bytes (e.g. append the delimiter). */
    framed: z.boolean().default(true),
  })
  .strict();

/** A hardware profile: how to talk to a peripheral and how its frames become events. Data, not code. */
export const hardwareProfileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    description: z.string().optional(),
    transport: z.discriminatedUnion('kind', [serialTransportSchema, bleTransportSchema]),
    framing: framingSpecSchema.optional(),
    codec: codecSpecSchema,
    device: z.object({ typeId: idTemplate, deviceId: idTemplate }).strict(),
    /** Device info for device management: manufacturer, model, fwVersion… (strings). */
    deviceInfo: z.record(z.string(), z.string()).default({}),
    events: z.array(eventRuleSchema).default([{ eventId: 'reading', when: {}, format: 'json' }]),
    commands: z.array(commandRuleSchema).default([]),
  })
  .strict();

export type HardwareProfile = z.infer<typeof hardwareProfileSchema>;
export type HardwareProfileInput = z.input<typeof hardwareProfileSchema>;
export type EventRule = z.infer<typeof eventRuleSchema>;
export type CommandRule = z.infer<typeof commandRuleSchema>;
