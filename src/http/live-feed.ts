import type { PipelineTap } from '../pipeline/pipeline-tap.js';
import type { LiveEvents, LiveStatus } from './console-api.js';
import { DEFAULT_LIVE_LIMITS, LiveAggregator, type LiveLimits } from './live-aggregator.js';

/** Where the feed sets its tap: the pipeline (one tap at a time). */
export interface TapTarget {
  setTap(tap: PipelineTap | undefined): void;
}

/** One watcher of the feed (an SSE response): gets each event already serialised, once per event for all. */
export type LiveClient = <E extends keyof LiveEvents>(event: E, data: string) => void;

/** Options of the live feed. */
export interface LiveFeedOptions {
  target: TapTarget;
  /** The status and device management state, sent every `statusMs` to every client. */
  status: () => LiveStatus;
  statusMs?: number;
  limits?: Partial<LiveLimits>;
}

/**
 * The one live feed of a gateway (DESIGN: watch): sets the pipeline's tap while at least one client watches
 * and clears it when the last one leaves, so a gateway nobody watches pays nothing beyond its HTTP listener.
 * Each batch is serialised once and written to every client.
 */
export class LiveFeed {
  private readonly clients = new Set<LiveClient>();
  private readonly limits: LiveLimits;
  private aggregator: LiveAggregator | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: LiveFeedOptions) {
    this.limits = { ...DEFAULT_LIVE_LIMITS, ...options.limits };
  }

  /** How many clients watch. */
  get watching(): number {
    return this.clients.size;
  }

  /** Adds a client: it gets what is known so far and the status at once, then batches. Returns its `leave`. */
  join(client: LiveClient): () => void {
    if (!this.aggregator) this.start();
    this.clients.add(client);
    client('hello', JSON.stringify(this.aggregator?.hello()));
    const status = this.statusText();
    if (status) client('status', status);
    return () => {
      if (this.clients.delete(client) && this.clients.size === 0) this.stop();
    };
  }

  /** Lets every client go and clears the tap (the server is closing). */
  close(): void {
    this.clients.clear();
    this.stop();
  }

  private start(): void {
    const aggregator = new LiveAggregator(this.limits);
    this.aggregator = aggregator;
    this.options.target.setTap(aggregator);
    const every = (ms: number, work: () => void) => {
      const timer = setInterval(work, ms);
      // The feed never keeps a process alive on its own.
      timer.unref();
      this.timers.push(timer);
    };
    every(this.limits.batchMs, () => {
      const batch = aggregator.flush();
      if (batch) this.broadcast('batch', JSON.stringify(batch));
    });
    every(this.options.statusMs ?? 2000, () => {
      const status = this.statusText();
      if (status) this.broadcast('status', status);
    });
  }

  private stop(): void {
    if (!this.aggregator) return;
    this.options.target.setTap(undefined);
    this.aggregator = undefined;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  private broadcast(event: keyof LiveEvents, data: string): void {
    for (const client of this.clients) client(event, data);
  }

  /** The status as JSON; undefined if reading it failed (a watcher must never take the gateway down). */
  private statusText(): string | undefined {
    try {
      return JSON.stringify(this.options.status());
    } catch {
      return undefined;
    }
  }
}
