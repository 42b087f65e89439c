import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging.js';
import {
  DM_RC,
  type DmDeviceInfo,
  type DmDiagLog,
  type DmFirmware,
  type DmLocation,
  type DmResponse,
  type PlatformOperation,
  parseDmRequest,
  parseDmResponse,
  parseDmTopic,
  platformDmTopic,
  salvageReqId,
  validateManageLifetime,
} from '../protocol/device-management.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { isoTime } from '../protocol/iso-time.js';
import {
  defer,
  EmptyError,
  filter,
  firstValueFrom,
  ignoreElements,
  merge,
  type Observable,
  Subject,
  throwError,
  timeout,
} from '../rx.js';

/** What the platform knows of one device's management (the service keeps the same per device). */
export interface ManagedDeviceState {
  device: DeviceRef;
  managed: boolean;
  lifetime: number;
  managedAt?: string;
  /** Client id of the gateway that manages it. */
  managedBy?: string;
  supports: Record<string, boolean | undefined>;
  deviceInfo: DmDeviceInfo;
  metadata: Record<string, unknown>;
  location?: DmLocation & { updatedDateTime: string };
  firmware: DmFirmware;
  diag: { logs: DmDiagLog[]; errorCodes: number[] };
}

/**
 * What one node of a cluster tells the others: a device's state after every change (so any node's REST API reads it),
 * and a device's response (it reaches the node of its gateway; the request may have come from another's).
 */
export type DmShared =
  | { kind: 'state'; state: ManagedDeviceState }
  | { kind: 'response'; device: DeviceRef; response: DmResponse };

/** How to publish from the service side, and where device publishes come from. */
export interface DmTransport {
  publishInternal(topic: string, payload: string, qos: 0 | 1): Promise<void>;
  /** Client ids whose subscriptions match a topic now. */
  subscribersOf(topic: string): string[];
  onClientPublish(
    listener: (packet: { topic: string; payload: Buffer | string }, clientId: string, isGateway: boolean) => void,
  ): () => void;
  /** In a cluster: tells the other nodes (absent for a platform on its own). */
  share?(message: DmShared): void;
  /** In a cluster: what the other nodes shared. */
  onShared?(listener: (message: DmShared) => void): () => void;
}

const MAX_DIAG_LOGS = 100;

/** A device (or its gateway) did not answer a device management request in time. */
export class DmTimeoutError extends Error {
  override readonly name = 'DmTimeoutError';
  constructor(
    device: string,
    operation: string,
    /** How long the platform waited. */
    readonly waitedMs: number,
  ) {
    super(`${device} did not answer ${operation} within ${waitedMs} ms`);
  }
}

/**
 * The service side of the device management protocol: answers a managed gateway's requests
 * (manage, unmanage, location, diagnostics, notify), issues requests to devices (reboot, factory
 * reset, firmware, device update, observe, custom actions) and keeps each device's management state.
 */
export class DeviceManagementService {
  readonly changes$: Observable<ManagedDeviceState>;
  private readonly changes = new Subject<ManagedDeviceState>();
  private readonly responses = new Subject<{ device: DeviceRef; response: DmResponse }>();
  private readonly devices = new Map<string, ManagedDeviceState>();
  private readonly detach: () => void;

  constructor(
    private readonly transport: DmTransport,
    private readonly logger: Logger,
    private readonly responseTimeoutMs = 10_000,
  ) {
    this.changes$ = this.changes.asObservable();
    const detachClients = transport.onClientPublish((packet, clientId, isGateway) => {
      if (isGateway && packet.topic.startsWith('iotdevice-1/')) this.handle(packet.topic, Buffer.from(packet.payload), clientId);
    });
    const detachShared = transport.onShared?.((message) => this.adopt(message));
    this.detach = () => {
      detachClients();
      detachShared?.();
    };
  }

  /** The management state of a device, if the platform has heard of it. A lapsed lifetime reads as unmanaged. */
  state(device: DeviceRef): ManagedDeviceState | undefined {
    const state = this.devices.get(deviceKey(device));
    if (state?.managed && state.lifetime > 0 && state.managedAt) {
      if (Date.parse(state.managedAt) + state.lifetime * 1000 < Date.now()) state.managed = false;
    }
    return state;
  }

  /** Every device the platform has management state for. */
  states(): ManagedDeviceState[] {
    return [...this.devices.values()].flatMap((known) => this.state(known.device) ?? []);
  }

  /** Waits until a device's state satisfies `predicate` (checked now and on every change). */
  async until(
    device: DeviceRef,
    predicate: (state: ManagedDeviceState) => boolean,
    ms = this.responseTimeoutMs,
  ): Promise<ManagedDeviceState> {
    const current = this.state(device);
    if (current && predicate(current)) return current;
    return firstValueFrom(
      this.changes$.pipe(
        filter((state) => deviceKey(state.device) === deviceKey(device) && predicate(state)),
        timeout({
          first: ms,
          with: () => {
            throw new Error(`device ${deviceKey(device)} did not reach the expected state within ${ms} ms`);
          },
        }),
      ),
    );
  }

