import type { Adapter, ChannelStatus, Frame, FrameReject } from '../adapter.js';
import { type BackoffOptions, nextBackoffMs } from '../backoff.js';
import { monotonicNow } from '../clock.js';
import type { Logger } from '../logging.js';
import { type Observable, Subject, Subscription } from '../rx.js';
import { ChannelBoard } from './channel-board.js';

/** An instance that ran this long without a fault starts the back-off over (on the monotonic clock). */
const STABLE_AFTER_MS = 60_000;
/** How long a faulty instance's close() may take before the boundary gives up on it. */
const CLOSE_TIMEOUT_MS = 5000;
/** The channel a fault is reported on when the adapter had not reported any channel yet. */
export const WHOLE_ADAPTER_CHANNEL = '*';

/** How an adapter that failed is started again. */
export interface RestartOptions extends BackoffOptions {
  logger: Logger;
  /** For tests: the jitter's source (Math.random by default). */
  random?: () => number;
  /** For tests: the monotonic clock that tells how long an instance ran (src/clock.ts's monotonicNow by default). */
  monotonicNow?: () => number;
}

/** Where a fault was caught. */
type FaultSite =
  | 'frames$ errored'
  | 'frames$ completed before close()'
  | 'rejects$ errored'
  | 'status$ errored'
  | 'start() failed'
  | 'createAdapter failed';

/**
 * Contains one adapter (DESIGN: an adapter never takes the gateway down): an error on its streams, a
 * frames$ that ends before close(), or a throw in start() is logged with its stack, every channel of the
 * adapter goes offline with the reason, and after a jittered back-off the adapter is closed and made again
 * from its factory (a failed instance's state cannot be trusted, so it is not resubscribed). It presents
 * the same Adapter interface, stable across restarts, so the pipeline, the status API and device routes
 * never see the swap. A rejected write() is the command's failure, not a fault.
 */
export class AdapterBoundary implements Adapter {
  readonly name: string;
  readonly frames$: Observable<Frame>;
  readonly rejects$: Observable<FrameReject>;
  readonly status$: Observable<ChannelStatus>;
  readonly write?: (channel: string, bytes: Uint8Array) => Promise<void>;
  /** Faults contained so far (each one a restart). */
  faults = 0;

