import { monotonicNow } from '../clock.js';
import type { CommandRecord, FrameRecord, PipelineTap } from '../pipeline/pipeline-tap.js';
import type { DeviceRef } from '../protocol/ids.js';
import type { LiveBatch, LiveCommand, LiveDevice, LiveFrame, LiveHello } from './console-api.js';
import { offendingByte } from './offending-byte.js';

/** How much the live stream shows: enough to follow a device, bounded whatever the frame rate. */
export interface LiveLimits {
  /** Milliseconds between batches: each device is updated at most once per batch. */
  batchMs: number;
  /** Frames shown per device (or channel) per batch, accepted and refused apart, so a flood hides no reject. */
  framesPerKey: number;
  rejectsPerKey: number;
  /** Most frames and commands in one batch. */
  framesPerBatch: number;
  /** Frames and commands kept for a client that joins later. */
  recent: number;
  /** Rates are averaged over this many batches. */
  rateBatches: number;
}

/** At most 10 updates a second per device; at most 10 accepted and 20 refused frames a second per device. */
export const DEFAULT_LIVE_LIMITS: LiveLimits = {
  batchMs: 100,
  framesPerKey: 1,
  rejectsPerKey: 2,
  framesPerBatch: 50,
  recent: 200,
  rateBatches: 50,
};

interface Shown {
  frames: number;
  rejects: number;
}

interface DeviceTrack extends Shown {
  live: LiveDevice;
  /** Where its rate window starts at the earliest (monotonic ms). */
  since: number;
  dirty: boolean;
  /** Frames and events counted in this batch, then in the last `rateBatches` batches. */
  batchFrames: number;
  batchEvents: number;
  frameHistory: Int32Array;
  eventHistory: Int32Array;
  filled: number;
  cursor: number;
}

/**
 * The live stream's state while someone watches: a PipelineTap that counts every frame in O(1) and keeps
 * only a sample of them, and turns that into at most one batch per `batchMs` (DESIGN: watch). Pure: the
 * caller flushes it on a timer and sends the batches.
 */
export class LiveAggregator implements PipelineTap {
  private readonly devices = new Map<DeviceRef, DeviceTrack>();
  private readonly byKey = new Map<string, DeviceTrack>();
  /** Frames without a device (framing and decode rejects): sampled per adapter and channel. */
  private readonly channels = new Map<string, Shown>();
  private frames: LiveFrame[] = [];
  private commands: LiveCommand[] = [];
  private readonly recentFrames: LiveFrame[] = [];
  private readonly recentCommands: LiveCommand[] = [];
  private sampledOut = 0;
  /** Keys of devices forgotten since the last flush. */
  private gone: string[] = [];
  private seq = 0;

  /** When the aggregator started, on the monotonic clock rates are measured on (a step of the wall clock would skew them). */
  private readonly startedMonotonic: number;

  constructor(
    private readonly limits: LiveLimits = DEFAULT_LIVE_LIMITS,
    /** Wall clock ms: names the stream for the clients (LiveHello.stream). */
    private readonly startedAt = Date.now(),
    /** The monotonic clock (ms); tests move their own. */
    private readonly clock: () => number = monotonicNow,
  ) {
    this.startedMonotonic = clock();
  }

  frame(record: FrameRecord): void {
    const device = record.device;
    let shown: Shown;
    if (device) {
      const track = this.devices.get(device) ?? this.track(device, record);
      const live = track.live;
      live.frames++;
      live.lastSeen = record.at;
      live.adapter = record.adapter;
      live.channel = record.channel;
      if (record.reading) live.reading = record.reading;
      const events = record.events?.length ?? 0;
      live.events += events;
      track.batchFrames++;
      track.batchEvents += events;
      if (record.reject) live.rejects++;
      track.dirty = true;
      shown = track;
    } else {
      const key = `${record.adapter}\u0000${record.channel}`;
      shown = this.channels.get(key) ?? { frames: 0, rejects: 0 };
      this.channels.set(key, shown);
    }
    const room = this.frames.length < this.limits.framesPerBatch;
    if (record.reject ? room && shown.rejects++ < this.limits.rejectsPerKey : room && shown.frames++ < this.limits.framesPerKey) {
      this.frames.push(this.sample(record));
    } else {
      this.sampledOut++;
    }
  }

  /** The pipeline forgot a device: its track goes, and the next batch says so (the console drops it too). */
  forget(device: DeviceRef): void {
    const key = `${device.typeId}/${device.deviceId}`;
    const track = this.byKey.get(key);
    if (!track) return;
    this.byKey.delete(key);
    // Every DeviceRef that shared the track (the pipeline keeps one per device; a route bound again makes another).
    for (const [ref, shared] of this.devices) if (shared === track) this.devices.delete(ref);
    this.gone.push(key);
  }

