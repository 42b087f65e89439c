import { EMPTY, type Observable, Subject, type Subscription, takeUntil } from 'rxjs';
import type { ChannelStatus } from '../adapter.js';
import type { Reading } from '../codecs/decoder.js';
import type { ManagedGatewayConfig } from '../config/gateway-config.js';
import type { ManagementSpec } from '../config/profile-schema.js';
import type { Logger } from '../logging.js';
import {
  DM_RC,
  type DmDeviceInfo,
  type DmDiagLog,
  type DmLocation,
  type DmManageRequest,
  type DmTopic,
  dmRequestFilter,
  FIRMWARE_UPDATE_STATUS,
} from '../protocol/device-management.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import type { GatewaySession, InboundDmMessage } from '../session/gateway-session.js';
import { type DmAnswer, DmRequester, parseActionParams, parseFieldsRequest } from './dm-requests.js';
import {
  capabilitiesFromProfile,
  type DeviceAction,
  type DeviceCapabilities,
  type DeviceFields,
  type FirmwareFailure,
  fieldsFromRoute,
  finishFirmware,
  firmwareParams,
  firmwareUrlProblem,
  initialFirmware,
  locationFromReading,
  nextFirmware,
  readField,
  type SendCommand,
  supportsOf,
  unknownFields,
  updateFields,
} from './managed-device.js';
import type { DeviceRoute } from './pipeline.js';

export type { DeviceAction, DeviceCapabilities, SendCommand } from './managed-device.js';

/** Error codes the gateway reports with `add/diag/errorCodes` on its own initiative. */
export const DIAG_ERROR_CODES = { CHANNEL_OFFLINE: 1 } as const;

/** Everything a ManagedGateway is built from (docs/device-management.md shows the wiring). */
export interface ManagedGatewayInputs {
  session: Pick<GatewaySession, 'publish' | 'subscribe' | 'dm$' | 'status$' | 'gateway'>;
  options: ManagedGatewayConfig;
  /** Defaults for the gateway's own deviceInfo (the config's `managed.deviceInfo` wins). */
  gatewayInfo?: DmDeviceInfo;
  /** Actions on the gateway itself; without them its reboot, reset, firmware and custom actions answer 501. */
  gatewayActions?: DeviceCapabilities;
  /** The session's cleanSession: the connection decides; `options.cleanSession` only documents it. */
  cleanSession?: boolean;
  devices$: Observable<DeviceRoute>;
  /** Devices the pipeline forgot after a long silence: their management state goes too (bounded memory). */
  gone$?: Observable<DeviceRoute>;
  readings$?: Observable<{ device: DeviceRef; reading: Reading }>;
  channelStatus$?: Observable<ChannelStatus>;
  routes: () => ReadonlyMap<string, DeviceRoute>;
  sendCommand: SendCommand;
  logger: Logger;
}

/** What the console shows of one device under device management (read-only). */
export interface ManagedDeviceState {
  typeId: string;
  deviceId: string;
  /** The platform acknowledged the last manage request (and the session stayed online since). */
  managed: boolean;
  /** The manage request's lifetime in seconds (0: it never expires). */
  lifetimeSeconds: number;
  /** When the last manage request was acknowledged, and when that runs out (absent for lifetime 0). */
  managedSince?: string;
  expiresAt?: string;
  location?: DmLocation;
  firmware: DeviceFields['firmware'];
  deviceInfo: DmDeviceInfo;
}

/** One device (or the gateway) under device management. */
interface ManagedDevice extends DeviceFields {
  device: DeviceRef;
  capabilities: DeviceCapabilities;
  supports: NonNullable<DmManageRequest['supports']>;
  observed: Set<string>;
  locationFields?: ManagementSpec['location'];
  /** The platform acknowledged the last manage request (and the session stayed online since). */
  managed: boolean;
  /** When the platform last acknowledged a manage request (ms). */
  managedAt?: number;
  timer?: NodeJS.Timeout;
  lastLocationAt?: number;
  pendingLocation?: DmLocation;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The managed gateway (seed: Managed gateways): manages itself and every device behind it, manages them again
 * before their lifetime runs out, answers the platform's requests with each device's declared capabilities,
 * and reports location and diagnostics. Opt-in through the config's `managed` section.
 */
export class ManagedGateway {
  private readonly devices = new Map<string, ManagedDevice>();
  private readonly requester: DmRequester;
  private readonly stop$ = new Subject<void>();
  private readonly channels = new Map<string, ChannelStatus['state']>();
  private readonly log: Logger;
  private dm: Subscription | undefined;
  private online = false;
  /** Set when close() begins: nothing is managed any more. */
  private closing = false;
  /** Set when close() has unmanaged everything: nothing is sent any more. */
  private closed = false;

