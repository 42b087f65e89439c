import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Adapter, ChannelStatus, Frame, FrameReject, FrameSource } from '../adapter.js';
import type { HardwareProfile } from '../config/profile-schema.js';
import type { Logger } from '../logging.js';
import { ChannelBoard } from '../pipeline/channel-board.js';
import { type Observable, Subject } from '../rx.js';
import { withTimeout } from '../timeout.js';
import { relayLogLine } from './log-relay.js';
import {
  fromWireError,
  type HostMessage,
  type PluginWorkerData,
  type StreamName,
  transferableCopy,
  type WorkerMessage,
} from './plugin-messages.js';

/** How long a plugin may take to load and return its adapter in the worker. */
const CREATE_TIMEOUT_MS = 30_000;
/** How long close() waits for the plugin's own close() before the thread is terminated. */
const CLOSE_TIMEOUT_MS = 4000;
/**
 * How long a write waits for the plugin's answer: a plugin whose write never settles must not keep one entry per
 * command for ever (the downlink reports the command failed after its own 10 s).
 */
const WRITE_TIMEOUT_MS = 30_000;
/** Distinct frame sources remembered per worker (each message brings a new object; the pipeline caches by identity). */
const MAX_SOURCES = 10_000;

/** What the gateway hands a plugin it runs in a worker thread. */
export interface PluginThreadOptions {
  /** npm name or path, as the config names it. */
  specifier: string;
  /** The config's folder: paths are relative to it. */
  baseDir: string;
  /** `adapters[].options`: plain data (it is cloned into the worker). */
  options: unknown;
  /** The hardware profiles the plugin may look up. */
  profiles: ReadonlyMap<string, HardwareProfile>;
  /** The plugin's log lines come out here. */
  logger: Logger;
  /** Tests: how long a write waits for the plugin's answer (default 30 s). */
  writeTimeoutMs?: number;
}

/** A promise with its settle functions, for answers that arrive as messages. */
class Pending<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: Error) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Whoever awaits it sees the error; an answer nobody waits for any more is no crash.
    this.promise.catch(() => undefined);
  }
}

/**
 * A plugin adapter running in a worker thread of its own (node:worker_threads), seen from the gateway as an
 * ordinary Adapter: its streams arrive as messages, start/write/close are requests. One instance is one
 * thread's life: when the thread dies (an uncaught throw in the plugin, process.exit, out of memory),
 * frames$ errors and the AdapterBoundary around it makes a new one.
 */
export class WorkerAdapter implements Adapter {
  readonly frames$: Observable<Frame>;
  readonly rejects$: Observable<FrameReject>;
  readonly status$: Observable<ChannelStatus>;
  write?: (channel: string, bytes: Uint8Array) => Promise<void>;

  private adapterName: string;
  private readonly worker: Worker;
  private readonly frames = new Subject<Frame>();
  private readonly rejects = new Subject<FrameReject>();
  private readonly board = new ChannelBoard();
  private readonly sources = new Map<string, FrameSource>();
  private readonly created = new Pending<void>();
  private starting: Pending<void> | undefined;
  private readonly closed = new Pending<void>();
  private readonly writes = new Map<number, Pending<void>>();
  private nextWriteId = 0;
  /** Set once the thread has ended: why. */
  private ended: Error | undefined;
  private lastError: Error | undefined;
  private closing = false;

  /** Starts the plugin's thread; resolves once its createAdapter returned an Adapter there, else rejects with why. */
  static async create(options: PluginThreadOptions): Promise<WorkerAdapter> {
    const adapter = new WorkerAdapter(options);
    try {
      await withTimeout(
        adapter.created.promise,
        CREATE_TIMEOUT_MS,
        () => new Error(`plugin ${options.specifier} did not create its adapter within ${CREATE_TIMEOUT_MS / 1000} s`),
      );
      return adapter;
    } catch (error) {
      await adapter.worker.terminate();
      throw error;
    }
  }

  private constructor(private readonly options: PluginThreadOptions) {
    this.adapterName = options.specifier;
    this.frames$ = this.frames.asObservable();
    this.rejects$ = this.rejects.asObservable();
    this.status$ = this.board.status$;
    const workerData: PluginWorkerData = {
      specifier: options.specifier,
      baseDir: options.baseDir,
      options: options.options,
      profiles: [...options.profiles],
      logLevel: options.logger.level,
    };
    this.worker = new Worker(WORKER_ENTRY.code, { workerData, eval: WORKER_ENTRY.eval });
    this.worker.on('message', (message: WorkerMessage) => this.receive(message));
    this.worker.on('messageerror', (error) =>
      options.logger.warn({ err: error }, 'a message from the plugin worker could not be read'),
    );
    // An uncaught throw in the thread: 'error', then 'exit'.
    this.worker.on('error', (error: unknown) => {
      this.lastError = error instanceof Error ? error : new Error(String(error));
    });
    this.worker.on('exit', (code) => this.exited(code));
  }

