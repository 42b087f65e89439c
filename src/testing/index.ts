// The plugin test kit (`wiotp-gateway/testing`): an embedded platform and a real gateway around one adapter
// plugin, on free loopback ports, with an application that collects events and sends commands.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { Adapter, AdapterFactory } from '../adapter.js';
import { builtInCatalog, importPlugin } from '../cli/adapter-catalog.js';
import { monotonicNow } from '../clock.js';
import { gatewayConfigSchema } from '../config/gateway-config.js';
import { loadProfiles, validate } from '../config/load.js';
import { type HardwareProfile, type HardwareProfileInput, hardwareProfileSchema } from '../config/profile-schema.js';
import { type Logger, REDACTED_PATHS } from '../logging.js';
import { type RunningGateway, startGateway } from '../pipeline/gateway.js';
import { EmbeddedPlatform } from '../platform/platform.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { ALL_EVENTS_FILTER, commandTopic } from '../protocol/topics.js';
import { filter, firstValueFrom, type Observable, ReplaySubject, timeout } from '../rx.js';

/** What the kit starts: the plugin, its options, and the profiles its frames name. */
export interface PluginHarnessOptions {
  /** The plugin: its module's exports, its `createAdapter`, or a module specifier (npm name or path) to import. */
  plugin: { createAdapter: AdapterFactory } | AdapterFactory | string;
  /** The plugin's options, as under `adapters[].options` in a config. */
  options?: unknown;
  /** Profiles besides the built-in ones: profile objects (validated here), or files and folders of YAML/JSON. */
  profiles?: Array<HardwareProfileInput | string>;
  /** Log level of the gateway's log, collected in `logs` (default `info`). */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** How long `waitForEvent` and `sendCommand` wait by default (ms). */
  timeoutMs?: number;
  /**
   * Runs the plugin in a worker thread, as `wiotp-gateway run` does (`plugin` must then be a module specifier).
   * Default false: in the test's own thread, so the test can reach the adapter instance (`adapter`).
   */
  isolate?: boolean;
}

/** An event as the application received it. */
export interface ReceivedDeviceEvent {
  device: DeviceRef;
  eventId: string;
  format: string;
  topic: string;
  /** The payload parsed as JSON (undefined when it is not JSON). */
  payload: unknown;
  raw: Buffer;
}

/** A running harness; `close()` stops everything it started. */
export interface PluginHarness {
  platform: EmbeddedPlatform;
  gateway: RunningGateway;
  /** The plugin's adapter instance running now (a new one after a restart); undefined when isolated. */
  readonly adapter: Adapter | undefined;
  /** Every event received so far, in order. */
  readonly events: ReceivedDeviceEvent[];
  /** Every event, replayed from the start to each new subscriber. */
  readonly events$: Observable<ReceivedDeviceEvent>;
  /** The gateway's log lines (pino objects), for asserting what a plugin logged. */
  readonly logs: Array<Record<string, unknown>>;
  /** The first event (already received or still to come) that matches; fails after `timeoutMs`. */
  waitForEvent(
    match?: Partial<Pick<ReceivedDeviceEvent, 'eventId'>> & { device?: Partial<DeviceRef> },
    timeoutMs?: number,
  ): Promise<ReceivedDeviceEvent>;
  /**
   * Sends a command as an application, once the gateway subscribes to the device's commands (the device has
   * sent a frame); resolves when the platform has accepted it. What the device received is the plugin's to check.
   */
  sendCommand(device: DeviceRef, commandId: string, payload?: unknown, format?: string): Promise<void>;
  close(): Promise<void>;
}

const ORG = 'kit0rg';
const APP_KEY = 'a-kit0rg-app';

