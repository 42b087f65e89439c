import type { Adapter, ChannelStatus, FrameSource } from '../adapter.js';
import { monotonicNow } from '../clock.js';
import { compileParamPattern, type HardwareProfile } from '../config/profile-schema.js';
import type { Logger } from '../logging.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { isoTime } from '../protocol/iso-time.js';
import { fail, ok, type Result } from '../result.js';
import { type Observable, Subject } from '../rx.js';

/** A device seen behind the gateway: where its frames come from, so commands can go back there. */
export interface DeviceRoute {
  device: DeviceRef;
  adapter: Adapter;
  source: FrameSource;
  profile: HardwareProfile;
  /** Frames and events of this device since it was first seen. */
  frames: number;
  events: number;
  /** When its last frame was read (wall clock, ms): shown (/api/status), never measured against (see heardAt). */
  lastSeen: number;
  /**
   * When it was last heard (monotonic ms, src/clock.ts): what staleness is measured on, so that NTP stepping the wall
   * clock years forward at boot does not make every device look silent for years.
   */
  heardAt: number;
  /** Forgotten after `staleAfterMs` of silence: a reference kept elsewhere (a frame source's cache) must bind again. */
  forgotten?: boolean;
}

/** How routes are kept (config section `devices`). */
export interface RouteOptions {
  staleAfterMs: number;
  newIdsPerChannelPerMinute: number;
}

/** The clocks of DeviceRoutes; tests move their own. */
export interface RouteClocks {
  /** For the times shown: a new route's lastSeen (default Date.now). */
  wall: () => number;
  /** For staleness and the per-minute window of new ids (default src/clock.ts's monotonicNow). */
  monotonic: () => number;
}

const MINUTE = 60_000;

/**
 * Which device is behind which channel (seed: one gateway, many devices). A device id is bound to the
 * channel that first said it: another channel claiming it is refused, unless the first one has gone offline
 * or quiet for `staleAfterMs` (then the move is logged). Ids that frames invent are checked against the
 * profile's `device.allow`, or limited per channel and minute. Devices idle longer than `staleAfterMs`
 * are forgotten, so memory follows the devices seen recently, not ever.
 */
export class DeviceRoutes {
  readonly added$: Observable<DeviceRoute>;
  readonly removed$: Observable<DeviceRoute>;
  private readonly routes = new Map<string, DeviceRoute>();
  private readonly channels = new Map<string, ChannelStatus['state']>();
  /** New ids per channel in the current minute. */
  private readonly invented = new Map<string, { minute: number; count: number }>();
  private readonly allowCache = new WeakMap<HardwareProfile, (id: string) => boolean>();
  private readonly added = new Subject<DeviceRoute>();
  private readonly removed = new Subject<DeviceRoute>();
  private readonly wall: () => number;
  private readonly monotonic: () => number;

  constructor(
    private readonly options: RouteOptions,
    private readonly logger: Logger,
    clocks: Partial<RouteClocks> = {},
  ) {
    this.wall = clocks.wall ?? Date.now;
    this.monotonic = clocks.monotonic ?? monotonicNow;
    this.added$ = this.added.asObservable();
    this.removed$ = this.removed.asObservable();
  }

  get size(): number {
    return this.routes.size;
  }

  get(key: string): DeviceRoute | undefined {
    return this.routes.get(key);
  }

  /** Every route, by device key. */
  get all(): ReadonlyMap<string, DeviceRoute> {
    return this.routes;
  }

  /**
   * A channel's state, for the move rule (a device may leave a channel that went offline). A closed channel is kept
   * only while a route is bound to it (a device may leave it too), so channels that come and go do not pile up.
   */
  channelChanged(status: ChannelStatus): void {
    const key = channelKey(status.adapter, status.channel);
    if (status.state === 'closed' && !this.isBound(status.adapter, status.channel)) this.channels.delete(key);
    else this.channels.set(key, status.state);
  }

  /**
   * The route of a device whose frame just came from `source`: the known one (followed to a new connection
   * of the same channel), a new one, or a refusal naming why. `fromFrame` says the id came out of the frame.
   */
  bind(
    device: DeviceRef,
    adapter: Adapter,
    source: FrameSource,
    profile: HardwareProfile,
    fromFrame: boolean,
  ): Result<DeviceRoute> {
    const key = deviceKey(device);
    const known = this.routes.get(key);
    if (known) {
      if (known.adapter !== adapter || known.source.channel !== source.channel) {
        const refusal = this.moveRefusal(known, adapter, source);
        if (refusal) return fail(refusal);
        this.logger.info(
          { device: key, from: known.source.channel, to: source.channel },
          'device moved to another channel (the first had gone offline or quiet)',
        );
      }
      const left = { adapter: known.adapter.name, channel: known.source.channel };
      known.adapter = adapter;
      known.source = source;
      known.profile = profile;
      // Moved off a closed channel: nothing is bound to it any more (a no-op when the device stayed).
      this.dropIfClosedAndUnbound(left.adapter, left.channel);
      return ok(known);
    }
    if (fromFrame) {
      const refusal = this.newIdRefusal(device, profile, adapter, source);
      if (refusal) return fail(refusal);
    }
    // One DeviceRef object per device, so per-device caches downstream (topics) hit by identity.
    const route: DeviceRoute = {
      device,
      adapter,
      source,
      profile,
      frames: 0,
      events: 0,
      lastSeen: this.wall(),
      heardAt: this.monotonic(),
      forgotten: false,
    };
    this.routes.set(key, route);
    this.logger.info({ device: key, channel: source.channel, profile: profile.name }, 'new device');
    this.added.next(route);
    return ok(route);
  }

