/**
 * BTHome v2 object ids as data: https://bthome.io/format/ ("Supported data types").
 * Multi-byte values are little-endian. Names follow bthome.io's "Property" column in snake_case;
 * where two properties share a name but differ in kind or unit, the binary or non-default one gets a
 * suffix (power_on, battery_low, gas_detected, moisture_detected, distance_mm/distance_m,
 * mass_kg/mass_lb, volume_ml) so a Reading never mixes units under one field name.
 */

/** Integer layouts a numeric BTHome object can have. */
export type BthomeIntType = 'u8' | 's8' | 'u16' | 's16' | 'u24' | 'u32' | 's32';

/**
 * How the bytes after one object id are laid out and what they mean. `size` is the fixed part that
 * follows the id: the whole value, or for text/raw the length byte that precedes the content.
 */
export type BthomeObjectSpec = { name: string; size: number } & (
  | { kind: 'number'; type: BthomeIntType; factor: number; unit: string }
  /** uint8, 0 = false, 1 = true. */
  | { kind: 'binary' }
  /** uint8 event id, see BTHOME_BUTTON_EVENTS. */
  | { kind: 'button' }
  /** uint8 event id (see BTHOME_DIMMER_EVENTS), then uint8 number of steps. */
  | { kind: 'dimmer' }
  /** uint8 length, then that many bytes: UTF-8 text, or raw bytes reported as hex. */
  | { kind: 'text' | 'raw' }
  /** uint32 seconds since 1970-01-01T00:00:00Z. */
  | { kind: 'timestamp' }
  /** 3 or 4 bytes, least significant part first: build (4 only), patch, minor, major. */
  | { kind: 'firmware' }
);

/** Byte size of each integer layout. */
export const BTHOME_INT_SIZES: Readonly<Record<BthomeIntType, number>> = {
  u8: 1,
  s8: 1,
  u16: 2,
  s16: 2,
  u24: 3,
  u32: 4,
  s32: 4,
};

type NumberRow = readonly [id: number, name: string, type: BthomeIntType, factor: number, unit: string];

// Sensor data table, bthome.io/format.
const NUMBER_ROWS: readonly NumberRow[] = [
  [0x00, 'packet_id', 'u8', 1, ''],
  [0x01, 'battery', 'u8', 1, '%'],
  [0x02, 'temperature', 's16', 0.01, '°C'],
  [0x03, 'humidity', 'u16', 0.01, '%'],
  [0x04, 'pressure', 'u24', 0.01, 'hPa'],
  [0x05, 'illuminance', 'u24', 0.01, 'lx'],
  [0x06, 'mass_kg', 'u16', 0.01, 'kg'],
  [0x07, 'mass_lb', 'u16', 0.01, 'lb'],
  [0x08, 'dewpoint', 's16', 0.01, '°C'],
  [0x09, 'count', 'u8', 1, ''],
  [0x0a, 'energy', 'u24', 0.001, 'kWh'],
  [0x0b, 'power', 'u24', 0.01, 'W'],
  [0x0c, 'voltage', 'u16', 0.001, 'V'],
  [0x0d, 'pm25', 'u16', 1, 'µg/m³'],
  [0x0e, 'pm10', 'u16', 1, 'µg/m³'],
  [0x12, 'co2', 'u16', 1, 'ppm'],
  [0x13, 'tvoc', 'u16', 1, 'µg/m³'],
  [0x14, 'moisture', 'u16', 0.01, '%'],
  [0x2e, 'humidity', 'u8', 1, '%'],
  [0x2f, 'moisture', 'u8', 1, '%'],
  [0x3d, 'count', 'u16', 1, ''],
  [0x3e, 'count', 'u32', 1, ''],
  [0x3f, 'rotation', 's16', 0.1, '°'],
  [0x40, 'distance_mm', 'u16', 1, 'mm'],
  [0x41, 'distance_m', 'u16', 0.1, 'm'],
  [0x42, 'duration', 'u24', 0.001, 's'],
  [0x43, 'current', 'u16', 0.001, 'A'],
  [0x44, 'speed', 'u16', 0.01, 'm/s'],
  [0x45, 'temperature', 's16', 0.1, '°C'],
  [0x46, 'uv_index', 'u8', 0.1, ''],
  [0x47, 'volume', 'u16', 0.1, 'L'],
  [0x48, 'volume_ml', 'u16', 1, 'mL'],
  [0x49, 'volume_flow_rate', 'u16', 0.001, 'm³/h'],
  [0x4a, 'voltage', 'u16', 0.1, 'V'],
  [0x4b, 'gas', 'u24', 0.001, 'm³'],
  [0x4c, 'gas', 'u32', 0.001, 'm³'],
  [0x4d, 'energy', 'u32', 0.001, 'kWh'],
  [0x4e, 'volume', 'u32', 0.001, 'L'],
  [0x4f, 'water', 'u32', 0.001, 'L'],
  [0x51, 'acceleration', 'u16', 0.001, 'm/s²'],
  [0x52, 'gyroscope', 'u16', 0.001, '°/s'],
  [0x55, 'volume_storage', 'u32', 0.001, 'L'],
  [0x56, 'conductivity', 'u16', 1, 'µS/cm'],
  [0x57, 'temperature', 's8', 1, '°C'],
  [0x58, 'temperature', 's8', 0.35, '°C'],
  [0x59, 'count', 's8', 1, ''],
  [0x5a, 'count', 's16', 1, ''],
  [0x5b, 'count', 's32', 1, ''],
  [0x5c, 'power', 's32', 0.01, 'W'],
  [0x5d, 'current', 's16', 0.001, 'A'],
  [0x5e, 'direction', 'u16', 0.01, '°'],
  // bthome.io changed the factor from 1 to 0.1 in May 2025 (bthome.io pull 58; bthome-ble follows it).
  [0x5f, 'precipitation', 'u16', 0.1, 'mm'],
  // 0x60-0x64: newer than the table above; layouts as the reference receiver reads them
  // (github.com/Bluetooth-Devices/bthome-ble src/bthome_ble/const.py, tests/test_parser_v2.py).
  [0x60, 'channel', 'u8', 1, ''],
  [0x61, 'rotational_speed', 'u16', 1, 'rpm'],
  [0x62, 'speed', 's32', 0.000001, 'm/s'],
  [0x63, 'acceleration', 's32', 0.000001, 'm/s²'],
  [0x64, 'light_level', 'u8', 1, ''],
  [0xf0, 'device_type_id', 'u16', 1, ''],
];

