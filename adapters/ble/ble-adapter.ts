import type { z } from 'zod';
import type { Adapter, AdapterContext, ChannelStatus, Frame, FrameReject, FrameSource } from '../../src/adapter.js';
import { monotonicNow } from '../../src/clock.js';
import type { DecodeContext } from '../../src/codecs/decoder.js';
import { type AdapterConfig, adapterConfigSchema } from '../../src/config/gateway-config.js';
import type { VariableValues } from '../../src/config/template-variables.js';
import { type Observable, Subject } from '../../src/rx.js';
import { addressVariables } from '../template-variables.js';
import { type BleProfile, matchProfile, viewAdvertisement } from './advertisement-match.js';
import { colonAddress, compactAddress } from './ble-identifiers.js';
import { FaultCounter } from './fault-boundary.js';
import { GattConnections } from './gatt-connections.js';
import {
  forgetPeripheral,
  forgetUnreportedDiscoveries,
  isIdle,
  type NobleCacheSizes,
  nobleCacheSizes,
} from './noble-internals.js';
import type { NobleBindings, NoblePeripheral } from './noble-types.js';
import { RadioSession } from './radio-session.js';
import { RateLimiter } from './rate-limiter.js';
import { type HeardPeripheral, RecentPeripherals } from './recent-peripherals.js';
import { SimulatedRadio } from './simulated-radio.js';

/** Options of the BLE adapter, as in the gateway config (defaults applied). */
export type BleAdapterOptions = Extract<AdapterConfig, { kind: 'ble' }>;

/** Options of the BLE adapter as written (defaults not yet applied); `kind` may be left out. */
export type BleAdapterInput = Omit<Extract<z.input<typeof adapterConfigSchema>, { kind: 'ble' }>, 'kind'> & {
  kind?: 'ble';
};

/** What a test or the demo may inject: bindings to drive noble with (a SimulatedRadio) instead of HCI. */
export interface BleAdapterEnvironment {
  bindings?: NobleBindings;
}

/** Status channel of the radio itself (the per-device channels are compact addresses). */
export const RADIO_CHANNEL = 'radio';

/** What the adapter holds and has contained, for metrics and for tests that check memory stays flat. */
export interface BleAdapterStats {
  /** Throws contained at the adapter's boundaries (bindings events, timers, link streams). */
  faults: number;
  /** Peripherals heard within staleAfterMs (or held by a GATT link): the adapter's per-address state. */
  peripherals: number;
  /** Advertisers reported online. */
  announced: number;
  /** Channels the rate limiter remembers. */
  rateLimiterKeys: number;
  gattLinks: number;
  gattWaiting: number;
  /** Entries in noble's own per-peripheral caches. */
  noble: NobleCacheSizes;
}

/** Builds the BLE adapter from its gateway-config entry (see createBleAdapter). */
export function createBleAdapter(
  options: BleAdapterInput,
  context: AdapterContext,
  environment: BleAdapterEnvironment = {},
): BleAdapter {
  return new BleAdapter(adapterConfigSchema.parse({ ...options, kind: 'ble' }) as BleAdapterOptions, context, environment);
}

/**
 * Bluetooth LE through noble: scans with duplicates, turns matching advertisements into frames (rate-limited
 * per device), keeps GATT links to connectable peripherals up to maxConnections (notifications, polled reads,
 * command writes), and reconnects lost links with jittered back-off. Channel = compact MAC address.
 *
 * It holds up for months: the radio is retried with back-off until it powers on; peripherals not heard for
 * staleAfterMs are forgotten (by the adapter and inside noble) and their GATT slots freed; and a throw in any
 * code noble or a timer calls is contained: logged, counted, and the device, link or radio restarts.
 */
export class BleAdapter implements Adapter {
  readonly name = 'ble';
  readonly frames$: Observable<Frame>;
  readonly rejects$: Observable<FrameReject>;
  readonly status$: Observable<ChannelStatus>;
  /** The simulated radio this adapter made for `simulated: true` (watch its writes$ in a demo). */
  readonly radio?: SimulatedRadio;