  constructor(private readonly inputs: ManagedGatewayInputs) {
    this.log = inputs.logger;
    const { session, options } = inputs;
    this.requester = new DmRequester(
      (topic, payload, o) => session.publish(topic, payload, o),
      options.responseTimeoutMs,
      this.log,
    );
  }

  /** Requests sent and failed (no answer, or an rc other than 200), platform requests received and answered. */
  get stats(): DmRequester['stats'] {
    return this.requester.stats;
  }

  /** Starts: manages everything on every `online`, follows new devices, readings and channel states until close(). */
  start(): void {
    const { session, options, cleanSession } = this.inputs;
    if (options.cleanSession !== undefined && cleanSession !== undefined && options.cleanSession !== cleanSession) {
      this.log.warn(
        `managed.cleanSession is ${options.cleanSession} but connection.cleanSession is ${cleanSession}; the connection decides`,
      );
    }
    if ((cleanSession ?? options.cleanSession) === false) {
      this.log.info(
        'durable device management session: requests sent while offline are reported failed yet run on reconnect, and queued requests do not follow a device to another gateway',
      );
    }
    const actions = this.inputs.gatewayActions ?? {};
    const deviceInfo = { ...this.inputs.gatewayInfo, ...options.deviceInfo };
    const supports = supportsOf(actions);
    supports.deviceActions ||= options.supports.deviceActions;
    supports.firmwareActions ||= options.supports.firmwareActions;
    this.track(
      session.gateway,
      actions,
      { deviceInfo, metadata: options.metadata, firmware: initialFirmware(deviceInfo.fwVersion) },
      supports,
    );
    for (const route of this.inputs.routes().values()) this.addRoute(route);
    // Responses must still arrive while close() unmanages, so dm$ is ended by close() itself.
    this.dm = session.dm$.subscribe((message) => void this.handle(message));
    const until = <T>(source: Observable<T>) => source.pipe(takeUntil(this.stop$));
    until(session.status$).subscribe((status) => {
      const wasOnline = this.online;
      this.online = status.state === 'online';
      if (this.online) for (const md of this.devices.values()) void this.enroll(md);
      else if (wasOnline) for (const md of this.devices.values()) this.goOffline(md);
    });
    until(this.inputs.devices$).subscribe((route) => this.addRoute(route));
    until(this.inputs.gone$ ?? EMPTY).subscribe((route) => this.forget(route.device));
    until(this.inputs.readings$ ?? EMPTY).subscribe(({ device, reading }) => this.onReading(device, reading));
    until(this.inputs.channelStatus$ ?? EMPTY).subscribe((status) => this.onChannelStatus(status));
  }

  /** Drops a device's management state (its lifetime runs out on the platform's side). */
  private forget(device: DeviceRef): void {
    const key = deviceKey(device);
    const md = this.devices.get(key);
    if (!md || key === deviceKey(this.inputs.session.gateway)) return;
    clearTimeout(md.timer);
    this.devices.delete(key);
    this.log.debug({ device: key }, 'device forgotten after a long silence: no longer managed from here');
  }

  /** Whether the platform acknowledged the device's last manage request. */
  isManaged(device: DeviceRef): boolean {
    return this.devices.get(deviceKey(device))?.managed ?? false;
  }

  /** Each device's managed state, lifetime, location and firmware, the gateway first (for the console). */
  snapshot(): ManagedDeviceState[] {
    const lifetime = this.inputs.options.lifetime;
    const iso = (ms: number) => new Date(ms).toISOString();
    return [...this.devices.values()].map((md) => ({
      typeId: md.device.typeId,
      deviceId: md.device.deviceId,
      managed: md.managed,
      lifetimeSeconds: lifetime,
      ...(md.managed && md.managedAt !== undefined
        ? { managedSince: iso(md.managedAt), ...(lifetime > 0 ? { expiresAt: iso(md.managedAt + lifetime * 1000) } : {}) }
        : {}),
      ...(md.location ? { location: md.location } : {}),
      firmware: md.firmware,
      deviceInfo: md.deviceInfo,
    }));
  }

