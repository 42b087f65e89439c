import { z } from 'zod';

const id = z.string().regex(/^[A-Za-z0-9_.-]{1,36}$/, '1–36 characters of A-Z a-z 0-9 - _ .');

/** Where the gateway token comes from: inline, a file, or an environment variable (exactly one). */
export const authSchema = z
  .object({
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    tokenEnv: z.string().min(1).optional(),
  })
  .strict()
  .refine((auth) => [auth.token, auth.tokenFile, auth.tokenEnv].filter(Boolean).length === 1, {
    message: 'give exactly one of token, tokenFile, tokenEnv',
  });

/** The connection to the service (seed: MQTT client connection). */
export const connectionSchema = z
  .object({
    transport: z.enum(['tcp', 'tls', 'wss']).default('tls'),
    domain: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    caFile: z.string().min(1).optional(),
    rejectUnauthorized: z.boolean().default(true),
    wsPath: z.string().optional(),
    cleanSession: z.boolean().default(true),
    keepaliveSeconds: z.number().int().min(5).max(65535).default(60),
    /** A token refused at the first connection (CONNACK 4/5) ends `run` with exit code 77 unless this is true. */
    retryOnAuthFailure: z.boolean().default(false),
    reconnect: z
      .object({ initialMs: z.number().int().positive().default(1000), maxMs: z.number().int().positive().default(60_000) })
      .strict()
      .default({ initialMs: 1000, maxMs: 60_000 }),
  })
  .strict();

const usbId = z
  .string({ error: 'expected 4 hex digits in quotes, e.g. "0403" (unquoted, YAML reads 0403 as the number 403)' })
  .regex(/^(0x)?[0-9A-Fa-f]{4}$/, 'expected 4 hex digits, e.g. "0403"');

/** A USB serial adapter by its identity rather than by the tty name the kernel gave it this time. */
export const serialMatchSchema = z
  .object({ vendorId: usbId.optional(), productId: usbId.optional(), serialNumber: z.string().min(1).optional() })
  .strict()
  .refine((match) => match.vendorId || match.productId || match.serialNumber, {
    message: 'give at least one of vendorId, productId, serialNumber',
  });

/**
 * One serial port and the profile of what is plugged into it: a `path` (a device such as
 * `/dev/serial/by-id/…`, or a `tcp://host:port` serial server) or a USB `match`, looked up at each (re)connect.
 */
export const serialPortSchema = z
  .object({
    path: z.string().min(1).optional(),
    match: serialMatchSchema.optional(),
    profile: z.string().min(1),
    baudRate: z.number().int().positive().optional(),
    /** Overrides the profile's device template for this port. */
    deviceId: z.string().optional(),
    /** Overrides the adapter's readWindowMs for this port. */
    readWindowMs: z.number().int().min(0).max(100).optional(),
  })
  .strict()
  .refine((port) => port.path !== undefined || port.match !== undefined, {
    path: ['path'],
    message: 'give path (e.g. /dev/serial/by-id/usb-FTDI_…-if00-port0) or match: { vendorId, productId, serialNumber }',
    when: () => true,
  })
  .refine((port) => port.path === undefined || port.match === undefined, {
    path: ['match'],
    message: 'give path or match, not both',
  });

