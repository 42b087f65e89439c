import type { ManagedGatewayConfig } from '../config/gateway-config.js';
import type { ManagementSpec } from '../config/profile-schema.js';
import type { Logger } from '../logging.js';
import { type DmLocation, type DmManageRequest, dmRequestFilter } from '../protocol/device-management.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import type { GatewaySession } from '../session/gateway-session.js';
import type { DeviceCapabilities } from './device-capabilities.js';
import type { DeviceFields } from './device-fields.js';
import type { DmRequester } from './dm-requests.js';

/** One device (or the gateway) under device management. */
export interface ManagedDevice extends DeviceFields {
  device: DeviceRef;
  capabilities: DeviceCapabilities;
  supports: NonNullable<DmManageRequest['supports']>;
  observed: Set<string>;
  locationFields?: ManagementSpec['location'];
  /** The platform acknowledged the last manage request (and the session stayed online since). */
  managed: boolean;
  /** When the platform last acknowledged a manage request (wall clock ms, shown as managedSince and expiresAt). */
  managedAt?: number;
  timer?: NodeJS.Timeout;
  /** When a location update last went out (monotonic ms, src/clock.ts): paces them by locationIntervalMs. */
  lastLocationAt?: number;
  pendingLocation?: DmLocation;
}

/** What the scheduler works with. */
export interface ManageSchedulerInputs {
  session: Pick<GatewaySession, 'subscribe' | 'unsubscribe'>;
  requester: DmRequester;
  options: ManagedGatewayConfig;
  logger: Logger;
  /** A manage request was acknowledged (a location held until then can go out now). */
  onManaged(md: ManagedDevice): void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Keeps every device under management while the session is online: subscribes to its requests and manages it
 * on every `online`, manages it again before its lifetime runs out, retries a refused manage request, and
 * forgets the acknowledgement when the session goes offline.
 */
export class ManageScheduler {
  private readonly devices = new Map<string, ManagedDevice>();
  private online = false;
  /** Set by stop(): nothing is managed any more. */
  private stopped = false;

  constructor(private readonly inputs: ManageSchedulerInputs) {}

  /** Whether the session is online (as last told). */
  get isOnline(): boolean {
    return this.online;
  }

  /** Whether stop() was called. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Starts managing a device (at once when online); returns its record. */
  track(
    device: DeviceRef,
    capabilities: DeviceCapabilities,
    fields: DeviceFields,
    supports: ManagedDevice['supports'],
  ): ManagedDevice {
    const md: ManagedDevice = { ...fields, device, capabilities, supports, observed: new Set(), managed: false };
    this.devices.set(deviceKey(device), md);
    return md;
  }

  /** The record of a device, if it is managed from here. */
  get(device: DeviceRef): ManagedDevice | undefined {
    return this.devices.get(deviceKey(device));
  }

  /** Every record, the gateway's first. */
  all(): IterableIterator<ManagedDevice> {
    return this.devices.values();
  }

  /** Whether the platform acknowledged the device's last manage request. */
  isManaged(device: DeviceRef): boolean {
    return this.get(device)?.managed ?? false;
  }

  /**
   * Drops a device's record and timer (its lifetime runs out on the platform's side) and its request subscription:
   * the session restores every subscription after a reconnect, and the service counts a device the gateway
   * subscribes for among its 500 active ones (seed: Gateway auto-registration), so a gateway that kept the filters
   * of every device it ever saw would fill that count with devices long gone.
   */
  forget(device: DeviceRef): boolean {
    const md = this.get(device);
    if (!md) return false;
    clearTimeout(md.timer);
    this.devices.delete(deviceKey(device));
    void this.inputs.session.unsubscribe(dmRequestFilter(device));
    return true;
  }

  /** The session went online (everything is managed) or offline (no acknowledgement holds any more). */
  setOnline(online: boolean): void {
    const wasOnline = this.online;
    this.online = online;
    if (online) for (const md of this.devices.values()) void this.enroll(md);
    else if (wasOnline)
      for (const md of this.devices.values()) {
        clearTimeout(md.timer);
        md.managed = false;
      }
  }

  /** Subscribes to the device's requests, waiting for the SUBACK so no answer is missed, then manages it. */
  async enroll(md: ManagedDevice): Promise<void> {
    const subscribed = await this.inputs.session.subscribe(dmRequestFilter(md.device), 1);
    if (!subscribed && this.online)
      this.inputs.logger.warn({ device: deviceKey(md.device) }, 'device management requests are not subscribed');
    if (this.isTracked(md)) await this.manage(md);
  }

  /** Sends a manage request now, and schedules the next one (before the lifetime runs out, or a retry). */
  async manage(md: ManagedDevice): Promise<void> {
    clearTimeout(md.timer);
    if (this.stopped || !this.online) return;
    const { lifetime, remanageAheadSeconds, retryMs } = this.inputs.options;
    const body: DmManageRequest = { lifetime, supports: md.supports, deviceInfo: md.deviceInfo, metadata: md.metadata };
    const ok = await this.inputs.requester.ask(md.device, 'mgmt/manage', body);
    // Forgotten meanwhile: no timer may bring it back (a device that returns gets a record of its own).
    if (this.stopped || !this.online || !this.isTracked(md)) return;
    md.managed = ok;
    if (ok) md.managedAt = Date.now();
    clearTimeout(md.timer);
    if (!ok) md.timer = setTimeout(() => void this.manage(md), retryMs);
    else if (lifetime > 0)
      md.timer = setTimeout(() => void this.manage(md), Math.min(MAX_TIMER_MS, (lifetime - remanageAheadSeconds) * 1000));
    if (ok) this.inputs.onManaged(md);
  }

  /** Manages the device again after `delayMs` (after a reboot or reset, the device manages again when it is back). */
  manageLater(md: ManagedDevice, delayMs: number): void {
    clearTimeout(md.timer);
    if (this.isTracked(md)) md.timer = setTimeout(() => void this.manage(md), delayMs);
  }

  /** Whether the record is the device's current one (not forgotten since). */
  private isTracked(md: ManagedDevice): boolean {
    return this.devices.get(deviceKey(md.device)) === md;
  }

  /** Stops managing: clears every timer; records stay until clear(). */
  stop(): void {
    this.stopped = true;
    this.clearTimers();
  }

  /** Clears every timer (stop() and the end of close()). */
  clearTimers(): void {
    for (const md of this.devices.values()) clearTimeout(md.timer);
  }

  /** Drops every record. */
  clear(): void {
    this.clearTimers();
    this.devices.clear();
  }
}
