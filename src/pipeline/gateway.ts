import type { Registry } from 'prom-client';
import type { Adapter, AdapterFactory } from '../adapter.js';
import type { AdapterConfig, GatewayConfig } from '../config/gateway-config.js';
import type { HardwareProfile } from '../config/profile-schema.js';
import { consoleRoutes } from '../http/console-routes.js';
import { checkExposure, type RunningHttpServer, startHttpServer } from '../http/http-server.js';
import { parseListenAddress } from '../http/listen-address.js';
import type { Logger } from '../logging.js';
import { packageVersion } from '../package-root.js';
import { deviceKey } from '../protocol/ids.js';
import type { NotificationReason } from '../protocol/notification.js';
import { merge } from '../rx.js';
import { GatewaySession } from '../session/gateway-session.js';
import { openQueue } from '../store/open-queue.js';
import type { SqliteQueue } from '../store/sqlite-queue.js';
import { defaultStoreDirectory, identityKey, queueFileFor } from '../store/store-location.js';
import { AdapterBoundary } from './adapter-boundary.js';
import { createAdapterChecked, profileLookup } from './adapter-factory.js';
import { Admission } from './admission.js';
import { GatewayConsole } from './console-backend.js';
import { type GatewayStatus, GatewayView } from './gateway-view.js';
import { HealthEvent } from './health-event.js';
import { ManagedGateway } from './managed-gateway.js';
import { Pipeline } from './pipeline.js';
import { Sender } from './sender.js';

/** Built-in adapter kinds and a loader for plugins, handed in by the CLI (adapters live outside src/). */
export interface AdapterCatalog {
  /** Loaders, so a gateway that uses no BLE never loads noble (memory on a Pi Zero). */
  builtIn: Partial<Record<AdapterConfig['kind'], () => Promise<AdapterFactory>>>;
  /** Loads a plugin module and returns its `createAdapter` (plugins with `isolate: false`, or no `isolatePlugin`). */
  loadPlugin(specifier: string): Promise<AdapterFactory>;
  /** Runs a plugin isolated (a worker thread); resolves once its adapter is created there, else rejects with why. */
  isolatePlugin?(
    specifier: string,
    options: unknown,
    context: { logger: Logger; profiles: ReadonlyMap<string, HardwareProfile> },
  ): Promise<Adapter>;
}

/** A running gateway: one session, its adapters and the pipeline between them. */
export interface RunningGateway {
  session: GatewaySession;
  admission: Admission;
  pipeline: Pipeline;
  /** The durable outgoing queue. */
  queue: SqliteQueue;
  sender: Sender;
  /** What the HTTP server, the health event and the console read. */
  view: GatewayView;
  /** The local HTTP server, unless `http: false`. */
  http?: RunningHttpServer;
  /** Present when the config turns device management on. */
  managed?: ManagedGateway;
  /** Notifications received from the service, counted by reason (seed: Gateway notifications). */
  notificationCounts: Partial<Record<NotificationReason, number>>;
  adapters: Adapter[];
  /**
   * Stops as a service should: adapters first, then keeps sending what is queued for at most
   * `shutdownGraceMs`, then closes the connection regardless. What was not sent stays on disk.
   */
  close(): Promise<void>;
}

/** The queue file of a gateway config: `store.path` (a directory) or the default state directory. */
export function queueFileOf(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (!config.store.enabled) return ':memory:';
  const identity = { org: config.org, ...config.gateway };
  return queueFileFor(config.store.path ?? defaultStoreDirectory(env), identity);
}

/** Opens the durable queue a config describes. */
export function openGatewayQueue(config: GatewayConfig, logger: Logger): SqliteQueue {
  const store = config.store;
  return openQueue({
    file: queueFileOf(config),
    identity: identityKey({ org: config.org, ...config.gateway }),
    maxBytes: store.maxBytes,
    maxAgeMs: store.maxAgeHours * 3_600_000,
    fullPolicy: store.whenFull,
    commitIntervalMs: store.commitIntervalMs,
    commitBatch: 1000,
    synchronous: store.synchronous,
    logger,
  });
}

/**
 * Builds the adapters a config lists, each behind an AdapterBoundary that contains its faults and restarts
 * it; an unknown profile or adapter kind, or a factory that throws or returns no Adapter, fails before any I/O.
 */