  command(record: CommandRecord): void {
    if (this.commands.length >= this.limits.framesPerBatch) return;
    this.commands.push({
      at: record.at,
      device: `${record.device.typeId}/${record.device.deviceId}`,
      commandId: record.commandId,
      origin: record.origin,
      ...(record.bytes ? { hex: Buffer.from(record.bytes).toString('hex') } : {}),
      ...(record.refused !== undefined ? { refused: record.refused } : {}),
    });
  }

  /** What changed since the last flush, or undefined when nothing did. Call it every `batchMs`; `now` (wall clock) dates it. */
  flush(now = Date.now()): LiveBatch | undefined {
    const devices: LiveDevice[] = [];
    const monotonic = this.clock();
    for (const track of this.byKey.values()) {
      const { framesPerSecond, eventsPerSecond } = track.live;
      this.rollRates(track, monotonic);
      const slowed = framesPerSecond !== track.live.framesPerSecond || eventsPerSecond !== track.live.eventsPerSecond;
      if (track.dirty || slowed) devices.push({ ...track.live });
      track.dirty = false;
      track.frames = 0;
      track.rejects = 0;
    }
    this.channels.clear();
    const { frames, commands, sampledOut, gone } = this;
    if (devices.length === 0 && frames.length === 0 && commands.length === 0 && sampledOut === 0 && gone.length === 0) {
      return undefined;
    }
    this.frames = [];
    this.commands = [];
    this.sampledOut = 0;
    this.gone = [];
    remember(this.recentFrames, frames, this.limits.recent);
    remember(this.recentCommands, commands, this.limits.recent);
    return { at: now, devices, frames, commands, sampledOut, ...(gone.length > 0 ? { gone } : {}) };
  }

  /** Everything known so far, for a client that joins: every device, the latest frames and commands. */
  hello(): LiveHello {
    return {
      stream: this.startedAt,
      devices: [...this.byKey.values()].map((track) => ({ ...track.live })),
      frames: [...this.recentFrames, ...this.frames],
      commands: [...this.recentCommands, ...this.commands],
    };
  }

  private track(device: DeviceRef, record: FrameRecord): DeviceTrack {
    const key = `${device.typeId}/${device.deviceId}`;
    // The pipeline keeps one DeviceRef per device; another object for the same device shares its track.
    let track = this.byKey.get(key);
    if (!track) {
      const { rateBatches } = this.limits;
      track = {
        live: {
          key,
          typeId: device.typeId,
          deviceId: device.deviceId,
          profile: record.profile,
          adapter: record.adapter,
          channel: record.channel,
          lastSeen: record.at,
          framesPerSecond: 0,
          eventsPerSecond: 0,
          frames: 0,
          events: 0,
          rejects: 0,
        },
        since: Math.max(this.startedMonotonic, this.clock() - this.limits.batchMs),
        dirty: true,
        frames: 0,
        rejects: 0,
        batchFrames: 0,
        batchEvents: 0,
        frameHistory: new Int32Array(rateBatches),
        eventHistory: new Int32Array(rateBatches),
        filled: 0,
        cursor: 0,
      };
      this.byKey.set(key, track);
    }
    this.devices.set(device, track);
    return track;
  }

  /** Moves this batch's counts into the rate window; rates per second over the window (or since first seen; `now` monotonic). */
  private rollRates(track: DeviceTrack, now: number): void {
    const size = track.frameHistory.length;
    track.frameHistory[track.cursor] = track.batchFrames;
    track.eventHistory[track.cursor] = track.batchEvents;
    track.cursor = (track.cursor + 1) % size;
    track.filled = Math.min(size, track.filled + 1);
    track.batchFrames = 0;
    track.batchEvents = 0;
    const windowMs = Math.min(track.filled * this.limits.batchMs, now - track.since);
    const seconds = Math.max(1, windowMs / 1000);
    track.live.framesPerSecond = round(sum(track.frameHistory) / seconds);
    track.live.eventsPerSecond = round(sum(track.eventHistory) / seconds);
  }

  private sample(record: FrameRecord): LiveFrame {
    const frame: LiveFrame = {
      seq: ++this.seq,
      at: record.at,
      adapter: record.adapter,
      channel: record.channel,
      profile: record.profile,
    };
    if (record.device) frame.device = `${record.device.typeId}/${record.device.deviceId}`;
    if (record.bytes)
      frame.hex = Buffer.from(record.bytes.buffer, record.bytes.byteOffset, record.bytes.byteLength).toString('hex');
    if (record.reading) frame.reading = record.reading;
    if (record.events?.length) frame.events = record.events;
    if (record.reject) {
      const offset = record.bytes ? offendingByte(record.reject.reason, record.bytes) : undefined;
      frame.reject = { ...record.reject, ...(offset !== undefined ? { offset } : {}) };
    }
    return frame;
  }
}

function sum(values: Int32Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function remember<T>(kept: T[], added: T[], limit: number): void {
  kept.push(...added);
  if (kept.length > limit) kept.splice(0, kept.length - limit);
}
