import { type Observable, Subject } from 'rxjs';
import type { Logger } from '../logging.js';
import { MAX_ACTIVE_DEVICES, MAX_PENDING_REGISTRATIONS } from '../protocol/limits.js';
import type { NotificationReason } from '../protocol/notification.js';
import { RegistrationLine } from './registration-line.js';

/** Settings for the gateway's own auto-registration limits (seed: Gateway auto-registration). */
export interface AdmissionOptions {
  /** New devices pending registration at once (the service allows 10). */
  maxPending: number;
  /** Devices active on one connection (the service allows 500 and counts from zero on every connection). */
  maxActive: number;
  /** After the PUBACK of a new device's first event, how long it holds its pending slot (a failure may still come). */
  confirmWindowMs: number;
  /**
   * How long a newly registered device's delivered events stay in the queue: a `registration-failed`
   * notification within this time sends them all again after the back-off. After it the device is known.
   */
  settleMs: number;
  /** Wait after a failed registration before trying again (the service refuses the device meanwhile). */
  backoffMs: number;
  /** Up to this fraction of `backoffMs` is added at random, so devices do not retry in lock-step. */
  backoffJitter: number;
  /** Source of randomness for the jitter (tests pin it). */
  random: () => number;
}

/** Defaults: the service's documented limits, a 1 s confirm window, a 60 s settle time and a 30 s back-off. */
export const DEFAULT_ADMISSION: AdmissionOptions = {
  maxPending: MAX_PENDING_REGISTRATIONS,
  maxActive: MAX_ACTIVE_DEVICES,
  confirmWindowMs: 1000,
  settleMs: 60_000,
  backoffMs: 30_000,
  backoffJitter: 0.2,
  random: Math.random,
};

/** What the sender may do with a device's next event. */
export type AdmissionDecision = 'send' | 'probe' | 'wait' | 'drop';

/** What the queue does with an event the service acknowledged. */
export type DeliveryOutcome = 'delete' | 'retain' | 'keep';

/** Where a device stands. `active` covers known devices and newly registered ones. */
export type AdmissionState =
  | 'gateway'
  | 'active'
  | 'waiting'
  | 'pending'
  | 'settling'
  | 'backoff'
  | 'limited'
  | 'refused'
  | 'unknown';

/** Something admission did that an operator should hear about. */
export type AdmissionReport =
  | { kind: 'device-limit'; device: string; active: number }
  | { kind: 'registration-failed'; device: string; reason: NotificationReason; retryAt: number }
  | { kind: 'refused'; device: string; reason: NotificationReason };

/** Devices per state and counters. */
export interface AdmissionStats {
  /** Devices counted on the current connection (the service's 500). */
  active: number;
  known: number;
  waiting: number;
  pending: number;
  settling: number;
  backoff: number;
  limited: number;
  refused: number;
  peakPending: number;
  deviceLimitReports: number;
  registrationFailures: number;
}

/** The queue operations admission needs (the durable queue implements them). */
export interface AdmissionQueue {
  /** Deletes a device's delivered-but-kept events: its registration is confirmed. */
  releaseRetained(device: string): void;
  /** Makes them undelivered again: its registration failed. */
  resetRetained(device: string): void;
  /** Drops everything queued for a device the service refused for good. */
  dropDevice(device: string): void;
  knownDevices(): string[];
  rememberDevice(device: string, confirmed: boolean): void;
  /** Devices whose delivered events are kept, and since when (the gateway stopped while they settled). */
  retainedDevices(): Array<{ device: string; since: number }>;
}

/** Runs `action` after `ms`; returns a cancel function. Injected so tests drive time. */
export type Schedule = (ms: number, action: () => void) => () => void;

const realSchedule: Schedule = (ms, action) => {
  const timer = setTimeout(action, ms);
  return () => clearTimeout(timer);
};

interface Entry {
  state: 'waiting' | 'pending' | 'confirming' | 'settling' | 'backoff' | 'limited' | 'refused';
  /** Pending: the id of the event that registers the device, once sent. */
  probe?: number;
  cancel?: () => void;
}

