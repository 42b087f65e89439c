import { basename } from 'node:path';
import type { VariableValues } from '../src/config/template-variables.js';
import { colonAddress } from './ble/ble-identifiers.js';

/** `port.path` and `port.name` of a serial port or a `tcp://host:port` serial server, known before it opens. */
export function portVariables(path: string, tcp?: { host: string; port: number }): VariableValues<'serial-tcp'> {
  return { 'port.path': path, 'port.name': tcp ? `${tcp.host}-${tcp.port}` : basename(path) };
}

/** `address` and `address.colon` of a BLE device, from its address as 12 hex digits. */
export function addressVariables(compact: string | undefined): VariableValues<'ble'> {
  return compact === undefined ? {} : { address: compact, 'address.colon': colonAddress(compact) };
}
