import { EventEmitter } from 'node:events';
import { type Observable, Subject } from '../../src/rx.js';
import type { NobleBindings, NobleState } from './noble-types.js';
import {
  createSimulatedDevice,
  SIMULATED_DEVICES,
  type SimulatedAdvertisement,
  type SimulatedDevice,
  type SimulatedDeviceSpec,
} from './simulated-devices.js';
import { type SimulatedGattValue, SimulatedLink, type SimulatedWrite } from './simulated-link.js';

export type { SimulatedAdvertisement } from './simulated-devices.js';
export type { SimulatedGattValue, SimulatedWrite } from './simulated-link.js';

/** Options of the simulated radio. */
export interface SimulatedRadioOptions {
  /** Default: SIMULATED_DEVICES (one of each kind). */
  devices?: readonly SimulatedDeviceSpec[];
  /** The state reported at init (default poweredOn): try unauthorized or unsupported. */
  state?: NobleState;
  /** How long each GATT answer (connect, discovery, read, write) takes, ms (default 2). */
  latencyMs?: number;
  /**
   * The first inits fail, one entry each: `throw` as the HCI bindings do when the adapter is missing (ENODEV),
   * `silent` as a controller that never answers (the state stays unknown). Later inits work.
   */
  failInits?: ReadonlyArray<'throw' | 'silent'>;
  /** Addresses of devices that start out of range (bring them in with `setInRange`). */
  outOfRange?: readonly string[];
}

/** Passers-by for `simulateCrowd`: each advertises once from an address of its own, as rotating private addresses do. */
export interface SimulatedCrowd {
  count: number;
  /** Kinds taken in turn (default ruuvi); `beacon` sends an empty advertisement, like a phone. */
  kinds?: ReadonlyArray<'ruuvi' | 'bthome' | 'pvvx' | 'beacon'>;
}

const idOf = (address: string) => address.replace(/[:-]/g, '').toLowerCase();

/**
 * A noble bindings implementation that simulates a radio: advertisers re-advertising with changing values
 * while noble scans, and connectable GATT servers. Hand it to `loadNoble({ bindings })` and the real noble
 * central runs on top of it. Tests and the demo watch `advertisements$`, `gattValues$` and `writes$`.
 */
export class SimulatedRadio extends EventEmitter implements NobleBindings {
  /** Every advertisement delivered to noble. */
  readonly advertisements$: Observable<SimulatedAdvertisement>;
  /** Every read response and notification sent. */
  readonly gattValues$: Observable<SimulatedGattValue>;
  /** Every write that reached a writable characteristic (also kept in `writes`). */
  readonly writes$: Observable<SimulatedWrite>;
  readonly writes: SimulatedWrite[] = [];
  /** The most GATT links that were up at the same time. */
  peakConnections = 0;
  /** How many times noble called init(). */
  inits = 0;

  private readonly advertised = new Subject<SimulatedAdvertisement>();
  private readonly values = new Subject<SimulatedGattValue>();
  private readonly written = new Subject<SimulatedWrite>();
  private readonly devices = new Map<string, SimulatedDevice>();
  private readonly links = new Map<string, SimulatedLink>();
  private readonly refusals = new Map<string, number>();
  private readonly outOfRange = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly advertising = new Map<string, NodeJS.Timeout>();
  private state: NobleState;
  private scanFilter: string[] = [];
  private active = true;
  private readonly latencyMs: number;
  private readonly failInits: Array<'throw' | 'silent'>;
  private crowdSerial = 0;
  private closed = false;

  constructor(options: SimulatedRadioOptions = {}) {
    super();
    this.state = options.state ?? 'poweredOn';
    this.latencyMs = options.latencyMs ?? 2;
    this.failInits = [...(options.failInits ?? [])];
    for (const address of options.outOfRange ?? []) this.outOfRange.add(idOf(address));
    for (const spec of options.devices ?? SIMULATED_DEVICES) {
      const device = createSimulatedDevice(spec);
      this.devices.set(idOf(device.address), device);
    }
    this.advertisements$ = this.advertised.asObservable();
    this.gattValues$ = this.values.asObservable();
    this.writes$ = this.written.asObservable();
  }

  /** Active scanning adds scan responses (local names). noble's HCI bindings cannot do passive, this one can. */
  setScanMode(mode: 'active' | 'passive'): void {
    this.active = mode === 'active';
  }

  /** Changes the radio state (poweredOff drops every link and stops scanning), as `hciconfig hci0 down` would. */
  setState(state: NobleState): void {
    this.state = state;
    if (state !== 'poweredOn') {
      this.stopScanning();
      for (const id of [...this.links.keys()]) this.dropLink(id, 0x16);
    }
    this.emit('stateChange', state);
  }

