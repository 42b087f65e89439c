import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';

// Why a serial port would not open, in words that say what to do. serialport's own messages ("Error: Permission
// denied, cannot open /dev/ttyUSB0", "Error Resource temporarily unavailable Cannot lock port") name neither the
// cause a Pi user meets most (the service user is not in the tty's group) nor who holds a locked port.

/** Who the gateway runs as and which group owns the device, for a permission problem. */
export interface OpenContext {
  user: string;
  /** The group that owns the device file, when it can be told. */
  group?: string | undefined;
}

/** The words for a failed open of `device`; anything not recognised keeps serialport's message. */
export function describeOpenError(error: Error, device: string, context: OpenContext): string {
  const message = error.message;
  if (/Permission denied|EACCES/.test(message)) {
    const group = context.group ?? 'the group that owns it, usually dialout';
    return (
      `permission denied opening ${device}: the gateway runs as ${context.user}, who must be in ${group} ` +
      `(sudo usermod -aG ${context.group ?? 'dialout'} ${context.user}, then restart the gateway)`
    );
  }
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY/.test(message)) {
    return (
      `${device} is in use by another program, which holds its lock (screen, minicom, picocom, another gateway; ` +
      `fuser -v ${device} names it)`
    );
  }
  if (/No such file or directory|ENOENT/.test(message)) return `${device} does not exist (unplugged?)`;
  return `${device}: ${message.replace(/^Error:? /, '')}`;
}

/** Who the gateway runs as and the group owning `device` (by /etc/group), for describeOpenError. */
export function openContext(device: string): OpenContext {
  let group: string | undefined;
  try {
    const { gid } = statSync(device);
    group = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[2] === String(gid))?.[0];
  } catch {
    // No /etc/group or no device: the words fall back to "usually dialout".
  }
  // A device only root's group may open is no group to join: the words then fall back to dialout's.
  return { user: userInfo().username, group: group === 'root' ? undefined : group };
}