/**
 * Keeps the gateway inside the service's auto-registration rules (seed: Gateway auto-registration,
 * Gateway notifications) without holding any event in memory: it only decides, per event the sender
 * takes from the queue, whether it may go now. At most `maxPending` new devices register at once (a
 * device's first event is its probe); at most `maxActive` devices per connection; a failed registration
 * backs the device off and its kept events go again. Devices the service confirmed are remembered in the
 * store, so after a restart they flow at once. No I/O: the sender and the session notifications drive it.
 */
export class Admission {
  readonly reports$: Observable<AdmissionReport>;
  /** Called when a device's held-back events may go now (the sender rewinds to its oldest). */
  onRelease: (device: string) => void = () => undefined;

  private readonly options: AdmissionOptions;
  private readonly known: Set<string>;
  private readonly entries = new Map<string, Entry>();
  private readonly line = new RegistrationLine();
  /** Devices counted on the current connection. */
  private readonly connection = new Set<string>();
  /** Devices granted a pending slot whose probe is not sent yet: they will count when it is. */
  private readonly reserved = new Set<string>();
  private readonly reports = new Subject<AdmissionReport>();
  private pendingSlots = 0;
  private capReached = false;
  private closed = false;
  private readonly counters = { peakPending: 0, deviceLimitReports: 0, registrationFailures: 0 };

  constructor(
    private readonly gateway: string,
    private readonly queue: AdmissionQueue,
    options: Partial<AdmissionOptions>,
    private readonly logger: Logger,
    private readonly schedule: Schedule = realSchedule,
  ) {
    this.options = { ...DEFAULT_ADMISSION, ...options };
    this.known = new Set(queue.knownDevices());
    this.reports$ = this.reports.asObservable();
    // Devices that were settling when the gateway stopped settle for what is left of their time: their kept
    // events are sent again only if a failure comes (as before the restart), not on every restart.
    for (const { device, since } of queue.retainedDevices()) {
      const entry: Entry = { state: 'settling' };
      this.entries.set(device, entry);
      entry.cancel = this.schedule(Math.max(0, since + this.options.settleMs - Date.now()), () => this.settle(device, entry));
    }
  }

  /** May the next event of `device` (queue id `id`) go now? Called by the sender in queue order. */
  decide(device: string, id: number): AdmissionDecision {
    if (device === this.gateway) return 'send';
    const entry = this.entries.get(device);
    if (!entry) return this.known.has(device) ? this.countOrLimit(device, 'send') : this.arrive(device, id);
    switch (entry.state) {
      case 'pending':
        if (entry.probe !== undefined) return 'wait';
        entry.probe = id;
        this.reserved.delete(device);
        this.connection.add(device);
        return 'probe';
      case 'confirming':
      case 'settling':
        return this.countOrLimit(device, 'send');
      case 'refused':
        return 'drop';
      default:
        return 'wait';
    }
  }

  /** The service acknowledged an event: what should the queue do with it? */
  delivered(device: string, id: number): DeliveryOutcome {
    if (device === this.gateway) return 'delete';
    const entry = this.entries.get(device);
    if (!entry) return 'delete';
    switch (entry.state) {
      case 'pending':
        if (entry.probe !== id) return 'keep';
        this.confirming(device, entry);
        return 'retain';
      case 'confirming':
      case 'settling':
        return 'retain';
      case 'refused':
        return 'delete';
      default:
        // Backing off or over the limit: the service dropped it; it goes again later.
        return 'keep';
    }
  }

  /** An event could not be delivered (the connection dropped first): a lost probe is sent again. */
  undelivered(device: string, id: number): void {
    const entry = this.entries.get(device);
    if (entry?.state !== 'pending' || entry.probe !== id) return;
    entry.probe = undefined;
    this.reserved.add(device);
  }

