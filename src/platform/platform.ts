import { Aedes, type AedesPublishPacket, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { Logger } from '../logging.js';
import type { ClientIdentity } from '../protocol/client-id.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { MAX_ACTIVE_DEVICES, MAX_PAYLOAD_BYTES } from '../protocol/limits.js';
import { buildNotification, type NotificationMessage } from '../protocol/notification.js';
import { commandTopic, monitorTopic, notifyTopic, parseEventTopic, topicMatches } from '../protocol/topics.js';
import { type Observable, Subject } from '../rx.js';
import { authenticateClient } from './authentication.js';
import { Authorization, type ConnectionState, type Refusal } from './authorization.js';
import { type ClusterOptions, joinCluster, type PlatformCluster } from './cluster.js';
import { connectionStatus } from './connection-status.js';
import type { ApplicationCredentials, GatewayCredentials } from './credentials.js';
import { DeviceManagementService, type DmShared, type ManagedDeviceState } from './device-management.js';
import { dropMarkedPublishes } from './dropped-publishes.js';
import { plainListenerWarning } from './exposure.js';
import { type ListenerAddress, type ListenerOptions, openListeners } from './listeners.js';
import { DEFAULT_REGISTRATION, DeviceRegistry, type RegistrationOptions } from './registration.js';

export type { ApplicationCredentials, GatewayCredentials } from './credentials.js';

/** Where a cluster's nodes share device management changes: `$` topics are out of reach of `#`, and of our clients. */
const DM_SHARED_TOPIC = '$wiotp/dm';

/** Everything the embedded platform needs to run. */
export interface PlatformOptions {
  orgId: string;
  gateways?: GatewayCredentials[];
  applications?: ApplicationCredentials[];
  listeners: ListenerOptions;
  /** Devices a gateway may have active on one connection (seed: 500). */
  maxActiveDevices?: number;
  registration?: Partial<RegistrationOptions>;
  /** How long a device management request waits for the device's response (default 10 s). */
  dmResponseTimeoutMs?: number;
  /** Platforms given the same Redis are one service: messages, sessions and the device registry are shared. */
  cluster?: ClusterOptions;
  logger: Logger;
}

/** An event as the platform received it. */
export interface ReceivedEvent {
  device: DeviceRef;
  eventId: string;
  format: string;
  payload: Buffer;
  clientId: string;
}

/** A notification the platform sent to a gateway. */
export interface SentNotification {
  gatewayClientId: string;
  message: NotificationMessage;
}

/**
 * A local Watson IoT platform on aedes: the service-side rules (identity, topics, payload cap,
 * auto-registration limits, notifications, device status) enforced so that gateways fail here
 * where they would fail in the cloud.
 */
export class EmbeddedPlatform {
  readonly events$: Observable<ReceivedEvent>;
  readonly notifications$: Observable<SentNotification>;
  readonly registry: DeviceRegistry;
  /** The device management side of the service. */
  readonly dm: DeviceManagementService;

  private readonly events = new Subject<ReceivedEvent>();
  private readonly notifications = new Subject<SentNotification>();
  private readonly authorization: Authorization;
  /** Marks a publish authorization refused, so it vanishes without closing its client. */
  private drop: (packet: object) => void = () => undefined;
  /** Live subscriptions by connection (aedes keeps those of clean sessions in its matcher only). */
  private readonly subscriptions = new Map<Client, Set<string>>();
  private listeners: Awaited<ReturnType<typeof openListeners>> | undefined;
  /** Settles once this node hears the cluster's device management changes. */
  private sharing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: PlatformOptions,
    private readonly broker: Aedes,
    private readonly cluster: PlatformCluster | undefined,
  ) {
    this.events$ = this.events.asObservable();
    this.notifications$ = this.notifications.asObservable();
    this.registry = new DeviceRegistry({ ...DEFAULT_REGISTRATION, ...options.registration }, cluster?.registry);
    for (const gateway of options.gateways ?? []) this.registry.add(gateway);
    this.authorization = new Authorization({
      registry: this.registry,
      maxActive: options.maxActiveDevices ?? MAX_ACTIVE_DEVICES,
      logger: options.logger,
      refused: (client, state, refusal) => this.notify(client, state, refusal),
    });
    this.dm = new DeviceManagementService(
      {
        publishInternal: (topic, payload, qos) => this.publishInternal(topic, payload, qos),
        subscribersOf: (topic) => this.subscribersOf(topic),
        onClientPublish: (listener) =>
          this.onClientPublish((packet, identity, clientId) => listener(packet, clientId, identity.kind === 'gateway')),
        ...(cluster
          ? { share: (message: DmShared) => this.shareDm(message), onShared: (listener) => this.onSharedDm(listener) }
          : {}),
      },
      options.logger,
      options.dmResponseTimeoutMs,
    );
  }

  /** Starts the broker and its listeners. */
  static async start(options: PlatformOptions): Promise<EmbeddedPlatform> {
    let platform: EmbeddedPlatform | undefined;
    const cluster = options.cluster ? await joinCluster(options.cluster, options.orgId, options.logger) : undefined;
    const broker = await Aedes.createBroker({
      ...(cluster ? { mq: cluster.mq, persistence: cluster.persistence } : {}),
      authenticate: (client, username, password, done) => platform?.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => platform?.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, subscription, done) => platform?.authorizeSubscribe(client, subscription, done),
    }).catch(async (error: Error) => {
      await cluster?.close();
      throw error;
    });
    if (cluster) {
      options.logger.info({ redis: cluster.target, brokerId: broker.id }, 'joined the cluster');
      // Every message goes through Redis, even between two clients of this node: without it a PUBACK would be a lie,
      // so the clients go (a gateway keeps its events and comes back, here or to another node). Their sockets are
      // cut: aedes's own close would first wait on Redis for the session's bookkeeping.
      cluster.onOutage(() => {
        for (const client of Object.values(platform?.clients() ?? {})) (client.conn as { destroy(): void }).destroy();
      });
    }
    platform = new EmbeddedPlatform(options, broker, cluster);
    platform.wire();
    await platform.sharing;
    await platform.seedDm().catch(async (error: Error) => {
      await platform?.close();
      throw new Error(`cannot read the cluster's device management states: ${error.message}`);
    });
    // A listener that cannot open (a port in use) must not leave the broker and its Redis connections behind.
    platform.listeners = await openListeners(options.listeners, (stream, request) => broker.handle(stream, request)).catch(
      async (error: Error) => {
        await platform?.close();
        throw error;
      },
    );
    for (const address of platform.listeners.addresses) {
      const name = address.protocol.startsWith('ws') ? 'WebSocket' : 'MQTT';
      const warning = plainListenerWarning({ name, host: address.host, secure: address.protocol.endsWith('s') });
      if (warning) options.logger.warn({ url: address.url }, warning);
    }
    return platform;
  }

  get orgId(): string {
    return this.options.orgId;
  }

  /** The listeners that are open, with their actual ports. */
  get addresses(): ListenerAddress[] {
    return this.listeners?.addresses ?? [];
  }

  /** URL of the first listener of a protocol. */
  url(protocol: ListenerAddress['protocol'] = 'mqtt'): string {
    const found = this.addresses.find((address) => address.protocol === protocol);
    if (!found) throw new Error(`no ${protocol} listener is open`);
    return found.url;
  }

  /** Devices active on the current connection of a gateway (0 if it is not connected). */
  activeDevices(gateway: DeviceRef): number {
    return this.connectionOf(gateway)?.active.size ?? 0;
  }

  /** Client ids whose subscriptions match a topic now (the plugin kit waits for a gateway's command subscription). */
  subscribersOf(topic: string): string[] {
    return [...this.subscriptions]
      .filter(([, filters]) => [...filters].some((filter) => topicMatches(filter, topic)))
      .map(([client]) => client.id);
  }

  /** Sends a command to a device as an application would (seed: Subscribing to commands). */
  sendCommand(device: DeviceRef, commandId: string, format: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<void> {
    return this.publishInternal(commandTopic(device.typeId, device.deviceId, commandId, format), payload, qos);
  }

  /** Publishes on any topic from the platform side (used by device management). */
  publishInternal(topic: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<void> {
    return new Promise((resolve, reject) => {
      const packet = { cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false } as PublishPacket;
      this.broker.publish(packet as AedesPublishPacket, (error?: Error | null) => (error ? reject(error) : resolve()));
    });
  }

  /** Observes every publish from connected clients (device management hooks in here). */
  onClientPublish(listener: (packet: AedesPublishPacket, identity: ClientIdentity, clientId: string) => void): () => void {
    const handler = (packet: AedesPublishPacket, client: Client | null) => {
      const state = client ? this.authorization.stateOf(client) : undefined;
      if (client && state) listener(packet, state.identity, client.id);
    };
    this.broker.on('publish', handler);
    return () => this.broker.off('publish', handler);
  }

  /** Stops listeners and the broker, and completes the streams. */
  async close(): Promise<void> {
    this.dm.close();
    await this.listeners?.close();
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    await this.cluster?.close();
    this.events.complete();
    this.notifications.complete();
  }

  /** Tells the cluster's other nodes of a device management change (a topic no client may publish or subscribe to). */
  private shareDm(message: DmShared): void {
    const unshared = (error: Error) =>
      this.options.logger.warn({ err: error.message }, 'device management change not shared with the cluster');
    this.publishInternal(DM_SHARED_TOPIC, JSON.stringify({ from: this.broker.id, message }), 0).catch(unshared);
    if (message.kind === 'state')
      this.cluster?.dmStates.save(deviceKey(message.state.device), JSON.stringify(message.state)).catch(unshared);
  }

  /** Takes the states the cluster kept from before this node started (after subscribing: nothing falls between). */
  private async seedDm(): Promise<void> {
    for (const text of (await this.cluster?.dmStates.load()) ?? []) {
      try {
        this.dm.seed(JSON.parse(text) as ManagedDeviceState);
      } catch (error) {
        this.options.logger.warn({ err: (error as Error).message }, 'unreadable device management state in the cluster');
      }
    }
  }

  /** Hears the other nodes' device management changes; start() waits until the subscription holds. */
  private onSharedDm(listener: (message: DmShared) => void): () => void {
    const deliver = (packet: AedesPublishPacket, done: () => void) => {
      done();
      try {
        const { from, message } = JSON.parse(Buffer.from(packet.payload).toString()) as { from: string; message: DmShared };
        if (from !== this.broker.id) listener(message);
      } catch (error) {
        this.options.logger.warn({ err: (error as Error).message }, 'unreadable device management change from the cluster');
      }
    };
    this.sharing = new Promise((resolve) => this.broker.subscribe(DM_SHARED_TOPIC, deliver, resolve));
    return () => this.broker.unsubscribe(DM_SHARED_TOPIC, deliver, () => undefined);
  }

  private connectionOf(gateway: DeviceRef): ConnectionState | undefined {
    const client = this.clients()[`g:${this.options.orgId}:${gateway.typeId}:${gateway.deviceId}`];
    return client ? this.authorization.stateOf(client) : undefined;
  }

  /** The clients connected to this node, by client id. */
  private clients(): Record<string, Client> {
    return (this.broker as unknown as { clients: Record<string, Client> }).clients;
  }

  private wire(): void {
    const broker = this.broker;
    this.drop = dropMarkedPublishes(broker);

    broker.on('publish', (packet, client) => {
      if (!client || !packet.topic.startsWith('iot-2/')) return;
      const parsed = parseEventTopic(packet.topic);
      if (!parsed.ok) return;
      this.events.next({ ...parsed.value, payload: Buffer.from(packet.payload), clientId: client.id });
    });
    broker.on('clientReady', (client) => this.announce(client, 'Connect'));
    broker.on('clientDisconnect', (client) => {
      this.subscriptions.delete(client);
      this.announce(client, 'Disconnect');
    });
    broker.on('subscribe', (subscriptions, client) => {
      const filters = this.subscriptions.get(client) ?? new Set<string>();
      for (const subscription of subscriptions) filters.add(subscription.topic);
      this.subscriptions.set(client, filters);
    });
    broker.on('unsubscribe', (topics, client) => {
      for (const topic of topics) this.subscriptions.get(client)?.delete(topic);
    });
    broker.on('clientError', (client, error) =>
      this.options.logger.debug({ clientId: client.id, err: error.message }, 'client error'),
    );
  }

  private announce(client: Client, action: 'Connect' | 'Disconnect'): void {
    const state = this.authorization.stateOf(client);
    if (!state || state.identity.kind === 'application') return;
    const { typeId, deviceId } = state.identity;
    const status = connectionStatus({
      action,
      at: new Date(),
      clientId: client.id,
      clientAddress: (client.conn as { remoteAddress?: string }).remoteAddress ?? '',
      connectedAt: state.connectedAt,
    });
    // Clients disconnect while the broker closes: a status that can no longer go out is not an error.
    this.publishInternal(monitorTopic({ typeId, deviceId }), JSON.stringify(status), 0).catch(() => undefined);
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: (Error & { returnCode: number }) | null, success: boolean | null) => void,
  ): void {
    if (this.cluster && !this.cluster.reachable) {
      this.options.logger.info({ clientId: client.id }, 'connection refused: Redis is unreachable');
      return done(Object.assign(new Error('server unavailable: Redis is unreachable'), { returnCode: 3 }), false);
    }
    const result = authenticateClient(this.options, client.id, username, password);
    if (!result.ok) {
      this.options.logger.info({ clientId: client.id }, `connection refused: ${result.reason}`);
      return done(Object.assign(new Error(result.reason), { returnCode: result.returnCode }), false);
    }
    this.authorization.connect(client, result.identity);
    done(null, true);
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    // The service never keeps retained messages from devices or gateways.
    packet.retain = false;
    const state = client ? this.authorization.stateOf(client) : undefined;
    if (!client || !state) return done(null);
    // aedes acknowledges a QoS 1 publish before it routes it: while Redis is lost, the client goes before its PUBACK.
    if (this.cluster && !this.cluster.reachable) return done(new Error('Redis is unreachable'));
    if (packet.payload.length > MAX_PAYLOAD_BYTES) {
      this.options.logger.warn({ clientId: client.id, size: packet.payload.length }, 'payload over the cap: disconnecting');
      return done(new Error(`payload of ${packet.payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`));
    }
    this.authorization.publish(client, state, packet.topic).then((allowed) => {
      if (!allowed) this.drop(packet);
      done(null);
    });
  }

  private authorizeSubscribe(
    client: Client,
    subscription: Subscription,
    done: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const state = this.authorization.stateOf(client);
    if (!state) return done(null, null);
    this.authorization.subscribe(client, state, subscription.topic).then((allowed) => done(null, allowed ? subscription : null));
  }

  /** A refused request: a gateway gets a notification (seed: Notifications), an application a log line. */
  private notify(client: Client, state: ConnectionState, { request, topic, typeId, deviceId, reason }: Refusal): void {
    if (state.identity.kind !== 'gateway') {
      this.options.logger.info({ clientId: client.id, topic }, `refused ${request}: ${reason}`);
      return;
    }
    const message = buildNotification({ request, time: new Date(), topic, typeId, deviceId, clientId: client.id, reason });
    this.notifications.next({ gatewayClientId: client.id, message });
    this.publishInternal(notifyTopic(state.identity), JSON.stringify(message), 1).catch(() => undefined);
  }
}
