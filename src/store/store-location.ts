import { homedir } from 'node:os';
import { join } from 'node:path';

/** The gateway a queue file belongs to (seed: MQTT client connection: the gateway's identity). */
export interface StoreIdentity {
  org: string;
  typeId: string;
  deviceId: string;
}

/**
 * Where queues live by default: systemd's `$STATE_DIRECTORY` (StateDirectory=), else the XDG state
 * directory (`$XDG_STATE_HOME`, else ~/.local/state) under wiotp-gateway/.
 */
export function defaultStoreDirectory(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  // systemd passes a colon-separated list when a unit names several state directories.
  const systemd = env.STATE_DIRECTORY?.split(':')[0];
  if (systemd) return systemd;
  const xdg = env.XDG_STATE_HOME || join(home, '.local', 'state');
  return join(xdg, 'wiotp-gateway');
}

/** One file per gateway identity, so a config for another gateway never replays someone else's events. */
export function queueFileFor(directory: string, identity: StoreIdentity): string {
  // Ids are [A-Za-z0-9_.-] (validated by the config), safe in a file name.
  return join(directory, `queue-${identity.org}-${identity.typeId}-${identity.deviceId}.sqlite`);
}

/** The identity string stored inside the file. */
export function identityKey(identity: StoreIdentity): string {
  return `${identity.org}/${identity.typeId}/${identity.deviceId}`;
}