  /**
   * Sends a request to a device (through its gateway) and resolves with its response; rejects with a
   * {@link DmTimeoutError} when none comes within `ms`. One promise covers both the publish and the wait, so a
   * failed publish or a closed service leaves nothing behind to reject later.
   */
  async request(device: DeviceRef, operation: PlatformOperation, d?: unknown, ms = this.responseTimeoutMs): Promise<DmResponse> {
    const reqId = randomUUID();
    const key = deviceKey(device);
    const answer$ = this.responses.pipe(
      filter(({ device: from, response }) => response.reqId === reqId && deviceKey(from) === key),
      timeout({
        first: ms,
        with: () => throwError(() => new DmTimeoutError(key, operation, ms)),
      }),
    );
    const publish$ = defer(() =>
      this.transport.publishInternal(
        platformDmTopic(device, operation),
        JSON.stringify(d === undefined ? { reqId } : { d, reqId }),
        1,
      ),
    ).pipe(ignoreElements());
    // merge subscribes to the answer before publishing, so even an immediate response is seen.
    const { response } = await firstValueFrom(merge(answer$, publish$)).catch((error: unknown) => {
      throw error instanceof EmptyError ? new Error(`device management closed before ${key} answered ${operation}`) : error;
    });
    this.logger.info({ device: key, operation, rc: response.rc }, 'device management response');
    return response;
  }

  /** Sets the firmware to fetch (device/update of mgmt.firmware), observes it, then initiates the download. */
  async firmwareDownload(
    device: DeviceRef,
    firmware: { url: string; version: string; name?: string; verifier?: string },
  ): Promise<DmResponse> {
    const updated = await this.request(device, 'device/update', { fields: [{ field: 'mgmt.firmware', value: firmware }] });
    if (updated.rc !== DM_RC.CHANGED) return updated;
    this.mutate(device, (state) => Object.assign(state.firmware, firmware));
    await this.observeFirmware(device);
    return this.request(device, 'mgmt/initiate/firmware/download');
  }

  /** Asks the device to report every change of mgmt.firmware, and records its current value. */
  async observeFirmware(device: DeviceRef): Promise<DmResponse> {
    const response = await this.request(device, 'observe', { fields: [{ field: 'mgmt.firmware' }] });
    const fields = (response.d as { fields?: Array<{ field: string; value?: DmFirmware }> } | undefined)?.fields ?? [];
    const value = fields.find((f) => f.field === 'mgmt.firmware')?.value;
    if (value) this.mutate(device, (state) => Object.assign(state.firmware, value));
    return response;
  }

  /** Stops listening; requests still waiting reject with a clear error. */
  close(): void {
    this.detach();
    this.changes.complete();
    this.responses.complete();
  }

  private mutate(device: DeviceRef, change: (state: ManagedDeviceState) => void): ManagedDeviceState {
    const key = deviceKey(device);
    let state = this.devices.get(key);
    if (!state) {
      state = {
        device,
        managed: false,
        lifetime: 0,
        supports: {},
        deviceInfo: {},
        metadata: {},
        firmware: {},
        diag: { logs: [], errorCodes: [] },
      };
      this.devices.set(key, state);
    }
    change(state);
    this.changes.next(state);
    this.transport.share?.({ kind: 'state', state });
    return state;
  }

  /** A state kept by the cluster from before this node started; one this node heard of since wins. */
  seed(state: ManagedDeviceState): void {
    const key = deviceKey(state.device);
    if (this.devices.has(key)) return;
    this.devices.set(key, state);
    this.changes.next(state);
  }

  /** What another node of the cluster shared: its state replaces this node's copy; a response may be awaited here. */
  private adopt(message: DmShared): void {
    if (message.kind === 'response') return this.responses.next({ device: message.device, response: message.response });
    this.devices.set(deviceKey(message.state.device), message.state);
    this.changes.next(message.state);
  }

