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
export function holdEvent(eventId: string, format: string, payload: string, qos: 0 | 1): { event: HeldEvent; sent: Promise<void> } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const sent = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { event: { eventId, format, payload, qos, resolve, reject }, sent };
}

/**
 * One device's held events, oldest first, at most `limit` of them. When full, `hold` drops the OLDEST
 * event and hands it back, so the caller rejects, counts and logs it: a device that waits long keeps its
 * most recent readings, never an unbounded backlog.
 */
export class HeldEvents {
  private readonly events: HeldEvent[] = [];

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.events.length;
  }

  /** Appends an event; returns the oldest one if it had to make room. */
  hold(event: HeldEvent): HeldEvent | undefined {
    this.events.push(event);
    return this.events.length > this.limit ? this.events.shift() : undefined;
  }

  /** Takes the oldest event out. */
  shift(): HeldEvent | undefined {
    return this.events.shift();
  }

  /** Takes every event out, oldest first. */
  takeAll(): HeldEvent[] {
    return this.events.splice(0);
  }
}
