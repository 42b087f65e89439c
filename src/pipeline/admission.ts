import type { Logger } from '../logging.js';
import type { NotificationReason } from '../protocol/notification.js';
import { type Observable, Subject } from '../rx.js';
import {
  type AdmissionDecision,
  type AdmissionOptions,
  type AdmissionQueue,
  type AdmissionReport,
  type AdmissionState,
  type AdmissionStats,
  DEFAULT_ADMISSION,
  type DeliveryOutcome,
  type Schedule,
} from './admission-contract.js';
import { AdmissionLimits } from './admission-limits.js';
import { RegistrationLine } from './registration-line.js';

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
 * Devices remembered as confirmed at most (in memory and in the store): the ones confirmed longest ago are forgotten
 * first, and register again if they speak again. Without it a device inventing ids (10 a minute per channel pass the
 * new-id limit) would grow both for ever.
 */
export const MAX_KNOWN_DEVICES = 10_000;

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
  private readonly limits: AdmissionLimits;
  private readonly reports = new Subject<AdmissionReport>();
  private closed = false;
  private readonly counters = { deviceLimitReports: 0, registrationFailures: 0 };

  constructor(
    private readonly gateway: string,
    private readonly queue: AdmissionQueue,
    options: Partial<AdmissionOptions>,
    private readonly logger: Logger,
    private readonly schedule: Schedule = realSchedule,
  ) {
    this.options = { ...DEFAULT_ADMISSION, ...options };
    this.limits = new AdmissionLimits(this.options);
    this.known = new Set(queue.knownDevices());
    this.reports$ = this.reports.asObservable();
    // Devices that were settling when the gateway stopped settle for what is left of their time: their kept
    // events are sent again only if a failure comes (as before the restart), not on every restart. Never longer
    // than settleMs: a Pi with no real-time clock may boot with its clock behind the time they were read.
    for (const { device, since } of queue.retainedDevices()) {
      const entry: Entry = { state: 'settling' };
      this.entries.set(device, entry);
      const left = Math.min(this.options.settleMs, Math.max(0, since + this.options.settleMs - Date.now()));
      entry.cancel = this.schedule(left, () => this.settle(device, entry));
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
        this.limits.reserved.delete(device);
        this.limits.counted.add(device);
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
    this.limits.reserved.add(device);
  }

  /** A new connection: the service counts devices from zero, so do we, and devices over the limit get their turn. */
  connected(): void {
    this.limits.newConnection();
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
        this.limits.capReached = true;
        return this.limit(device);
      default:
        this.logger.debug({ device, reason }, 'notification not about admission');
    }
  }

  /**
   * Forgets a device gone quiet for long (bounded memory): a refusal, a wait for the next connection, a place in
   * the line, a back-off, or a pending slot no probe is out for (given to a device whose events had all gone by
   * then: expired, dropped, or QoS 0, which the queue never keeps; nothing would ever use or free it, and ten such
   * slots would stop every new device). A device with a probe out, confirming or settling keeps its state (its
   * events are in the queue). A forgotten device that has events left registers again from the start.
   */
  forget(device: string): void {
    const entry = this.entries.get(device);
    if (!entry) return;
    const idle =
      entry.state === 'refused' ||
      entry.state === 'limited' ||
      entry.state === 'waiting' ||
      entry.state === 'backoff' ||
      (entry.state === 'pending' && entry.probe === undefined);
    if (!idle) return;
    this.leave(device, entry);
    this.entries.delete(device);
    this.pumpLine();
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
      active: this.limits.counted.size,
      known: this.known.size,
      waiting: 0,
      pending: 0,
      settling: 0,
      backoff: 0,
      limited: 0,
      refused: 0,
      peakPending: this.limits.peakPending,
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
    if (this.line.size === 0 && this.limits.slotFree() && this.limits.hasRoom()) {
      this.entries.set(device, { state: 'pending', probe: id });
      this.limits.takeSlot();
      this.limits.counted.add(device);
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
    if (this.limits.counted.has(device)) return decision;
    if (!this.limits.hasRoom()) {
      this.limit(device);
      return 'wait';
    }
    this.limits.counted.add(device);
    return decision;
  }

  /** Gives waiting devices a pending slot, in order, while slots and room under the cap allow. */
  private pumpLine(): void {
    while (this.line.size > 0 && !this.closed) {
      if (!this.limits.hasRoom()) {
        // A pending registration may still fail and free room: only a settled count (or the service) means "full".
        if (this.limits.capReached || this.limits.pending === 0) for (const device of this.line.drain()) this.limit(device);
        return;
      }
      if (!this.limits.slotFree()) return;
      const device = this.line.shift() as string;
      const entry = this.entries.get(device);
      if (!entry) continue;
      entry.state = 'pending';
      entry.probe = undefined;
      this.limits.takeSlot();
      this.limits.reserved.add(device);
      this.onRelease(device);
    }
  }

  /** The probe was acknowledged: the device's events flow (kept in the queue) while the slot is held a little longer. */
  private confirming(device: string, entry: Entry): void {
    entry.state = 'confirming';
    entry.probe = undefined;
    entry.cancel = this.schedule(this.options.confirmWindowMs, () => {
      if (entry.state !== 'confirming') return;
      this.limits.freeSlot();
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
    // The Set keeps insertion order (the store gives them oldest first): its first is the longest confirmed.
    for (const oldest of this.known) {
      if (this.known.size <= MAX_KNOWN_DEVICES) break;
      this.known.delete(oldest);
      this.queue.rememberDevice(oldest, false);
    }
  }

  /** Leaves whatever state the device was in: frees its slot and its count on this connection. */
  private leave(device: string, entry: Entry | undefined): void {
    if (!entry) return;
    entry.cancel?.();
    entry.cancel = undefined;
    if (entry.state === 'pending' || entry.state === 'confirming') this.limits.freeSlot();
    if (entry.state === 'waiting') this.line.remove(device);
    this.limits.reserved.delete(device);
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
    this.limits.counted.delete(device);
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
    this.limits.counted.delete(device);
    this.entries.set(device, { state: 'limited' });
    this.counters.deviceLimitReports++;
    const active = this.limits.counted.size;
    this.logger.warn({ device, active }, 'gateway device limit: the device waits for the next connection, its events kept');
    this.reports.next({ kind: 'device-limit', device, active });
    this.pumpLine();
  }

  private refuse(device: string, reason: NotificationReason): void {
    const entry = this.entries.get(device);
    if (entry?.state === 'refused') return;
    this.leave(device, entry);
    this.limits.counted.delete(device);
    if (this.known.delete(device)) this.queue.rememberDevice(device, false);
    this.entries.set(device, { state: 'refused' });
    this.queue.dropDevice(device);
    this.logger.warn({ device, reason }, 'the service refused the device: dropping its events');
    this.reports.next({ kind: 'refused', device, reason });
    this.pumpLine();
  }
}
