import { distinctUntilChanged, filter, map, type Observable, Subject, Subscription, timer } from 'rxjs';
import type { Logger } from '../logging.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { MAX_ACTIVE_DEVICES, MAX_PENDING_REGISTRATIONS } from '../protocol/limits.js';
import type { GatewayNotification, NotificationReason } from '../protocol/notification.js';
import type { GatewaySession } from '../session/gateway-session.js';
import type { EventSink } from './pipeline.js';
import {
  type DropReason,
  EventDroppedError,
  type HeldDevice,
  type HeldState,
  holdEvent,
  RegistrationQueue,
} from './registration-queue.js';

/** Settings for the gateway's own auto-registration limits (seed: Gateway auto-registration). */
export interface AdmissionOptions {
  /** New devices pending registration at once (the service allows 10). */
  maxPending: number;
  /** Devices active on one connection (the service allows 500 and counts from zero on every connection). */
  maxActive: number;
  /** After the PUBACK of a new device's first event, how long a failure notification may still arrive. */
  confirmWindowMs: number;
  /** Events held per device while it waits; when full the oldest is dropped, counted, logged and reported. */
  maxHeldPerDevice: number;
  /** Wait after a failed registration before trying again (the service refuses the device meanwhile). */
  backoffMs: number;
  /** Up to this fraction of `backoffMs` is added at random, so devices do not retry in lock-step. */
  backoffJitter: number;
  /** Source of randomness for the jitter (tests pin it). */
  random: () => number;
}

/** Defaults: the service's documented limits, a 1 s confirm window and a 30 s back-off. */
export const DEFAULT_ADMISSION: AdmissionOptions = {
  maxPending: MAX_PENDING_REGISTRATIONS,
  maxActive: MAX_ACTIVE_DEVICES,
  confirmWindowMs: 1000,
  maxHeldPerDevice: 1000,
  backoffMs: 30_000,
  backoffJitter: 0.2,
  random: Math.random,
};

/** Where a device stands with admission on the current connection. */
export type AdmissionState = 'gateway' | 'active' | HeldState | 'unknown';

/** Something admission did that an operator should hear about. */
export type AdmissionReport =
  | { kind: 'device-limit'; device: DeviceRef; active: number }
  | { kind: 'registration-failed'; device: DeviceRef; reason: NotificationReason; retryAt: number }
  | { kind: 'refused'; device: DeviceRef; reason: NotificationReason }
  | { kind: 'dropped'; device: DeviceRef; count: number; reason: DropReason };

/** Devices per state, events held, and counters (dropped events, peak pending, device-limit reports, registration failures). */
export type AdmissionStats = Record<
  'active' | HeldState | 'heldEvents' | 'dropped' | 'peakPending' | 'deviceLimitReports' | 'registrationFailures',
  number
>;

/** The part of the session admission uses. */
export type AdmissionSession = Pick<GatewaySession, 'publishEvent' | 'notifications$' | 'status$' | 'gateway'>;

/**
 * An EventSink between pipeline and session that keeps the service's auto-registration rules itself
 * (seed: Gateway auto-registration, Gateway notifications): at most `maxPending` new devices pending,
 * at most `maxActive` active per connection, and a device whose registration failed held and retried
 * after a back-off, so the service never silently drops an event. An active device costs one Set lookup.
 */
export class Admission implements EventSink {
  /** Device-limit, registration failures, refusals and drops, as they happen. */
  readonly reports$: Observable<AdmissionReport>;

  private readonly options: AdmissionOptions;
  private readonly active = new Set<string>();
  /** Devices the service confirmed once: after a reconnect they need a slot, not a registration. */
  private readonly registered = new Set<string>();
  private readonly queue: RegistrationQueue;
  private readonly reports = new Subject<AdmissionReport>();
  private readonly subscription = new Subscription();
  private readonly gatewayKey: string;
  /** The service said the gateway is full: no new device until the next connection. */
  private capReached = false;
  private closed = false;
  private pumping = false;
  private readonly counters = { dropped: 0, deviceLimitReports: 0, registrationFailures: 0 };

  constructor(
    private readonly session: AdmissionSession,
    options: Partial<AdmissionOptions>,
    private readonly logger: Logger,
  ) {
    this.options = { ...DEFAULT_ADMISSION, ...options };
    this.queue = new RegistrationQueue(this.options.maxHeldPerDevice);
    this.gatewayKey = deviceKey(session.gateway);
    this.reports$ = this.reports.asObservable();
    const online$ = session.status$.pipe(
      map((status) => status.state === 'online'),
      distinctUntilChanged(),
      filter(Boolean),
    );
    this.subscription.add(online$.subscribe(() => this.guard(() => this.onOnline())));
    this.subscription.add(session.notifications$.subscribe((note) => this.guard(() => this.onNotification(note))));
  }

