import type { ChannelStatus } from '../adapter.js';
import type { Reading } from '../codecs/decoder.js';
import type { ManagedGatewayConfig } from '../config/gateway-config.js';
import type { Logger } from '../logging.js';
import type { DmDeviceInfo, DmDiagLog, DmLocation } from '../protocol/device-management.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { isoTime } from '../protocol/iso-time.js';
import { EMPTY, type Observable, Subject, type Subscription, takeUntil } from '../rx.js';
import type { GatewaySession, InboundDmMessage } from '../session/gateway-session.js';
import { capabilitiesFromProfile, type DeviceCapabilities, type SendCommand, supportsOf } from './device-capabilities.js';
import { type DeviceFields, fieldsFromRoute } from './device-fields.js';
import { DmDispatcher } from './dm-dispatch.js';
import { DmReporter } from './dm-reporting.js';
import { DmRequester } from './dm-requests.js';
import { initialFirmware } from './firmware-state.js';
import { ManageScheduler } from './manage-scheduler.js';
import type { DeviceRoute } from './pipeline.js';

export type { DeviceAction, DeviceCapabilities, SendCommand } from './device-capabilities.js';
export { DIAG_ERROR_CODES } from './dm-reporting.js';

/** Everything a ManagedGateway is built from (docs/device-management.md shows the wiring). */
export interface ManagedGatewayInputs {
  session: Pick<GatewaySession, 'publish' | 'subscribe' | 'unsubscribe' | 'dm$' | 'status$' | 'gateway'>;
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

/**
 * The managed gateway (seed: Managed gateways): manages itself and every device behind it, manages them again
 * before their lifetime runs out (ManageScheduler), answers the platform's requests with each device's declared
 * capabilities (DmDispatcher), and reports location and diagnostics (DmReporter). Opt-in through the config's
 * `managed` section.
 */
export class ManagedGateway {
  private readonly requester: DmRequester;
  private readonly scheduler: ManageScheduler;
  private readonly reporter: DmReporter;
  private readonly dispatcher: DmDispatcher;
  private readonly stop$ = new Subject<void>();
  private readonly log: Logger;
  private dm: Subscription | undefined;
  /** Set when close() has unmanaged everything: nothing is sent any more. */
  private closed = false;

  constructor(private readonly inputs: ManagedGatewayInputs) {
    this.log = inputs.logger;
    const { session, options } = inputs;
    const requester = new DmRequester(
      (topic, payload, o) => session.publish(topic, payload, o),
      options.responseTimeoutMs,
      this.log,
    );
    this.requester = requester;
    this.scheduler = new ManageScheduler({
      session,
      requester,
      options,
      logger: this.log,
      onManaged: (md) => this.reporter.onManaged(md),
    });
    const scheduler = this.scheduler;
    this.reporter = new DmReporter({
      requester,
      scheduler,
      routes: inputs.routes,
      locationIntervalMs: options.locationIntervalMs,
    });
    this.dispatcher = new DmDispatcher({
      requester,
      scheduler,
      reporter: this.reporter,
      options,
      logger: this.log,
      closed: () => this.closed,
    });
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
    this.scheduler.track(
      session.gateway,
      actions,
      { deviceInfo, metadata: options.metadata, firmware: initialFirmware(deviceInfo.fwVersion) },
      supports,
    );
    for (const route of this.inputs.routes().values()) this.addRoute(route);
    // Responses must still arrive while close() unmanages, so dm$ is ended by close() itself.
    this.dm = session.dm$.subscribe((message) => void this.handle(message));
    const until = <T>(source: Observable<T>) => source.pipe(takeUntil(this.stop$));
    until(session.status$).subscribe((status) => this.scheduler.setOnline(status.state === 'online'));
    until(this.inputs.devices$).subscribe((route) => this.addRoute(route));
    until(this.inputs.gone$ ?? EMPTY).subscribe((route) => this.forget(route.device));
    until(this.inputs.readings$ ?? EMPTY).subscribe(({ device, reading }) => this.reporter.onReading(device, reading));
    until(this.inputs.channelStatus$ ?? EMPTY).subscribe((status) => this.reporter.onChannelStatus(status));
  }