  /** A new connection: the service counts devices from zero, so do we, and devices over the limit get their turn. */
  connected(): void {
    this.connection.clear();
    this.capReached = false;
    for (const [device, entry] of this.entries) {
      if (entry.state !== 'limited') continue;
      if (this.known.has(device)) this.entries.delete(device);
      else this.enqueue(device, entry, 'back');
    }
    this.pumpLine();
  }

  /** A notification from the service about one of our devices (seed: Gateway notifications). */
  notified(reason: NotificationReason, device: string): void {
    if (device === this.gateway || this.closed) return;
    switch (reason) {
      case 'invalid-device-type':
      case 'invalid-device-id':
        return this.refuse(device, reason);
      case 'registration-failed':
      case 'org-device-limit':
        return this.backOff(device, reason);
      case 'gateway-device-limit':
        this.capReached = true;
        return this.limit(device);
      default:
        this.logger.debug({ device, reason }, 'notification not about admission');
    }
  }

  /**
   * Forgets a device gone quiet for long (bounded memory): a refusal or a wait for the next connection ends;
   * a device registering or settling keeps its state (its events are in the queue).
   */
  forget(device: string): void {
    const entry = this.entries.get(device);
    if (entry?.state !== 'refused' && entry?.state !== 'limited') return;
    this.leave(device, entry);
    this.entries.delete(device);
  }

  /** Where a device stands now. */
  status(device: string): AdmissionState {
    if (device === this.gateway) return 'gateway';
    const state = this.entries.get(device)?.state;
    if (state === undefined) return this.known.has(device) ? 'active' : 'unknown';
    return state === 'confirming' ? 'pending' : state;
  }

  stats(): AdmissionStats {
    const stats: AdmissionStats = {
      active: this.connection.size,
      known: this.known.size,
      waiting: 0,
      pending: 0,
      settling: 0,
      backoff: 0,
      limited: 0,
      refused: 0,
      ...this.counters,
    };
    for (const entry of this.entries.values()) stats[entry.state === 'confirming' ? 'pending' : entry.state]++;
    return stats;
  }

  /** Cancels timers; devices still settling are registered again after a restart (their events go again). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.entries.values()) entry.cancel?.();
    this.reports.complete();
  }

  /** A device seen for the first time: it registers now if a slot is free, else waits its turn. */
  private arrive(device: string, id: number): AdmissionDecision {
    if (this.line.size === 0 && this.pendingSlots < this.options.maxPending && this.hasRoom()) {
      this.entries.set(device, { state: 'pending', probe: id });
      this.takeSlot();
      this.connection.add(device);
      return 'probe';
    }
    const entry: Entry = { state: 'waiting' };
    this.entries.set(device, entry);
    this.line.push(device);
    this.pumpLine();
    return 'wait';
  }

  /** Counts a device on this connection if there is room; otherwise it waits for the next connection. */
  private countOrLimit(device: string, decision: 'send'): AdmissionDecision {
    if (this.connection.has(device)) return decision;
    if (!this.hasRoom()) {
      this.limit(device);
      return 'wait';
    }
    this.connection.add(device);
    return decision;
  }

  /** Room under the cap for one more device on this connection (slots reserved for probes count). */
  private hasRoom(): boolean {
    return !this.capReached && this.connection.size + this.reserved.size < this.options.maxActive;
  }

  private takeSlot(): void {
    this.pendingSlots++;
    this.counters.peakPending = Math.max(this.counters.peakPending, this.pendingSlots);
  }

  /** Gives waiting devices a pending slot, in order, while slots and room under the cap allow. */
  private pumpLine(): void {
    while (this.line.size > 0 && !this.closed) {
      if (!this.hasRoom()) {
        // A pending registration may still fail and free room: only a settled count (or the service) means "full".
        if (this.capReached || this.pendingSlots === 0) for (const device of this.line.drain()) this.limit(device);
        return;
      }
      if (this.pendingSlots >= this.options.maxPending) return;
      const device = this.line.shift() as string;
      const entry = this.entries.get(device);
      if (!entry) continue;
      entry.state = 'pending';
      entry.probe = undefined;
      this.takeSlot();
      this.reserved.add(device);
      this.onRelease(device);
    }
  }

