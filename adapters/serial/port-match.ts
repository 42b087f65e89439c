import type { z } from 'zod';
import type { serialMatchSchema } from '../../src/config/gateway-config.js';
import { fail, ok, type Result } from '../../src/result.js';

/** A `match: { vendorId, productId, serialNumber }` entry of a serial port in the gateway config. */
export type SerialMatch = z.infer<typeof serialMatchSchema>;

/** What the system says about one serial port (the fields of `SerialPort.list()` that matter here). */
export interface SerialPortInfo {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
}

/** A USB vendor or product id as `SerialPort.list()` gives it: lower case, no 0x. */
export const normaliseUsbId = (id: string | undefined) => id?.toLowerCase().replace(/^0x/, '');

/**
 * The one port that `match` names. None, or more than one, is a reason rather than a guess: picking one of
 * two identical adapters is exactly the swap this feature exists to prevent.
 */
export function findMatchingPort(ports: readonly SerialPortInfo[], match: SerialMatch): Result<SerialPortInfo> {
  const wanted = { vendorId: normaliseUsbId(match.vendorId), productId: normaliseUsbId(match.productId) };
  const found = ports.filter(
    (port) =>
      (wanted.vendorId === undefined || normaliseUsbId(port.vendorId) === wanted.vendorId) &&
      (wanted.productId === undefined || normaliseUsbId(port.productId) === wanted.productId) &&
      (match.serialNumber === undefined || port.serialNumber?.trim() === match.serialNumber),
  );
  if (found.length === 1) return ok(found[0] as SerialPortInfo);
  const usb = ports.filter((port) => port.vendorId);
  if (found.length === 0) {
    const seen = usb.length ? `seen: ${usb.map(describeSerialPort).join('; ')}` : 'no USB serial port is plugged in';
    return fail(`no serial port matches ${describeSerialMatch(match)} (${seen})`);
  }
  const hint = match.serialNumber ? '' : ': add serialNumber to tell them apart';
  return fail(
    `${found.length} serial ports match ${describeSerialMatch(match)} (${found.map(describeSerialPort).join('; ')})${hint}`,
  );
}

/** "vendorId 0403, productId 6001, serialNumber A50285BI", for messages. */
export function describeSerialMatch(match: SerialMatch): string {
  return (['vendorId', 'productId', 'serialNumber'] as const)
    .filter((key) => match[key] !== undefined)
    .map((key) => `${key} ${match[key]}`)
    .join(', ');
}

/** A stable name for a matched port, for `{port.name}` and the channel: its serial number, or vendor-product. */
export function serialMatchName(match: SerialMatch): string {
  return match.serialNumber ?? [normaliseUsbId(match.vendorId), normaliseUsbId(match.productId)].filter(Boolean).join('-');
}

function describeSerialPort(port: SerialPortInfo): string {
  const usb = port.vendorId ? ` ${normaliseUsbId(port.vendorId)}:${normaliseUsbId(port.productId) ?? '?'}` : '';
  return `${port.path}${usb}${port.serialNumber ? ` serialNumber ${port.serialNumber}` : ''}`;
}
