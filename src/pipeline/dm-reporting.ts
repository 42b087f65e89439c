import type { ChannelStatus } from '../adapter.js';
import { monotonicNow } from '../clock.js';
import type { Reading } from '../codecs/decoder.js';
import type { DmDiagLog, DmLocation } from '../protocol/device-management.js';
import type { DeviceRef } from '../protocol/ids.js';
import { isoTime } from '../protocol/iso-time.js';
import { locationFromReading } from './device-fields.js';
import { channelKey } from './device-routes.js';
import type { DmRequester } from './dm-requests.js';
import type { ManagedDevice, ManageScheduler } from './manage-scheduler.js';
import type { DeviceRoute } from './pipeline.js';

/** Error codes the gateway reports with `add/diag/errorCodes` on its own initiative. */
export const DIAG_ERROR_CODES = { CHANNEL_OFFLINE: 1 } as const;

/** What the reporter works with. */
export interface DmReporterInputs {
  requester: DmRequester;
  scheduler: ManageScheduler;
  routes: () => ReadonlyMap<string, DeviceRoute>;
  /** At most one location update per device in this many ms (on the monotonic clock, whatever NTP does to the wall clock). */
  locationIntervalMs: number;
}

/**
 * What the gateway tells the platform on its own initiative: diagnostic logs and error codes, the location
 * in a device's readings (held until the device is managed), and its channels going offline and back.
 */
export class DmReporter {
  private readonly channels = new Map<string, ChannelStatus['state']>();

  constructor(private readonly inputs: DmReporterInputs) {}

  /** Adds a diagnostic log entry (`add/diag/log`; severity 0 info, 1 warning, 2 error). True when the platform answered 200. */
  addDiagLog(device: DeviceRef, log: Omit<DmDiagLog, 'timestamp'> & { timestamp?: string }): Promise<boolean> {
    return this.inputs.requester.ask(device, 'add/diag/log', { timestamp: isoTime(Date.now()), ...log });
  }

  /** Adds an error code (`add/diag/errorCodes`). True when the platform answered 200. */
  addErrorCode(device: DeviceRef, errorCode: number): Promise<boolean> {
    return this.inputs.requester.ask(device, 'add/diag/errorCodes', { errorCode });
  }

  /** Clears the device's diagnostic log or error codes on the platform. */
  clearDiag(device: DeviceRef, what: 'log' | 'errorCodes'): Promise<boolean> {
    return this.inputs.requester.ask(device, what === 'log' ? 'clear/diag/log' : 'clear/diag/errorCodes');
  }

  /** A reading with a position (by the profile's `management.location`): at most one update per interval. */
  onReading(device: DeviceRef, reading: Reading): void {
    const md = this.inputs.scheduler.get(device);
    const location = md?.locationFields && locationFromReading(md.locationFields, reading, new Date());
    if (!md || !location) return;
    md.location = location;
    if (md.lastLocationAt !== undefined && monotonicNow() - md.lastLocationAt < this.inputs.locationIntervalMs) return;
    // Held until the platform acknowledges the manage request, then sent.
    if (md.managed) this.publishLocation(md, location);
    else md.pendingLocation = location;
  }

  /** The device is managed now: the location held for it goes out. */
  onManaged(md: ManagedDevice): void {
    if (md.pendingLocation) this.publishLocation(md, md.pendingLocation);
  }

  private publishLocation(md: ManagedDevice, location: DmLocation): void {
    md.pendingLocation = undefined;
    md.lastLocationAt = monotonicNow();
    void this.inputs.requester.ask(md.device, 'device/update/location', location);
  }

  /**
   * A channel going offline, or forgotten for a reason (a peripheral not heard for a while): an error log and error
   * code for the managed devices on it; back online: an info log. A closed channel is forgotten here too.
   */
  onChannelStatus(status: ChannelStatus): void {
    const key = channelKey(status.adapter, status.channel);
    const previous = this.channels.get(key);
    if (status.state === 'closed') this.channels.delete(key);
    else this.channels.set(key, status.state);
    const lost = status.state === 'offline' || (status.state === 'closed' && status.reason !== undefined);
    const down = lost && previous !== 'offline';
    const up = status.state === 'online' && previous === 'offline';
    if (!down && !up) return;
    for (const { device, source } of this.inputs.routes().values()) {
      if (source.adapter !== status.adapter || source.channel !== status.channel) continue;
      if (!this.inputs.scheduler.isManaged(device)) continue;
      const where = `${status.adapter} channel ${status.channel}`;
      if (up) void this.addDiagLog(device, { message: `${where} is back online`, severity: 0 });
      if (!down) continue;
      void this.addDiagLog(device, { message: `${where} is offline${status.reason ? `: ${status.reason}` : ''}`, severity: 2 });
      void this.addErrorCode(device, DIAG_ERROR_CODES.CHANNEL_OFFLINE);
    }
  }
}
