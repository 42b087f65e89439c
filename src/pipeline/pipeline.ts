import type { Adapter, Frame, FrameSource } from '../adapter.js';
import { type CodecSpec, createDecoder } from '../codecs/codec-spec.js';
import { type Decoder, type Reading, rawJsonOf } from '../codecs/decoder.js';
import type { FrameEncoder } from '../codecs/framing/deframer.js';
import { createFrameEncoder } from '../codecs/framing/framing-spec.js';
import type { HardwareProfile } from '../config/profile-schema.js';
import type { Logger } from '../logging.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { type Observable, Subject, Subscription } from '../rx.js';
import type { InboundCommand } from '../session/gateway-session.js';
import { type DeviceRoute, DeviceRoutes, type RouteOptions } from './device-routes.js';
import { deviceTemplateFor, resolveDevice } from './device-template.js';
import { DeviceTopics } from './device-topics.js';
import { Downlink } from './downlink.js';
import { mapReading } from './event-mapping.js';
import type { CommandOrigin, FrameRecord, PipelineTap } from './pipeline-tap.js';
import { stampReadTime } from './read-time.js';
import { hexOf, RejectLog } from './reject-log.js';

/** How many rejects the pipeline remembers for the status API. */
const RECENT_REJECTS = 50;

/** Where uplink events go (the sender, through the durable queue); returns a reason when one is refused. */
export interface EventSink {
  accept(device: string, topic: string, payload: string, qos: 0 | 1, readAt: number): string | undefined;
}

/** Commands from the service (the session subscribes to every device's once, with wildcards). */
export interface CommandSource {
  readonly commands$: Observable<InboundCommand>;
}

/** A frame or command the pipeline could not handle, with the stage and a reason naming the field or byte. */
export interface PipelineReject {
  stage: 'framing' | 'decode' | 'device' | 'publish' | 'command';
  reason: string;
  source?: FrameSource;
  device?: DeviceRef;
  at: number;
  /** The frame's bytes, when there was a frame (logged in hex, bounded). */
  bytes?: Uint8Array;
}

/** Counters the pipeline keeps (metrics and the health topic read them). */
export interface PipelineStats {
  frames: number;
  events: number;
  rejects: Record<PipelineReject['stage'], number>;
  commandsDelivered: number;
  devices: number;
  /** Frames and events per profile, and frames per adapter (metrics labels; never per device). */
  byProfile: Record<string, { frames: number; events: number }>;
  byAdapter: Record<string, number>;
}

export type { DeviceRoute };

interface ProfileRuntime {
  profile: HardwareProfile;
  decoder: Decoder;
  encoder: FrameEncoder | undefined;
  /** True when the device id depends only on the source, so it can be cached per channel. */
  sourceOnlyDevice: boolean;
  /** This profile's entry in `stats.byProfile`. */
  counts: { frames: number; events: number };
}

/**
 * The only place that knows both bytes and MQTT: frames → codec → events on the device's own topic;
 * commands → the device's profile encoder → its adapter. Bad input is counted and logged; the stream goes on.
 */
export class Pipeline {
  readonly rejects$: Observable<PipelineReject>;
  /** A device heard for the first time (or again, after it was forgotten). */
  readonly devices$: Observable<DeviceRoute>;
  /** A device forgotten after `devices.staleAfterMs` of silence. */
  readonly gone$: Observable<DeviceRoute>;
  /** Every decoded reading with its device. */
  readonly readings$: Observable<{ device: DeviceRef; reading: Reading }>;
  readonly stats: PipelineStats = {
    frames: 0,
    events: 0,
    rejects: { framing: 0, decode: 0, device: 0, publish: 0, command: 0 },
    commandsDelivered: 0,
    devices: 0,
    byProfile: {},
    byAdapter: {},
  };

  private readonly rejects = new Subject<PipelineReject>();
  private readonly readings = new Subject<{ device: DeviceRef; reading: Reading }>();
  private readonly routes: DeviceRoutes;
  private readonly downlink: Downlink;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** Frames and publishes are logged one by one only at trace level (checked once: levels do not change). */
  private readonly traceFrames: boolean;
  private readonly runtimes = new Map<string, ProfileRuntime>();
  private readonly routeBySource = new WeakMap<FrameSource, DeviceRoute>();
  private readonly extraDecoders = new WeakMap<CodecSpec, Decoder>();
  private readonly subscription = new Subscription();
  private readonly rejectLog: RejectLog;
  private readonly topics = new DeviceTopics();
  /** Set while someone watches (the console, `watch`); see PipelineTap. */
  private tap: PipelineTap | undefined;
  private readonly recent: PipelineReject[] = [];