  /** Drops the link to `address` as a fading signal would (HCI reason 0x08, timeout); the next `refuseConnections` connects fail. */
  simulateLinkLoss(address: string, options: { refuseConnections?: number } = {}): boolean {
    const id = idOf(address);
    if (options.refuseConnections) this.refusals.set(id, options.refuseConnections);
    if (!this.links.has(id)) return false;
    this.dropLink(id, 0x08);
    return true;
  }

  /** Takes a device out of range (no advertisements, connects fail, its link drops) or back in. */
  setInRange(address: string, inRange: boolean): void {
    const id = idOf(address);
    if (inRange) this.outOfRange.delete(id);
    else {
      this.outOfRange.add(id);
      this.dropLink(id, 0x08);
    }
  }

  /**
   * Delivers one advertisement from each of `count` addresses never heard before (and never again), in
   * batches across event-loop turns so timers keep running. Resolves once all are delivered.
   */
  async simulateCrowd(crowd: SimulatedCrowd): Promise<string[]> {
    const kinds = crowd.kinds?.length ? crowd.kinds : (['ruuvi'] as const);
    const addresses: string[] = [];
    for (let i = 0; i < crowd.count && !this.closed; i++) {
      const serial = this.crowdSerial++;
      const tail = [serial >> 16, (serial >> 8) & 0xff, serial & 0xff].map((b) => b.toString(16).padStart(2, '0'));
      const address = `f2:5e:ed:${tail.join(':')}`;
      const device = createSimulatedDevice({ kind: kinds[i % kinds.length] ?? 'ruuvi', address });
      const packet = device.nextAdvertisement(this.active);
      this.advertised.next({ address, kind: device.kind, ...packet, at: Date.now() });
      this.emit('discover', idOf(address), address, 'random', false, packet.advertisement, packet.rssi, false);
      addresses.push(address);
      if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
    }
    return addresses;
  }

  /** Emits a bindings event exactly as given: faults a sound radio never produces (a garbled packet, a stray value). */
  simulateRawEvent(event: string, ...args: unknown[]): void {
    this.emit(event, ...args);
  }

  /** Addresses with a GATT link up. */
  connectedAddresses(): string[] {
    return [...this.links.values()].map((link) => link.device.address);
  }

  /** Stops every timer and completes the observables. */
  close(): void {
    this.closed = true;
    for (const timer of [...this.timers, ...this.advertising.values()]) clearTimeout(timer);
    for (const link of this.links.values()) link.close();
    this.timers.clear();
    this.advertising.clear();
    this.links.clear();
    this.advertised.complete();
    this.values.complete();
    this.written.complete();
  }

  // ---- the bindings interface noble calls ----

  init(): void {
    this.inits++;
    const failure = this.failInits.shift();
    if (failure === 'throw') throw new Error('ENODEV, No such device');
    if (failure === 'silent') return;
    this.later(() => {
      this.emit('addressChange', '00:1a:7d:da:71:00');
      this.emit('stateChange', this.state);
    }, 0);
  }

  setScanParameters(): void {
    this.later(() => this.emit('scanParametersSet'), 0);
  }

  startScanning(serviceUuids: string[] | undefined, allowDuplicates: boolean): void {
    if (this.state !== 'poweredOn' || this.closed) return;
    this.scanFilter = serviceUuids ?? [];
    this.later(() => this.emit('scanStart', !allowDuplicates), 0);
    for (const [id, device] of this.devices) {
      if (this.advertising.has(id)) continue;
      this.later(() => this.advertise(id, device), 0);
      this.advertising.set(
        id,
        setInterval(() => this.advertise(id, device), device.intervalMs),
      );
    }
  }

  stopScanning(): void {
    if (this.advertising.size === 0) return;
    for (const timer of this.advertising.values()) clearInterval(timer);
    this.advertising.clear();
    this.later(() => this.emit('scanStop'), 0);
  }

  connect(id: string): void {
    const device = this.devices.get(id);
    const refusals = this.refusals.get(id) ?? 0;
    if (refusals > 0) this.refusals.set(id, refusals - 1);
    this.later(() => {
      if (!device?.connectable || this.state !== 'poweredOn' || refusals > 0 || this.outOfRange.has(id)) {
        return this.emit('connect', id, new Error('Connection Failed to be Established (0x3e)'));
      }
      if (!this.links.has(id)) {
        const link: SimulatedLink = new SimulatedLink(device, (characteristic, sample, notification) => {
          if (this.links.get(id) !== link) return;
          const { data, values } = sample;
          this.values.next({
            address: device.address,
            characteristic: characteristic.uuid,
            data: Uint8Array.from(data),
            values,
            notification,
          });
          this.emit('read', id, characteristic.service, characteristic.uuid, data, notification);
        });
        this.links.set(id, link);
      }
      this.peakConnections = Math.max(this.peakConnections, this.links.size);
      this.emit('connect', id, null);
    });
  }

