import { Aedes, type AedesPublishPacket, type Client, type PublishPacket, type Subscription } from 'aedes';
import { type Observable, Subject } from 'rxjs';
import type { Logger } from '../logging.js';
import { type ClientIdentity, parseClientId } from '../protocol/client-id.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { MAX_ACTIVE_DEVICES, MAX_PAYLOAD_BYTES, TOKEN_AUTH_USERNAME } from '../protocol/limits.js';
import { buildNotification, type NotificationMessage, type NotificationReason } from '../protocol/notification.js';
import { commandTopic, monitorTopic, notifyTopic, parseEventTopic, topicMatches } from '../protocol/topics.js';
import {
  type ApplicationCredentials,
  authenticateApplication,
  authenticateGateway,
  type GatewayCredentials,
} from './credentials.js';
import { DeviceManagementService } from './device-management.js';
import { plainListenerWarning } from './exposure.js';
import { type ListenerAddress, type ListenerOptions, openListeners } from './listeners.js';
import { DEFAULT_REGISTRATION, DeviceRegistry, type RegistrationFailure, type RegistrationOptions } from './registration.js';
import {
  type Decision,
  decideApplicationPublish,
  decideApplicationSubscribe,
  decideGatewayPublish,
  decideGatewaySubscribe,
} from './rules.js';

export type { ApplicationCredentials, GatewayCredentials } from './credentials.js';

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

type AdmissionFailure = RegistrationFailure | 'gateway-device-limit';

interface ConnectionState {
  identity: ClientIdentity;
  connectedAt: string;
  /** Devices made active through this gateway connection; counted again from zero on reconnect. */
  active: Set<string>;
  /** Devices with a registration or admission under way on this connection. */
  admitting: Map<string, Promise<AdmissionFailure | undefined>>;
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
  private readonly connections = new WeakMap<Client, ConnectionState>();
  private readonly dropped = new WeakSet<object>();
  /** Live subscriptions by connection (aedes keeps those of clean sessions in its matcher only). */
  private readonly subscriptions = new Map<Client, Set<string>>();
  private readonly maxActive: number;
  private listeners: Awaited<ReturnType<typeof openListeners>> | undefined;

  private constructor(
    private readonly options: PlatformOptions,
    private readonly broker: Aedes,
  ) {
    this.events$ = this.events.asObservable();
    this.notifications$ = this.notifications.asObservable();
    this.maxActive = options.maxActiveDevices ?? MAX_ACTIVE_DEVICES;
    this.registry = new DeviceRegistry({ ...DEFAULT_REGISTRATION, ...options.registration });
    for (const gateway of options.gateways ?? []) this.registry.add(gateway);
    this.dm = new DeviceManagementService(
      {
        publishInternal: (topic, payload, qos) => this.publishInternal(topic, payload, qos),
        onClientPublish: (listener) =>
          this.onClientPublish((packet, identity, clientId) => listener(packet, clientId, identity.kind === 'gateway')),
      },
      options.logger,
      options.dmResponseTimeoutMs,
    );
  }