// Binary sensor data table, bthome.io/format: true is the state named second there (e.g. 0x1f lock: true = unlocked).
const BINARY_ROWS: readonly (readonly [id: number, name: string])[] = [
  [0x0f, 'generic_boolean'],
  [0x10, 'power_on'],
  [0x11, 'opening'],
  [0x15, 'battery_low'],
  [0x16, 'battery_charging'],
  [0x17, 'carbon_monoxide'],
  [0x18, 'cold'],
  [0x19, 'connectivity'],
  [0x1a, 'door'],
  [0x1b, 'garage_door'],
  [0x1c, 'gas_detected'],
  [0x1d, 'heat'],
  [0x1e, 'light'],
  [0x1f, 'lock'],
  [0x20, 'moisture_detected'],
  [0x21, 'motion'],
  [0x22, 'moving'],
  [0x23, 'occupancy'],
  [0x24, 'plug'],
  [0x25, 'presence'],
  [0x26, 'problem'],
  [0x27, 'running'],
  [0x28, 'safety'],
  [0x29, 'smoke'],
  [0x2a, 'sound'],
  [0x2b, 'tamper'],
  [0x2c, 'vibration'],
  [0x2d, 'window'],
];

const OTHER_ROWS: readonly (readonly [id: number, spec: BthomeObjectSpec])[] = [
  [0x3a, { name: 'button', kind: 'button', size: 1 }],
  [0x3c, { name: 'dimmer', kind: 'dimmer', size: 2 }],
  [0x50, { name: 'timestamp', kind: 'timestamp', size: 4 }],
  [0x53, { name: 'text', kind: 'text', size: 1 }],
  [0x54, { name: 'raw', kind: 'raw', size: 1 }],
  [0xf1, { name: 'firmware_version', kind: 'firmware', size: 4 }],
  [0xf2, { name: 'firmware_version', kind: 'firmware', size: 3 }],
];

/** Every object id this decoder knows, with its layout. An id not in here stops parsing (its size is unknown). */
export const BTHOME_OBJECTS: ReadonlyMap<number, BthomeObjectSpec> = new Map<number, BthomeObjectSpec>([
  ...NUMBER_ROWS.map(([id, name, type, factor, unit]): [number, BthomeObjectSpec] => [
    id,
    { name, kind: 'number', type, factor, unit, size: BTHOME_INT_SIZES[type] },
  ]),
  ...BINARY_ROWS.map(([id, name]): [number, BthomeObjectSpec] => [id, { name, kind: 'binary', size: 1 }]),
  ...OTHER_ROWS,
]);

/** Button event ids (object 0x3A); 0x00 "none" is reported as null (e.g. no event for this button). */
export const BTHOME_BUTTON_EVENTS: ReadonlyMap<number, string | null> = new Map([
  [0x00, null],
  [0x01, 'press'],
  [0x02, 'double_press'],
  [0x03, 'triple_press'],
  [0x04, 'long_press'],
  [0x05, 'long_double_press'],
  [0x06, 'long_triple_press'],
  [0x80, 'hold_press'],
]);

/** Dimmer event ids (object 0x3C); 0x00 "none" is reported as null. */
export const BTHOME_DIMMER_EVENTS: ReadonlyMap<number, string | null> = new Map([
  [0x00, null],
  [0x01, 'rotate_left'],
  [0x02, 'rotate_right'],
]);