  constructor(
    private readonly options: {
      adapters: Adapter[];
      profiles: ReadonlyMap<string, HardwareProfile>;
      sink: EventSink;
      commands: CommandSource;
      logger: Logger;
      qos: 0 | 1;
      /** The JSON field that carries the time a frame was read (ISO 8601, UTC, ms); false leaves payloads as they are. */
      timestampField: string | false;
      devices: RouteOptions & { commandWaitMs: number };
    },
  ) {
    this.rejects$ = this.rejects.asObservable();
    this.readings$ = this.readings.asObservable();
    this.rejectLog = new RejectLog(options.logger);
    this.traceFrames = options.logger.isLevelEnabled('trace');
    this.routes = new DeviceRoutes(options.devices, options.logger);
    this.devices$ = this.routes.added$;
    this.gone$ = this.routes.removed$;
    this.downlink = new Downlink({
      routes: this.routes,
      encoderOf: (profile) => this.runtime(profile.name)?.encoder,
      tap: () => this.tap,
      refuse: (device, reason) => this.reject({ stage: 'command', reason, device, at: Date.now() }),
      delivered: () => {
        this.stats.commandsDelivered++;
      },
      waitMs: options.devices.commandWaitMs,
      logger: options.logger,
    });
    this.subscription.add(
      this.routes.added$.subscribe((route) => {
        this.stats.devices = this.routes.size;
        this.downlink.deviceSeen(route);
      }),
    );
    this.subscription.add(
      this.routes.removed$.subscribe((route) => {
        this.stats.devices = this.routes.size;
        this.tap?.forget?.(route.device);
      }),
    );
  }

  /** Subscribes to every adapter and to commands, then starts the adapters. */
  async start(): Promise<void> {
    for (const adapter of this.options.adapters) {
      this.stats.byAdapter[adapter.name] ??= 0;
      this.subscription.add(adapter.status$.subscribe((status) => this.routes.channelChanged(status)));
      this.subscription.add(adapter.frames$.subscribe((frame) => this.safeUplink(adapter, frame)));
      this.subscription.add(
        adapter.rejects$.subscribe((reject) => {
          const record: FrameRecord | undefined = this.tap
            ? { at: reject.at, adapter: adapter.name, channel: reject.source.channel, profile: reject.profile }
            : undefined;
          this.reject({ stage: 'framing', reason: reject.reason, source: reject.source, at: reject.at }, record);
          if (record) this.tap?.frame(record);
        }),
      );
    }
    this.subscription.add(
      this.options.commands.commands$.subscribe((command) => {
        // A refusal has been logged and counted already.
        this.downlink
          .deliver(command.device, command.commandId, command.payload, command.format, 'service')
          .catch(() => undefined);
      }),
    );
    const every = Math.min(60_000, Math.max(1000, this.options.devices.staleAfterMs / 4));
    this.pruneTimer = setInterval(() => this.routes.prune(), every);
    this.pruneTimer.unref();
    await Promise.all(this.options.adapters.map((adapter) => adapter.start()));
  }

  /** Lets an observer see every frame and command (undefined stops it). One at a time: the live feed fans out. */
  setTap(tap: PipelineTap | undefined): void {
    this.tap = tap;
  }

