import { basename } from 'node:path';

/**
 * The variables each built-in adapter puts into `FrameSource.vars`, which a profile's device template
 * (`device.typeId`, `device.deviceId`) and a port's `deviceId` may name as `{name}`. Declared once here:
 * `validate` checks templates against it, docs/profiles.md is generated from it, and a test holds the
 * adapters to it.
 */
export interface TemplateVariable {
  name: string;
  description: string;
  example: string;
  /** Only some channels have a value (a USB serial number); a frame without one is rejected. */
  sometimes?: string;
}

/** Which set of variables a channel offers; a serial port entry is `serial` or `serial-tcp` by its path. */
export type VariableSet = 'serial' | 'serial-tcp' | 'simulated' | 'ble' | 'modbus';

/** The variables of each set, in the order the docs list them. */
export const TEMPLATE_VARIABLES: Record<VariableSet, readonly TemplateVariable[]> = {
  serial: [
    { name: 'port.path', description: 'the configured path (for a USB match: the port it found)', example: '/dev/ttyUSB0' },
    {
      name: 'port.name',
      description: 'the last part of the path; for a USB match its serialNumber, or vendorId-productId',
      example: 'ttyUSB0',
    },
    {
      name: 'port.device',
      description: 'the device the path leads to now (a /dev/serial/by-id link followed)',
      example: '/dev/ttyUSB0',
    },
    {
      name: 'port.serialNumber',
      description: "the USB adapter's serial number",
      example: 'A10K4ZQ1',
      sometimes: 'USB ports only, and only where udev is installed',
    },
    {
      name: 'port.manufacturer',
      description: "the USB adapter's manufacturer",
      example: 'FTDI',
      sometimes: 'USB ports only, and only where udev is installed',
    },
    {
      name: 'port.vendorId',
      description: 'the USB vendor id (hex)',
      example: '0403',
      sometimes: 'USB ports only, and only where udev is installed',
    },
    {
      name: 'port.productId',
      description: 'the USB product id (hex)',
      example: '6001',
      sometimes: 'USB ports only, and only where udev is installed',
    },
  ],
  'serial-tcp': [
    { name: 'port.path', description: 'the configured `tcp://host:port`', example: 'tcp://192.0.2.10:4001' },
    { name: 'port.name', description: 'host and port joined by "-"', example: '192.0.2.10-4001' },
  ],
  simulated: [
    { name: 'port.path', description: '`sim://` and the channel name', example: 'sim://ttyUSB1' },
    { name: 'port.name', description: 'the channel name', example: 'ttyUSB1' },
    { name: 'port.serialNumber', description: '`SIM-` and the channel name', example: 'SIM-ttyUSB1' },
  ],
  ble: [
    { name: 'address', description: 'the MAC address, 12 hex digits without separators', example: 'a4c138000002' },
    {
      name: 'address.colon',
      description: 'the MAC address with colons (not a valid device id: use it in deviceInfo)',
      example: 'a4:c1:38:00:00:02',
    },
    { name: 'rssi', description: 'signal strength of the frame, dBm', example: '-67' },
    {
      name: 'localName',
      description: 'the advertised name',
      example: 'ATC_000002',
      sometimes: 'only devices that advertise a name (often only in scan responses: scan: active)',
    },
  ],
  modbus: [{ name: 'slave', description: 'the Modbus slave address (added to the port variables)', example: '1' }],
};

/** The variable sets a device template sees on a channel of this adapter kind, for this port path and codec. */
export function variableSetsFor(
  adapterKind: 'serial' | 'simulated' | 'ble',
  options: { path?: string; codec?: string },
): VariableSet[] {
  const base: VariableSet =
    adapterKind === 'serial' ? (options.path?.startsWith('tcp://') ? 'serial-tcp' : 'serial') : adapterKind;
  return options.codec === 'modbus-rtu' && adapterKind !== 'ble' ? [base, 'modbus'] : [base];
}

/** The variables of the given sets, in order. */
export function variablesOf(sets: readonly VariableSet[]): TemplateVariable[] {
  return sets.flatMap((set) => TEMPLATE_VARIABLES[set]);
}

/** `port.path` and `port.name` of a serial port or a `tcp://host:port` serial server, known before it opens. */
export function portVariables(path: string, tcp?: { host: string; port: number }): { 'port.path': string; 'port.name': string } {
  return { 'port.path': path, 'port.name': tcp ? `${tcp.host}-${tcp.port}` : basename(path) };
}