  cancelConnect(): void {}

  disconnect(id: string): void {
    this.later(() => this.dropLink(id, 0x16));
  }

  updateRssi(id: string): void {
    this.later(() => this.emit('rssiUpdate', id, -60));
  }

  reset(): void {}

  discoverServices(id: string, uuids: string[] | undefined): void {
    const link = this.links.get(id);
    if (link) this.later(() => this.emit('servicesDiscover', id, link.services(uuids)));
  }

  discoverIncludedServices(id: string, serviceUuid: string): void {
    this.later(() => this.emit('includedServicesDiscover', id, serviceUuid, []));
  }

  discoverCharacteristics(id: string, serviceUuid: string, uuids: string[] | undefined): void {
    const link = this.links.get(id);
    if (link) this.later(() => this.emit('characteristicsDiscover', id, serviceUuid, link.characteristics(serviceUuid, uuids)));
  }

  read(id: string, serviceUuid: string, characteristicUuid: string): void {
    const link = this.links.get(id);
    const value = link?.read(serviceUuid, characteristicUuid);
    if (link && value) this.later(() => link.deliver(value.characteristic, value.sample, false));
  }

  write(id: string, serviceUuid: string, characteristicUuid: string, data: Buffer, withoutResponse: boolean): void {
    const link = this.links.get(id);
    const result = link?.write(serviceUuid, characteristicUuid, data, withoutResponse);
    if (!link || !result?.accepted) return; // an ATT error: noble gets no 'write' event
    const at = Date.now();
    const write: SimulatedWrite = {
      address: link.device.address,
      service: serviceUuid,
      characteristic: characteristicUuid,
      data: Uint8Array.from(data),
      withoutResponse,
      at,
    };
    this.writes.push(write);
    this.written.next(write);
    this.later(() => {
      this.emit('write', id, serviceUuid, characteristicUuid);
      result.reply?.();
    });
  }

  broadcast(id: string, serviceUuid: string, characteristicUuid: string, broadcast: boolean): void {
    this.later(() => this.emit('broadcast', id, serviceUuid, characteristicUuid, broadcast));
  }

  notify(id: string, serviceUuid: string, characteristicUuid: string, notify: boolean): void {
    if (this.closed || !this.links.get(id)?.subscribe(serviceUuid, characteristicUuid, notify)) return;
    this.later(() => this.emit('notify', id, serviceUuid, characteristicUuid, notify));
  }

  discoverDescriptors(id: string, serviceUuid: string, characteristicUuid: string): void {
    this.later(() => this.emit('descriptorsDiscover', id, serviceUuid, characteristicUuid, []));
  }

  readValue(id: string, serviceUuid: string, characteristicUuid: string, descriptorUuid: string): void {
    this.later(() => this.emit('valueRead', id, serviceUuid, characteristicUuid, descriptorUuid, Buffer.alloc(0)));
  }

  writeValue(id: string, serviceUuid: string, characteristicUuid: string, descriptorUuid: string): void {
    this.later(() => this.emit('valueWrite', id, serviceUuid, characteristicUuid, descriptorUuid));
  }

  readHandle(id: string, handle: number): void {
    this.later(() => this.emit('handleRead', id, handle, Buffer.alloc(0)));
  }

  writeHandle(id: string, handle: number): void {
    this.later(() => this.emit('handleWrite', id, handle));
  }

  // ---- internals ----

  private advertise(id: string, device: SimulatedDevice): void {
    if ((this.links.has(id) && device.connectable) || this.outOfRange.has(id)) return; // connected peripherals stop advertising
    const packet = device.nextAdvertisement(this.active);
    const uuids = [...(packet.advertisement.serviceUuids ?? []), ...(packet.advertisement.serviceData ?? []).map((s) => s.uuid)];
    if (this.scanFilter.length > 0 && !uuids.some((uuid) => this.scanFilter.includes(uuid))) return;
    this.advertised.next({ address: device.address, kind: device.kind, ...packet, at: Date.now() });
    this.emit('discover', id, device.address, 'public', device.connectable, packet.advertisement, packet.rssi, false);
  }

  private dropLink(id: string, reason: number): void {
    const link = this.links.get(id);
    if (!link) return;
    link.close();
    this.links.delete(id);
    this.emit('disconnect', id, reason);
  }

  private later(action: () => void, ms = this.latencyMs): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }
}
