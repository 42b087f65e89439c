import type { Logger } from '../logging.js';
import { MAX_PAYLOAD_BYTES } from '../protocol/limits.js';
import { distinctUntilChanged, map, type Observable, type Subscription } from '../rx.js';
import type { SessionStatus } from '../session/gateway-session.js';
import type { QueuedEvent } from '../store/queued-event.js';
import type { SqliteQueue } from '../store/sqlite-queue.js';
import type { Admission } from './admission.js';
import { TokenBucket } from './token-bucket.js';

/** The queue operations the sender uses. */
export type SenderQueue = Pick<SqliteQueue, 'append' | 'acknowledge' | 'readAfter' | 'oldestOf' | 'commit'>;

/** The session operations the sender uses. */
export interface SenderSession {
  readonly status$: Observable<SessionStatus>;
  /** Publishes; `done` gets an error when the message was not delivered (the connection dropped first). */
  send(topic: string, payload: string, qos: 0 | 1, done: (error?: Error) => void): void;
}

/** Settings of the sender (config section `publish`). */
export interface SenderOptions {
  /** Publishes awaiting PUBACK at most; the rest wait in the queue (bounded memory). */
  maxInflight: number;
  /** Messages a second at most (the service's plans cap it); Infinity for no limit. */
  maxRatePerSecond: number;
}

/** Counters of the sender. */
export interface SenderStats {
  accepted: number;
  /** Acknowledged (QoS 1) or written (QoS 0). */
  published: number;
  inflight: number;
  /** QoS 0 events dropped because the session was offline, the rate was exceeded or the device not admitted. */
  qos0Dropped: number;
  /** Sends that the connection cut before their PUBACK (they go again). */
  interrupted: number;
  /** Events of devices the service refused for good, dropped. */
  refused: number;
}

/** How many queued events one read brings into memory. */
const READ_BATCH = 256;

/**
 * Takes events from the durable queue to the session (DESIGN: the durable queue and the sender): oldest
 * first, per device in order, at most `maxInflight` awaiting PUBACK, within the rate limit, and only for
 * devices admission lets through. The queue is the only buffer: RAM holds the window and one read batch.
 * After a reconnect the window refills from the queue; whatever was in flight goes again (at least once).
 */
export class Sender {
  readonly stats: SenderStats = { accepted: 0, published: 0, inflight: 0, qos0Dropped: 0, interrupted: 0, refused: 0 };