export async function createAdapters(
  config: GatewayConfig,
  profiles: ReadonlyMap<string, HardwareProfile>,
  catalog: AdapterCatalog,
  logger: Logger,
  /** Receives each adapter as it is made, so a caller can close them if a later one fails. */
  adapters: Adapter[] = [],
): Promise<Adapter[]> {
  const profile = profileLookup(profiles);
  for (const [index, adapterConfig] of config.adapters.entries()) {
    // A plugin's log lines carry its own name, not just "plugin".
    const label = adapterConfig.kind === 'plugin' ? adapterConfig.module : adapterConfig.kind;
    const childLogger = logger.child({ adapter: label });
    let make: () => Promise<Adapter>;
    if (adapterConfig.kind === 'plugin' && adapterConfig.isolate && catalog.isolatePlugin) {
      const isolate = catalog.isolatePlugin.bind(catalog);
      make = () => isolate(adapterConfig.module, adapterConfig.options, { logger: childLogger, profiles });
    } else {
      const factory =
        adapterConfig.kind === 'plugin'
          ? await catalog.loadPlugin(adapterConfig.module)
          : await catalog.builtIn[adapterConfig.kind]?.();
      if (!factory) throw new Error(`adapters[${index}].kind: "${adapterConfig.kind}" is not available in this build`);
      const options = adapterConfig.kind === 'plugin' ? adapterConfig.options : adapterConfig;
      make = async () => createAdapterChecked(factory, options, { logger: childLogger, profile });
    }
    let first: Adapter;
    try {
      first = await make();
    } catch (error) {
      if (error instanceof Error && error.name === 'AdapterShapeError')
        throw new Error(`adapters[${index}] (${label}): ${error.message}`);
      throw error;
    }
    adapters.push(new AdapterBoundary(first, make, { ...config.adapterRestart, logger: childLogger }));
  }
  return adapters;
}

/**
 * Opens the queue, connects the session, starts adapters and pipeline. The session's first connection may
 * still be pending. A failure on the way closes whatever was opened (queue, session, ports) and rethrows.
 */
export async function startGateway(options: {
  config: GatewayConfig;
  token: string;
  profiles: ReadonlyMap<string, HardwareProfile>;
  catalog: AdapterCatalog;
  logger: Logger;
  /** The token of a local HTTP server that listens beyond loopback (resolved from http.token or http.tokenFile). */
  httpToken?: string;
}): Promise<RunningGateway> {
  const { config, logger } = options;
  if (config.http) {
    const listen = parseListenAddress(config.http.listen);
    if (!listen.ok) throw new Error(`http.listen: ${listen.reason}`);
    const refusal = checkExposure(listen.value, options.httpToken);
    if (refusal) throw new Error(refusal);
  }
  // First: a queue file in use by another process, or of another gateway, fails before any I/O.
  const queue = openGatewayQueue(config, logger.child({ component: 'store' }));
  const opened: Opened = { adapters: [] };
  try {
    return await assemble(options, queue, opened);
  } catch (error) {
    await opened.http?.close();
    opened.health?.stop();
    opened.view?.close();
    await (opened.pipeline?.close() ?? Promise.all(opened.adapters.map((adapter) => adapter.close()))).catch(() => undefined);
    await opened.session?.close(0).catch(() => undefined);
    queue.close();
    throw error;
  }
}

/** The metrics registry, built at the first scrape: prom-client costs ~2 MiB at start for a gateway nobody scrapes. */
function lazyMetrics(status: () => GatewayStatus): () => Promise<Registry> {
  let registry: Promise<Registry> | undefined;
  return () => {
    registry ??= import('../http/metrics.js').then(({ createMetricsRegistry }) => createMetricsRegistry(status));
    return registry;
  };
}

/** What has been opened so far, so a failure part-way can close it. */
interface Opened {
  adapters: Adapter[];
  session?: GatewaySession;
  pipeline?: Pipeline;
  view?: GatewayView;
  health?: HealthEvent;
  http?: RunningHttpServer;
}