/** The adapters to start; `plugin` loads an npm package or a local module exporting `createAdapter`. */
export const adapterConfigSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('serial'),
      ports: z.array(serialPortSchema).min(1),
      /**
       * After each read of a port, wait this long (ms) before the next: bytes that arrive meanwhile come in one
       * read, fewer wake-ups per line on a Pi; each line waits at most this long. 0 reads as soon as bytes arrive.
       */
      readWindowMs: z.number().int().min(0).max(100).default(2),
    })
    .strict(),
  z
    .object({
      kind: z.literal('simulated'),
      devices: z
        .array(
          z
            .object({
              emulator: z.string().min(1),
              profile: z.string().min(1),
              channel: z.string().min(1).optional(),
              intervalMs: z.number().int().positive().default(1000),
              options: z.record(z.string(), z.unknown()).default({}),
            })
            .strict(),
        )
        .min(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('ble'),
      /** Hardware profiles (transport kind ble) by name; an advertiser belongs to the first one that matches. */
      profiles: z.array(z.string().min(1)).min(1),
      /** Active scanning asks for scan responses (names). noble's HCI bindings always scan actively. */
      scan: z.enum(['passive', 'active']).default('passive'),
      /** GATT connections held at once (most adapters manage 5–10). */
      maxConnections: z.number().int().positive().default(4),
      /** 0 for hci0; sets NOBLE_HCI_DEVICE_ID. */
      hciDevice: z.number().int().min(0).optional(),
      /** Use the simulated radio (adapters/ble/simulated-radio.ts) instead of a Bluetooth adapter. */
      simulated: z.boolean().default(false),
      /** BTHome encryption keys by MAC address (any case, ":" or "-" or nothing between pairs). */
      keys: z
        .record(
          z
            .string()
            .regex(/^[0-9a-f]{2}([:-]?)(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$/i, 'expected a MAC address like "aa:bb:cc:dd:ee:ff"'),
          z.string().regex(/^[0-9a-fA-F]{32}$/),
        )
        .default({}),
      /** Back-off between GATT reconnects (and retries to open the radio). */
      reconnect: z
        .object({ initialMs: z.number().int().positive().default(1000), maxMs: z.number().int().positive().default(30_000) })
        .strict()
        .default({ initialMs: 1000, maxMs: 30_000 }),
      /** A GATT connect, discovery or write that takes longer than this fails (and is retried); so does opening the radio. */
      requestTimeoutMs: z.number().int().positive().default(15_000),
      /** A peripheral not heard for this long is forgotten: reported offline, its GATT slot freed, noble's caches pruned. */
      staleAfterMs: z.number().int().min(100).default(120_000),
    })
    .strict(),
  z
    .object({
      kind: z.literal('plugin'),
      module: z.string().min(1),
      options: z.unknown().optional(),
      /** Runs the plugin in a worker thread of its own (a throw in its timers ends that thread only); false: in the gateway's thread. */
      isolate: z.boolean().default(true),
    })
    .strict(),
]);

