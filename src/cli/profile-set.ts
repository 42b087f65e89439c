import { dirname, resolve } from 'node:path';
import type { GatewayConfig } from '../config/gateway-config.js';
import { loadGatewayConfig, profileFileErrors, readProfileFiles } from '../config/load.js';
import type { HardwareProfile } from '../config/profile-schema.js';
import { UsageError } from './arguments.js';

/** A loaded profile and the file it came from. */
export interface ProfileEntry {
  profile: HardwareProfile;
  file: string;
  builtIn: boolean;
}

/** The options commands share to find profiles: a config's `profilePaths` and `--profile-path`. */
export interface ProfileSetOptions {
  config?: string;
  profilePath?: string[];
}

/**
 * The profiles a command sees: built-in ones, then the config's `profilePaths` (relative to the config), then
 * `--profile-path`, later ones winning, as `run` loads them. Any unreadable or invalid file is a usage error.
 */
export function loadProfileSet(options: ProfileSetOptions): { profiles: Map<string, ProfileEntry>; config?: GatewayConfig } {
  const extraPaths = (options.profilePath ?? []).map((path) => resolve(path));
  let config: GatewayConfig | undefined;
  if (options.config) {
    const loaded = loadGatewayConfig(options.config);
    if (!loaded.ok) throw new UsageError(loaded.reason);
    config = loaded.value;
    const baseDir = dirname(resolve(options.config));
    extraPaths.unshift(...config.profilePaths.map((path) => resolve(baseDir, path)));
  }
  const { files, missing } = readProfileFiles(extraPaths);
  const errors = profileFileErrors(files, missing);
  const profiles = new Map<string, ProfileEntry>();
  for (const { profile, file, builtIn } of files) if (profile) profiles.set(profile.name, { profile, file, builtIn });
  if (errors.length) throw new UsageError(`${errors.join('\n')}\n(wiotp-gateway validate CONFIG lists every problem)`);
  return { profiles, ...(config ? { config } : {}) };
}

/** One profile by name, or a usage error listing the known ones. */
export function profileNamed(profiles: ReadonlyMap<string, ProfileEntry>, name: string): ProfileEntry {
  const entry = profiles.get(name);
  if (!entry) throw new UsageError(`no profile named "${name}"; known: ${[...profiles.keys()].join(', ')}`);
  return entry;
}
