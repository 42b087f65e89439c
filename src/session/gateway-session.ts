import { createRequire } from 'node:module';
import { createConnection, type Socket } from 'node:net';
import mqtt, { type IClientOptions, MqttClient } from 'mqtt';
import type { StreamBuilder } from 'mqtt/lib/shared';
import { type BackoffOptions, nextBackoffMs } from '../backoff.js';
import { monotonicNow } from '../clock.js';
import type { Logger } from '../logging.js';
import { type DmTopic, parseDmTopic } from '../protocol/device-management.js';
import type { DeviceRef } from '../protocol/ids.js';
import { MAX_PAYLOAD_BYTES } from '../protocol/limits.js';
import { type GatewayNotification, parseNotification } from '../protocol/notification.js';
import { commandTopic, eventTopic, notifyTopic, parseCommandTopic } from '../protocol/topics.js';
import { BehaviorSubject, type Observable, Subject } from '../rx.js';
import { type ConnectionContext, describeClosedBeforeConnack, describeConnectionError } from './connection-errors.js';
import { type EndpointOptions, resolveEndpoint } from './endpoint.js';
import { ConnectionLostError, PayloadTooLargeError, SessionClosedError, UnsupportedQosError } from './errors.js';
import { PubackFilter } from './puback-filter.js';
import { encodeQos1Publish } from './publish-packet.js';
import { TakeoverDetector } from './takeover-detector.js';

/** Where the one gateway connection stands. */
export interface SessionStatus {
  state: 'connecting' | 'online' | 'offline' | 'closed';
  at: number;
  /** Plain words on why the state changed, when we know. */
  reason?: string;
  /** Set when the connection keeps being taken over by another client with our client id. */
  conflict?: boolean;
  /** Set (with state `closed`) when the service refused the token at the first connection. */
  authRefused?: boolean;
}

/** A command addressed to the gateway or a device behind it (seed: Subscribing to commands). */
export interface InboundCommand {
  topic: string;
  device: DeviceRef;
  commandId: string;
  format: string;
  payload: Buffer;
}

/** A device management message from the platform (seed: Managed gateways). */
export interface InboundDmMessage {
  topic: DmTopic;
  payload: Buffer;
}

/** Options for the session: the endpoint plus reconnect behaviour. */
export interface GatewaySessionOptions extends EndpointOptions {
  reconnect?: Partial<BackoffOptions>;
  /**
   * A token refused at the very first connection (CONNACK 4 or 5) is final unless this is true: the session
   * closes with `authRefused`, so a supervisor sees the failure instead of endless retries. A refusal after
   * the gateway was once online (a token rotated on the service) is always retried.
   */
  retryOnAuthFailure?: boolean;
}

/** What an outgoing publish may ask for. QoS 2 is refused; retain is never set. */
export interface PublishOptions {
  qos?: 0 | 1;
}

export type EventPayload = Uint8Array | string;

/** send()'s flush is chained on this: a microtask without queueMicrotask's AsyncResource. */
const RESOLVED = Promise.resolve();
/** Bytes read from the service's socket at a time (each read is copied only where it is not a PUBACK). */
const READ_BUFFER_BYTES = 64 * 1024;
// mqtt.js's TLS builder, loaded only for a TLS connection (it loads node:tls).
const require = createRequire(import.meta.url);

/**
 * The one MQTT connection of the gateway (seed: MQTT client connection). It knows MQTT and the
 * Watson IoT topic rules, never serial or BLE. Subscriptions are remembered and restored after
 * every reconnect. Nothing is published while offline: publish() and send() refuse with a ConnectionLostError,
 * and the durable queue sends its events again once the session is back online.
 */
export class GatewaySession {
  readonly clientId: string;
  readonly url: string;
  readonly gateway: DeviceRef;
  readonly commands$: Observable<InboundCommand>;
  readonly notifications$: Observable<GatewayNotification>;
  readonly dm$: Observable<InboundDmMessage>;
  readonly status$: Observable<SessionStatus>;