/** How events go out (seed: Publishing events). */
export const publishSchema = z
  .object({
    qos: z
      .union([z.literal(0), z.literal(1)], {
        error: 'expected 0 or 1: the service takes QoS 0 or 1 from gateways (QoS 2 is not supported)',
      })
      .default(1),
    /** Publishes awaiting PUBACK at most; everything beyond waits in the queue. */
    maxInflight: z.number().int().min(1).max(65_000).default(256),
    /** Messages a second at most (the service's plans cap it); absent: no limit. */
    maxRatePerSecond: z.number().positive().optional(),
    /** The JSON field that carries the time a frame was read (ISO 8601 UTC with ms): true for "ts", a name, or false. */
    timestamp: z
      .union([z.boolean(), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a JSON field name such as "ts"')])
      .default(true),
  })
  .strict();

/** How the gateway keeps track of the devices behind it (issue: hardening). */
export const devicesSchema = z
  .object({
    /** A device not heard for this long is forgotten (its route, counters, admission state); it is new again if it returns. */
    staleAfterMs: z.number().int().min(1000).default(3_600_000),
    /** Device ids a channel may invent from its frames per minute, when the profile has no device.allow. */
    newIdsPerChannelPerMinute: z.number().int().min(1).default(10),
    /** A command for a device not seen yet waits this long for its first frame; 0 refuses it at once. */
    commandWaitMs: z.number().int().min(0).max(600_000).default(30_000),
  })
  .strict();

/** The durable outgoing queue (DESIGN: the durable queue and the sender). */
export const storeSchema = z
  .object({
    /** false: the queue is kept in memory (bounded by maxBytes) and lost on a crash or restart. */
    enabled: z.boolean().default(true),
    /** A directory; default $STATE_DIRECTORY, else $XDG_STATE_HOME or ~/.local/state, under wiotp-gateway/. */
    path: z.string().min(1).optional(),
    maxBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(256 * 1024 * 1024),
    maxAgeHours: z.number().positive().default(168),
    /** When full: drop the oldest events to make room, or refuse the newest. Either way counted and logged. */
    whenFull: z.enum(['drop-oldest', 'drop-newest']).default('drop-oldest'),
    /** Appends are committed together at most this long after they happen (group commit). */
    commitIntervalMs: z.number().int().min(1).max(100).default(50),
    /** full: each commit is flushed to the disk (fsync, off the event loop) and survives a power cut; normal: only a crash of the process. */
    synchronous: z.enum(['full', 'normal']).default('full'),
  })
  .strict();

/** `HOST:PORT` or `[IPv6]:PORT` to listen on. */
export const listenAddressSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT, such as "127.0.0.1:9464" or "[::1]:9464"');

/**
 * The gateway's local HTTP server: metrics, health, the status API and the console (DESIGN: watch).
 * Loopback by default; any other address needs a token, checked in constant time.
 */
export const httpSchema = z
  .union([
    z.literal(false),
    z
      .object({
        listen: listenAddressSchema.default('127.0.0.1:9464'),
        token: z.string().min(16, 'at least 16 characters').optional(),
        tokenFile: z.string().min(1).optional(),
      })
      .strict()
      .refine((http) => !(http.token && http.tokenFile), { message: 'give token or tokenFile, not both' }),
  ])
  .default({ listen: '127.0.0.1:9464' });

/** The gateway's own health event over MQTT (`iot-2/type/{gwType}/id/{gwId}/evt/health/fmt/json`). */
export const healthSchema = z
  .object({
    /** Seconds between health events; 0 turns them off. */
    intervalSeconds: z.number().int().min(0).default(60),
  })
  .strict();

const deviceInfoText = z.string().min(1);

/**
 * Device management for the gateway and the devices behind it (seed: Managed gateways). Opt-in: the
 * gateway manages itself and every device it sees, and answers the platform's requests for them.
 */
export const managedGatewaySchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Seconds the platform keeps a device managed without a new manage request: 0 (never expires) or ≥ 3600. */
    lifetime: z
      .number()
      .int()
      .min(0)
      .refine((value) => value === 0 || value >= 3600, 'expected 0 (never expires) or at least 3600 seconds')
      .default(3600),
    /**
     * Documentation only: the session's `connection.cleanSession` decides. Say false here to state that requests
     * queued while the gateway is offline are wanted (see docs/device-management.md for the two caveats).
     */
    cleanSession: z.boolean().optional(),
    /** At most one `device/update/location` per device per interval (the first one is always sent). */
    locationIntervalMs: z.number().int().min(0).default(60_000),
    /** How long a request of the gateway waits for the platform's response. */
    responseTimeoutMs: z.number().int().positive().default(30_000),
    /** Manage again this many seconds before the lifetime runs out. */
    remanageAheadSeconds: z.number().int().min(0).default(300),
    /** After a reboot or factory reset was sent to a device, manage it again after this delay. */
    remanageDelayMs: z.number().int().min(0).default(5_000),
    /** How long sending an action's command to a device may take before the action is reported failed. */
    actionTimeoutMs: z.number().int().positive().default(30_000),
    /** A manage request that failed or timed out is retried after this delay. */
    retryMs: z.number().int().positive().default(60_000),
    /** What the gateway itself supports (its own device actions need a handler wired in; otherwise 501). */
    supports: z
      .object({ deviceActions: z.boolean().default(false), firmwareActions: z.boolean().default(false) })
      .strict()
      .default({ deviceActions: false, firmwareActions: false }),
    /** The gateway's own deviceInfo in its manage request. */
    deviceInfo: z
      .object({
        serialNumber: deviceInfoText.optional(),
        manufacturer: deviceInfoText.optional(),
        model: deviceInfoText.optional(),
        deviceClass: deviceInfoText.optional(),
        description: deviceInfoText.optional(),
        fwVersion: deviceInfoText.optional(),
        hwVersion: deviceInfoText.optional(),
        descriptiveLocation: deviceInfoText.optional(),
      })
      .strict()
      .default({}),
    /** The gateway's own metadata in its manage request. */
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .refine((managed) => managed.lifetime === 0 || managed.remanageAheadSeconds < managed.lifetime, {
    message: 'remanageAheadSeconds must be less than lifetime',
    path: ['remanageAheadSeconds'],
  });

/**
 * A serial port named twice (a copied line) would be opened by two channels: the second finds the first's lock and
 * would say "in use by another program" of the gateway itself. Paths and identical USB matches count; two names of
 * one device (a by-id link and its tty) are only known once plugged in.
 */
function eachPortOnce(adapters: readonly AdapterConfig[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  for (const [index, adapter] of adapters.entries()) {
    for (const [portIndex, port] of (adapter.kind === 'serial' ? adapter.ports : []).entries()) {
      const at = `adapters[${index}].ports[${portIndex}]`;
      const [key, field, shown] = port.path
        ? [`path ${port.path}`, 'path', port.path]
        : [`match ${matchKey(port.match)}`, 'match', 'this match'];
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, at);
        continue;
      }
      ctx.addIssue({
        code: 'custom',
        path: [index, 'ports', portIndex, field],
        message: `${shown} is also ${first}'s: a port is read by one channel only (give each port once, with its profile)`,
      });
    }
  }
}

/** A USB match's identity: the same adapter whatever the case of its hex ids or a 0x before them. */
function matchKey(match: z.infer<typeof serialMatchSchema> | undefined): string {
  const hex = (value: string | undefined) => value?.toLowerCase().replace(/^0x/, '') ?? '';
  return `${hex(match?.vendorId)}:${hex(match?.productId)}:${match?.serialNumber ?? ''}`;
}

/** The gateway configuration file (YAML or JSON). */
export const gatewayConfigSchema = z
  .object({
    org: z.string().regex(/^[a-z0-9]{1,36}$/, 'lowercase letters and digits'),
    gateway: z.object({ typeId: id, deviceId: id }).strict(),
    auth: authSchema,
    connection: connectionSchema.default({
      transport: 'tls',
      rejectUnauthorized: true,
      cleanSession: true,
      keepaliveSeconds: 60,
      retryOnAuthFailure: false,
      reconnect: { initialMs: 1000, maxMs: 60_000 },
    }),
    publish: publishSchema.prefault({}),
    /** Gateway-side auto-registration limits (seed: Gateway auto-registration). */
    admission: z
      .object({
        maxPending: z.number().int().positive().default(10),
        maxActive: z.number().int().positive().default(500),
        confirmWindowMs: z.number().int().min(0).default(1000),
        settleMs: z.number().int().min(0).default(60_000),
        backoffMs: z.number().int().positive().default(30_000),
        backoffJitter: z.number().min(0).max(1).default(0.2),
      })
      .strict()
      .prefault({}),
    store: storeSchema.prefault({}),
    devices: devicesSchema.prefault({}),
    /** On SIGTERM/SIGINT: how long to keep sending what is queued before closing the connection. */
    shutdownGraceMs: z.number().int().min(0).max(60_000).default(5000),
    http: httpSchema,
    health: healthSchema.prefault({}),
    /** Extra folders or files with hardware profiles, besides the built-in ones. */
    profilePaths: z.array(z.string()).default([]),
    adapters: z.array(adapterConfigSchema).min(1).superRefine(eachPortOnce),
    /** An adapter that fails (a stream error, a throw in start(), a plugin thread that dies) is restarted after this back-off, with jitter. */
    adapterRestart: z
      .object({ initialMs: z.number().int().positive().default(1000), maxMs: z.number().int().positive().default(60_000) })
      .strict()
      .prefault({}),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    /** Device management (opt-in). */
    managed: managedGatewaySchema.optional(),
  })
  .strict();

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type AdapterConfig = z.infer<typeof adapterConfigSchema>;
export type ManagedGatewayConfig = z.infer<typeof managedGatewaySchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
export type HttpConfig = z.infer<typeof httpSchema>;
export type PublishConfig = z.infer<typeof publishSchema>;