  /** Devices heard recently (forgotten after `devices.staleAfterMs` of silence). */
  get routesByDevice(): ReadonlyMap<string, DeviceRoute> {
    return this.routes.all;
  }

  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.subscription.unsubscribe();
    this.downlink.close();
    await Promise.all(this.options.adapters.map((adapter) => adapter.close()));
    this.rejects.complete();
    this.routes.close();
    this.readings.complete();
  }

  private decoderFor(spec: CodecSpec): Decoder {
    let decoder = this.extraDecoders.get(spec);
    if (!decoder) {
      decoder = createDecoder(spec);
      this.extraDecoders.set(spec, decoder);
    }
    return decoder;
  }

  private runtime(name: string): ProfileRuntime | undefined {
    let runtime = this.runtimes.get(name);
    if (!runtime) {
      const profile = this.options.profiles.get(name);
      if (!profile) return undefined;
      const usesReading = `${profile.device.typeId}${profile.device.deviceId}`.includes('{reading.');
      runtime = {
        profile,
        decoder: createDecoder(profile.codec),
        encoder: profile.framing ? createFrameEncoder(profile.framing) : undefined,
        sourceOnlyDevice: !usesReading,
        counts: { frames: 0, events: 0 },
      };
      this.stats.byProfile[name] = runtime.counts;
      this.runtimes.set(name, runtime);
    }
    return runtime;
  }

  /** A bug in a decoder must cost one frame, never the daemon. */
  private safeUplink(adapter: Adapter, frame: Frame): void {
    try {
      this.uplink(adapter, frame);
    } catch (error) {
      this.reject({ stage: 'decode', reason: `internal error: ${(error as Error).message}`, source: frame.source, at: frame.at });
    }
  }

  private uplink(adapter: Adapter, frame: Frame): void {
    const record: FrameRecord | undefined = this.tap
      ? { at: frame.at, adapter: adapter.name, channel: frame.source.channel, profile: frame.profile, bytes: frame.bytes }
      : undefined;
    this.decodeFrame(adapter, frame, record);
    if (record && this.tap) this.tap.frame(record);
  }

  private decodeFrame(adapter: Adapter, frame: Frame, record: FrameRecord | undefined): void {
    this.stats.frames++;
    this.stats.byAdapter[adapter.name] = (this.stats.byAdapter[adapter.name] ?? 0) + 1;
    const runtime = this.runtime(frame.profile);
    if (!runtime)
      return this.reject(
        { stage: 'decode', reason: `no hardware profile named "${frame.profile}"`, source: frame.source, at: frame.at },
        record,
      );
    runtime.counts.frames++;
    // A frame may name its own codec (a BLE characteristic within a GATT profile, say).
    const decoder = frame.context?.codec ? this.decoderFor(frame.context.codec) : runtime.decoder;
    const decoded = decoder.decode(frame.bytes, frame.context);
    if (!decoded.ok)
      return this.reject(
        { stage: 'decode', reason: decoded.reason, source: frame.source, at: frame.at, bytes: frame.bytes },
        record,
      );
    const reading = decoded.value;
    if (record) record.reading = reading;
    // Frame sources are shared per connection (and per Modbus slave), so the device is cached on them; a device
    // forgotten after a long silence on a connection that stayed open is bound again (it is new to everyone again).
    let route = runtime.sourceOnlyDevice ? this.routeBySource.get(frame.source) : undefined;
    if (!route || route.forgotten) {
      const template = deviceTemplateFor(runtime.profile.device, frame.source);
      const resolved = resolveDevice(template, frame.source.vars, reading);
      if (!resolved.ok)
        return this.reject(
          { stage: 'device', reason: resolved.reason, source: frame.source, at: frame.at, bytes: frame.bytes },
          record,
        );
      const known = this.routes.get(deviceKey(resolved.value));
      // Cheap identity check; a new device, or one on another connection or channel, is bound by the rules.
      if (known?.source === frame.source) route = known;
      else {
        const bound = this.routes.bind(resolved.value, adapter, frame.source, runtime.profile, !runtime.sourceOnlyDevice);
        if (!bound.ok)
          return this.reject(
            { stage: 'device', reason: bound.reason, source: frame.source, at: frame.at, bytes: frame.bytes },
            record,
          );
        route = bound.value;
      }
      if (runtime.sourceOnlyDevice) this.routeBySource.set(frame.source, route);
    }
    route.frames++;
    this.routes.heard(route, frame.at);
    const device = route.device;
    if (record) {
      record.device = device;
      record.events = [];
    }
    if (this.traceFrames)
      this.options.logger.trace(
        { device: deviceKey(device), channel: frame.source.channel, hex: hexOf(frame.bytes), reading },
        'frame',
      );
    // Only built when someone listens (device management uses readings for location).
    if (this.readings.observed) this.readings.next({ device, reading });
    const { sink, qos, timestampField } = this.options;
    for (const event of mapReading(runtime.profile.events, reading)) {
      this.stats.events++;
      route.events++;
      runtime.counts.events++;
      let topic: string;
      try {
        topic = this.topics.eventTopic(device, event.eventId, event.format);
      } catch (error) {
        this.reject({ stage: 'publish', reason: (error as Error).message, device, source: frame.source, at: frame.at }, record);
        continue;
      }
      // The device's own JSON text when the whole reading goes out unchanged: no second serialisation.
      let payload = (event.payload === reading && rawJsonOf(reading)) || JSON.stringify(event.payload);
      if (timestampField && event.format === 'json' && !(timestampField in event.payload)) {
        payload = stampReadTime(payload, timestampField, frame.at);
      }
      const refused = sink.accept(this.topics.keyOf(device), topic, payload, qos, frame.at);
      if (refused) this.reject({ stage: 'publish', reason: refused, device, source: frame.source, at: frame.at }, record);
      else record?.events?.push({ eventId: event.eventId, topic, payload });
      if (this.traceFrames && !refused) this.options.logger.trace({ topic, payload }, 'event queued');
    }
  }

  /**
   * Sends a command the device's profile declares to the device's adapter, resolving with the bytes written;
   * rejects, naming the problem, when it is unknown, malformed or cannot be written (nothing is written then).
   * Used for MQTT commands, the console and device management actions. A refusal is logged and counted.
   */
  deliverCommand(
    device: DeviceRef,
    commandId: string,
    payload: Uint8Array,
    format?: string,
    origin: CommandOrigin = 'device-management',
  ): Promise<Uint8Array> {
    return this.downlink.deliver(device, commandId, payload, format, origin);
  }

  /** The latest rejects, newest last (at most RECENT_REJECTS), for the status API and the console. */
  get recentRejects(): readonly PipelineReject[] {
    return this.recent;
  }

  private reject(reject: PipelineReject, record?: FrameRecord): void {
    if (record && reject.stage !== 'command') record.reject = { stage: reject.stage, reason: reject.reason };
    this.stats.rejects[reject.stage]++;
    this.recent.push(reject);
    if (this.recent.length > RECENT_REJECTS) this.recent.shift();
    this.rejectLog.record(reject);
    this.rejects.next(reject);
  }
}