/** Starts an embedded platform, a gateway with the plugin as its one adapter, and an application. */
export async function startPluginHarness(options: PluginHarnessOptions): Promise<PluginHarness> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const profiles = resolveProfiles(options.profiles ?? []);
  if (options.isolate && typeof options.plugin !== 'string')
    throw new Error('plugin: isolate needs a module specifier (npm name or path), which the worker thread imports');
  let latest: Adapter | undefined;
  const pluginFactoryOf = options.isolate ? undefined : await pluginFactory(options.plugin);
  // Remembers each instance the gateway makes (it makes a new one when restarting a failed adapter).
  const factory: AdapterFactory | undefined =
    pluginFactoryOf &&
    ((pluginOptions, context) => {
      latest = pluginFactoryOf(pluginOptions, context);
      return latest;
    });
  const gatewayRef = { typeId: 'kit-gateway', deviceId: 'kit-gw-1', token: randomBytes(12).toString('hex') };
  const appToken = randomBytes(12).toString('hex');
  const logs: Array<Record<string, unknown>> = [];
  const logger: Logger = pino(
    { level: options.logLevel ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const platform = await EmbeddedPlatform.start({
    orgId: ORG,
    gateways: [gatewayRef],
    applications: [{ apiKey: APP_KEY, token: appToken }],
    listeners: { host: '127.0.0.1', port: 0 },
    logger: logger.child({ component: 'platform' }),
  });
  const started: { app?: MqttClient; gateway?: RunningGateway } = {};
  // The gateway's durable queue lives in a folder of its own, removed with everything else.
  const storeDirectory = mkdtempSync(join(tmpdir(), 'wiotp-kit-store-'));
  const close = async () => {
    await started.app?.endAsync().catch(() => undefined);
    await started.gateway?.close();
    await platform.close();
    rmSync(storeDirectory, { recursive: true, force: true });
  };
  try {
    const events = new ReplaySubject<ReceivedDeviceEvent>();
    const collected: ReceivedDeviceEvent[] = [];
    const app = await mqtt.connectAsync(platform.url(), {
      clientId: `a:${ORG}:kit-app`,
      username: APP_KEY,
      password: appToken,
      reconnectPeriod: 0,
    });
    started.app = app;
    app.on('error', () => undefined);
    app.on('message', (topic, raw) => {
      const [, , typeId = '', , deviceId = '', , eventId = '', , format = ''] = topic.split('/');
      const event = { device: { typeId, deviceId }, eventId, format, topic, payload: parseJson(raw), raw };
      collected.push(event);
      events.next(event);
    });
    await app.subscribeAsync(ALL_EVENTS_FILTER, { qos: 1 });
    const port = Number(new URL(platform.url()).port);
    const config = gatewayConfigSchema.parse({
      org: ORG,
      gateway: { typeId: gatewayRef.typeId, deviceId: gatewayRef.deviceId },
      auth: { token: gatewayRef.token },
      connection: { transport: 'tcp', host: '127.0.0.1', port, reconnect: { initialMs: 50, maxMs: 500 } },
      adapters: [
        options.isolate
          ? { kind: 'plugin', module: options.plugin, options: options.options }
          : { kind: 'plugin', module: 'plugin-under-test', options: options.options, isolate: false },
      ],
      store: { path: storeDirectory },
      // A free port: tests run side by side, and a gateway may already serve the default one.
      http: { listen: '127.0.0.1:0' },
      log: { level: options.logLevel ?? 'info' },
    });
    const catalog = factory ? { ...builtInCatalog(), loadPlugin: async () => factory } : builtInCatalog();
    started.gateway = await startGateway({ config, token: gatewayRef.token, profiles, catalog, logger });
    await firstValueFrom(
      started.gateway.session.status$.pipe(
        filter((status) => status.state === 'online'),
        timeout({
          first: timeoutMs,
          with: () => Promise.reject(new Error(`the gateway did not connect within ${timeoutMs} ms`)),
        }),
      ),
    );
    const gateway = started.gateway;
    return {
      platform,
      gateway,
      get adapter() {
        return latest;
      },
      events: collected,
      events$: events.asObservable(),
      logs,
      waitForEvent(match = {}, ms = timeoutMs) {
        const wanted = (event: ReceivedDeviceEvent) =>
          (match.eventId === undefined || event.eventId === match.eventId) &&
          (match.device?.typeId === undefined || event.device.typeId === match.device.typeId) &&
          (match.device?.deviceId === undefined || event.device.deviceId === match.device.deviceId);
        return firstValueFrom(
          events.pipe(
            filter(wanted),
            timeout({
              first: ms,
              with: () =>
                Promise.reject(
                  new Error(`no event matching ${JSON.stringify(match)} within ${ms} ms (${collected.length} received)`),
                ),
            }),
          ),
        );
      },
      async sendCommand(device, commandId, payload = {}, format = 'json') {
        const topic = commandTopic(device.typeId, device.deviceId, commandId, format);
        const deadline = monotonicNow() + timeoutMs;
        // A command published before the gateway subscribes would be lost, as on the service.
        while (!platform.subscribersOf(topic).some((clientId) => clientId.startsWith('g:'))) {
          if (monotonicNow() > deadline)
            throw new Error(
              `the gateway did not subscribe to commands of ${deviceKey(device)} within ${timeoutMs} ms (has it sent a frame?)`,
            );
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
        await app.publishAsync(topic, body, { qos: 1 });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

async function pluginFactory(plugin: PluginHarnessOptions['plugin']): Promise<AdapterFactory> {
  if (typeof plugin === 'string') return (await importPlugin(plugin)).createAdapter;
  if (typeof plugin === 'function') return plugin;
  if (typeof plugin.createAdapter !== 'function') throw new Error('plugin: expected a module exporting createAdapter');
  return plugin.createAdapter;
}

/** Built-in profiles plus the given ones; a bad profile fails here with every problem and its path. */
function resolveProfiles(given: Array<HardwareProfileInput | string>): Map<string, HardwareProfile> {
  const loaded = loadProfiles(given.filter((entry): entry is string => typeof entry === 'string'));
  if (!loaded.ok) throw new Error(loaded.reason);
  for (const [index, entry] of given.entries()) {
    if (typeof entry === 'string') continue;
    const parsed = validate(hardwareProfileSchema, entry, `profiles[${index}]`);
    if (!parsed.ok) throw new Error(parsed.reason);
    loaded.value.set(parsed.value.name, parsed.value);
  }
  return loaded.value;
}
