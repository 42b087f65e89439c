import { defer, from, type Observable, retry, Subject, type Subscription, takeUntil, timer } from 'rxjs';
import type { z } from 'zod';
import type { Adapter, AdapterContext, ChannelStatus, Frame, FrameReject, FrameSource } from '../../src/adapter.js';
import type { DecodeContext } from '../../src/codecs/decoder.js';
import { type AdapterConfig, adapterConfigSchema } from '../../src/config/gateway-config.js';
import { nextBackoffMs } from '../../src/session/reconnect-policy.js';
import { type BleProfile, matchProfile, viewAdvertisement } from './advertisement-match.js';
import { colonAddress, compactAddress } from './ble-identifiers.js';
import { GattConnections } from './gatt-connections.js';
import { describeLoadError, describeRadioState, loadNoble } from './load-noble.js';
import type { Listener, Noble, NobleBindings, NoblePeripheral } from './noble-types.js';
import { RateLimiter } from './rate-limiter.js';
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
  private readonly stop$ = new Subject<void>();
  private readonly profiles: BleProfile[];
  private readonly keys = new Map<string, string>();
  private readonly seen = new Map<string, number>();
  private readonly limiter = new RateLimiter();
  private readonly gatt: GattConnections;
  private readonly bindings: NobleBindings | undefined;
  private readonly detach: Array<() => void> = [];
  private noble: Noble | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private radioSubscription: Subscription | undefined;
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
    this.bindings = environment.bindings ?? this.radio;
    const host = {
      frame: (frame: Frame) => this.frames.next(frame),
      reject: (reject: FrameReject) => this.rejects.next(reject),
      status: (channel: string, state: ChannelStatus['state'], reason?: string) => this.setStatus(channel, state, reason),
    };
    this.gatt = new GattConnections(options, host, this.limiter, context.logger);
  }

  /** Loads noble (retrying with back-off while no adapter is there) and scans once the radio is poweredOn. */
  async start(): Promise<void> {
    const withScanMode = this.bindings as (NobleBindings & { setScanMode?: (mode: string) => void }) | undefined;
    withScanMode?.setScanMode?.(this.options.scan);
    this.setStatus(RADIO_CHANNEL, 'connecting');
    this.radioSubscription = defer(() => from(loadNoble({ bindings: this.bindings, hciDevice: this.options.hciDevice })))
      .pipe(retry({ delay: (error: Error, count) => this.backoff(RADIO_CHANNEL, error, count) }), takeUntil(this.stop$))
      .subscribe((noble) => this.attach(noble));
    this.sweep = setInterval(() => this.sweepStale(), Math.max(50, this.options.staleAfterMs / 2));
  }

  /** Writes a command to the profile's `gatt.write` characteristic of the peripheral at `channel`. */
  write(channel: string, bytes: Uint8Array): Promise<void> {
    return this.gatt.write(channel, bytes);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop$.next();
    this.stop$.complete();
    this.radioSubscription?.unsubscribe();
    this.gatt.close();
    clearInterval(this.sweep);
    if (this.noble?.state === 'poweredOn') this.noble.stopScanning();
    for (const off of this.detach) off();
    this.radio?.close();
    for (const channel of new Set([RADIO_CHANNEL, ...this.gatt.channels(), ...this.seen.keys()]))
      this.setStatus(channel, 'closed');
    this.frames.complete();
    this.rejects.complete();
    this.status.complete();
  }

  private attach(noble: Noble): void {
    this.noble = noble;
    const listen = (event: string, handler: Listener) => {
      noble.on(event, handler);
      this.detach.push(() => noble.off(event, handler));
    };
    listen('warning', (message: string) => {
      if (/Initialization .* failed/i.test(message))
        this.setStatus(RADIO_CHANNEL, 'offline', describeLoadError(new Error(message), this.options.hciDevice));
      else this.context.logger.debug({ message }, 'noble warning');
    });
    listen('discover', (peripheral: NoblePeripheral) => this.onDiscover(peripheral));
    listen('stateChange', (state: string) => this.onState(state));
    try {
      this.onState(noble.state); // reading the state initialises the bindings
    } catch (error) {
      this.setStatus(RADIO_CHANNEL, 'offline', describeLoadError(error, this.options.hciDevice));
    }
  }

  private onState(state: string): void {
    if (this.closed || !this.noble) return;
    if (state === 'unknown') return; // not initialised yet: still 'connecting'
    if (state === 'resetting') {
      this.setStatus(RADIO_CHANNEL, 'connecting', 'resetting');
      return;
    }
    const problem = describeRadioState(state);
    if (problem) {
      this.setStatus(RADIO_CHANNEL, 'offline', problem);
      return;
    }
    this.noble.startScanning([], true, (error) => {
      if (error) this.setStatus(RADIO_CHANNEL, 'offline', `cannot scan: ${error.message}`);
      else this.setStatus(RADIO_CHANNEL, 'online', `scanning (${this.options.scan})`);
    });
  }

  private onDiscover(peripheral: NoblePeripheral): void {
    const view = viewAdvertisement(peripheral.advertisement, peripheral.address);
    const match = matchProfile(this.profiles, view, peripheral.connectable);
    if (!match) return;
    const channel = view.address ?? peripheral.id;
    const vars = {
      address: channel,
      'address.colon': view.address && colonAddress(view.address),
      rssi: peripheral.rssi,
      localName: view.localName,
    };
    const source: FrameSource = { adapter: this.name, channel, vars };
    if (!match.bytes) {
      this.gatt.consider(peripheral, source, match.profile);
      return;
    }
    const at = Date.now();
    if (!this.seen.has(channel)) this.setStatus(channel, 'online', `advertising (${match.profile.name})`);
    this.seen.set(channel, at);
    if (!this.limiter.admit(`${channel}|${match.profile.name}`, match.profile.transport.rateLimit, match.bytes, at)) return;
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

  /** Reports the failure and returns the jittered wait before the next attempt (attempt `count`, 1-based). */
  private backoff(channel: string, error: Error, count: number): Observable<0> {
    const wait = nextBackoffMs(this.options.reconnect, count - 1);
    this.setStatus(channel, 'offline', `${error.message}; retrying in ${wait} ms`);
    return timer(wait);
  }

  /** Advertisers not heard for staleAfterMs go offline, and their rate-limit memory goes with them. */
  private sweepStale(): void {
    const now = Date.now();
    for (const [channel, at] of this.seen) {
      if (now - at <= this.options.staleAfterMs) continue;
      this.seen.delete(channel);
      this.limiter.forget(`${channel}|`);
      this.setStatus(channel, 'offline', `not heard for ${now - at} ms`);
    }
    this.gatt.sweep(now, this.options.staleAfterMs);
  }

  private setStatus(channel: string, state: ChannelStatus['state'], reason?: string): void {
    const status: ChannelStatus = {
      adapter: this.name,
      channel,
      state,
      at: Date.now(),
      ...(reason ? { reason } : {}),
    };
    if (state === 'offline') this.context.logger.warn({ channel }, `ble ${channel} offline: ${reason}`);
    else this.context.logger.info({ channel }, `ble ${channel} ${state}${reason ? `: ${reason}` : ''}`);
    this.status.next(status);
  }
}

function addressContext(compact: string | undefined): DecodeContext {
  return compact ? { address: colonAddress(compact) } : {};
}