  /** Sends at once for an active device (or the gateway itself); otherwise holds the event until admitted. Never throws. */
  publishEvent(device: DeviceRef, eventId: string, format: string, payload: string, options: { qos: 0 | 1 }): Promise<void> {
    const key = deviceKey(device);
    if (this.active.has(key)) return this.send(device, eventId, format, payload, options.qos);
    try {
      return this.admit(key, device, eventId, format, payload, options.qos);
    } catch (error) {
      this.logger.error({ device: key, err: (error as Error).message }, 'admission: internal error');
      return Promise.reject(error);
    }
  }

  /** Where a device stands now. */
  status(device: DeviceRef): AdmissionState {
    const key = deviceKey(device);
    if (key === this.gatewayKey) return 'gateway';
    if (this.active.has(key)) return 'active';
    return this.queue.get(key)?.state ?? 'unknown';
  }

  /**
   * Forgets a device that is gone for good: frees its slot here and drops what it still held. The service
   * counts it until the next connection; should it refuse the device let in instead, that one is held as
   * over the limit until the next connection, so nothing is lost.
   */
  release(device: DeviceRef): void {
    const key = deviceKey(device);
    this.active.delete(key);
    this.registered.delete(key);
    const entry = this.queue.get(key);
    if (entry) this.queue.remove(entry);
    if (entry) this.dropAll(entry, 'released');
    const room = this.capReached ? 0 : this.options.maxActive - this.active.size - this.queue.pending;
    this.guard(() => this.readmit(room));
  }

  /** Gauges and counters for metrics. */
  stats(): AdmissionStats {
    return { active: this.active.size, ...this.queue.counts(), peakPending: this.queue.peakPending, ...this.counters };
  }