async function assemble(
  options: Parameters<typeof startGateway>[0],
  queue: SqliteQueue,
  opened: Opened,
): Promise<RunningGateway> {
  const { config, logger } = options;
  const adapters = await createAdapters(config, options.profiles, options.catalog, logger, opened.adapters);
  const connection = config.connection;
  const session = new GatewaySession(
    {
      orgId: config.org,
      gateway: config.gateway,
      token: options.token,
      transport: connection.transport,
      domain: connection.domain,
      host: connection.host,
      port: connection.port,
      caFile: connection.caFile,
      rejectUnauthorized: connection.rejectUnauthorized,
      wsPath: connection.wsPath,
      cleanSession: connection.cleanSession,
      keepaliveSeconds: connection.keepaliveSeconds,
      retryOnAuthFailure: connection.retryOnAuthFailure,
      reconnect: connection.reconnect,
    },
    logger.child({ component: 'session' }),
  );
  opened.session = session;
  // Admission keeps the gateway inside the auto-registration limits (seed: Gateway auto-registration).
  const admission = new Admission(deviceKey(config.gateway), queue, config.admission, logger.child({ component: 'admission' }));
  const sender = new Sender(
    queue,
    admission,
    session,
    { maxInflight: config.publish.maxInflight, maxRatePerSecond: config.publish.maxRatePerSecond ?? Number.POSITIVE_INFINITY },
    logger.child({ component: 'sender' }),
  );
  const timestamp = config.publish.timestamp;
  const pipeline = new Pipeline({
    adapters,
    profiles: options.profiles,
    sink: sender,
    commands: session,
    logger: logger.child({ component: 'pipeline' }),
    qos: config.publish.qos,
    timestampField: timestamp === true ? 'ts' : timestamp,
    devices: config.devices,
  });
  opened.pipeline = pipeline;
  // A device forgotten after a long silence is new again if it returns: admission forgets its refusal too.
  pipeline.gone$.subscribe((route) => admission.forget(deviceKey(route.device)));
  const notificationCounts: Partial<Record<NotificationReason, number>> = {};
  const notifications = session.notifications$.subscribe((notification) => {
    notificationCounts[notification.reason] = (notificationCounts[notification.reason] ?? 0) + 1;
    admission.notified(notification.reason, `${notification.typeId}/${notification.deviceId}`);
    logger.warn(
      {
        reason: notification.reason,
        rc: notification.rc,
        device: `${notification.typeId}/${notification.deviceId}`,
        topic: notification.topic,
      },
      `service notification: ${notification.message}`,
    );
  });
  const view = new GatewayView({
    org: config.org,
    version: packageVersion(),
    session,
    adapters,
    pipeline,
    queue,
    sender,
    admission,
    notificationCounts,
  });
  opened.view = view;
  // The web console at / of the same server (its live stream taps the pipeline only while watched).
  const gatewayConsole = new GatewayConsole({ pipeline, view, logger: logger.child({ component: 'console' }) });
  if (config.http) {
    const listen = parseListenAddress(config.http.listen);
    if (!listen.ok) throw new Error(`http.listen: ${listen.reason}`);
    opened.http = await startHttpServer({
      listen: listen.value,
      token: options.httpToken,
      sources: {
        live: () => view.live(),
        ready: () => view.ready(),
        status: () => view.status(),
        metrics: lazyMetrics(() => view.status()),
      },
      ...consoleRoutes(gatewayConsole),
      logger: logger.child({ component: 'http' }),
    });
  }
  const health = new HealthEvent(
    view,
    sender,
    config.gateway,
    config.health.intervalSeconds,
    logger.child({ component: 'health' }),
  );
  opened.health = health;
  // Adapters and pipeline run even while the service is unreachable: events wait in the queue.
  session
    .start()
    .catch((error: Error) =>
      logger.warn(`first connection attempt failed: ${session.current.reason ?? error.message}; retrying`),
    );
  await pipeline.start();
  view.markStarted();
  health.start();
  const managed = config.managed?.enabled
    ? new ManagedGateway({
        session,
        options: config.managed,
        cleanSession: connection.cleanSession,
        devices$: pipeline.devices$,
        gone$: pipeline.gone$,
        readings$: pipeline.readings$,
        channelStatus$: merge(...adapters.map((adapter) => adapter.status$)),
        routes: () => pipeline.routesByDevice,
        sendCommand: async (device, commandId, payload) => {
          await pipeline.deliverCommand(device, commandId, Buffer.from(JSON.stringify(payload)), undefined, 'device-management');
        },
        logger: logger.child({ component: 'managed' }),
      })
    : undefined;
  managed?.start();
  gatewayConsole.managed = managed;
  return {
    notificationCounts,
    session,
    admission,
    pipeline,
    queue,
    sender,
    view,
    ...(opened.http ? { http: opened.http } : {}),
    adapters,
    ...(managed ? { managed } : {}),
    async close() {
      health.stop();
      // Stop reading first: nothing new enters the queue during the grace period.
      await pipeline.close();
      queue.commit();
      await sender.drain(config.shutdownGraceMs);
      // Unmanage over the session before it closes (bounded: it waits for no acknowledgement when offline).
      await managed?.close(2000);
      notifications.unsubscribe();
      sender.stop();
      admission.close();
      await session.close();
      queue.close();
      await opened.http?.close();
      view.close();
    },
  };
}
