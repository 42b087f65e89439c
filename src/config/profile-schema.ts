import { z } from 'zod';
import { codecSpecSchema } from '../codecs/codec-spec.js';
import { framingSpecSchema } from '../codecs/framing/framing-spec.js';
import { likelyMeant } from './likely-meant.js';
import { compileParamPattern, DEFAULT_PARAM_MAX_BYTES, DEFAULT_PARAM_MAX_LENGTH } from './param-rules.js';
import { checkProfileTemplates } from './template-variables.js';

const idTemplate = z
  .string()
  .min(1)
  .describe(
    'A literal id, or a template filled per frame: {port.path}, {port.name}, {port.serialNumber} (serial), {address} (BLE), ' +
      '{slave} (Modbus), {reading.FIELD}; 1–36 of A-Z a-z 0-9 - _ . once filled. docs/profiles.md lists every adapter’s variables.',
  );

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

const bleUuid = z
  .string()
  .regex(
    /^(?:0x)?(?:[0-9a-f]{4}|[0-9a-f]{8}|[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
    'expected a Bluetooth UUID: 4 or 8 hex digits ("2a37", "0xFCD2") or 128 bits ("6e400002-b5a3-f393-e0a9-e50e24dcca9e")',
  );
const bleAddress = z
  .string()
  .regex(/^[0-9a-f]{2}([:-]?)(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$/i, 'expected a MAC address like "aa:bb:cc:dd:ee:ff"');

/** How to reach a BLE peripheral: advertisements only, or a GATT connection. */
export const bleTransportSchema = z
  .object({
    kind: z.literal('ble'),
    mode: z.enum(['advertisement', 'gatt']).default('advertisement'),
    /**
     * Which advertisement part becomes the frame: manufacturer data (company id included, optionally only
     * that company's), or the service data of one UUID (UUID excluded). Default: the manufacturer data.
     */
    source: z
      .union([
        z.object({ manufacturerData: z.number().int().min(0).max(0xffff).optional() }).strict(),
        z.object({ serviceData: bleUuid }).strict(),
      ])
      .optional(),
    /** Which advertisers this profile describes; every given criterion must hold. */
    filter: z
      .object({
        /** Advertised service UUIDs or service data UUIDs; any of them. */
        serviceUuids: z.array(bleUuid).optional(),
        /** Exact name, or a pattern with `*` ("Ruuvi *"). Many devices send it only in scan responses (scan: active). */
        localName: z.string().optional(),
        manufacturerId: z.number().int().min(0).max(0xffff).optional(),
        addresses: z.array(bleAddress).optional(),
      })
      .strict()
      .default({}),
    /** Per device: at most one frame per interval (ms), and/or only when the bytes changed. */
    rateLimit: z
      .object({ intervalMs: z.number().int().min(0).default(0), onChange: z.boolean().default(false) })
      .strict()
      .default({ intervalMs: 0, onChange: false }),
    gatt: z
      .object({
        /** Default service of the characteristics below; without it, any service that has them. */
        service: bleUuid.optional(),
        characteristics: z
          .array(
            z
              .object({
                uuid: bleUuid,
                service: bleUuid.optional(),
                /** Subscribe to notifications (or indications). */
                notify: z.boolean().default(true),
                /** Read the value on connect and then every pollMs. */
                pollMs: z.number().int().positive().optional(),
                /** Decodes this characteristic's values instead of the profile's codec (sent as `context.codec`). */
                codec: codecSpecSchema.optional(),
              })
              .strict(),
          )
          .default([]),
        /** Where commands are written. */
        write: z
          .object({ uuid: bleUuid, service: bleUuid.optional(), withoutResponse: z.boolean().default(false) })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((transport, ctx) => {
    if (transport.mode === 'gatt' && !transport.gatt?.characteristics.length && !transport.gatt?.write) {
      ctx.addIssue({ code: 'custom', path: ['gatt'], message: 'mode gatt needs gatt.characteristics or gatt.write' });
    }
    if (transport.mode === 'advertisement' && transport.gatt) {
      ctx.addIssue({ code: 'custom', path: ['gatt'], message: 'gatt is only used with mode: gatt' });
    }
  });

/**
 * A device an adapter plugin reaches in its own way (a vendor SDK, a network protocol). The gateway only
 * checks the shape; the plugin reads `settings` through `context.profile(name)`.
 */
export const pluginTransportSchema = z
  .object({
    kind: z.literal('plugin'),
    /** The plugin this profile is for, as the config names its module; for people and `validate`. */
    plugin: z.string().min(1).optional(),
    /** Whatever the plugin needs per kind of device (a poll interval, a register map…); the plugin checks it. */
    settings: z.record(z.string(), z.unknown()).default({}),
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

export { compileParamPattern, DEFAULT_PARAM_MAX_BYTES, DEFAULT_PARAM_MAX_LENGTH };

function patternProblem(pattern: string): string | undefined {
  try {
    compileParamPattern(pattern);
    return undefined;
  } catch (error) {
    return `pattern does not compile: ${(error as Error).message}`;
  }
}

const commandParam = z
  .object({
    type: z.enum(['number', 'integer', 'string', 'boolean']),
    min: z.number().optional(),
    max: z.number().optional(),
    enum: z.array(z.union([z.string(), z.number()])).optional(),
    required: z.boolean().default(true),
    maxLength: z
      .number()
      .int()
      .min(1)
      .max(65_536)
      .optional()
      .describe(
        `String params: most characters (Unicode code points). Default ${DEFAULT_PARAM_MAX_LENGTH}; ` +
          'the param of a hex encoder is limited by maxBytes instead.',
      ),
    pattern: z
      .string()
      .min(1)
      .superRefine((pattern, ctx) => {
        const problem = patternProblem(pattern);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        'String params: a regular expression (JavaScript syntax, Unicode mode) the whole value must match, e.g. "[A-Za-z0-9 _-]*".',
      ),
    minBytes: z.number().int().min(0).optional().describe('The param a hex encoder reads: fewest bytes (default 1).'),
    maxBytes: z
      .number()
      .int()
      .min(1)
      .max(65_536)
      .optional()
      .describe(`The param a hex encoder reads: most bytes (default ${DEFAULT_PARAM_MAX_BYTES}).`),
  })
  .strict()
  .superRefine((param, ctx) => {
    for (const field of ['maxLength', 'pattern', 'minBytes', 'maxBytes'] as const) {
      if (param[field] !== undefined && param.type !== 'string') {
        ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to string params only` });
      }
    }
    if (param.minBytes !== undefined && param.maxBytes !== undefined && param.minBytes > param.maxBytes) {
      ctx.addIssue({
        code: 'custom',
        path: ['minBytes'],
        message: `minBytes ${param.minBytes} is above maxBytes ${param.maxBytes}`,
      });
    }
  });

/** One declared param of a command: its type and the limits a value must keep. */
export type CommandParam = z.infer<typeof commandParam>;

/** How a command's payload becomes bytes for the device. */
export const commandEncodingSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('template'),
      /**
       * `{param}` placeholders; `{checksum}` is the NMEA XOR of the text between "$" and "*". Inserted values
       * may not carry control characters or the framing's delimiter and escape bytes.
       */
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

/** The `{name}` placeholders of a template, `{checksum}` left out. */
export function templatePlaceholders(text: string): string[] {
  return [...text.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] ?? '').filter((name) => name !== 'checksum');
}

/** A command the profile lets through to hardware; anything else is refused. */
export const commandRuleSchema = z
  .object({
    commandId: z.string().min(1),
    format: z.string().default('json'),
    params: z
      .record(z.string(), commandParam)
      .default({})
      .describe('The only params a payload may carry (any other is refused, naming it), with their types and limits.'),
    encode: commandEncodingSchema,
    /** Apply the profile's framing to the encoded bytes (e.g. append the delimiter). */
    framed: z.boolean().default(true),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const declared = (name: string) => Object.hasOwn(rule.params, name);
    const missing = (name: string, path: (string | number)[], what: string) => {
      if (declared(name)) return;
      const names = Object.keys(rule.params);
      const meant = likelyMeant(name, names);
      const known = `declared: ${names.join(', ') || 'none'}${meant ? `; did you mean "${meant}"?` : ''}`;
      ctx.addIssue({ code: 'custom', path, message: `${what} "${name}" is not declared in params (${known})` });
    };
    const encode = rule.encode;
    if (encode.kind === 'template') {
      for (const name of templatePlaceholders(encode.text)) missing(name, ['encode', 'text'], 'placeholder');
    }
    if (encode.kind === 'modbus-write') missing(encode.valueParam, ['encode', 'valueParam'], 'valueParam');
    if (encode.kind === 'hex') {
      missing(encode.param, ['encode', 'param'], 'param');
      const type = rule.params[encode.param]?.type;
      if (type !== undefined && type !== 'string') {
        ctx.addIssue({
          code: 'custom',
          path: ['params', encode.param, 'type'],
          message: 'the param of a hex encoder is a string',
        });
      }
    }
    for (const [name, param] of Object.entries(rule.params)) {
      const hexParam = encode.kind === 'hex' && encode.param === name;
      for (const field of ['minBytes', 'maxBytes'] as const) {
        if (param[field] !== undefined && !hexParam) {
          ctx.addIssue({
            code: 'custom',
            path: ['params', name, field],
            message: `${field} applies only to the param of a hex encoder`,
          });
        }
      }
    }
  });

/** A declared command (see `commands`) that carries out one device management action, with fixed payload fields. */
export const managementCommandSchema = z
  .object({
    commandId: z.string().min(1),
    /** Fixed payload fields; the request's parameters (firmware url, version…) are merged over them. */
    payload: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/**
 * What the platform may ask of this device through device management (seed: Managed gateways), each
 * action carried out by one of the profile's declared commands. Anything left out is answered 501.
 */
export const managementSchema = z
  .object({
    reboot: managementCommandSchema.optional(),
    factoryReset: managementCommandSchema.optional(),
    firmware: z
      .object({ download: managementCommandSchema.optional(), update: managementCommandSchema.optional() })
      .strict()
      .optional(),
    /** `bundleId/actionId` → command, for `iotdm-1/…/mgmt/custom/{bundleId}/{actionId}`. */
    customActions: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected "bundleId/actionId"'), managementCommandSchema)
      .default({}),
    /** Reading fields that hold the device's position, published as `device/update/location`. */
    location: z
      .object({
        latitude: z.string().min(1),
        longitude: z.string().min(1),
        elevation: z.string().min(1).optional(),
        accuracy: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A hardware profile: how to talk to a peripheral and how its frames become events. Data, not code. */
export const hardwareProfileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    description: z.string().optional(),
    transport: z.discriminatedUnion('kind', [serialTransportSchema, bleTransportSchema, pluginTransportSchema]),
    framing: framingSpecSchema.optional(),
    codec: codecSpecSchema,
    device: z
      .object({
        typeId: idTemplate,
        deviceId: idTemplate,
        allow: z
          .union([
            z
              .string()
              .min(1)
              .refine((pattern) => patternProblem(pattern) === undefined, {
                error: (issue) => patternProblem(String(issue.input)) ?? 'pattern does not compile',
              }),
            z.array(z.string().min(1)).min(1),
          ])
          .optional()
          .describe(
            'device ids a frame may name (when the id template uses {reading.FIELD}): a regular expression the whole id ' +
              'must match, or a list of ids. Without it, a channel may name at most devices.newIdsPerChannelPerMinute new ids a minute',
          ),
      })
      .strict(),
    /** Device info for device management: manufacturer, model, fwVersion… (strings). */
    deviceInfo: z.record(z.string(), z.string()).default({}),
    events: z.array(eventRuleSchema).default([{ eventId: 'reading', when: {}, format: 'json' }]),
    commands: z.array(commandRuleSchema).default([]),
    /** Device management capabilities (reboot, factory reset, firmware, custom actions, location). */
    management: managementSchema.optional(),
  })
  .strict()
  .superRefine((profile, ctx) => {
    // A management payload field the command does not declare would make every such request fail.
    const management = profile.management;
    const actions: Array<[(string | number)[], ManagementCommand | undefined]> = [
      [['reboot'], management?.reboot],
      [['factoryReset'], management?.factoryReset],
      [['firmware', 'download'], management?.firmware?.download],
      [['firmware', 'update'], management?.firmware?.update],
      ...Object.entries(management?.customActions ?? {}).map(([name, action]): [(string | number)[], ManagementCommand] => [
        ['customActions', name],
        action,
      ]),
    ];
    for (const [path, action] of actions) {
      const rule = action && profile.commands.find((command) => command.commandId === action.commandId);
      for (const field of Object.keys(rule ? action.payload : {})) {
        if (rule && Object.hasOwn(rule.params, field)) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['management', ...path, 'payload', field],
          message: `"${field}" is not a declared param of command ${action?.commandId}`,
        });
      }
    }
    // A template naming a variable the transport's adapters never offer would reject every frame.
    for (const problem of checkProfileTemplates(profile)) ctx.addIssue({ code: 'custom', ...problem });
  });

export type HardwareProfile = z.infer<typeof hardwareProfileSchema>;
export type HardwareProfileInput = z.input<typeof hardwareProfileSchema>;
export type EventRule = z.infer<typeof eventRuleSchema>;
export type CommandRule = z.infer<typeof commandRuleSchema>;
/** A command as written in a profile, before validation and defaults. */
export type CommandRuleInput = z.input<typeof commandRuleSchema>;
export type ManagementSpec = z.infer<typeof managementSchema>;
export type ManagementCommand = z.infer<typeof managementCommandSchema>;