  get name(): string {
    return this.adapterName;
  }

  async start(): Promise<void> {
    if (this.ended) throw this.ended;
    this.starting = new Pending<void>();
    this.send({ type: 'start' });
    await this.starting.promise;
  }

  async close(): Promise<void> {
    if (this.closing) return this.closed.promise;
    this.closing = true;
    if (!this.ended) {
      this.send({ type: 'close' });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.closed.promise, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
      clearTimeout(timer);
    }
    await this.worker.terminate();
    this.endStreams();
  }

  private async writeTo(channel: string, bytes: Uint8Array): Promise<void> {
    if (this.ended) throw new Error(`not written: ${this.ended.message}`);
    const id = this.nextWriteId++;
    const pending = new Pending<void>();
    this.writes.set(id, pending);
    const copy = transferableCopy(bytes);
    this.send({ type: 'write', id, channel, bytes: copy }, [copy.buffer]);
    const ms = this.options.writeTimeoutMs ?? WRITE_TIMEOUT_MS;
    try {
      await withTimeout(pending.promise, ms, () => new Error(`not written: the plugin did not answer within ${ms / 1000} s`));
    } finally {
      this.writes.delete(id);
    }
  }

  private send(message: HostMessage, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private receive(message: WorkerMessage): void {
    switch (message.type) {
      case 'log':
        return relayLogLine(this.options.logger, message.line);
      case 'frame': {
        const { bytes } = message.frame;
        this.frames.next({
          ...message.frame,
          source: this.intern(message.frame.source),
          bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        });
        return;
      }
      case 'reject':
        return this.rejects.next({ ...message.reject, source: this.intern(message.reject.source) });
      case 'status':
        return this.board.set(message.status);
      case 'ended':
        return this.streamEnded(message.stream, message.error && fromWireError(message.error));
      case 'created':
        this.adapterName = message.name;
        if (message.canWrite) this.write = (channel, bytes) => this.writeTo(channel, bytes);
        return this.created.resolve();
      case 'create-failed':
        return this.created.reject(fromWireError(message.error));
      case 'started':
        return this.starting?.resolve();
      case 'start-failed':
        return this.starting?.reject(fromWireError(message.error));
      case 'written':
        return this.writes.get(message.id)?.resolve();
      case 'write-failed':
        return this.writes.get(message.id)?.reject(fromWireError(message.error));
      case 'closed':
        return this.closed.resolve();
    }
  }

  private streamEnded(stream: StreamName, error: Error | undefined): void {
    const target = stream === 'frames$' ? this.frames : stream === 'rejects$' ? this.rejects : undefined;
    if (error) {
      if (target) target.error(error);
      else this.board.fail(error);
    } else if (target) target.complete();
    else this.board.complete();
  }

  /** One source object per distinct source, as an in-process adapter keeps them (the pipeline caches routes on it). */
  private intern(source: FrameSource): FrameSource {
    const key = `${source.adapter}\u0000${source.channel}\u0000${JSON.stringify(source.vars)}`;
    const known = this.sources.get(key);
    if (known) return known;
    if (this.sources.size >= MAX_SOURCES) this.sources.clear();
    this.sources.set(key, source);
    return source;
  }

  private exited(code: number): void {
    const reason = this.lastError ? threadEnded(this.lastError) : new Error(`plugin thread exited with code ${code}`);
    this.ended = reason;
    this.created.reject(reason);
    this.starting?.reject(reason);
    for (const pending of this.writes.values()) pending.reject(new Error(`not written: ${reason.message}`));
    this.closed.resolve();
    // The thread's end is the adapter's failure unless the gateway asked for it.
    if (this.closing) this.endStreams();
    else this.frames.error(reason);
  }

  private endStreams(): void {
    this.frames.complete();
    this.rejects.complete();
    this.board.complete();
  }
}

/** The error a thread died of, said as such; the stack stays the plugin's. */
function threadEnded(error: Error): Error {
  const ended = new Error(`plugin thread ended by an uncaught ${error.name}: ${error.message}`, { cause: error });
  if (error.stack) ended.stack = error.stack;
  return ended;
}

/**
 * The worker's main module: the built .js; or, running from TypeScript sources (tests), the .ts loaded
 * through tsx's require hook (Node 20 gives a worker no ESM loader hooks, neither --import nor inherited).
 */
const WORKER_ENTRY = ((): { code: URL | string; eval: boolean } => {
  if (!import.meta.url.endsWith('.ts')) return { code: new URL('./plugin-worker.js', import.meta.url), eval: false };
  const require = createRequire(import.meta.url);
  const entry = fileURLToPath(new URL('./plugin-worker.ts', import.meta.url));
  const tsx = require.resolve('tsx/cjs/api');
  return { code: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`, eval: true };
})();