  private readonly client: MqttClient;
  private readonly subscriptions = new Map<string, 0 | 1>();
  private readonly commands = new Subject<InboundCommand>();
  private readonly notifications = new Subject<GatewayNotification>();
  private readonly dm = new Subject<InboundDmMessage>();
  private readonly status = new BehaviorSubject<SessionStatus>({ state: 'connecting', at: Date.now() });
  private readonly backoff: BackoffOptions;
  private readonly takeover = new TakeoverDetector();
  private readonly notify: string;
  private attempt = 0;
  /**
   * When the current connection was accepted: on the wall clock (shown as onlineSince), and on the monotonic clock
   * (how long it lived, for the takeover detector).
   */
  private connectedAt = 0;
  private connectedMonotonic = 0;
  /** Connections made (CONNACK accepted) and lost, for metrics: more than one connect means reconnects. */
  readonly counters = { connects: 0, disconnects: 0 };
  private closing = false;
  /** send()'s QoS 1 publishes awaiting their PUBACK, by message id (not in mqtt.js's store: the queue resends). */
  private readonly awaitingAck = new Map<number, (error?: Error) => void>();
  /** send()'s packets of this tick, written to the socket together. */
  private outbox: Buffer[] = [];
  private lastError: string | undefined;
  private readonly retryOnAuthFailure: boolean;
  /** Where the session connects, to say what to check when that fails. */
  private readonly target: Pick<ConnectionContext, 'host' | 'port' | 'transport' | 'caGiven'>;
  /** This connection attempt: whether the CONNACK came, whether an error was said, the service's first bytes. */
  private connackSeen = false;
  private errorSaid = false;
  private firstReply: Uint8Array | undefined;

  constructor(
    options: GatewaySessionOptions,
    private readonly logger: Logger,
  ) {
    const endpoint = resolveEndpoint(options);
    this.retryOnAuthFailure = options.retryOnAuthFailure ?? false;
    this.clientId = endpoint.clientId;
    this.url = endpoint.url;
    this.target = {
      host: endpoint.options.host ?? '',
      port: endpoint.options.port ?? 0,
      transport: options.transport,
      caGiven: options.ca !== undefined || options.caFile !== undefined,
    };
    this.gateway = options.gateway;
    this.notify = notifyTopic(options.gateway);
    this.backoff = { initialMs: 1000, maxMs: 60_000, ...options.reconnect };
    for (const warning of endpoint.warnings) logger.warn({ url: this.url }, warning);
    this.commands$ = this.commands.asObservable();
    this.notifications$ = this.notifications.asObservable();
    this.dm$ = this.dm.asObservable();
    this.status$ = this.status.asObservable();
    const clientOptions: IClientOptions = {
      ...endpoint.options,
      reconnectPeriod: this.backoff.initialMs,
      reconnectOnConnackError: true,
      // QoS 0 promises nothing: while offline it is dropped (and counted by the sender), never queued in memory.
      queueQoSZero: false,
      // mqtt.js calls its debug logger dozens of times per publish; unless DEBUG asks for it, skip the calls.
      ...(process.env.DEBUG ? {} : { log: () => undefined }),
      manualConnect: true,
      // mqtt-packet's default caches a Buffer for each of the 65,536 two-byte numbers (packet ids, lengths) at the
      // first packet: ~6.7 MiB of heap kept for good, and its all-surviving allocation grows V8's young generation.
      // Writing the two bytes per packet instead costs nothing measurable (`npm run bench`, CPU at saturation).
      writeCache: false,
      // By default every PUBACK moves the keep-alive timer (a clearTimeout and a setTimeout per event: ~6% of the
      // CPU at saturation in the bench's profile). A PINGREQ every keepalive period even while busy costs 2 bytes.
      reschedulePings: false,
    };
    // Over TCP and TLS the socket's reads go through a PubackFilter first (puback-filter.ts says why); over
    // WebSockets, and through a SOCKS proxy (mqtt.js's MQTTJS_SOCKS_PROXY), mqtt.js opens the connection itself.
    const filtered = (options.transport === 'tcp' || options.transport === 'tls') && !process.env.MQTTJS_SOCKS_PROXY;
    this.client = filtered
      ? new MqttClient(this.filteredStream(options.transport === 'tls', clientOptions), clientOptions)
      : mqtt.connect(clientOptions);
    // Every command, for the gateway and any device behind it, with one subscription (seed: Subscribing to
    // commands, "+" allowed): a command for a device not heard yet since a restart still reaches the gateway,
    // and no per-device subscription piles up or counts against the service's active devices.
    this.subscriptions.set(commandTopic('+', '+'), 1);
    this.subscriptions.set(this.notify, 1);
    this.wire();
  }