  /** A frame of the route's device was read at `at` (wall clock, ms): it is shown as last seen then, and is not stale. */
  heard(route: DeviceRoute, at: number): void {
    route.lastSeen = at;
    route.heardAt = this.monotonic();
  }

  /** Forgets devices not heard for `staleAfterMs`; returns them. */
  prune(): DeviceRoute[] {
    const now = this.monotonic();
    const before = now - this.options.staleAfterMs;
    const gone: DeviceRoute[] = [];
    for (const [key, route] of this.routes) {
      if (route.heardAt >= before) continue;
      this.routes.delete(key);
      route.forgotten = true;
      gone.push(route);
      this.dropIfClosedAndUnbound(route.adapter.name, route.source.channel);
      this.logger.debug({ device: key, lastSeen: isoTime(route.lastSeen) }, 'device expired: not heard for a while');
      this.removed.next(route);
    }
    const minute = Math.floor(now / MINUTE);
    for (const [channel, window] of this.invented) if (window.minute < minute) this.invented.delete(channel);
    return gone;
  }

  close(): void {
    this.added.complete();
    this.removed.complete();
  }

  /** Forgets a closed channel's state once no device is bound to it any more. */
  private dropIfClosedAndUnbound(adapter: string, channel: string): void {
    const key = channelKey(adapter, channel);
    if (this.channels.get(key) === 'closed' && !this.isBound(adapter, channel)) this.channels.delete(key);
  }

  /** Whether a route is bound to the channel (a scan of the routes: a channel closes rarely). */
  private isBound(adapter: string, channel: string): boolean {
    for (const route of this.routes.values()) if (route.adapter.name === adapter && route.source.channel === channel) return true;
    return false;
  }

  private moveRefusal(known: DeviceRoute, adapter: Adapter, source: FrameSource): string | undefined {
    const state = this.channels.get(channelKey(known.adapter.name, known.source.channel));
    const quietMs = this.monotonic() - known.heardAt;
    if (state !== undefined && state !== 'online') return undefined;
    if (quietMs > this.options.staleAfterMs) return undefined;
    return (
      `device id ${deviceKey(known.device)} is bound to ${known.adapter.name} ${known.source.channel} ` +
      `(last frame ${Math.round(quietMs / 1000)} s ago, channel online); refused from ${adapter.name} ${source.channel}: ` +
      'a second device claiming the same id?'
    );
  }

  private newIdRefusal(device: DeviceRef, profile: HardwareProfile, adapter: Adapter, source: FrameSource): string | undefined {
    const allow = profile.device.allow;
    if (allow !== undefined) {
      if (this.allowed(profile)(device.deviceId)) return undefined;
      return `device id ${device.deviceId} (from a frame on ${source.channel}) is not allowed by profile ${profile.name}'s device.allow`;
    }
    const channel = channelKey(adapter.name, source.channel);
    const minute = Math.floor(this.monotonic() / MINUTE);
    const window = this.invented.get(channel);
    const count = window?.minute === minute ? window.count : 0;
    if (count >= this.options.newIdsPerChannelPerMinute) {
      return (
        `${source.channel} named ${count} new device ids within a minute (devices.newIdsPerChannelPerMinute); ` +
        `refused ${device.deviceId} (give profile ${profile.name} a device.allow to accept more)`
      );
    }
    this.invented.set(channel, { minute, count: count + 1 });
    return undefined;
  }

  private allowed(profile: HardwareProfile): (id: string) => boolean {
    let check = this.allowCache.get(profile);
    if (!check) {
      const allow = profile.device.allow;
      if (Array.isArray(allow)) {
        const ids = new Set(allow);
        check = (id) => ids.has(id);
      } else {
        const pattern = compileParamPattern(allow ?? '.*');
        check = (id) => pattern.test(id);
      }
      this.allowCache.set(profile, check);
    }
    return check;
  }
}

/** One key per channel of an adapter, for whoever keeps channel states. */
export function channelKey(adapter: string, channel: string): string {
  return `${adapter}\u0000${channel}`;
}