  /** The probe was acknowledged: the device's events flow (kept in the queue) while the slot is held a little longer. */
  private confirming(device: string, entry: Entry): void {
    entry.state = 'confirming';
    entry.probe = undefined;
    entry.cancel = this.schedule(this.options.confirmWindowMs, () => {
      if (entry.state !== 'confirming') return;
      this.freeSlot();
      entry.state = 'settling';
      entry.cancel = this.schedule(this.options.settleMs, () => this.settle(device, entry));
      this.pumpLine();
    });
    this.onRelease(device);
  }

  /** No failure came: the device is known from now on and its kept events are deleted. */
  private settle(device: string, entry: Entry): void {
    if (entry.state !== 'settling' || this.closed) return;
    this.entries.delete(device);
    this.known.add(device);
    this.queue.rememberDevice(device, true);
    this.queue.releaseRetained(device);
  }

  /** Leaves whatever state the device was in: frees its slot and its count on this connection. */
  private leave(device: string, entry: Entry | undefined): void {
    if (!entry) return;
    entry.cancel?.();
    entry.cancel = undefined;
    if (entry.state === 'pending' || entry.state === 'confirming') this.freeSlot();
    if (entry.state === 'waiting') this.line.remove(device);
    this.reserved.delete(device);
  }

  private freeSlot(): void {
    this.pendingSlots = Math.max(0, this.pendingSlots - 1);
  }

  private enqueue(device: string, entry: Entry, where: 'front' | 'back'): void {
    entry.state = 'waiting';
    entry.probe = undefined;
    if (where === 'front') this.line.unshift(device);
    else this.line.push(device);
  }

  private backOff(device: string, reason: NotificationReason): void {
    const entry = this.entries.get(device);
    if (entry?.state === 'backoff' || entry?.state === 'refused') return;
    this.leave(device, entry);
    this.connection.delete(device);
    if (this.known.delete(device)) this.queue.rememberDevice(device, false);
    this.queue.resetRetained(device);
    const { backoffMs, backoffJitter, random } = this.options;
    const delay = backoffMs + Math.round(random() * backoffJitter * backoffMs);
    const backingOff: Entry = { state: 'backoff' };
    backingOff.cancel = this.schedule(delay, () => {
      if (backingOff.state !== 'backoff') return;
      this.enqueue(device, backingOff, 'front');
      this.pumpLine();
    });
    this.entries.set(device, backingOff);
    this.counters.registrationFailures++;
    this.logger.warn(
      { device, reason, retryInMs: delay },
      'registration failed: the device backs off, its events go again after',
    );
    this.reports.next({ kind: 'registration-failed', device, reason, retryAt: Date.now() + delay });
    this.pumpLine();
  }

  private limit(device: string): void {
    const entry = this.entries.get(device);
    if (entry?.state === 'limited' || entry?.state === 'refused') return;
    this.leave(device, entry);
    this.connection.delete(device);
    this.entries.set(device, { state: 'limited' });
    this.counters.deviceLimitReports++;
    const active = this.connection.size;
    this.logger.warn({ device, active }, 'gateway device limit: the device waits for the next connection, its events kept');
    this.reports.next({ kind: 'device-limit', device, active });
    this.pumpLine();
  }

  private refuse(device: string, reason: NotificationReason): void {
    const entry = this.entries.get(device);
    if (entry?.state === 'refused') return;
    this.leave(device, entry);
    this.connection.delete(device);
    if (this.known.delete(device)) this.queue.rememberDevice(device, false);
    this.entries.set(device, { state: 'refused' });
    this.queue.dropDevice(device);
    this.logger.warn({ device, reason }, 'the service refused the device: dropping its events');
    this.reports.next({ kind: 'refused', device, reason });
    this.pumpLine();
  }
}