  /** Adds a diagnostic log entry (`add/diag/log`; severity 0 info, 1 warning, 2 error). True when the platform answered 200. */
  addDiagLog(device: DeviceRef, log: Omit<DmDiagLog, 'timestamp'> & { timestamp?: string }): Promise<boolean> {
    return this.requester.ask(device, 'add/diag/log', { timestamp: new Date().toISOString(), ...log });
  }

  /** Adds an error code (`add/diag/errorCodes`). True when the platform answered 200. */
  addErrorCode(device: DeviceRef, errorCode: number): Promise<boolean> {
    return this.requester.ask(device, 'add/diag/errorCodes', { errorCode });
  }

  /** Clears the device's diagnostic log or error codes on the platform. */
  clearDiag(device: DeviceRef, what: 'log' | 'errorCodes'): Promise<boolean> {
    return this.requester.ask(device, what === 'log' ? 'clear/diag/log' : 'clear/diag/errorCodes');
  }

  /** Unmanages every managed device (best effort, at most `timeoutMs`), then clears every timer and subscription. */
  async close(timeoutMs = Math.min(this.inputs.options.responseTimeoutMs, 5000)): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stop$.next();
    this.stop$.complete();
    for (const md of this.devices.values()) clearTimeout(md.timer);
    const managed = [...this.devices.values()].filter((md) => md.managed);
    if (this.online && managed.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([Promise.all(managed.map((md) => this.requester.ask(md.device, 'mgmt/unmanage'))), deadline]);
      clearTimeout(timer);
    }
    this.closed = true;
    for (const md of this.devices.values()) clearTimeout(md.timer);
    this.dm?.unsubscribe();
    this.requester.close();
    this.devices.clear();
  }

  private addRoute(route: DeviceRoute): void {
    if (this.closing || this.devices.has(deviceKey(route.device))) return;
    const capabilities = capabilitiesFromProfile(route.device, route.profile, this.inputs.sendCommand, (message) =>
      this.log.warn(message),
    );
    const md = this.track(route.device, capabilities, fieldsFromRoute(route), supportsOf(capabilities));
    md.locationFields = route.profile.management?.location;
    if (this.online) void this.enroll(md);
  }

  private track(
    ref: DeviceRef,
    capabilities: DeviceCapabilities,
    state: DeviceFields,
    supports: ManagedDevice['supports'],
  ): ManagedDevice {
    const md: ManagedDevice = { ...state, device: ref, capabilities, supports, observed: new Set(), managed: false };
    this.devices.set(deviceKey(ref), md);
    return md;
  }

  /** Subscribes to the device's requests, waiting for the SUBACK so no answer is missed, then manages it. */
  private async enroll(md: ManagedDevice): Promise<void> {
    const subscribed = await this.inputs.session.subscribe(dmRequestFilter(md.device), 1);
    if (!subscribed && this.online)
      this.log.warn({ device: deviceKey(md.device) }, 'device management requests are not subscribed');
    await this.manage(md);
  }

  private async manage(md: ManagedDevice): Promise<void> {
    clearTimeout(md.timer);
    if (this.closing || !this.online) return;
    const { lifetime, remanageAheadSeconds, retryMs } = this.inputs.options;
    const body: DmManageRequest = { lifetime, supports: md.supports, deviceInfo: md.deviceInfo, metadata: md.metadata };
    const ok = await this.requester.ask(md.device, 'mgmt/manage', body);
    if (this.closing || !this.online) return;
    md.managed = ok;
    if (ok) md.managedAt = Date.now();
    clearTimeout(md.timer);
    if (!ok) md.timer = setTimeout(() => void this.manage(md), retryMs);
    else if (lifetime > 0)
      md.timer = setTimeout(() => void this.manage(md), Math.min(MAX_TIMER_MS, (lifetime - remanageAheadSeconds) * 1000));
    if (ok && md.pendingLocation) this.publishLocation(md, md.pendingLocation);
  }

  private goOffline(md: ManagedDevice): void {
    clearTimeout(md.timer);
    md.managed = false;
  }