  private handle(topic: string, payload: Buffer, clientId: string): void {
    const parsed = parseDmTopic(topic);
    if (!parsed.ok) return this.logger.warn({ topic }, `ignored device management message: ${parsed.reason}`);
    const { device, operation } = parsed.value;
    if (operation === 'response') {
      const response = parseDmResponse(payload);
      if (response.ok) {
        this.responses.next({ device, response: response.value });
        this.transport.share?.({ kind: 'response', device, response: response.value });
      } else this.logger.warn({ topic }, `unreadable device management response: ${response.reason}`);
      return;
    }
    const request = parseDmRequest(payload);
    if (!request.ok) {
      this.logger.warn({ topic }, `unreadable device management request: ${request.reason}`);
      // The reqId "must be copied into a response" (seed): a request whose body cannot be read is still answered.
      const reqId = salvageReqId(payload);
      if (reqId !== undefined) this.respond(device, clientId, { rc: DM_RC.BAD_REQUEST, reqId, message: request.reason });
      return;
    }
    const { d, reqId } = request.value;
    const outcome = this.apply(device, operation, d, clientId);
    if (reqId === undefined) return;
    this.respond(device, clientId, { rc: outcome.rc, reqId, ...(outcome.message ? { message: outcome.message } : {}) });
  }

  /**
   * Answers a gateway's request on `iotdm-1/type/…/id/…/response`, or on `…/response/` when the gateway subscribed
   * only as the seed writes it (`…/response/+`, which matches the trailing-slash topic and not the other).
   */
  private respond(device: DeviceRef, clientId: string, response: DmResponse): void {
    const topic = platformDmTopic(device, 'response');
    const subscribed = (t: string) => this.transport.subscribersOf(t).includes(clientId);
    const to = !subscribed(topic) && subscribed(`${topic}/`) ? `${topic}/` : topic;
    this.transport
      .publishInternal(to, JSON.stringify(response), 1)
      .catch((error: Error) =>
        this.logger.warn({ device: deviceKey(device) }, `device management response not sent: ${error.message}`),
      );
  }

  /** Applies one gateway request to the device's state; returns the rc (and a message for a 400). */
  private apply(device: DeviceRef, operation: string, d: unknown, clientId: string): { rc: number; message?: string } {
    const body = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    switch (operation) {
      case 'mgmt/manage': {
        const lifetime = validateManageLifetime(body.lifetime);
        if (!lifetime.ok) return { rc: DM_RC.BAD_REQUEST, message: lifetime.reason };
        this.mutate(device, (state) => {
          state.managed = true;
          state.lifetime = lifetime.value;
          state.managedAt = isoTime(Date.now());
          state.managedBy = clientId;
          state.supports = (body.supports as Record<string, boolean>) ?? {};
          state.deviceInfo = (body.deviceInfo as DmDeviceInfo) ?? {};
          if (body.metadata) state.metadata = body.metadata as Record<string, unknown>;
        });
        return { rc: DM_RC.OK };
      }
      case 'mgmt/unmanage':
        this.mutate(device, (state) => {
          state.managed = false;
        });
        return { rc: DM_RC.OK };
      case 'device/update/location': {
        const { latitude, longitude } = body;
        if (
          typeof latitude !== 'number' ||
          typeof longitude !== 'number' ||
          Math.abs(latitude) > 90 ||
          Math.abs(longitude) > 180
        ) {
          return { rc: DM_RC.BAD_REQUEST, message: 'latitude (−90…90) and longitude (−180…180) must be numbers' };
        }
        this.mutate(device, (state) => {
          state.location = { ...(body as unknown as DmLocation), updatedDateTime: isoTime(Date.now()) };
        });
        return { rc: DM_RC.OK };
      }
      case 'add/diag/log':
        if (typeof body.message !== 'string') return { rc: DM_RC.BAD_REQUEST, message: 'message must be a string' };
        this.mutate(device, (state) => {
          state.diag.logs.push(body as unknown as DmDiagLog);
          if (state.diag.logs.length > MAX_DIAG_LOGS) state.diag.logs.shift();
        });
        return { rc: DM_RC.OK };
      case 'clear/diag/log':
        this.mutate(device, (state) => {
          state.diag.logs = [];
        });
        return { rc: DM_RC.OK };
      case 'add/diag/errorCodes':
        if (typeof body.errorCode !== 'number') return { rc: DM_RC.BAD_REQUEST, message: 'errorCode must be a number' };
        this.mutate(device, (state) => {
          state.diag.errorCodes.push(body.errorCode as number);
          if (state.diag.errorCodes.length > MAX_DIAG_LOGS) state.diag.errorCodes.shift();
        });
        return { rc: DM_RC.OK };
      case 'clear/diag/errorCodes':
        this.mutate(device, (state) => {
          state.diag.errorCodes = [];
        });
        return { rc: DM_RC.OK };
      case 'notify': {
        if (body.field === 'mgmt.firmware' && typeof body.value === 'object' && body.value !== null) {
          this.mutate(device, (state) => Object.assign(state.firmware, body.value));
          return { rc: DM_RC.OK };
        }
        return { rc: DM_RC.BAD_REQUEST, message: `notify of field ${JSON.stringify(body.field)} is not supported` };
      }
      default:
        return { rc: DM_RC.NOT_FOUND, message: `unknown operation ${operation}` };
    }
  }
}