  private readonly inflight = new Map<number, QueuedEvent>();
  private readonly window: number;
  private readonly bucket: TokenBucket;
  private readonly subscription: Subscription;
  /** Every queued event up to here was sent, is in flight, or was skipped (its device must wait). */
  private cursor = 0;
  private batch: QueuedEvent[] = [];
  private batchIndex = 0;
  private rewindTo: number | undefined;
  private online = false;
  private pumping = false;
  private stopped = false;
  private refillTimer: NodeJS.Timeout | undefined;
  /** Ids for QoS 0 probes, which have no queue row. */
  private nextProbeId = -1;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly queue: SenderQueue,
    private readonly admission: Admission,
    private readonly session: SenderSession,
    options: SenderOptions,
    private readonly logger: Logger,
  ) {
    this.bucket = new TokenBucket(options.maxRatePerSecond);
    this.window = options.maxInflight;
    admission.onRelease = (device) => this.release(device);
    this.subscription = session.status$
      .pipe(
        map((status) => status.state === 'online'),
        distinctUntilChanged(),
      )
      .subscribe((online) => (online ? this.connected() : this.disconnected()));
  }

  /**
   * Takes an event from the pipeline: QoS 1 goes to the queue (and straight on when nothing waits ahead of
   * it); QoS 0 goes now or is dropped and counted. Returns a reason when the event is refused.
   */
  accept(device: string, topic: string, payload: string, qos: 0 | 1, readAt: number): string | undefined {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no byte count.
    if (payload.length > MAX_PAYLOAD_BYTES / 3 && Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      return `payload of ${Buffer.byteLength(payload)} bytes exceeds the service's ${MAX_PAYLOAD_BYTES}; not sent`;
    }
    this.stats.accepted++;
    if (qos === 0) {
      this.sendQos0(device, topic, payload);
      return undefined;
    }
    const event = this.queue.append(device, topic, payload, qos, readAt);
    if (!event) return undefined;
    // The hot path: nothing waits ahead of this event, so it goes at once without reading the queue back.
    if (this.cursor === event.id - 1 && this.batchIndex >= this.batch.length && this.rewindTo === undefined) {
      if (!this.online || this.inflight.size >= this.window || this.pumping) return undefined;
      if (this.dispatch(event)) this.cursor = Math.max(this.cursor, event.id);
      return undefined;
    }
    this.pump();
    return undefined;
  }

  /** Resolves when nothing is in flight and nothing more can go now, or after `ms`. */
  drain(ms: number): Promise<boolean> {
    this.pump();
    if (this.inflight.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Stops sending; what is queued stays queued. */
  stop(): void {
    this.stopped = true;
    this.subscription.unsubscribe();
    if (this.refillTimer) clearTimeout(this.refillTimer);
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  private connected(): void {
    if (this.stopped) return;
    this.logger.debug({ inflight: this.inflight.size }, 'sender: session online, sending from the queue');
    // The service counts devices from zero on every connection: admission first, then anything goes.
    this.admission.connected();
    this.online = true;
    this.rewind(1);
  }

  private disconnected(): void {
    this.online = false;
  }

  /**
   * A device's held-back events may go now: read the queue again from its oldest. The pump waits for a
   * microtask, so an acknowledgement that caused this (a probe's) is recorded before the queue is read.
   */
  private release(device: string): void {
    const oldest = this.queue.oldestOf(device);
    if (oldest === undefined) return;
    this.markRewind(oldest);
    queueMicrotask(() => this.pump());
  }

  private rewind(id: number): void {
    this.markRewind(id);
    this.pump();
  }

  /** The next pump reads the queue again from `id` (events in flight or delivered are skipped). */
  private markRewind(id: number): void {
    this.rewindTo = Math.min(this.rewindTo ?? id - 1, id - 1);
  }

  private pump(): void {
    if (this.pumping || !this.online || this.stopped) return;
    this.pumping = true;
    try {
      while (this.inflight.size < this.window) {
        if (this.rewindTo !== undefined) {
          this.cursor = Math.min(this.cursor, this.rewindTo);
          this.rewindTo = undefined;
          this.batch = [];
          this.batchIndex = 0;
        }
        if (this.batchIndex >= this.batch.length) {
          this.batch = this.queue.readAfter(this.cursor, READ_BATCH);
          this.batchIndex = 0;
          if (this.batch.length === 0) break;
        }
        const event = this.batch[this.batchIndex] as QueuedEvent;
        if (!this.dispatch(event)) break;
        this.batchIndex++;
        this.cursor = Math.max(this.cursor, event.id);
      }
    } finally {
      this.pumping = false;
    }
    if (this.inflight.size === 0 && this.idleWaiters.length > 0) for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  /** Sends, skips or drops one queued event; false when the rate limit stops the pump before it. */
  private dispatch(event: QueuedEvent): boolean {
    if (this.inflight.has(event.id)) return true;
    if (!this.bucket.ready()) {
      this.waitForToken();
      return false;
    }
    const decision = this.admission.decide(event.device, event.id);
    if (decision === 'wait') return true;
    if (decision === 'drop') {
      this.queue.acknowledge(event.id);
      this.stats.refused++;
      return true;
    }
    this.bucket.take();
    this.inflight.set(event.id, event);
    this.stats.inflight = this.inflight.size;
    this.session.send(event.topic, event.payload, 1, (error) => this.settled(event, error));
    return true;
  }

  private settled(event: QueuedEvent, error: Error | undefined): void {
    this.inflight.delete(event.id);
    this.stats.inflight = this.inflight.size;
    if (error) {
      this.stats.interrupted++;
      this.admission.undelivered(event.device, event.id);
      // It goes again, in its place, when the session is back.
      this.markRewind(event.id);
      return;
    }
    this.stats.published++;
    const outcome = this.admission.delivered(event.device, event.id);
    if (outcome !== 'keep') this.queue.acknowledge(event.id, outcome === 'retain');
    this.pump();
  }

  private sendQos0(device: string, topic: string, payload: string): void {
    if (!this.online || this.stopped || !this.bucket.ready()) {
      this.stats.qos0Dropped++;
      return;
    }
    const probeId = this.nextProbeId--;
    const decision = this.admission.decide(device, probeId);
    if (decision === 'wait' || decision === 'drop') {
      this.stats.qos0Dropped++;
      return;
    }
    this.bucket.take();
    if (decision === 'send') {
      this.session.send(topic, payload, 0, (error) => {
        if (error) this.stats.qos0Dropped++;
        else this.stats.published++;
      });
      return;
    }
    // A new device registers with a QoS 1 probe, even when its events are QoS 0: only a PUBACK confirms it.
    this.session.send(topic, payload, 1, (error) => {
      if (error) this.admission.undelivered(device, probeId);
      else {
        this.stats.published++;
        this.admission.delivered(device, probeId);
      }
    });
  }

  private waitForToken(): void {
    if (this.refillTimer) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.pump();
    }, this.bucket.msUntilReady());
  }
}
