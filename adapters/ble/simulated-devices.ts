import type { NobleAdvertisement } from './noble-types.js';
import { encodeBthomeServiceData, encodeHeartRateMeasurement, encodePvvx, encodeRuuviDf5 } from './simulated-payloads.js';

/** What a simulated device put on the air or in a GATT value, in decoded units (what a decoder should find). */
export type SimulatedValues = Record<string, number | number[] | string>;

/** One advertisement of a simulated device. */
export interface SimulatedPacket {
  advertisement: NobleAdvertisement;
  values: SimulatedValues;
  rssi: number;
}

/** One advertisement the radio delivered to noble, with the values it encodes. */
export interface SimulatedAdvertisement extends SimulatedPacket {
  address: string;
  kind: SimulatedDeviceSpec['kind'];
  at: number;
}

/** A GATT value with the values it encodes. */
export interface SimulatedSample {
  data: Buffer;
  values: SimulatedValues;
}

/** One characteristic of a simulated GATT server. UUIDs in canonical form ("2a37", 32 hex digits). */
export interface SimulatedCharacteristic {
  service: string;
  uuid: string;
  properties: string[];
  read?(): SimulatedSample;
  /** While subscribed, a notification every notifyEveryMs. */
  notifyEveryMs?: number;
  next?(): SimulatedSample;
  /** Handles a write; what it returns is notified on `replyOn` (if subscribed). */
  write?(data: Buffer): Buffer | undefined;
  replyOn?: string;
}

/** A simulated peripheral: what it advertises, and its GATT server if it is connectable. */
export interface SimulatedDevice {
  readonly kind: SimulatedDeviceSpec['kind'];
  /** "aa:bb:cc:dd:ee:ff". */
  readonly address: string;
  readonly connectable: boolean;
  readonly intervalMs: number;
  /** The next advertisement, advancing the device's values; `active` adds the scan response (local name). */
  nextAdvertisement(active: boolean): SimulatedPacket;
  readonly characteristics: SimulatedCharacteristic[];
}

/** How to describe a simulated device: kind, address, and the kind's knobs. */
export type SimulatedDeviceSpec =
  | { kind: 'ruuvi'; address: string; intervalMs?: number; name?: string }
  /** BTHome v2 sensor; with `key` (32 hex digits) its packets are encrypted. */
  | { kind: 'bthome'; address: string; intervalMs?: number; name?: string; key?: string }
  /** Xiaomi LYWSD03MMC with pvvx firmware (service data 0x181A). */
  | { kind: 'pvvx'; address: string; intervalMs?: number; name?: string }
  /** Connectable heart-rate monitor: 180D/2A37 notify, 180F/2A19 read, Nordic UART RX (write) / TX (notify). */
  | {
      kind: 'heart-rate';
      address: string;
      intervalMs?: number;
      name?: string;
      notifyEveryMs?: number;
      reply?: (written: Uint8Array) => Uint8Array | undefined;
    }
  /** Anything else: fixed advertisement parts (hex), to exercise filters. */
  | {
      kind: 'beacon';
      address: string;
      intervalMs?: number;
      name?: string;
      manufacturerData?: string;
      serviceData?: Array<{ uuid: string; data: string }>;
      serviceUuids?: string[];
    };

/** Nordic UART Service, used by the heart-rate monitor as its command channel. */
export const NUS = {
  service: '6e400001b5a3f393e0a9e50e24dcca9e',
  rx: '6e400002b5a3f393e0a9e50e24dcca9e',
  tx: '6e400003b5a3f393e0a9e50e24dcca9e',
} as const;

/** The demo key of the encrypted BTHome sensor in SIMULATED_DEVICES (bthome.io's example key). */
export const SIMULATED_BTHOME_KEY = '231d39c1d7cc1ab1aee224cd096db932';

/** The devices `new SimulatedRadio()` simulates: one of each kind, advertising every second. */
export const SIMULATED_DEVICES: readonly SimulatedDeviceSpec[] = [
  { kind: 'ruuvi', address: 'c4:7c:8d:6a:1b:01' },
  { kind: 'bthome', address: 'a4:c1:38:00:00:02', name: 'BTHome TH' },
  { kind: 'bthome', address: 'a4:c1:38:00:00:03', name: 'BTHome TH (encrypted)', key: SIMULATED_BTHOME_KEY },
  { kind: 'pvvx', address: 'a4:c1:38:00:00:04' },
  { kind: 'heart-rate', address: 'e0:11:22:33:44:05' },
];