  /** Opens the connection; resolves once online (CONNACK and subscriptions) or rejects on the first refusal/error. */
  start(): Promise<void> {
    this.logger.info({ url: this.url, clientId: this.clientId }, 'connecting gateway session');
    const ready = new Promise<void>((resolve, reject) => {
      const online = this.status.subscribe((status) => {
        if (status.state !== 'online') return;
        this.client.off('error', onError);
        queueMicrotask(() => online.unsubscribe());
        resolve();
      });
      const onError = (error: Error) => {
        online.unsubscribe();
        reject(error);
      };
      this.client.once('error', onError);
    });
    this.newAttempt();
    this.client.connect();
    return ready;
  }

  /** The current status, synchronously. */
  get current(): SessionStatus {
    return this.status.value;
  }

  /** When the current connection was accepted (wall clock ms, to show), or 0 when there is none. */
  get onlineSince(): number {
    return this.client.connected ? this.connectedAt : 0;
  }

  /**
   * Publishes an event for the gateway or a device behind it on its own topic (seed: Publishing events).
   * Refuses QoS 2 and payloads over 131072 bytes before anything is sent; never retained.
   * Resolves when written (QoS 0) or acknowledged (QoS 1).
   */
  publishEvent(
    device: DeviceRef,
    eventId: string,
    format: string,
    payload: EventPayload,
    options: PublishOptions = {},
  ): Promise<void> {
    let topic: string;
    try {
      topic = eventTopic(device, eventId, format);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.publish(topic, payload, options);
  }

  /** Publishes on any topic with the same rules as events (used for device management messages). */
  publish(topic: string, payload: EventPayload, options: PublishOptions = {}): Promise<void> {
    const qos = options.qos ?? 0;
    if (qos !== 0 && qos !== 1) return Promise.reject(new UnsupportedQosError(qos));
    if (this.closing) return Promise.reject(new SessionClosedError());
    // Nothing goes out before the session is online: mqtt.js would queue it and flush it on reconnect, before
    // admission resets its device count, and the service could count devices the gateway did not.
    if (this.status.value.state !== 'online') return Promise.reject(new ConnectionLostError());
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
    if (size > MAX_PAYLOAD_BYTES) return Promise.reject(new PayloadTooLargeError(topic, size));
    const body = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return new Promise((resolve, reject) => {
      this.client.publish(topic, body, { qos, retain: false }, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Subscribes now (if online) and after every reconnect. A refused filter (SUBACK 128) is logged, not fatal. */
  async subscribe(filter: string, qos: 0 | 1 = 1): Promise<boolean> {
    this.subscriptions.set(filter, qos);
    if (!this.client.connected) return false;
    return this.subscribeNow(filter, qos);
  }

  /** Forgets a subscription and unsubscribes if online. */
  async unsubscribe(filter: string): Promise<void> {
    this.subscriptions.delete(filter);
    if (this.client.connected) await this.client.unsubscribeAsync(filter).catch(() => undefined);
  }

  /**
   * Publishes a message whose redelivery the caller owns (the durable queue): kept only until its PUBACK. If
   * the connection drops first, `done` gets a ConnectionLostError and the message is forgotten, so nothing is
   * resent behind the queue's back and nothing reaches the service before the session is online again (where
   * admission has reset its device count). Topic and size are the caller's to check.
   */
  send(topic: string, payload: string, qos: 0 | 1, done: (error?: Error) => void): void {
    const client = this.client;
    if (!client.connected || this.closing) {
      queueMicrotask(() => done(new ConnectionLostError()));
      return;
    }
    if (qos === 0) {
      client.publish(topic, payload, { qos: 0, retain: false }, (error) => done(error ? new ConnectionLostError() : undefined));
      return;
    }
    // Written by the session itself (src/session/publish-packet.ts says why), with a message id from mqtt.js's own
    // provider so that its packets (subscriptions, device management) never share one with these.
    const messageId = client.messageIdProvider.allocate();
    if (messageId === null) {
      queueMicrotask(() => done(new ConnectionLostError()));
      return;
    }
    this.awaitingAck.set(messageId, done);
    // A resolved promise's then(), not queueMicrotask: Node's queueMicrotask makes an AsyncResource per call (~3% of
    // the CPU at 100 lines/s).
    if (this.outbox.push(encodeQos1Publish(topic, payload, messageId)) === 1) RESOLVED.then(this.flushOutbox);
  }

  /** One write for the tick's publishes (a read's frames are sent in one go). */
  private readonly flushOutbox = (): void => {
    const packets = this.outbox;
    this.outbox = [];
    // A connection lost meanwhile fails these on 'close'; the queue sends them again after reconnecting.
    if (!this.client.connected) return;
    this.client.stream.write(packets.length === 1 ? (packets[0] as Buffer) : Buffer.concat(packets));
  };

  /** Every send() awaiting its PUBACK failed: the connection is gone, and with it any ack that was coming. */
  private failAwaitingAcks(): void {
    this.outbox = [];
    for (const messageId of [...this.awaitingAck.keys()]) this.settleSend(messageId, new ConnectionLostError());
  }

  /** A send() is over (acknowledged, or failed): its message id is free again. False for an id not send()'s. */
  private settleSend(messageId: number, error?: Error): boolean {
    const done = this.awaitingAck.get(messageId);
    if (!done) return false;
    this.awaitingAck.delete(messageId);
    this.client.messageIdProvider.deallocate(messageId);
    done(error);
    return true;
  }

  /**
   * Opens each connection (TCP, or TLS through mqtt.js's own builder and its error handling) with Node's `onread`:
   * the socket hands each read to a PubackFilter, which settles send()'s PUBACKs and pushes the rest into the
   * socket's readable side, where mqtt.js reads it as before.
   */
  private filteredStream(secure: boolean, options: IClientOptions): StreamBuilder {
    return (client) => {
      const filter = new PubackFilter({
        acknowledge: (messageId) => this.settleSend(messageId),
        forward: (bytes) => socket.push(bytes),
      });
      const onread = {
        buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback: (length: number, buffer: Uint8Array) => {
          if (this.firstReply === undefined) this.firstReply = Buffer.from(buffer.subarray(0, Math.min(length, 32)));
          filter.read(buffer, length);
          return true; // keep reading (mqtt.js falling behind pauses the socket, which stops its reads)
        },
      };
      const socket = secure
        ? (require('mqtt/lib/connect/tls') as { default: (client: MqttClient, options: IClientOptions) => Socket }).default(
            client,
            {
              ...options,
              onread,
            } as IClientOptions,
          )
        : createConnection({ host: options.hostname ?? options.host ?? 'localhost', port: options.port ?? 1883, onread });
      // No Nagle: a tick's publishes already go in one write. With it, a small write made while an earlier one
      // was still unacknowledged waited for the service's delayed ACK: after a QoS 0 publish and a PINGREQ
      // back to back, 40 ms, then every PUBLISH went out one line late (its PUBACK 10 ms after it, not 0.3).
      socket.setNoDelay(true);
      return socket as ReturnType<StreamBuilder> & { push(bytes: Buffer): boolean };
    };
  }

  /**
   * Disconnects and completes every stream. Waits at most `graceMs` for a clean DISCONNECT, then closes
   * the socket regardless: a shutdown never hangs on acknowledgements that will not come.
   */
  async close(graceMs = 1000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const client = this.client;
    if (client.connected) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([client.endAsync(false).then(() => 'ended' as const), timedOut]).catch(() => 'failed');
      clearTimeout(timer);
      if (outcome !== 'ended') await client.endAsync(true).catch(() => undefined);
    } else {
      await client.endAsync(true).catch(() => undefined);
    }
    this.status.next({ state: 'closed', at: Date.now(), reason: 'closed by the gateway' });
    this.commands.complete();
    this.notifications.complete();
    this.dm.complete();
    this.status.complete();
  }

  private async subscribeNow(filter: string, qos: 0 | 1): Promise<boolean> {
    try {
      const granted = await this.client.subscribeAsync(filter, { qos });
      const refused = granted.some((grant) => grant.qos === 128);
      if (refused) this.logger.warn({ filter }, 'the broker refused the subscription (SUBACK 128)');
      return !refused;
    } catch (error) {
      // mqtt.js rejects on SUBACK 128; the session carries on either way.
      this.logger.warn({ filter, err: (error as Error).message }, 'subscription failed');
      return false;
    }
  }

  private wire(): void {
    const client = this.client;
    client.on('connect', (connack) => {
      this.connackSeen = true;
      this.counters.connects++;
      this.attempt = 0;
      this.connectedAt = Date.now();
      this.connectedMonotonic = monotonicNow();
      this.lastError = undefined;
      client.options.reconnectPeriod = this.backoff.initialMs;
      // "online" means ready: subscriptions (notify, commands) are restored first, so nothing sent
      // right after connecting is missed.
      void Promise.all([...this.subscriptions].map(([filter, qos]) => this.subscribeNow(filter, qos))).then(() => {
        if (!client.connected || this.closing) return;
        this.status.next({ state: 'online', at: Date.now() });
        this.logger.info({ url: this.url, sessionPresent: connack.sessionPresent }, 'gateway session online');
      });
    });
    // Runs before mqtt.js schedules its reconnect timer, so the next attempt uses our back-off.
    client.prependListener('close', () => {
      if (this.closing) return;
      const wasOnline = this.status.value.state === 'online';
      const delay = nextBackoffMs(this.backoff, this.attempt++);
      client.options.reconnectPeriod = delay;
      if (!wasOnline) {
        // Closed before its CONNACK with no error said (a TLS server reached in clear closes without a word).
        if (!this.connackSeen && !this.errorSaid) {
          this.lastError = describeClosedBeforeConnack(this.context());
          this.logger.warn({ url: this.url, retryInMs: delay }, `gateway session error: ${this.lastError}`);
          this.status.next({ state: 'offline', at: Date.now(), reason: this.lastError });
        }
        return;
      }
      this.counters.disconnects++;
      const conflict = this.takeover.record(this.connectedMonotonic, monotonicNow());
      const reason = conflict
        ? `the connection was taken over ${this.takeover.count} times within ${this.takeover.windowMs / 1000} s: ` +
          `another client is probably using the client id ${this.clientId}, and only one connection per client id is allowed`
        : (this.lastError ?? 'the connection closed');
      if (conflict) this.logger.error({ clientId: this.clientId }, reason);
      else this.logger.warn({ url: this.url, retryInMs: delay }, `gateway session offline: ${reason}`);
      this.status.next({ state: 'offline', at: Date.now(), reason, conflict });
    });
    client.on('reconnect', () => {
      this.newAttempt();
      if (this.status.value.state !== 'offline') return;
      this.status.next({ state: 'connecting', at: Date.now(), reason: this.status.value.reason });
    });
    client.on('error', (error: Error & { code?: number | string }) => {
      // Without this listener mqtt.js errors would crash the process.
      this.errorSaid = true;
      this.lastError = describeConnectionError(error, this.context());
      const refused = error.code === 4 || error.code === 5;
      if (refused && this.counters.connects === 0 && !this.retryOnAuthFailure && !this.closing) {
        this.logger.error({ url: this.url }, `${this.lastError}; not retrying (connection.retryOnAuthFailure: true would)`);
        void client.endAsync(true).catch(() => undefined);
        this.status.next({ state: 'closed', at: Date.now(), reason: this.lastError, authRefused: true });
        return;
      }
      this.logger.warn({ url: this.url }, `gateway session error: ${this.lastError}`);
      if (this.status.value.state !== 'online') {
        this.status.next({ state: 'offline', at: Date.now(), reason: this.lastError });
      }
    });
    client.on('message', (topic, payload) => this.route(topic, payload));
    // send()'s PUBACKs where no PubackFilter took them first (WebSockets); mqtt.js ignores an ack for a message id
    // it did not send.
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined) this.settleSend(packet.messageId);
    });
    client.on('close', () => this.failAwaitingAcks());
  }

  private newAttempt(): void {
    this.connackSeen = false;
    this.errorSaid = false;
    this.firstReply = undefined;
  }

  private context(): ConnectionContext {
    return { ...this.target, connackSeen: this.connackSeen, firstReply: this.firstReply, now: new Date() };
  }

  private route(topic: string, payload: Buffer): void {
    if (topic === this.notify) {
      const parsed = parseNotification(payload);
      if (parsed.ok) this.notifications.next(parsed.value);
      else this.logger.warn({ topic }, `unreadable notification: ${parsed.reason}`);
      return;
    }
    if (topic.startsWith('iotdm-1/')) {
      const parsed = parseDmTopic(topic);
      if (parsed.ok) this.dm.next({ topic: parsed.value, payload });
      else this.logger.warn({ topic }, `unreadable device management topic: ${parsed.reason}`);
      return;
    }
    const command = parseCommandTopic(topic);
    if (command.ok) {
      this.commands.next({ topic, ...command.value, payload });
      return;
    }
    this.logger.warn({ topic }, `message on an unexpected topic: ${command.reason}`);
  }
}
