import type { Adapter, ChannelStatus, Frame, FrameReject, FrameSource } from '../../src/adapter.js';
import { type BackoffOptions, retryWithBackoff } from '../../src/backoff.js';
import { createDeframer } from '../../src/codecs/framing/framing-spec.js';
import type { HardwareProfile } from '../../src/config/profile-schema.js';
import type { VariableValues } from '../../src/config/template-variables.js';
import type { Logger } from '../../src/logging.js';
import { concat, defer, from, Observable, Subject, type Subscription, takeUntil } from '../../src/rx.js';
import type { ByteChannel } from './byte-channel.js';
import { ModbusMaster } from './modbus-master.js';

/** One channel the adapter keeps open: how to create it and which profile describes the peripheral. */
export interface ChannelSpec {
  channel: string;
  profile: HardwareProfile;
  create: () => ByteChannel;
  /** A device id template for this channel instead of the profile's (a port's configured `deviceId`). */
  deviceId?: string;
}

type ChannelEvent = { kind: 'open' } | { kind: 'frame'; frame: Frame } | { kind: 'reject'; reject: FrameReject };

/**
 * The shared engine of byte-stream adapters (serial ports, serial-over-TCP, emulators): cuts frames
 * with the profile's framing, runs Modbus polling where the profile says so, and keeps every channel
 * open, reconnecting with back-off and jitter when it is lost, independently of the others.
 */
export class StreamAdapter implements Adapter {
  readonly frames$: Observable<Frame>;
  readonly rejects$: Observable<FrameReject>;
  readonly status$: Observable<ChannelStatus>;

  private readonly frames = new Subject<Frame>();
  private readonly rejects = new Subject<FrameReject>();
  private readonly status = new Subject<ChannelStatus>();
  private readonly stop$ = new Subject<void>();
  private readonly open = new Map<string, { channel: ByteChannel; master?: ModbusMaster }>();
  private readonly subscriptions: Subscription[] = [];
  private readonly current = new Map<string, ChannelStatus>();

  constructor(
    readonly name: string,
    private readonly specs: ChannelSpec[],
    private readonly logger: Logger,
    private readonly backoff: BackoffOptions = { initialMs: 500, maxMs: 30_000 },
  ) {
    this.frames$ = this.frames.asObservable();
    this.rejects$ = this.rejects.asObservable();
    // A late subscriber first learns where every channel stands now.
    this.status$ = concat(
      defer(() => from([...this.current.values()])),
      this.status,
    );
  }

  async start(): Promise<void> {
    for (const spec of this.specs) {
      const lifecycle = defer(() => this.connect(spec)).pipe(
        retryWithBackoff(this.backoff, (error, wait) => {
          this.setStatus(spec.channel, 'offline', `${error.message}; retrying in ${wait} ms`);
        }),
        takeUntil(this.stop$),
      );
      this.subscriptions.push(
        lifecycle.subscribe((event) => {
          if (event.kind === 'frame') this.frames.next(event.frame);
          else if (event.kind === 'reject') this.rejects.next(event.reject);
        }),
      );
    }
  }

  /** Writes a command to a channel; bytes are already encoded (and framed) by the pipeline. */
  async write(channel: string, bytes: Uint8Array): Promise<void> {
    const open = this.open.get(channel);
    if (!open) throw new Error(`${channel} is not connected`);
    if (open.master) await open.master.transact(bytes);
    else await open.channel.write(bytes);
  }

  async close(): Promise<void> {
    this.stop$.next();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    for (const spec of this.specs) this.setStatus(spec.channel, 'closed');
    this.frames.complete();
    this.rejects.complete();
    this.status.complete();
  }

  private setStatus(channel: string, state: ChannelStatus['state'], reason?: string): void {
    const status: ChannelStatus = { adapter: this.name, channel, state, at: Date.now(), ...(reason ? { reason } : {}) };
    if (state === 'offline') this.logger.warn({ channel }, `channel offline: ${reason}`);
    else this.logger.info({ channel }, `channel ${state}`);
    this.current.set(channel, status);
    this.status.next(status);
  }

  /** One connection of one channel, as an Observable: errors when the channel is lost, cleans up on unsubscribe. */
  private connect(spec: ChannelSpec): Observable<ChannelEvent> {
    return new Observable<ChannelEvent>((subscriber) => {
      const channel = spec.create();
      const profile = spec.profile;
      // Built once the channel is open (its vars are known then), shared by every frame of this connection.
      let cachedSource: FrameSource | undefined;
      const source = (): FrameSource =>
        (cachedSource ??= {
          adapter: this.name,
          channel: spec.channel,
          vars: channel.vars,
          ...(spec.deviceId !== undefined ? { deviceId: spec.deviceId } : {}),
        });
      let flushTimer: NodeJS.Timeout | undefined;
      let master: ModbusMaster | undefined;
      let closed = false;
      const deliver = (results: ReturnType<NonNullable<typeof deframer>['push']>) => {
        const at = Date.now();
        for (const result of results) {
          // Frames go straight to the adapter's subject: the lifecycle Observable only carries open/lost.
          if (result.ok) this.frames.next({ source: source(), profile: profile.name, at, bytes: result.value });
          else this.rejects.next({ source: source(), profile: profile.name, at, reason: result.reason });
        }
      };
      const modbus = profile.codec.kind === 'modbus-rtu' ? profile.codec.poll : undefined;
      const deframer = modbus || !profile.framing ? undefined : createDeframer(profile.framing);
      if (modbus) {
        const slaveSources = new Map<number, FrameSource>();
        master = new ModbusMaster(channel, modbus, (event) => {
          const slave = event.kind === 'failure' ? event.slave : event.poll.slave;
          let frameSource = slaveSources.get(slave);
          if (!frameSource) {
            // A slave's own deviceId wins over the port's.
            const deviceId = event.poll?.deviceId ?? spec.deviceId;
            const vars: VariableValues<'modbus'> = { ...channel.vars, slave };
            frameSource = { adapter: this.name, channel: spec.channel, vars, ...(deviceId !== undefined ? { deviceId } : {}) };
            slaveSources.set(slave, frameSource);
          }
          if (event.kind === 'response') {
            const frame: Frame = {
              source: frameSource,
              profile: profile.name,
              at: event.at,
              bytes: event.bytes,
              context: { poll: event.poll },
            };
            subscriber.next({ kind: 'frame', frame });
          } else
            subscriber.next({
              kind: 'reject',
              reject: { source: frameSource, profile: profile.name, at: event.at, reason: event.reason },
            });
        });
      }
      channel.onData((chunk) => {
        if (master) return master.push(chunk);
        if (!deframer) return;
        deliver(deframer.push(chunk, performance.now()));
        if (deframer.idleFlushMs !== undefined) {
          clearTimeout(flushTimer);
          flushTimer = setTimeout(() => deliver(deframer.flush()), deframer.idleFlushMs);
        }
      });
      channel.onLost((reason) => subscriber.error(new Error(reason)));
      this.setStatus(spec.channel, 'connecting');
      channel.open().then(
        () => {
          if (closed) return void channel.close();
          this.open.set(spec.channel, { channel, ...(master ? { master } : {}) });
          this.setStatus(spec.channel, 'online');
          subscriber.next({ kind: 'open' });
          master?.start();
        },
        (error: Error) => subscriber.error(error),
      );
      return () => {
        closed = true;
        clearTimeout(flushTimer);
        master?.stop();
        if (this.open.get(spec.channel)?.channel === channel) this.open.delete(spec.channel);
        void channel.close().catch(() => undefined);
      };
    });
  }
}
