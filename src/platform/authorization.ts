import type { Client } from 'aedes';
import type { Logger } from '../logging.js';
import type { ClientIdentity } from '../protocol/client-id.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { isoTime } from '../protocol/iso-time.js';
import type { NotificationReason } from '../protocol/notification.js';
import type { DeviceRegistry, RegistrationFailure } from './registration.js';
import {
  type Decision,
  decideApplicationPublish,
  decideApplicationSubscribe,
  decideGatewayPublish,
  decideGatewaySubscribe,
} from './rules.js';

/** Why a device could not become active on a gateway connection. */
export type AdmissionFailure = RegistrationFailure | 'gateway-device-limit';

/** What the platform keeps per connection (not per client id: a takeover's new connection authenticates first). */
export interface ConnectionState {
  identity: ClientIdentity;
  connectedAt: string;
  /** Devices made active through this gateway connection; counted again from zero on reconnect. */
  active: Set<string>;
  /** Devices with a registration or admission under way on this connection. */
  admitting: Map<string, Promise<AdmissionFailure | undefined>>;
}

/** One refused request, for the notification the gateway gets. */
export interface Refusal {
  request: 'publish' | 'subscribe';
  topic: string;
  typeId: string;
  deviceId: string;
  reason: Exclude<NotificationReason, 'unknown'>;
}

/** What authorization works with. */
export interface AuthorizationInputs {
  registry: DeviceRegistry;
  /** Devices a gateway may have active on one connection (seed: 500). */
  maxActive: number;
  logger: Logger;
  /** A refused request: the platform notifies the gateway. */
  refused(client: Client, state: ConnectionState, refusal: Refusal): void;
}

/**
 * Who may publish and subscribe to what (the topic rules), and auto-registration on a gateway's behalf
 * (seed: Gateway auto-registration): each connection's active devices, at most `maxActive`, a slot reserved
 * at once for packets authorized concurrently, one registration shared by every packet of a new device.
 */
export class Authorization {
  private readonly connections = new WeakMap<Client, ConnectionState>();

  constructor(private readonly inputs: AuthorizationInputs) {}

  /** Starts a connection's state once it authenticated. */
  connect(client: Client, identity: ClientIdentity): void {
    this.connections.set(client, { identity, connectedAt: isoTime(Date.now()), active: new Set(), admitting: new Map() });
  }

  /** The state of an authenticated connection. */
  stateOf(client: Client): ConnectionState | undefined {
    return this.connections.get(client);
  }

  /** Whether the connection may publish on `topic` (registering the device it publishes for). */
  publish(client: Client, state: ConnectionState, topic: string): Promise<boolean> {
    const identity = state.identity;
    const decision = identity.kind === 'gateway' ? decideGatewayPublish(identity, topic) : decideApplicationPublish(topic);
    return this.apply(client, state, decision, 'publish', topic);
  }

  /** Whether the connection may subscribe to `topic` (registering the device it subscribes for). */
  subscribe(client: Client, state: ConnectionState, topic: string): Promise<boolean> {
    const identity = state.identity;
    const decision = identity.kind === 'gateway' ? decideGatewaySubscribe(identity, topic) : decideApplicationSubscribe(topic);
    return this.apply(client, state, decision, 'subscribe', topic);
  }

  /** Applies a rule decision plus auto-registration; reports any refusal. */
  private async apply(
    client: Client,
    state: ConnectionState,
    decision: Decision,
    request: 'publish' | 'subscribe',
    topic: string,
  ): Promise<boolean> {
    if (!decision.allowed) {
      const { typeId, deviceId, reason } = decision;
      this.inputs.refused(client, state, { request, topic, typeId, deviceId, reason });
      return false;
    }
    if (!decision.onBehalfOf) return true;
    const device = decision.onBehalfOf;
    // A fault in registration refuses this one request; it must not leave the client waiting for an answer.
    const failure = await this.admit(client, state, device).catch((error: Error) => {
      this.inputs.logger.warn({ clientId: client.id, topic }, `registration fault: ${error.message}`);
      return 'registration-failed' as const;
    });
    if (failure)
      this.inputs.refused(client, state, { request, topic, typeId: device.typeId, deviceId: device.deviceId, reason: failure });
    return !failure;
  }

  /** Makes a device active on this gateway connection (seed: Gateway auto-registration). */
  private admit(client: Client, state: ConnectionState, device: DeviceRef): Promise<AdmissionFailure | undefined> {
    const key = deviceKey(device);
    if (state.active.has(key)) return Promise.resolve(undefined);
    const under = state.admitting.get(key);
    if (under) return under;
    // Reserve the slot now: packets from one socket read are authorized concurrently.
    if (state.active.size + state.admitting.size >= this.inputs.maxActive) return Promise.resolve('gateway-device-limit');
    const admission = this.inputs.registry.ensureRegistered(device, client.id).then(
      (failure) => {
        state.admitting.delete(key);
        if (!failure) state.active.add(key);
        return failure;
      },
      (error: Error) => {
        // A fault (the cluster's registry lost) refuses this request; the device's next one tries again.
        state.admitting.delete(key);
        throw error;
      },
    );
    state.admitting.set(key, admission);
    return admission;
  }
}
