import type { ChannelStatus, Frame, FrameReject, FrameSource } from '../../src/adapter.js';
import { type BackoffOptions, retryWithBackoff } from '../../src/backoff.js';
import { monotonicNow } from '../../src/clock.js';
import type { DecodeContext } from '../../src/codecs/decoder.js';
import type { Logger } from '../../src/logging.js';
import { defer, merge, mergeMap, Subject, type Subscription, takeUntil, tap, throwError } from '../../src/rx.js';
import type { BleProfile } from './advertisement-match.js';
import { colonAddress, compactAddress } from './ble-identifiers.js';
import type { AdapterFault } from './fault-boundary.js';
import { type GattCharacteristicSpec, type GattLinkEvent, openGattLink } from './gatt-link.js';
import type { NoblePeripheral } from './noble-types.js';
import type { RateLimiter } from './rate-limiter.js';

/** Where GATT connections report: the adapter's frames, rejects and status streams. */
export interface GattConnectionsHost {
  frame(frame: Frame): void;
  reject(reject: FrameReject): void;
  status(channel: string, state: ChannelStatus['state'], reason?: string): void;
  /** Logs and counts a throw caught in a link's timer or event handling. */
  fault(where: string, channel: string, error: unknown): AdapterFault;
}

/** Limits and timings of the connection pool (from the ble adapter config). */
export interface GattConnectionsOptions {
  maxConnections: number;
  requestTimeoutMs: number;
  reconnect: BackoffOptions;
}

interface Link {
  profile: BleProfile;
  peripheralId: string;
  /** Since when the link is not up (monotonic ms; set at the first connect, cleared while online). */
  downSince: number | undefined;
  /** Faults caught outside the link's own stream (in a bindings event about it): each restarts the link. */
  faults: Subject<AdapterFault>;
  subscription?: Subscription;
  write?: (bytes: Uint8Array) => Promise<void>;
}

/**
 * The adapter's GATT links, at most maxConnections: one per peripheral, each reconnecting on its own with
 * jittered back-off (RxJS `retry`). A link whose peripheral is gone (neither connected nor heard for
 * staleAfterMs) gives its slot up; peripherals beyond the limit wait, reported offline, for a free slot.
 */
export class GattConnections {
  private readonly links = new Map<string, Link>();
  /** Peripherals refused for lack of a slot; the adapter forgets them with everything else it forgets. */
  private readonly waiting = new Set<string>();
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
      this.waiting.add(channel);
      return;
    }
    this.waiting.delete(channel);
    const link: Link = { profile, peripheralId: peripheral.id, downSince: monotonicNow(), faults: new Subject() };
    this.links.set(channel, link);
    const contain = (where: string) => (error: unknown) => this.host.fault(where, channel, error);
    link.subscription = defer(() => {
      this.host.status(channel, 'connecting', `connecting (${profile.name})`);
      return merge(
        openGattLink(peripheral, gatt, this.options.requestTimeoutMs, contain('gatt poll')),
        link.faults.pipe(mergeMap((fault) => throwError(() => fault))),
      );
    })
      .pipe(
        tap((event) => {
          try {
            this.onLinkEvent(link, peripheral, source, event);
          } catch (error) {
            throw contain(`gatt ${event.kind}`)(error);
          }
        }),
        retryWithBackoff(this.options.reconnect, (error, wait) => {
          link.write = undefined;
          link.downSince ??= monotonicNow();
          this.host.status(channel, 'offline', `${error.message}; retrying in ${wait} ms`);
        }),
        takeUntil(this.stop$),
      )
      .subscribe();
  }

  /** Restarts the link of `channel` with back-off after a fault caught elsewhere; false when it has none. */
  fail(channel: string, fault: AdapterFault): boolean {
    const link = this.links.get(channel);
    link?.faults.next(fault);
    return link !== undefined;
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

  /**
   * Frees the slots of peripherals gone for staleAfterMs: link down, and not heard (`lastHeard`, by noble
   * id) for that long. Returns their channels. `now` and `lastHeard` are on the monotonic clock.
   */
  sweep(now: number, staleAfterMs: number, lastHeard: (peripheralId: string) => number | undefined): string[] {
    const freed: string[] = [];
    for (const [channel, link] of this.links) {
      if (link.downSince === undefined) continue;
      const gone = now - Math.max(link.downSince, lastHeard(link.peripheralId) ?? 0);
      if (gone <= staleAfterMs) continue;
      this.drop(channel, link, `gone: not heard or connected for ${Math.round(gone)} ms; slot freed`, 'closed');
      freed.push(channel);
    }
    return freed;
  }

  /** Stops waiting for a slot for `channel` (the adapter forgot the peripheral). */
  forgetWaiting(channel: string): void {
    this.waiting.delete(channel);
  }

  /** Drops every link, reporting each offline (the radio they ran on is gone). */
  dropAll(reason: string): void {
    for (const [channel, link] of this.links) this.drop(channel, link, reason);
    this.waiting.clear();
  }

  /** Noble ids of the peripherals with a link (up or reconnecting): never to be forgotten. */
  peripheralIds(): Set<string> {
    return new Set([...this.links.values()].map((link) => link.peripheralId));
  }

  /** Channels with a link (up or reconnecting) or waiting for a slot. */
  channels(): string[] {
    return [...this.links.keys(), ...this.waiting];
  }

  /** Links held, and peripherals waiting for a slot. */
  get size(): { links: number; waiting: number } {
    return { links: this.links.size, waiting: this.waiting.size };
  }

  /** Disconnects every link and stops reconnecting. */
  close(): void {
    this.stop$.next();
    this.stop$.complete();
    for (const link of this.links.values()) link.subscription?.unsubscribe();
  }

  /** `closed`: the peripheral is forgotten (its channel goes from every status list); `offline`: it may come back. */
  private drop(channel: string, link: Link, reason: string, state: 'offline' | 'closed' = 'offline'): void {
    link.subscription?.unsubscribe();
    link.faults.complete();
    this.links.delete(channel);
    this.host.status(channel, state, reason);
  }

  private onLinkEvent(link: Link, peripheral: NoblePeripheral, source: FrameSource, event: GattLinkEvent): void {
    const profile = link.profile.name;
    const at = Date.now();
    const now = monotonicNow();
    if (event.kind === 'online') {
      link.write = event.write;
      link.downSince = undefined;
      this.host.status(source.channel, 'online', `connected (${profile})`);
    } else if (event.kind === 'problem') {
      this.logger.warn({ channel: source.channel, profile }, event.reason);
      this.host.reject({ source, profile, at, reason: event.reason });
    } else if (
      this.limiter.admit(source.channel, `${profile}|${event.uuid}`, link.profile.transport.rateLimit, event.data, now)
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
