import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SerialPort } from 'serialport';

/** One port as `SerialPort.list()` reports it (USB details only for USB adapters). */
export interface ListedPort {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/** Whether `SerialPort.list()` can run: on Linux it spawns `udevadm`, and without it the process crashes. */
export function canListSerialPorts(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [...(env.PATH ?? '').split(delimiter), '/bin', '/usr/bin', '/sbin', '/usr/sbin'];
  return dirs.some((dir) => dir && existsSync(join(dir, 'udevadm')));
}

/**
 * The serial ports the system knows (pseudo-terminals such as socat's are never among them), or why they
 * cannot be listed: udev missing, or the listing failed.
 */
export async function listSerialPorts(): Promise<{ ports: ListedPort[]; problem?: string }> {
  if (!canListSerialPorts())
    return { ports: [], problem: 'udevadm is not installed, so USB serial ports cannot be listed (apt-get install udev)' };
  try {
    const ports = await SerialPort.list();
    return {
      ports: ports.map((port) => ({
        path: port.path,
        ...(port.manufacturer ? { manufacturer: port.manufacturer } : {}),
        ...(port.serialNumber ? { serialNumber: port.serialNumber } : {}),
        ...(port.vendorId ? { vendorId: port.vendorId } : {}),
        ...(port.productId ? { productId: port.productId } : {}),
      })),
    };
  } catch (error) {
    return { ports: [], problem: `listing serial ports failed: ${(error as Error).message}` };
  }
}