  private handle({ topic, payload }: InboundDmMessage): void {
    if (topic.operation !== 'response') void this.requester.serve(topic.device, payload, (d) => this.dispatch(topic, d));
    else if (!this.requester.handleResponse(payload))
      this.log.debug({ device: deviceKey(topic.device) }, 'response to no waiting request');
  }

  private async dispatch(topic: DmTopic, d: unknown): Promise<DmAnswer> {
    const md = this.devices.get(deviceKey(topic.device));
    if (!md) return { rc: DM_RC.NOT_FOUND, message: `${deviceKey(topic.device)} is not managed by this gateway` };
    const caps = md.capabilities;
    if (topic.custom) {
      const name = `${topic.custom.bundleId}/${topic.custom.actionId}`;
      return this.runAction(md, caps.custom?.[name], `custom action ${name}`, parseActionParams(d), false);
    }
    switch (topic.operation) {
      case 'mgmt/initiate/device/reboot':
        return this.runAction(md, caps.reboot, 'reboot', {}, true);
      case 'mgmt/initiate/device/factory_reset':
        return this.runAction(md, caps.factoryReset, 'factory reset', {}, true);
      case 'mgmt/initiate/firmware/download':
        return this.startFirmware(md, 'download', caps.firmwareDownload);
      case 'mgmt/initiate/firmware/update':
        return this.startFirmware(md, 'update', caps.firmwareUpdate);
      case 'device/update': {
        const request = parseFieldsRequest(d, true);
        if (!request.ok) return { rc: DM_RC.BAD_REQUEST, message: request.reason };
        const updated = updateFields(md, request.value);
        if (!updated.ok)
          return { rc: updated.rc, message: updated.message, ...(updated.unknown ? { d: { fields: updated.unknown } } : {}) };
        Object.assign(md, updated.value);
        return { rc: DM_RC.CHANGED };
      }
      case 'observe':
      case 'cancel':
        return this.observe(md, d, topic.operation === 'observe');
      default:
        return { rc: DM_RC.NOT_IMPLEMENTED, message: `${topic.operation} is not supported` };
    }
  }

  /** Reboot, factory reset and custom actions: 202 once the device's command is delivered, 500 if it was not. */
  private async runAction(
    md: ManagedDevice,
    action: DeviceAction | undefined,
    label: string,
    params: Record<string, unknown>,
    remanage: boolean,
  ): Promise<DmAnswer> {
    if (!action) return { rc: DM_RC.NOT_IMPLEMENTED, message: `${label} is not supported by ${deviceKey(md.device)}` };
    try {
      await this.withTimeout(action(params), label);
    } catch (error) {
      return { rc: DM_RC.INTERNAL_ERROR, message: `${label} failed: ${(error as Error).message}` };
    }
    // After a reboot or reset the device manages again (seed: the device sends a manage request when it is back).
    const after = () => {
      clearTimeout(md.timer);
      md.timer = setTimeout(() => void this.manage(md), this.inputs.options.remanageDelayMs);
    };
    return remanage ? { rc: DM_RC.ACCEPTED, after } : { rc: DM_RC.ACCEPTED };
  }

  /** Firmware download/update: the state changes at once (a second request gets 400), the action runs after the 202. */
  private startFirmware(md: ManagedDevice, which: 'download' | 'update', action: DeviceAction | undefined): DmAnswer {
    if (!action) return { rc: DM_RC.NOT_IMPLEMENTED, message: `firmware ${which} is not supported by ${deviceKey(md.device)}` };
    const started = nextFirmware(md.firmware, { kind: `${which}-requested` });
    if (!started.ok) return { rc: DM_RC.BAD_REQUEST, message: started.reason };
    md.firmware = started.value;
    return { rc: DM_RC.ACCEPTED, after: () => void this.runFirmware(md, which, action) };
  }