  /** Starts the broker and its listeners. */
  static async start(options: PlatformOptions): Promise<EmbeddedPlatform> {
    let platform: EmbeddedPlatform | undefined;
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => platform?.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => platform?.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, subscription, done) => platform?.authorizeSubscribe(client, subscription, done),
    });
    platform = new EmbeddedPlatform(options, broker);
    platform.wire();
    platform.listeners = await openListeners(options.listeners, (stream, request) => broker.handle(stream, request));
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
      const state = client ? this.connections.get(client) : undefined;
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
    this.events.complete();
    this.notifications.complete();
  }

  private connectionOf(gateway: DeviceRef): ConnectionState | undefined {
    const clientId = `g:${this.options.orgId}:${gateway.typeId}:${gateway.deviceId}`;
    const client = (this.broker as unknown as { clients: Record<string, Client> }).clients[clientId];
    return client ? this.connections.get(client) : undefined;
  }

  private wire(): void {
    const broker = this.broker;
    const publish = broker.publish.bind(broker);
    // A refused publish must vanish without closing the client: aedes publishes the very packet we authorized.
    broker.publish = ((packet: AedesPublishPacket, ...rest: unknown[]) => {
      const done = rest.find((arg) => typeof arg === 'function') as ((error?: Error) => void) | undefined;
      if (this.dropped.has(packet)) {
        done?.();
        return;
      }
      (publish as (...args: unknown[]) => void)(packet, ...rest);
    }) as typeof broker.publish;

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
    const state = this.connections.get(client);
    if (!state || state.identity.kind === 'application') return;
    const { typeId, deviceId } = state.identity;
    const status = {
      Action: action,
      Time: new Date().toISOString(),
      ClientID: client.id,
      ClientAddr: (client.conn as { remoteAddress?: string }).remoteAddress ?? '',
      Protocol: 'mqtt4',
      User: TOKEN_AUTH_USERNAME,
      ConnectTime: state.connectedAt,
      ...(action === 'Disconnect' ? { Reason: 'The connection has completed.' } : {}),
    };
    // Clients disconnect while the broker closes: a status that can no longer go out is not an error.
    this.publishInternal(monitorTopic({ typeId, deviceId }), JSON.stringify(status), 0).catch(() => undefined);
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: (Error & { returnCode: number }) | null, success: boolean | null) => void,
  ): void {
    const refuse = (returnCode: 2 | 4 | 5, why: string) => {
      this.options.logger.info({ clientId: client.id }, `connection refused: ${why}`);
      done(Object.assign(new Error(why), { returnCode }), false);
    };
    const parsed = parseClientId(client.id);
    if (!parsed.ok) return refuse(2, parsed.reason);
    const identity = parsed.value;
    if (identity.orgId !== this.options.orgId) return refuse(2, `client id ${client.id} is not of org ${this.options.orgId}`);
    const secret = password ?? Buffer.alloc(0);
    if (identity.kind === 'gateway') {
      if (username !== TOKEN_AUTH_USERNAME)
        return refuse(4, `gateway ${client.id} must use the user name ${TOKEN_AUTH_USERNAME}`);
      if (!authenticateGateway(this.options.gateways ?? [], identity, secret))
        return refuse(4, `wrong token or unknown gateway ${client.id}`);
    } else if (identity.kind === 'application') {
      if (!authenticateApplication(this.options.applications ?? [], username, secret))
        return refuse(4, `wrong API key or token for ${client.id}`);
    } else {
      return refuse(2, `device client ${client.id}: this platform accepts gateways and applications`);
    }
    this.connections.set(client, { identity, connectedAt: new Date().toISOString(), active: new Set(), admitting: new Map() });
    done(null, true);
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    // The service never keeps retained messages from devices or gateways.
    packet.retain = false;
    const state = client ? this.connections.get(client) : undefined;
    if (!client || !state) return done(null);
    if (packet.payload.length > MAX_PAYLOAD_BYTES) {
      this.options.logger.warn({ clientId: client.id, size: packet.payload.length }, 'payload over the cap: disconnecting');
      return done(new Error(`payload of ${packet.payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`));
    }
    const identity = state.identity;
    const decision =
      identity.kind === 'gateway' ? decideGatewayPublish(identity, packet.topic) : decideApplicationPublish(packet.topic);
    this.apply(client, state, decision, 'publish', packet.topic).then((allowed) => {
      if (!allowed) this.dropped.add(packet);
      done(null);
    });
  }

  private authorizeSubscribe(
    client: Client,
    subscription: Subscription,
    done: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const state = this.connections.get(client);
    if (!state) return done(null, null);
    const identity = state.identity;
    const decision =
      identity.kind === 'gateway'
        ? decideGatewaySubscribe(identity, subscription.topic)
        : decideApplicationSubscribe(subscription.topic);
    this.apply(client, state, decision, 'subscribe', subscription.topic).then((allowed) =>
      done(null, allowed ? subscription : null),
    );
  }

  /** Applies a rule decision plus auto-registration; notifies the gateway of any refusal. */
  private async apply(
    client: Client,
    state: ConnectionState,
    decision: Decision,
    request: 'publish' | 'subscribe',
    topic: string,
  ) {
    if (!decision.allowed) {
      this.notify(client, state, request, topic, decision.typeId, decision.deviceId, decision.reason);
      return false;
    }
    if (!decision.onBehalfOf) return true;
    const device = decision.onBehalfOf;
    // A fault in registration refuses this one request; it must not leave the client waiting for an answer.
    const failure = await this.admit(client, state, device).catch((error: Error) => {
      this.options.logger.warn({ clientId: client.id, topic }, `registration fault: ${error.message}`);
      return 'registration-failed' as const;
    });
    if (failure) this.notify(client, state, request, topic, device.typeId, device.deviceId, failure);
    return !failure;
  }

  /** Makes a device active on this gateway connection (seed: Gateway auto-registration). */
  private admit(client: Client, state: ConnectionState, device: DeviceRef): Promise<AdmissionFailure | undefined> {
    const key = deviceKey(device);
    if (state.active.has(key)) return Promise.resolve(undefined);
    const under = state.admitting.get(key);
    if (under) return under;
    // Reserve the slot now: packets from one socket read are authorized concurrently.
    if (state.active.size + state.admitting.size >= this.maxActive) return Promise.resolve('gateway-device-limit');
    const admission = this.registry.ensureRegistered(device, client.id).then((failure) => {
      state.admitting.delete(key);
      if (!failure) state.active.add(key);
      return failure;
    });
    state.admitting.set(key, admission);
    return admission;
  }

  private notify(
    client: Client,
    state: ConnectionState,
    request: 'publish' | 'subscribe',
    topic: string,
    typeId: string,
    deviceId: string,
    reason: Exclude<NotificationReason, 'unknown'>,
  ): void {
    if (state.identity.kind !== 'gateway') {
      this.options.logger.info({ clientId: client.id, topic }, `refused ${request}: ${reason}`);
      return;
    }
    const message = buildNotification({ request, time: new Date(), topic, typeId, deviceId, clientId: client.id, reason });
    this.notifications.next({ gatewayClientId: client.id, message });
    this.publishInternal(notifyTopic(state.identity), JSON.stringify(message), 1).catch(() => undefined);
  }
}
