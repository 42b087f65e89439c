import type { EventEmitter } from 'node:events';

/*
 * The part of @abandonware/noble 1.9.2 this adapter uses, typed from its lib/*.js (its index.d.ts
 * describes the module singleton, not the object `with-bindings` returns). Callbacks are avoided on
 * purpose: noble registers `once` listeners for them that leak when a link drops mid-request, so the
 * adapter listens to the events itself and removes its own listeners.
 */

/** An EventEmitter listener (noble passes untyped arguments). */
export type Listener = Parameters<EventEmitter['on']>[1];

/** One advertisement as noble reports it (scan-response fields merged in by noble). */
export interface NobleAdvertisement {
  localName?: string;
  txPowerLevel?: number;
  /** Company id (little-endian) followed by the payload. */
  manufacturerData?: Buffer;
  /** UUIDs in noble's form: 16-bit as unpadded lowercase hex ("fcd2"), 128-bit as 32 hex digits. */
  serviceData?: Array<{ uuid: string; data: Buffer }>;
  serviceUuids?: string[];
}

/** A GATT characteristic; values arrive as `data` events (notifications and read responses). */
export interface NobleCharacteristic extends EventEmitter {
  readonly uuid: string;
  readonly properties: string[];
  read(): void;
  write(data: Buffer, withoutResponse: boolean): void;
  subscribe(): void;
  unsubscribe(): void;
}

/** A GATT service; `characteristicsDiscover` answers `discoverCharacteristics`. */
export interface NobleService extends EventEmitter {
  readonly uuid: string;
  discoverCharacteristics(uuids: string[]): void;
}

/** A discovered peripheral; noble keeps one object per id and updates it on every advertisement. */
export interface NoblePeripheral extends EventEmitter {
  readonly id: string;
  /** "aa:bb:cc:dd:ee:ff" on Linux; empty on macOS, where `id` is a CoreBluetooth UUID. */
  readonly address: string;
  readonly addressType: string;
  readonly connectable: boolean;
  readonly advertisement: NobleAdvertisement;
  readonly rssi: number;
  readonly state: 'error' | 'connecting' | 'connected' | 'disconnecting' | 'disconnected';
  connect(): void;
  cancelConnect(): void;
  disconnect(): void;
  discoverServices(uuids: string[]): void;
}

/** The noble central: radio state, scanning, discoveries. */
export interface Noble extends EventEmitter {
  /** Reading it initialises the bindings. */
  readonly state: string;
  startScanning(serviceUuids: string[], allowDuplicates: boolean, callback?: (error?: Error | null) => void): void;
  stopScanning(): void;
}

/** Radio states noble reports in `stateChange`. */
export type NobleState = 'unknown' | 'resetting' | 'unsupported' | 'unauthorized' | 'poweredOff' | 'poweredOn';

/**
 * The bindings noble drives (lib/hci-socket/bindings.js is the real one): methods noble calls, and events
 * it listens to: stateChange(state), addressChange(address), scanStart(filterDuplicates), scanStop,
 * discover(id, address, addressType, connectable, advertisement, rssi, scannable), connect(id, error),
 * disconnect(id, reason), rssiUpdate(id, rssi), servicesDiscover(id, serviceUuids),
 * characteristicsDiscover(id, serviceUuid, [{ uuid, properties }]), read(id, service, characteristic, data,
 * isNotification), write(id, service, characteristic), notify(id, service, characteristic, state).
 */
export interface NobleBindings extends EventEmitter {
  init(): void;
  setScanParameters?(interval: number, window: number): void;
  startScanning(serviceUuids: string[] | undefined, allowDuplicates: boolean): void;
  stopScanning(): void;
  connect(peripheralId: string, parameters?: unknown): void;
  cancelConnect(peripheralId: string, parameters?: unknown): void;
  disconnect(peripheralId: string): void;
  updateRssi(peripheralId: string): void;
  reset(): void;
  discoverServices(peripheralId: string, uuids: string[] | undefined): void;
  discoverIncludedServices(peripheralId: string, serviceUuid: string, uuids: string[] | undefined): void;
  discoverCharacteristics(peripheralId: string, serviceUuid: string, uuids: string[] | undefined): void;
  read(peripheralId: string, serviceUuid: string, characteristicUuid: string): void;
  write(peripheralId: string, serviceUuid: string, characteristicUuid: string, data: Buffer, withoutResponse: boolean): void;
  broadcast(peripheralId: string, serviceUuid: string, characteristicUuid: string, broadcast: boolean): void;
  notify(peripheralId: string, serviceUuid: string, characteristicUuid: string, notify: boolean): void;
  discoverDescriptors(peripheralId: string, serviceUuid: string, characteristicUuid: string): void;
  readValue(peripheralId: string, serviceUuid: string, characteristicUuid: string, descriptorUuid: string): void;
  writeValue(peripheralId: string, serviceUuid: string, characteristicUuid: string, descriptorUuid: string, data: Buffer): void;
  readHandle(peripheralId: string, handle: number): void;
  writeHandle(peripheralId: string, handle: number, data: Buffer, withoutResponse: boolean): void;
}
