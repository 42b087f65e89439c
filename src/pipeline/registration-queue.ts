import type { Subscription } from 'rxjs';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';

/** Why admission gave up on an event instead of sending it. */
export type DropReason = 'buffer-full' | 'refused' | 'released' | 'closed';

/** The rejection of an event's promise when admission dropped it; the pipeline counts it as a publish reject. */
export class EventDroppedError extends Error {
  override readonly name = 'EventDroppedError';
  constructor(
    readonly device: DeviceRef,
    readonly reason: DropReason,
  ) {
    super(`event of ${deviceKey(device)} dropped before sending: ${DROP_WORDS[reason]}`);
  }
}

const DROP_WORDS: Record<DropReason, string> = {
  'buffer-full': 'too many events held while the device waits for admission (the oldest goes first)',
  refused: 'the service refused the device (invalid type or id)',
  released: 'the device was released',
  closed: 'admission is closed',
};

/** One event kept back until its device is admitted, with the settle functions of the promise the pipeline holds. */
export interface HeldEvent {
  readonly eventId: string;
  readonly format: string;
  readonly payload: string;
  readonly qos: 0 | 1;
  resolve(): void;
  reject(error: Error): void;
}

/** Makes a held event and the promise that settles when it is finally sent (or dropped). */
export function holdEvent(
  eventId: string,
  format: string,
  payload: string,
  qos: 0 | 1,
): { event: HeldEvent; sent: Promise<void> } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const sent = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { event: { eventId, format, payload, qos, resolve, reject }, sent };
}

/** Where a device that is not active stands (seed: Gateway auto-registration). */
export type HeldState = 'waiting' | 'pending' | 'backoff' | 'limited' | 'refused';

/**
 * A device whose events admission holds back: its first event (kept until the service confirms the
 * device, and resent after a failure) and a backlog of at most `limit` later events. When the backlog
 * is full, `hold` drops the OLDEST event and hands it back, so the caller rejects, counts and logs it:
 * a device that waits long keeps its latest readings, never an unbounded backlog.
 */
export class HeldDevice {
  state: HeldState = 'waiting';
  /** Bumped on every state change, so a late PUBACK of an earlier attempt does nothing. */
  attempt = 0;
  /** True once a drop was logged at warn during this wait (later ones go to debug). */
  dropLogged = false;
  private timer: Subscription | undefined;
  private readonly backlog: HeldEvent[] = [];

  constructor(
    readonly device: DeviceRef,
    readonly key: string,
    private readonly limit: number,
    /** The event that registers the device; kept until the service has confirmed it. */
    public first: HeldEvent | undefined,
  ) {}

  /** Events held, the first one included. */
  get size(): number {
    return this.backlog.length + (this.first ? 1 : 0);
  }

  /** Holds a later event; returns the oldest one if it had to make room. */
  hold(event: HeldEvent): HeldEvent | undefined {
    this.backlog.push(event);
    return this.backlog.length > this.limit ? this.backlog.shift() : undefined;
  }

  /** Makes the oldest held event the first one if there is none; false when nothing is held. */
  promoteFirst(): boolean {
    this.first ??= this.backlog.shift();
    return this.first !== undefined;
  }

  /** Takes every event out in order, the first one included. */
  takeAll(): HeldEvent[] {
    const events = this.backlog.splice(0);
    if (this.first) events.unshift(this.first);
    this.first = undefined;
    return events;
  }

  /** Enters a new state: cancels the timer of the old one and starts a new attempt. */
  enter(state: HeldState): number {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.state = state;
    return ++this.attempt;
  }

  /** Sets the timer of the current state (confirm window or back-off); the next `enter` cancels it. */
  schedule(timer: Subscription): void {
    this.timer?.unsubscribe();
    this.timer = timer;
  }
}

/**
 * The devices that are not active yet, and the line they wait in (seed: Gateway auto-registration):
 * who waits in arrival order, who is pending registration, who backs off or waits for the next
 * connection. Pure bookkeeping; the policy and the I/O live in Admission.
 */
export class RegistrationQueue {
  /** The most devices ever pending at once. */
  peakPending = 0;
  private readonly devices = new Map<string, HeldDevice>();
  private readonly line: string[] = [];
  private readonly pendingKeys = new Set<string>();

  constructor(private readonly maxHeldPerDevice: number) {}

  /** Devices pending registration now. */
  get pending(): number {
    return this.pendingKeys.size;
  }

  /** Devices waiting in line now. */
  get waiting(): number {
    return this.line.length;
  }

  get(key: string): HeldDevice | undefined {
    return this.devices.get(key);
  }

  /** A device seen for the first time joins the back of the line with its first event. */
  join(device: DeviceRef, key: string, first: HeldEvent): void {
    this.devices.set(key, new HeldDevice(device, key, this.maxHeldPerDevice, first));
    this.line.push(key);
  }

  /** The held device for a key, created outside the line (with nothing held) if unknown. */
  entryFor(device: DeviceRef, key: string): HeldDevice {
    let entry = this.devices.get(key);
    if (!entry) {
      entry = new HeldDevice(device, key, this.maxHeldPerDevice, undefined);
      this.devices.set(key, entry);
    }
    return entry;
  }

  /** The device whose turn it is. */
  head(): HeldDevice | undefined {
    return this.line.length > 0 ? this.devices.get(this.line[0] as string) : undefined;
  }

  /** The devices in line, in order. */
  inLine(): HeldDevice[] {
    return this.line.flatMap((key) => this.devices.get(key) ?? []);
  }

  /** Held devices in one state, oldest first. */
  inState(state: HeldState): HeldDevice[] {
    return [...this.devices.values()].filter((entry) => entry.state === state);
  }

  /** Moves a device to a new state: frees its pending slot or place in line and cancels its timer. */
  move(entry: HeldDevice, state: HeldState): number {
    this.leaveLine(entry);
    if (state === 'pending') this.pendingKeys.add(entry.key);
    this.peakPending = Math.max(this.peakPending, this.pendingKeys.size);
    return entry.enter(state);
  }

  /** Puts a device back in line, at the front (it had its turn) or the back. */
  enqueue(entry: HeldDevice, where: 'front' | 'back'): void {
    this.move(entry, 'waiting');
    if (where === 'front') this.line.unshift(entry.key);
    else this.line.push(entry.key);
  }

  /** Takes a device out (it became active, or is gone), cancelling its timer. */
  remove(entry: HeldDevice): void {
    this.leaveLine(entry);
    entry.enter(entry.state);
    this.devices.delete(entry.key);
  }

  /** Devices per state and events held, for metrics. */
  counts(): Record<HeldState | 'heldEvents', number> {
    const counts = { waiting: 0, pending: 0, backoff: 0, limited: 0, refused: 0, heldEvents: 0 };
    for (const entry of this.devices.values()) {
      counts[entry.state]++;
      counts.heldEvents += entry.size;
    }
    return counts;
  }

  private leaveLine(entry: HeldDevice): void {
    const index = entry.state === 'waiting' ? this.line.indexOf(entry.key) : -1;
    if (index >= 0) this.line.splice(index, 1);
    this.pendingKeys.delete(entry.key);
  }

  /** Removes every device, cancelling timers, and returns them. */
  clear(): HeldDevice[] {
    const all = [...this.devices.values()];
    for (const entry of all) this.remove(entry);
    return all;
  }
}