  /** Stops timers and subscriptions; held events are rejected with EventDroppedError('closed'). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.subscription.unsubscribe();
    for (const entry of this.queue.clear()) this.dropAll(entry, 'closed', false);
    this.active.clear();
    this.reports.complete();
  }

  private send(device: DeviceRef, eventId: string, format: string, payload: string, qos: 0 | 1): Promise<void> {
    try {
      return this.session.publishEvent(device, eventId, format, payload, { qos });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private admit(key: string, device: DeviceRef, eventId: string, format: string, payload: string, qos: 0 | 1) {
    if (this.closed) return Promise.reject(new EventDroppedError(device, 'closed'));
    if (key === this.gatewayKey) return this.send(device, eventId, format, payload, qos);
    const entry = this.queue.get(key);
    if (!entry && this.registered.has(key) && this.hasRoom()) {
      this.active.add(key);
      return this.send(device, eventId, format, payload, qos);
    }
    const { event, sent } = holdEvent(eventId, format, payload, qos);
    if (!entry) {
      this.queue.join(device, key, event);
      this.pump();
    } else if (entry.state === 'refused') {
      event.reject(new EventDroppedError(device, 'refused'));
      this.countDrop(entry, 1, 'refused');
    } else {
      const oldest = entry.hold(event);
      oldest?.reject(new EventDroppedError(device, 'buffer-full'));
      if (oldest) this.countDrop(entry, 1, 'buffer-full');
    }
    return sent;
  }

  private hasRoom(): boolean {
    return !this.capReached && this.active.size + this.queue.pending < this.options.maxActive;
  }

  /** Lets devices in line take their turn, in order, while there is a pending slot and room under the cap. */
  private pump(): void {
    // Calls from inside the loop (activate → pump) are covered by the loop already running.
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      for (let entry = this.queue.head(); entry; entry = this.queue.head()) {
        if (!this.hasRoom()) {
          // A pending registration may still fail and free its slot: only a settled count means "full".
          if (this.queue.pending === 0) for (const waiting of this.queue.inLine()) this.limit(waiting);
          return;
        }
        if (this.registered.has(entry.key)) this.activate(entry, false);
        else if (this.queue.pending < this.options.maxPending) this.register(entry);
        else return;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Sends the first event at QoS 1; the device is pending until its PUBACK plus a quiet confirm window. */
  private register(entry: HeldDevice): void {
    const attempt = this.queue.move(entry, 'pending');
    const first = entry.first;
    if (!first) return this.requeue(entry, 'front');
    const current = () => !this.closed && entry.attempt === attempt;
    const confirm = () => this.guard(() => current() && this.activate(entry, true));
    this.send(entry.device, first.eventId, first.format, first.payload, 1).then(
      () => this.guard(() => current() && entry.schedule(timer(this.options.confirmWindowMs).subscribe(confirm))),
      (error: Error) =>
        this.guard(() => {
          if (!current()) return;
          // Refused before it left (a bad eventId, a payload over the cap): that event fails, the next one tries.
          first.reject(error);
          entry.first = undefined;
          this.requeue(entry, 'front');
        }),
    );
  }

  /** Makes a device active and sends what it held, in order. */
  private activate(entry: HeldDevice, firstSent: boolean): void {
    this.queue.remove(entry);
    this.registered.add(entry.key);
    this.active.add(entry.key);
    if (firstSent) entry.first?.resolve();
    if (firstSent) entry.first = undefined;
    for (const event of entry.takeAll()) {
      this.send(entry.device, event.eventId, event.format, event.payload, event.qos).then(event.resolve, event.reject);
    }
    this.pump();
  }

  private onNotification(notification: GatewayNotification): void {
    const device = { typeId: notification.typeId, deviceId: notification.deviceId };
    const key = deviceKey(device);
    if (key === this.gatewayKey || this.closed) return;
    switch (notification.reason) {
      case 'invalid-device-type':
      case 'invalid-device-id':
        return this.refuse(this.entryFor(device, key), notification.reason);
      case 'registration-failed':
      case 'org-device-limit':
        return this.backOff(this.entryFor(device, key), notification.reason);
      case 'gateway-device-limit':
        this.capReached = true;
        return this.limit(this.entryFor(device, key));
      default:
        this.logger.debug({ device: key, reason: notification.reason }, 'notification not about admission');
    }
  }

  /** The service counts from zero on every connection: so do we, and devices over the limit get their turn. */
  private onOnline(): void {
    this.active.clear();
    this.capReached = false;
    // All of them: any still over the limit are reported again, as on every connection.
    this.readmit(Number.POSITIVE_INFINITY);
  }

  /** Puts up to `room` devices held over the limit back in line, oldest first. */
  private readmit(room: number): void {
    for (const entry of this.queue.inState('limited')) if (room-- > 0) this.requeue(entry, 'back');
    this.pump();
  }

  /** A notification names the device: it is no longer active, whatever we thought. */
  private entryFor(device: DeviceRef, key: string): HeldDevice {
    this.active.delete(key);
    return this.queue.entryFor(device, key);
  }

  private refuse(entry: HeldDevice, reason: NotificationReason): void {
    if (entry.state === 'refused') return;
    this.queue.move(entry, 'refused');
    this.logger.warn({ device: entry.key, reason }, 'the service refused the device: dropping its events');
    this.reports.next({ kind: 'refused', device: entry.device, reason });
    this.dropAll(entry, 'refused');
    this.pump();
  }

  private limit(entry: HeldDevice): void {
    if (entry.state === 'limited' || entry.state === 'refused') return;
    this.queue.move(entry, 'limited');
    this.counters.deviceLimitReports++;
    const active = this.active.size;
    this.logger.warn({ device: entry.key, active }, 'gateway device limit: holding the device until the next connection');
    this.reports.next({ kind: 'device-limit', device: entry.device, active });
    this.pump();
  }

  private backOff(entry: HeldDevice, reason: NotificationReason): void {
    if (entry.state === 'backoff' || entry.state === 'refused') return;
    this.queue.move(entry, 'backoff');
    const { backoffMs, backoffJitter, random } = this.options;
    const delay = backoffMs + Math.round(random() * backoffJitter * backoffMs);
    const retryAt = Date.now() + delay;
    this.counters.registrationFailures++;
    entry.schedule(timer(delay).subscribe(() => this.guard(() => this.requeue(entry, 'front'))));
    this.logger.warn({ device: entry.key, reason, retryInMs: delay }, 'registration failed: holding the device for a retry');
    this.reports.next({ kind: 'registration-failed', device: entry.device, reason, retryAt });
    this.pump();
  }

  /** Puts a device back in line with its oldest event first; a device holding nothing is forgotten. */
  private requeue(entry: HeldDevice, where: 'front' | 'back'): void {
    if (entry.promoteFirst()) this.queue.enqueue(entry, where);
    else this.queue.remove(entry);
    entry.dropLogged = false;
    this.pump();
  }

  private dropAll(entry: HeldDevice, reason: DropReason, report = true): void {
    const events = entry.takeAll();
    for (const event of events) event.reject(new EventDroppedError(entry.device, reason));
    if (events.length > 0 && report) this.countDrop(entry, events.length, reason);
    else this.counters.dropped += events.length;
  }

  /** Counts and reports every drop; logs the first per device per wait at warn, later ones at debug. */
  private countDrop(entry: HeldDevice, count: number, reason: DropReason): void {
    this.counters.dropped += count;
    const level = entry.dropLogged ? 'debug' : 'warn';
    entry.dropLogged = true;
    this.logger[level]({ device: entry.key, count, reason, dropped: this.counters.dropped }, 'admission dropped events');
    this.reports.next({ kind: 'dropped', device: entry.device, count, reason });
  }

  /** Admission must never throw into the pipeline or an RxJS callback: a bug costs a log line. */
  private guard(action: () => unknown): void {
    try {
      action();
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'admission: internal error');
    }
  }
}