  private readonly frames = new Subject<Frame>();
  private readonly rejects = new Subject<FrameReject>();
  private readonly status = new Subject<ChannelStatus>();
  private readonly profiles: BleProfile[];
  private readonly keys = new Map<string, string>();
  private readonly recent = new RecentPeripherals();
  private readonly limiter = new RateLimiter();
  private readonly faults: FaultCounter;
  private readonly gatt: GattConnections;
  private readonly session: RadioSession;
  private sweep: NodeJS.Timeout | undefined;
  /** Addresses the HCI layer heard once and noble never reported, at the last sweep (noble-internals.ts). */
  private unreported: ReadonlyMap<string, unknown> = new Map();
  private closed = false;

  constructor(
    private readonly options: BleAdapterOptions,
    private readonly context: AdapterContext,
    environment: BleAdapterEnvironment = {},
  ) {
    this.frames$ = this.frames.asObservable();
    this.rejects$ = this.rejects.asObservable();
    this.status$ = this.status.asObservable();
    this.profiles = options.profiles.map((name) => {
      const profile = context.profile(name);
      if (profile.transport.kind !== 'ble')
        throw new Error(`ble adapter: profile ${name} is for ${profile.transport.kind}, not ble`);
      if (options.scan === 'passive' && profile.transport.filter.localName !== undefined) {
        context.logger.warn(
          { profile: name },
          'profile filters on localName, which many devices only send in scan responses: consider scan: active',
        );
      }
      return profile as BleProfile;
    });
    for (const [address, key] of Object.entries(options.keys)) {
      const compact = compactAddress(address);
      if (compact) this.keys.set(compact, key.toLowerCase());
    }
    if (!environment.bindings && options.simulated) this.radio = new SimulatedRadio();
    this.faults = new FaultCounter(context.logger);
    const host = {
      frame: (frame: Frame) => this.frames.next(frame),
      reject: (reject: FrameReject) => this.rejects.next(reject),
      status: (channel: string, state: ChannelStatus['state'], reason?: string) => this.setStatus(channel, state, reason),
      fault: (where: string, channel: string, error: unknown) => this.faults.record(where, channel, error),
    };
    this.gatt = new GattConnections(options, host, this.limiter, context.logger);
    const radioHost = {
      status: (state: ChannelStatus['state'], reason?: string) => this.setStatus(RADIO_CHANNEL, state, reason),
      discover: (peripheral: NoblePeripheral) => this.onDiscover(peripheral),
      bindingsThrow: (event: string, peripheralId: string | undefined, error: unknown) =>
        this.onThrow(event, peripheralId, error),
      lost: () => this.gatt.dropAll('radio restarting'),
    };
    const { hciDevice, requestTimeoutMs: timeoutMs, reconnect, scan } = options;
    const bindings = environment.bindings ?? this.radio;
    this.session = new RadioSession({ bindings, hciDevice, timeoutMs, reconnect, scan }, radioHost, context.logger);
  }

  /**
   * Opens the radio, retrying with back-off while noble cannot load, its init fails or it does not power on
   * within requestTimeoutMs (reported offline with the reason meanwhile), and scans once it is poweredOn.
   */
  async start(): Promise<void> {
    this.session.open();
    this.sweep = setInterval(
      () => {
        try {
          this.sweepStale();
        } catch (error) {
          this.session.fail(this.faults.record('sweep', RADIO_CHANNEL, error));
        }
      },
      Math.max(50, this.options.staleAfterMs / 2),
    );
  }

  /** Writes a command to the profile's `gatt.write` characteristic of the peripheral at `channel`. */
  write(channel: string, bytes: Uint8Array): Promise<void> {
    return this.gatt.write(channel, bytes);
  }

