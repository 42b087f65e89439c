import type { LiveBatch, LiveCommand, LiveDevice, LiveFrame, LiveHello, LiveStatus, Reading } from '../http/console-api.js';

/** A frame as the page keeps it. */
export type ShownFrame = LiveFrame & { id: string };

/** One point of a sparkline: time (ms) and value. */
export type Point = readonly [number, number];

/** How much the page keeps: a few minutes of values, the latest frames and commands. */
export const HISTORY_MS = 5 * 60_000;
const MAX_FRAMES = 500;
const MAX_COMMANDS = 100;
const MAX_FIELDS = 12;

/** The numeric fields of a reading, nested ones by dotted path ("position.lat"), at most 12. */
export function numericFields(reading: Reading | undefined): Array<[string, number]> {
  const fields: Array<[string, number]> = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (fields.length >= MAX_FIELDS) return;
    if (typeof value === 'number' && Number.isFinite(value)) fields.push([path, value]);
    else if (value && typeof value === 'object' && !Array.isArray(value) && depth < 3)
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key, depth + 1);
  };
  walk(reading, '', 0);
  return fields;
}

/**
 * What the console knows from the live stream: devices with a few minutes of history per numeric field,
 * the latest frames and commands, the status. Listeners are told after each change.
 */
export class LiveStore {
  readonly devices = new Map<string, LiveDevice>();
  /** Per device, per numeric field: at most one point a second over HISTORY_MS. */
  readonly history = new Map<string, Map<string, Point[]>>();
  /** Oldest first; `id` is unique across restarts of the gateway's feed. */
  frames: ShownFrame[] = [];
  commands: LiveCommand[] = [];
  status: LiveStatus | undefined;
  /** Frames the gateway left out because they came too fast to show. */
  sampledOut = 0;
  private stream: number | undefined;
  private lastSeq = 0;
  private readonly listeners = new Set<() => void>();

  /** Calls `listener` after every change; returns its removal. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies one event of the live stream. */
  apply(event: string, data: unknown): void {
    if (event === 'hello') this.hello(data as LiveHello);
    else if (event === 'batch') this.batch(data as LiveBatch);
    else if (event === 'status') this.setStatus(data as LiveStatus);
    else return;
    for (const listener of this.listeners) listener();
  }

  /**
   * The status lists every device the gateway keeps: one the page still shows but the status does not was forgotten
   * (a batch saying so can be missed by a page that fell behind), so it goes with its history.
   */
  private setStatus(status: LiveStatus): void {
    this.status = status;
    const kept = new Set(status.status.devices.map((device) => `${device.typeId}/${device.deviceId}`));
    for (const key of this.devices.keys()) {
      if (kept.has(key)) continue;
      this.devices.delete(key);
      this.history.delete(key);
    }
  }

  private hello(hello: LiveHello): void {
    // The same feed again (the page reconnected while another watcher kept it): skip what was seen.
    if (hello.stream !== this.stream) {
      this.stream = hello.stream;
      this.lastSeq = 0;
    }
    for (const device of hello.devices) this.device(device);
    this.addFrames(hello.frames);
    this.commands = hello.commands.slice(-MAX_COMMANDS);
  }

  private batch(batch: LiveBatch): void {
    for (const key of batch.gone ?? []) {
      this.devices.delete(key);
      this.history.delete(key);
    }
    for (const device of batch.devices) this.device(device);
    if (batch.frames.length) this.addFrames(batch.frames);
    if (batch.commands.length) this.commands = [...this.commands, ...batch.commands].slice(-MAX_COMMANDS);
    this.sampledOut += batch.sampledOut;
  }

  private addFrames(frames: LiveFrame[]): void {
    const added = frames
      .filter((frame) => frame.seq > this.lastSeq)
      .map((frame) => ({ ...frame, id: `${this.stream}-${frame.seq}` }));
    if (added.length === 0) return;
    this.lastSeq = added[added.length - 1]?.seq ?? this.lastSeq;
    this.frames = [...this.frames, ...added].slice(-MAX_FRAMES);
  }

  private device(device: LiveDevice): void {
    const known = this.devices.get(device.key);
    this.devices.set(device.key, device);
    // A new reading adds one point per field; the same reading again (a rate update) adds none.
    if (!device.reading || (known && known.lastSeen === device.lastSeen)) return;
    let fields = this.history.get(device.key);
    if (!fields) {
      fields = new Map();
      this.history.set(device.key, fields);
    }
    for (const [name, value] of numericFields(device.reading)) {
      const points = fields.get(name) ?? [];
      const last = points[points.length - 1];
      // Within the same second the newest value stands for it.
      if (last && Math.floor(last[0] / 1000) === Math.floor(device.lastSeen / 1000))
        points[points.length - 1] = [device.lastSeen, value];
      else points.push([device.lastSeen, value]);
      while (points.length > 0 && (points[0]?.[0] ?? 0) < device.lastSeen - HISTORY_MS) points.shift();
      fields.set(name, points);
    }
  }
}
