import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { SerialPort } from 'serialport';
import { fail, ok, type Result } from '../../src/result.js';
import { findMatchingPort, type SerialMatch, type SerialPortInfo } from './port-match.js';

/** How a config entry names its port: a path (symlinks such as /dev/serial/by-id/… allowed) or a USB match. */
export type PortTarget = { kind: 'path'; path: string } | { kind: 'match'; match: SerialMatch };

/** The device to open now, and what the system knows about it (when it could be listed). */
export interface LocatedPort {
  device: string;
  info?: SerialPortInfo | undefined;
}

/** Lists the serial ports the system knows; injectable so a test can stand in for USB enumeration. */
export type SerialPortLister = () => Promise<Result<SerialPortInfo[]>>;

/**
 * `SerialPort.list()`, guarded: on Linux it runs `udevadm`, and without it the process crashes
 * (DESIGN.md), so a missing udevadm is a reason instead.
 */
export const listSerialPorts: SerialPortLister = async () => {
  if (process.platform === 'linux' && !onPath('udevadm')) {
    return fail('listing serial ports needs udevadm, which is missing (apt-get install udev)');
  }
  try {
    return ok(await SerialPort.list());
  } catch (error) {
    return fail(`listing serial ports failed: ${(error as Error).message}`);
  }
};

/**
 * Where the configured port is right now, looked up at every (re)connect: a path's symlinks are followed
 * again (a replug may re-point /dev/serial/by-id/…), a match is looked for again among the listed ports.
 */
export async function locatePort(target: PortTarget, list: SerialPortLister = listSerialPorts): Promise<Result<LocatedPort>> {
  if (target.kind === 'match') {
    const ports = await list();
    if (!ports.ok) return ports;
    const found = findMatchingPort(ports.value, target.match);
    return found.ok ? ok({ device: found.value.path, info: found.value }) : found;
  }
  try {
    return ok({ device: await realpath(target.path) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? `${target.path} does not exist (unplugged?)` : `${target.path}: ${code}`);
  }
}

/** What the system lists for `device`, if it can be listed (USB vendor, product and serial number for templates). */
export async function describeDevice(
  device: string,
  list: SerialPortLister = listSerialPorts,
): Promise<SerialPortInfo | undefined> {
  const ports = await list();
  return ports.ok ? ports.value.find((port) => port.path === device) : undefined;
}

/** Whether spawn() would find `program`: it searches PATH only. */
function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, program)));
}
