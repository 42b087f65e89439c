import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';

// Why a serial port would not open, in words that say what to do. serialport's own messages ("Error: Permission
// denied, cannot open /dev/ttyUSB0", "Error Resource temporarily unavailable Cannot lock port") name neither the
// cause a Pi user meets most (the service user is not in the tty's group) nor who holds a locked port.

/** Who the gateway runs as, which group owns the device, and what the path is, for the words of a failed open. */
export interface OpenContext {
  user: string;
  /** The group that owns the device file, when it can be told. */
  group?: string | undefined;
  /** What the path names when it is not a device at all. */
  kind?: 'file' | 'folder' | undefined;
}

/** The words for a failed open of `device`; anything not recognised keeps serialport's message. */
export function describeOpenError(error: Error, device: string, context: OpenContext): string {
  const message = error.message;
  const notADevice = describeNonDevice(device, context.kind);
  if (notADevice) return notADevice;
  if (/Inappropriate ioctl|ENOTTY/.test(message))
    return `${device} is not a serial port: it takes no serial line settings (baud rate, parity)`;
  if (/Permission denied|EACCES/.test(message)) {
    const group = context.group ?? 'the group that owns it, usually dialout';
    return (
      `permission denied opening ${device}: the gateway runs as ${context.user}, who must be in ${group} ` +
      `(sudo usermod -aG ${context.group ?? 'dialout'} ${context.user}, then restart the gateway)`
    );
  }
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY/.test(message)) {
    return (
      `${device} is in use: another program holds its lock (screen, minicom, picocom, another gateway), ` +
      `or this gateway opened it under another name (a by-id link and its tty); fuser -v ${device} names it`
    );
  }
  if (/No such file or directory|ENOENT/.test(message)) return `${device} does not exist (unplugged?)`;
  return `${device}: ${message.replace(/^Error:? /, '')}`;
}

/** Why `path` cannot be a serial port when it names a regular file or a folder (`pathKind`); undefined otherwise. */
export function describeNonDevice(path: string, kind: OpenContext['kind']): string | undefined {
  // `echo … > /dev/ttyUSB0` while the adapter is unplugged leaves a regular file where the device appears next time.
  if (kind === 'file')
    return (
      `${path} is a regular file, not a serial device: something wrote to it while no device was there ` +
      `(remove it, sudo rm ${path}, and plug the adapter in again), or the path is not the port's`
    );
  if (kind === 'folder') return `${path} is a folder, not a serial device`;
  return undefined;
}

/** What `stats` names when it is not a device: a regular file or a folder. */
export function pathKind(stats: { isFile(): boolean; isDirectory(): boolean }): OpenContext['kind'] {
  return stats.isFile() ? 'file' : stats.isDirectory() ? 'folder' : undefined;
}

/** Who the gateway runs as, the group owning `device` (by /etc/group) and whether it is a file or a folder, for describeOpenError. */
export function openContext(device: string): OpenContext {
  let group: string | undefined;
  let kind: OpenContext['kind'];
  try {
    const stats = statSync(device);
    kind = pathKind(stats);
    const { gid } = stats;
    group = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[2] === String(gid))?.[0];
  } catch {
    // No /etc/group or no device: the words fall back to "usually dialout".
  }
  // A device only root's group may open is no group to join: the words then fall back to dialout's.
  return { user: userInfo().username, group: group === 'root' ? undefined : group, kind };
}
