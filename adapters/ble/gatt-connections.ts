import { defer, retry, Subject, type Subscription, takeUntil, timer } from 'rxjs';
import type { ChannelStatus, Frame, FrameReject, FrameSource } from '../../src/adapter.js';
import type { DecodeContext } from '../../src/codecs/decoder.js';
import type { Logger } from '../../src/logging.js';
import { type BackoffOptions, nextBackoffMs } from '../../src/session/reconnect-policy.js';
import type { BleProfile } from './advertisement-match.js';
import { colonAddress, compactAddress } from './ble-identifiers.js';
import { type GattCharacteristicSpec, type GattLinkEvent, openGattLink } from './gatt-link.js';
import type { NoblePeripheral } from './noble-types.js';
import type { RateLimiter } from './rate-limiter.js';

/** Where GATT connections report: the adapter's frames, rejects and status streams. */
export interface GattConnectionsHost {
  frame(frame: Frame): void;
  reject(reject: FrameReject): void;
  status(channel: string, state: ChannelStatus['state'], reason?: string): void;
}

/** Limits and timings of the connection pool (from the ble adapter config). */
export interface GattConnectionsOptions {
  maxConnections: number;
  requestTimeoutMs: number;
  reconnect: BackoffOptions;
}

interface Link {
  profile: BleProfile;
  subscription?: Subscription;
  write?: (bytes: Uint8Array) => Promise<void>;
}

/**
 * The adapter's GATT links, at most maxConnections: one per peripheral, each reconnecting on its own with
 * jittered back-off (RxJS `retry`). Peripherals beyond the limit wait, reported offline, until they go quiet.
 */
export class GattConnections {
  private readonly links = new Map<string, Link>();
  /** Peripherals refused for lack of a slot, with when they were last heard. */
  private readonly waiting = new Map<string, number>();
  private readonly stop$ = new Subject<void>();

  constructor(
    private readonly options: GattConnectionsOptions,
    private readonly host: GattConnectionsHost,
    private readonly limiter: RateLimiter,
    private readonly logger: Logger,
  ) {}

  /** Links to the peripheral unless it already has a link or every slot is taken. */
  consider(peripheral: NoblePeripheral, source: FrameSource, profile: BleProfile): void {
    const channel = source.channel;
    const gatt = profile.transport.gatt;
    if (this.links.has(channel) || !gatt) return;
    if (this.links.size >= this.options.maxConnections) {
      const reason = `not connected: maxConnections (${this.options.maxConnections}) reached`;
      if (!this.waiting.has(channel)) this.host.status(channel, 'offline', reason);
      this.waiting.set(channel, Date.now());
      return;
    }
    this.waiting.delete(channel);
    const link: Link = { profile };
    this.links.set(channel, link);
    link.subscription = defer(() => {
      this.host.status(channel, 'connecting', `connecting (${profile.name})`);
      return openGattLink(peripheral, gatt, this.options.requestTimeoutMs);
    })
      .pipe(
        retry({
          resetOnSuccess: true,
          delay: (error: Error, count) => {
            link.write = undefined;
            const wait = nextBackoffMs(this.options.reconnect, count - 1);
            this.host.status(channel, 'offline', `${error.message}; retrying in ${wait} ms`);
            return timer(wait);
          },
        }),
        takeUntil(this.stop$),
      )
      .subscribe((event) => this.onLinkEvent(link, peripheral, source, event));
  }

  /** Writes to the profile's `gatt.write` characteristic; fails when there is no link up. */
  async write(channel: string, bytes: Uint8Array): Promise<void> {
    const link = this.links.get(channel);
    if (!link) throw new Error(`${channel} has no GATT link (advertisement-only profiles cannot take commands)`);
    if (!link.profile.transport.gatt?.write) {
      throw new Error(`${channel}: profile ${link.profile.name} has no gatt.write characteristic`);
    }
    if (!link.write) throw new Error(`${channel} is not connected`);
    await link.write(bytes);
  }

  /** Forgets waiting peripherals not heard for `staleAfterMs`; returns their channels. */
  sweep(now: number, staleAfterMs: number): string[] {
    const stale = [...this.waiting].filter(([, at]) => now - at > staleAfterMs).map(([channel]) => channel);
    for (const channel of stale) this.waiting.delete(channel);
    return stale;
  }

  /** Channels with a link (up or reconnecting) or waiting for a slot. */
  channels(): string[] {
    return [...this.links.keys(), ...this.waiting.keys()];
  }

  /** Disconnects every link and stops reconnecting. */
  close(): void {
    this.stop$.next();
    this.stop$.complete();
    for (const link of this.links.values()) link.subscription?.unsubscribe();
  }

  private onLinkEvent(link: Link, peripheral: NoblePeripheral, source: FrameSource, event: GattLinkEvent): void {
    const profile = link.profile.name;
    const at = Date.now();
    if (event.kind === 'online') {
      link.write = event.write;
      this.host.status(source.channel, 'online', `connected (${profile})`);
    } else if (event.kind === 'problem') {
      this.logger.warn({ channel: source.channel, profile }, event.reason);
      this.host.reject({ source, profile, at, reason: event.reason });
    } else if (
      this.limiter.admit(`${source.channel}|${profile}|${event.uuid}`, link.profile.transport.rateLimit, event.data, at)
    ) {
      const context = gattContext(source.channel, event.uuid, event.spec);
      this.host.frame({
        source: { ...source, vars: { ...source.vars, rssi: peripheral.rssi } },
        profile,
        at,
        bytes: event.data,
        context,
      });
    }
  }
}

/** A GATT frame's context: address, characteristic, and its own codec spec (the pipeline decodes with it). */
function gattContext(channel: string, uuid: string, spec: GattCharacteristicSpec): DecodeContext {
  const compact = compactAddress(channel);
  return {
    ...(compact ? { address: colonAddress(compact) } : {}),
    characteristic: uuid,
    ...(spec.codec ? { codec: spec.codec } : {}),
  };
}