/** Builds the model of one simulated device. */
export function createSimulatedDevice(spec: SimulatedDeviceSpec): SimulatedDevice {
  const address = spec.address.toLowerCase();
  const mac = Buffer.from(address.replace(/[:-]/g, ''), 'hex');
  if (mac.length !== 6) throw new Error(`simulated device address "${spec.address}" is not a MAC address`);
  const suffix = address.replace(/[:-]/g, '').slice(-4).toUpperCase();
  let tick = 0;
  const rssi = () => -55 - ((tick * 7) % 11);
  const advertise = (active: boolean, name: string, parts: NobleAdvertisement, values: SimulatedValues): SimulatedPacket => {
    tick++;
    const advertisement: NobleAdvertisement = {
      serviceData: [],
      serviceUuids: [],
      ...parts,
      ...(active ? { localName: spec.name ?? name } : {}),
    };
    return { advertisement, values, rssi: rssi() };
  };
  const base = {
    kind: spec.kind,
    address,
    intervalMs: spec.intervalMs ?? 1000,
    connectable: false,
    characteristics: [],
  };
  switch (spec.kind) {
    case 'ruuvi':
      return {
        ...base,
        nextAdvertisement(active) {
          const values = {
            temperature: Math.round((21 + 2 * Math.sin(tick / 6)) * 200) / 200,
            humidity: Math.round((45 + 4 * Math.cos(tick / 8)) * 400) / 400,
            pressure: 100_800 + ((tick * 13) % 300),
            acceleration_x: (((tick * 7) % 41) - 20) / 1000,
            acceleration_y: 4 / 1000,
            acceleration_z: 1016 / 1000,
            battery_voltage: (1600 + 1350) / 1000,
            tx_power: 4,
            movement_counter: Math.floor(tick / 20) % 255,
            measurement_sequence: tick % 65_535,
          };
          return advertise(active, `Ruuvi ${suffix}`, { manufacturerData: encodeRuuviDf5(values, mac) }, values);
        },
      };
    case 'bthome':
      return {
        ...base,
        nextAdvertisement(active) {
          const values = {
            battery: 96 - (Math.floor(tick / 30) % 10),
            temperature: Math.round((19.5 + 1.5 * Math.sin(tick / 5)) * 100) / 100,
            humidity: Math.round((52 + 3 * Math.cos(tick / 7)) * 100) / 100,
          };
          const counter = tick + 1;
          const data = encodeBthomeServiceData(values, { key: spec.key, mac, counter });
          const decoded = spec.key === undefined ? values : { ...values, counter };
          return advertise(active, `BTHome ${suffix}`, { serviceData: [{ uuid: 'fcd2', data }] }, decoded);
        },
      };
    case 'pvvx':
      return {
        ...base,
        nextAdvertisement(active) {
          const values = {
            temperature: Math.round((23 + Math.sin(tick / 4)) * 100) / 100,
            humidity: Math.round((38 + 2 * Math.cos(tick / 4)) * 100) / 100,
            battery_voltage: 2987 / 1000,
            battery: 84,
            counter: tick & 0xff,
          };
          return advertise(active, `ATC_${suffix}`, { serviceData: [{ uuid: '181a', data: encodePvvx(values, mac) }] }, values);
        },
      };
    case 'beacon':
      return {
        ...base,
        nextAdvertisement(active) {
          const parts: NobleAdvertisement = {
            serviceUuids: spec.serviceUuids ?? [],
            serviceData: (spec.serviceData ?? []).map((entry) => ({
              uuid: entry.uuid,
              data: Buffer.from(entry.data, 'hex'),
            })),
            ...(spec.manufacturerData ? { manufacturerData: Buffer.from(spec.manufacturerData, 'hex') } : {}),
          };
          return advertise(active, `Beacon ${suffix}`, parts, {});
        },
      };
    case 'heart-rate':
      return {
        ...base,
        connectable: true,
        nextAdvertisement: (active) =>
          advertise(active, `HRM ${suffix}`, { serviceUuids: ['180d', '180f'], txPowerLevel: 0 }, {}),
        characteristics: heartRateServer(spec),
      };
  }
}

function heartRateServer(spec: Extract<SimulatedDeviceSpec, { kind: 'heart-rate' }>): SimulatedCharacteristic[] {
  let beat = 0;
  let reads = 0;
  const reply =
    spec.reply ?? ((written: Uint8Array) => Buffer.from(JSON.stringify({ ack: Buffer.from(written).toString('hex') })));
  return [
    {
      service: '180d',
      uuid: '2a37',
      properties: ['notify'],
      notifyEveryMs: spec.notifyEveryMs ?? 1000,
      next() {
        beat++;
        const heartRate = 62 + Math.round(15 * Math.sin(beat / 4));
        const rr = Math.round((60 / heartRate) * 1024);
        return {
          data: encodeHeartRateMeasurement(heartRate, [rr]),
          values: { heart_rate: heartRate, rr_intervals: [rr] },
        };
      },
    },
    {
      service: '180d',
      uuid: '2a38',
      properties: ['read'],
      read: () => ({ data: Buffer.of(1), values: { body_sensor_location: 1 } }),
    },
    {
      service: '180f',
      uuid: '2a19',
      properties: ['read', 'notify'],
      read() {
        const level = Math.max(5, 90 - reads++);
        return { data: Buffer.of(level), values: { battery_level: level } };
      },
    },
    {
      service: NUS.service,
      uuid: NUS.rx,
      properties: ['write', 'writeWithoutResponse'],
      write: (data) => {
        const answer = reply(data);
        return answer === undefined ? undefined : Buffer.from(answer);
      },
      replyOn: NUS.tx,
    },
    { service: NUS.service, uuid: NUS.tx, properties: ['notify'] },
  ];
}