  private async runFirmware(md: ManagedDevice, which: 'download' | 'update', action: DeviceAction): Promise<void> {
    this.notifyField(md, 'mgmt.firmware');
    const badUrl = which === 'download' && md.firmware.url ? firmwareUrlProblem(md.firmware.url) : undefined;
    let failure: FirmwareFailure | undefined = badUrl
      ? { message: badUrl, updateStatus: FIRMWARE_UPDATE_STATUS.INVALID_URI }
      : undefined;
    if (!failure) {
      try {
        await this.withTimeout(action(firmwareParams(md.firmware)), `firmware ${which}`);
      } catch (error) {
        const status = (error as { updateStatus?: unknown }).updateStatus;
        failure = { message: (error as Error).message, updateStatus: typeof status === 'number' ? status : undefined };
      }
    }
    const next = finishFirmware(md.firmware, which, failure, new Date());
    if (this.closed || !next.ok) return;
    md.firmware = next.value;
    this.notifyField(md, 'mgmt.firmware');
    if (!failure && which === 'update' && md.firmware.version) {
      md.deviceInfo = { ...md.deviceInfo, fwVersion: md.firmware.version };
      this.notifyField(md, 'deviceInfo');
      // The manage request carries deviceInfo: that is how the platform learns the new fwVersion.
      if (md.managed) void this.manage(md);
    }
    if (!failure) return;
    this.log.warn(
      { device: deviceKey(md.device), updateStatus: md.firmware.updateStatus },
      `firmware ${which} failed: ${failure.message}`,
    );
    if (md.managed) void this.addDiagLog(md.device, { message: `firmware ${which} failed: ${failure.message}`, severity: 2 });
  }

  /** `observe` answers 200 with the fields' current values, then notifies their changes; `cancel` stops that. */
  private observe(md: ManagedDevice, d: unknown, on: boolean): DmAnswer {
    const request = parseFieldsRequest(d, false);
    if (!request.ok) return { rc: DM_RC.BAD_REQUEST, message: request.reason };
    const unknown = unknownFields(request.value);
    if (unknown.length > 0)
      return { rc: DM_RC.NOT_FOUND, message: `cannot observe ${unknown.join(', ')}`, d: { fields: unknown } };
    for (const { field } of request.value) {
      if (on) md.observed.add(field);
      else md.observed.delete(field);
    }
    if (!on) return { rc: DM_RC.OK };
    return { rc: DM_RC.OK, d: { fields: request.value.map(({ field }) => ({ field, value: readField(md, field) })) } };
  }

  /** A change the device made to an observed field goes to the platform as `notify`. */
  private notifyField(md: ManagedDevice, field: string): void {
    if (md.observed.has(field) && !this.closed)
      void this.requester.ask(md.device, 'notify', { field, value: readField(md, field) });
  }

  private onReading(device: DeviceRef, reading: Reading): void {
    const md = this.devices.get(deviceKey(device));
    const location = md?.locationFields && locationFromReading(md.locationFields, reading, new Date());
    if (!md || !location) return;
    md.location = location;
    if (md.lastLocationAt !== undefined && Date.now() - md.lastLocationAt < this.inputs.options.locationIntervalMs) return;
    // Held until the platform acknowledges the manage request, then sent.
    if (md.managed) this.publishLocation(md, location);
    else md.pendingLocation = location;
  }

  private publishLocation(md: ManagedDevice, location: DmLocation): void {
    md.pendingLocation = undefined;
    md.lastLocationAt = Date.now();
    void this.requester.ask(md.device, 'device/update/location', location);
  }

  /** A channel going offline: an error log and error code for the managed devices on it; back online: an info log. */
  private onChannelStatus(status: ChannelStatus): void {
    const key = `${status.adapter}\u0000${status.channel}`;
    const previous = this.channels.get(key);
    this.channels.set(key, status.state);
    const down = status.state === 'offline' && previous !== 'offline';
    const up = status.state === 'online' && previous === 'offline';
    if (!down && !up) return;
    for (const { device, source } of this.inputs.routes().values()) {
      if (source.adapter !== status.adapter || source.channel !== status.channel || !this.isManaged(device)) continue;
      const where = `${status.adapter} channel ${status.channel}`;
      if (up) void this.addDiagLog(device, { message: `${where} is back online`, severity: 0 });
      if (!down) continue;
      void this.addDiagLog(device, { message: `${where} is offline${status.reason ? `: ${status.reason}` : ''}`, severity: 2 });
      void this.addErrorCode(device, DIAG_ERROR_CODES.CHANNEL_OFFLINE);
    }
  }

  private withTimeout<T>(work: Promise<T>, label: string): Promise<T> {
    const ms = this.inputs.options.actionTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${label} took longer than ${ms} ms`)), ms)),
    );
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  }
}