  /** What the adapter holds now, and how many throws it contained. */
  stats(): BleAdapterStats {
    const gatt = this.gatt.size;
    return {
      faults: this.faults.count,
      peripherals: this.recent.size,
      announced: this.recent.announcedChannels().length,
      rateLimiterKeys: this.limiter.size,
      gattLinks: gatt.links,
      gattWaiting: gatt.waiting,
      noble: nobleCacheSizes(this.session.central),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const channels = new Set([RADIO_CHANNEL, ...this.gatt.channels(), ...this.recent.announcedChannels()]);
    this.session.close();
    this.gatt.close();
    clearInterval(this.sweep);
    this.radio?.close();
    for (const channel of channels) this.setStatus(channel, 'closed');
    this.frames.complete();
    this.rejects.complete();
    this.status.complete();
  }

  private onDiscover(peripheral: NoblePeripheral): void {
    if (typeof peripheral.id !== 'string') throw new TypeError('a discovery without a peripheral id');
    // The frame's time is on the wall clock; how long ago a peripheral was heard, and the rate limit, on the monotonic one.
    const at = Date.now();
    const now = monotonicNow();
    const heard = this.recent.hear(peripheral.id, now);
    const view = viewAdvertisement(peripheral.advertisement, peripheral.address);
    const match = matchProfile(this.profiles, view, peripheral.connectable);
    if (!match) return;
    const channel = view.address ?? peripheral.id;
    heard.channel = channel;
    const vars: VariableValues<'ble'> = {
      ...addressVariables(view.address),
      address: channel,
      rssi: peripheral.rssi,
      localName: view.localName,
    };
    const source: FrameSource = { adapter: this.name, channel, vars };
    if (!match.bytes) {
      this.gatt.consider(peripheral, source, match.profile);
      return;
    }
    if (!heard.announced) {
      heard.announced = true;
      this.setStatus(channel, 'online', `advertising (${match.profile.name})`);
    }
    if (!this.limiter.admit(channel, match.profile.name, match.profile.transport.rateLimit, match.bytes, now)) return;
    const key = match.profile.codec.kind === 'bthome' ? this.keys.get(channel) : undefined;
    const context: DecodeContext = { ...addressContext(view.address), ...(key ? { key } : {}) };
    this.frames.next({
      source,
      profile: match.profile.name,
      at,
      bytes: Uint8Array.from(match.bytes),
      context,
    });
  }

  /**
   * A throw inside a bindings event (noble's handlers or this adapter's): logged and counted; the peripheral's
   * link restarts with back-off, or its channel goes offline until its next good advertisement; a throw about
   * no peripheral restarts the radio.
   */
  private onThrow(event: string, peripheralId: string | undefined, error: unknown): void {
    const heard = peripheralId === undefined ? undefined : this.recent.get(peripheralId);
    const channel = heard?.channel ?? peripheralId;
    const fault = this.faults.record(event, channel ?? RADIO_CHANNEL, error);
    if (channel === undefined) this.session.fail(fault);
    else if (!this.gatt.fail(channel, fault)) {
      if (heard) heard.announced = false;
      this.setStatus(channel, 'offline', fault.message);
    }
  }

  /**
   * Frees the GATT slots of peripherals gone for staleAfterMs, then forgets every peripheral not heard for
   * that long (advertisers go offline), in this adapter and inside noble, except those with a link.
   */
  private sweepStale(): void {
    // Monotonic: NTP stepping the wall clock years forward must not make every peripheral look gone.
    const now = monotonicNow();
    const staleAfterMs = this.options.staleAfterMs;
    this.gatt.sweep(now, staleAfterMs, (id) => this.recent.get(id)?.at);
    const linked = this.gatt.peripheralIds();
    const noble = this.session.central;
    // A peripheral connecting or disconnecting may still get events; noble leaves a cancelled connect in
    // 'connecting' for ever, though, so that holds it back for one more staleAfterMs only.
    const keep = (id: string, heard: HeardPeripheral) =>
      linked.has(id) || (noble !== undefined && !isIdle(noble, id) && now - heard.at <= 2 * staleAfterMs);
    for (const [id, heard] of this.recent.expire(now - staleAfterMs, keep)) {
      if (noble) forgetPeripheral(noble, id);
      if (!heard.channel) continue;
      this.limiter.forget(heard.channel);
      this.gatt.forgetWaiting(heard.channel);
      // Closed, not offline: the channel is forgotten, so that rotating addresses do not pile up in every status list.
      if (heard.announced) this.setStatus(heard.channel, 'closed', `not heard for ${Math.round(now - heard.at)} ms`, 'debug');
    }
    if (noble) this.unreported = forgetUnreportedDiscoveries(noble, this.unreported);
  }

  /** Emits a status and logs it (offline at warn, unless `level` says otherwise, e.g. debug for expiry). */
  private setStatus(channel: string, state: ChannelStatus['state'], reason?: string, level?: 'debug'): void {
    const status: ChannelStatus = {
      adapter: this.name,
      channel,
      state,
      at: Date.now(),
      ...(reason ? { reason } : {}),
    };
    const text = `ble ${channel} ${state}${reason ? `: ${reason}` : ''}`;
    this.context.logger[level ?? (state === 'offline' ? 'warn' : 'info')]({ channel }, text);
    this.status.next(status);
  }
}

function addressContext(compact: string | undefined): DecodeContext {
  return compact ? { address: colonAddress(compact) } : {};
}