  /** Drops a device's management state (its lifetime runs out on the platform's side). */
  private forget(device: DeviceRef): void {
    if (deviceKey(device) === deviceKey(this.inputs.session.gateway) || !this.scheduler.forget(device)) return;
    this.log.debug({ device: deviceKey(device) }, 'device forgotten after a long silence: no longer managed from here');
  }

  /** Whether the platform acknowledged the device's last manage request. */
  isManaged(device: DeviceRef): boolean {
    return this.scheduler.isManaged(device);
  }

  /** Each device's managed state, lifetime, location and firmware, the gateway first (for the console). */
  snapshot(): ManagedDeviceState[] {
    const lifetime = this.inputs.options.lifetime;
    return [...this.scheduler.all()].map((md) => ({
      typeId: md.device.typeId,
      deviceId: md.device.deviceId,
      managed: md.managed,
      lifetimeSeconds: lifetime,
      ...(md.managed && md.managedAt !== undefined
        ? { managedSince: isoTime(md.managedAt), ...(lifetime > 0 ? { expiresAt: isoTime(md.managedAt + lifetime * 1000) } : {}) }
        : {}),
      ...(md.location ? { location: md.location } : {}),
      firmware: md.firmware,
      deviceInfo: md.deviceInfo,
    }));
  }

  /** Adds a diagnostic log entry (`add/diag/log`; severity 0 info, 1 warning, 2 error). True when the platform answered 200. */
  addDiagLog(device: DeviceRef, log: Omit<DmDiagLog, 'timestamp'> & { timestamp?: string }): Promise<boolean> {
    return this.reporter.addDiagLog(device, log);
  }

  /** Adds an error code (`add/diag/errorCodes`). True when the platform answered 200. */
  addErrorCode(device: DeviceRef, errorCode: number): Promise<boolean> {
    return this.reporter.addErrorCode(device, errorCode);
  }

  /** Clears the device's diagnostic log or error codes on the platform. */
  clearDiag(device: DeviceRef, what: 'log' | 'errorCodes'): Promise<boolean> {
    return this.reporter.clearDiag(device, what);
  }

  /** Unmanages every managed device (best effort, at most `timeoutMs`), then clears every timer and subscription. */
  async close(timeoutMs = Math.min(this.inputs.options.responseTimeoutMs, 5000)): Promise<void> {
    if (this.scheduler.isStopped) return;
    this.scheduler.stop();
    this.stop$.next();
    this.stop$.complete();
    const managed = [...this.scheduler.all()].filter((md) => md.managed);
    if (this.scheduler.isOnline && managed.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([Promise.all(managed.map((md) => this.requester.ask(md.device, 'mgmt/unmanage'))), deadline]);
      clearTimeout(timer);
    }
    this.closed = true;
    this.dm?.unsubscribe();
    this.requester.close();
    this.scheduler.clear();
  }

  private addRoute(route: DeviceRoute): void {
    if (this.scheduler.isStopped || this.scheduler.get(route.device)) return;
    const capabilities = capabilitiesFromProfile(route.device, route.profile, this.inputs.sendCommand, (message) =>
      this.log.warn(message),
    );
    const md = this.scheduler.track(route.device, capabilities, fieldsFromRoute(route), supportsOf(capabilities));
    md.locationFields = route.profile.management?.location;
    if (this.scheduler.isOnline) void this.scheduler.enroll(md);
  }

  private handle({ topic, payload }: InboundDmMessage): void {
    if (topic.operation !== 'response')
      void this.requester.serve(topic.device, payload, (d) => this.dispatcher.dispatch(topic, d));
    else if (!this.requester.handleResponse(payload))
      this.log.debug({ device: deviceKey(topic.device) }, 'response to no waiting request');
  }
}