  private readonly frames = new Subject<Frame>();
  private readonly rejects = new Subject<FrameReject>();
  private readonly board = new ChannelBoard();
  private running: Adapter | undefined;
  private subscriptions = new Subscription();
  /** Bumped for each instance: a late signal from a replaced instance is ignored. */
  private generation = 0;
  private attempt = 0;
  /** When the running instance started (monotonic ms): a step of the wall clock must not reset the back-off, or hold it. */
  private runningSince: number | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    first: Adapter,
    /** Makes a fresh instance (the adapter's factory with the same options). */
    private readonly make: () => Promise<Adapter>,
    private readonly options: RestartOptions,
  ) {
    this.name = first.name;
    this.frames$ = this.frames.asObservable();
    this.rejects$ = this.rejects.asObservable();
    this.status$ = this.board.status$;
    if (first.write) this.write = (channel, bytes) => this.writeTo(channel, bytes);
    this.adopt(first);
  }

  /** The instance running now (undefined while restarting), for tools that need the concrete adapter (the demo). */
  get current(): Adapter | undefined {
    return this.running;
  }

  /** Starts the adapter; a failure is contained (logged, offline, restarted), so this always resolves. */
  async start(): Promise<void> {
    await this.startCurrent(this.generation);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.restartTimer);
    const adapter = this.running;
    this.running = undefined;
    // Still subscribed while it closes: its last states ("closed") reach the board.
    if (adapter) await this.retire(adapter);
    this.subscriptions.unsubscribe();
    const now = Date.now();
    for (const channel of this.board.channels)
      if (channel.state !== 'closed') this.board.set({ ...channel, state: 'closed', at: now, reason: undefined });
    this.frames.complete();
    this.rejects.complete();
    this.board.complete();
  }

  private adopt(adapter: Adapter): number {
    const generation = ++this.generation;
    this.running = adapter;
    this.subscriptions.unsubscribe();
    this.subscriptions = new Subscription();
    const fail = (site: FaultSite) => (error: unknown) => this.fault(generation, site, error);
    this.subscriptions.add(
      adapter.frames$.subscribe({
        next: (frame) => this.frames.next(frame),
        error: fail('frames$ errored'),
        complete: () => this.fault(generation, 'frames$ completed before close()', undefined),
      }),
    );
    this.subscriptions.add(
      adapter.rejects$.subscribe({ next: (reject) => this.rejects.next(reject), error: fail('rejects$ errored') }),
    );
    this.subscriptions.add(
      adapter.status$.subscribe({ next: (status) => this.board.set(status), error: fail('status$ errored') }),
    );
    return generation;
  }

  private async startCurrent(generation: number): Promise<void> {
    const adapter = this.running;
    if (!adapter || generation !== this.generation) return;
    try {
      await adapter.start();
    } catch (error) {
      return this.fault(generation, 'start() failed', error);
    }
    if (generation !== this.generation || this.closing) return;
    this.runningSince = this.monotonic();
    // A fault before any channel was reported went on the whole-adapter channel; the new instance runs.
    const whole = this.board.channels.find((channel) => channel.channel === WHOLE_ADAPTER_CHANNEL);
    if (whole && whole.state !== 'online')
      this.board.set({ adapter: this.name, channel: WHOLE_ADAPTER_CHANNEL, state: 'online', at: Date.now() });
  }

  private fault(generation: number, site: FaultSite, error: unknown): void {
    if (generation !== this.generation || this.closing) return;
    this.generation++;
    const ranFor = this.runningSince === undefined ? 0 : this.monotonic() - this.runningSince;
    if (ranFor >= STABLE_AFTER_MS) this.attempt = 0;
    this.runningSince = undefined;
    const delay = nextBackoffMs(this.options, this.attempt++, this.options.random);
    this.faults++;
    const cause = error === undefined ? '' : `: ${error instanceof Error ? error.message : String(error)}`;
    const reason = `${site}${cause}; restart ${this.faults} in ${delay} ms`;
    this.options.logger.error(
      { err: error, adapter: this.name, fault: site, faults: this.faults, restartInMs: delay },
      `adapter ${this.name} failed (${site}${cause}); the gateway goes on and restarts it in ${delay} ms`,
    );
    this.markOffline(reason, Date.now());
    const failed = this.running;
    this.running = undefined;
    this.subscriptions.unsubscribe();
    if (failed) void this.retire(failed);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private markOffline(reason: string, at: number): void {
    const channels = this.board.channels.filter((channel) => channel.state !== 'closed');
    if (channels.length === 0) channels.push({ adapter: this.name, channel: WHOLE_ADAPTER_CHANNEL, state: 'offline', at });
    for (const channel of channels) this.board.set({ ...channel, state: 'offline', at, reason });
  }

  private async restart(): Promise<void> {
    if (this.closing) return;
    const generation = this.generation;
    let adapter: Adapter;
    try {
      adapter = await this.make();
    } catch (error) {
      return this.fault(generation, 'createAdapter failed', error);
    }
    if (this.closing || generation !== this.generation) {
      await this.retire(adapter);
      return;
    }
    await this.startCurrent(this.adopt(adapter));
    if (this.running === adapter && !this.closing)
      this.options.logger.info({ adapter: this.name, faults: this.faults }, `adapter ${this.name} restarted`);
  }

  /** Closes an instance, bounded in time; what it throws is logged, never rethrown. */
  private async retire(adapter: Adapter): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS);
    });
    try {
      const outcome = await Promise.race([Promise.resolve().then(() => adapter.close()), timedOut]);
      if (outcome === 'timeout')
        this.options.logger.warn(
          { adapter: this.name },
          `adapter ${this.name}: close() took over ${CLOSE_TIMEOUT_MS} ms; left behind`,
        );
    } catch (error) {
      this.options.logger.warn({ err: error, adapter: this.name }, `adapter ${this.name}: close() threw (contained)`);
    } finally {
      clearTimeout(timer);
    }
  }

  private monotonic(): number {
    return (this.options.monotonicNow ?? monotonicNow)();
  }

  private async writeTo(channel: string, bytes: Uint8Array): Promise<void> {
    const adapter = this.running;
    if (!adapter) throw new Error(`adapter ${this.name} is ${this.closing ? 'closed' : 'restarting after a fault'}`);
    if (!adapter.write) throw new Error(`adapter ${this.name} cannot write`);
    await adapter.write(channel, bytes);
  }
}

/** The concrete adapter behind a boundary (the one running now), or the adapter itself when it has none. */
export function runningAdapter(adapter: Adapter): Adapter | undefined {
  return adapter instanceof AdapterBoundary ? adapter.current : adapter;
}
