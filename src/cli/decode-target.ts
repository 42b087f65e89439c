import { compactAddress } from '../../adapters/ble/ble-identifiers.js';
import { parseTcpPath } from '../../adapters/serial/tcp-channel.js';
import { addressVariables, portVariables } from '../../adapters/template-variables.js';
import type { HardwareProfile } from '../config/profile-schema.js';
import { placeholdersOf, type TemplateVars } from '../config/template-variables.js';
import { UsageError } from './arguments.js';
import { loadProfileSet, type ProfileSetOptions, profileNamed } from './profile-set.js';

/** The options of `decode` that choose a profile and the channel its frames come from. */
export interface DecodeTargetOptions extends ProfileSetOptions {
  profile?: string;
  port?: string;
  mac?: string;
  var?: string[];
}

/** A profile to decode with, and the channel variables its device template sees. */
export interface DecodeTarget {
  profile: HardwareProfile;
  vars: TemplateVars;
  /** The config's port `deviceId`, instead of the profile's. */
  deviceId?: string;
  /** Said once on stderr: what was assumed (a port path) and how to change it. */
  note?: string;
}

const DEFAULT_PORT = '/dev/ttyUSB0';

/**
 * Picks the profile (by `--profile`, or the config's port `--port`) from the built-in profiles, the config's
 * `profilePaths` and `--profile-path`, and the channel variables as the adapter would set them; `--var` wins.
 * Undefined when no profile is asked for (a bare `--codec`).
 */
export function resolveDecodeTarget(options: DecodeTargetOptions): DecodeTarget | undefined {
  if (!options.profile && !options.config) {
    if (options.profilePath?.length) throw new UsageError('--profile-path needs --profile NAME (which profile to decode with)');
    return undefined;
  }
  const { profiles, config } = loadProfileSet(options);
  let port: { path?: string; profile: string; deviceId?: string } | undefined;
  if (config) {
    const ports = config.adapters.flatMap((adapter) => (adapter.kind === 'serial' ? adapter.ports : []));
    if (options.port) {
      port = ports.find((candidate) => candidate.path === options.port);
      if (!port && !options.profile)
        throw new UsageError(`--port: ${options.config} has no serial port ${options.port}; it has ${listPorts(ports)}`);
    } else if (!options.profile) {
      if (ports.length !== 1)
        throw new UsageError(`${options.config} has ${ports.length} serial ports; choose one with --port (${listPorts(ports)})`);
      port = ports[0];
    }
  }
  const { profile } = profileNamed(profiles, options.profile ?? port?.profile ?? '');

  const vars: TemplateVars = {};
  /** The variables of a port nobody named: DEFAULT_PORT's. */
  let assumed: string[] = [];
  if (profile.transport.kind === 'serial') {
    const path = port?.path ?? options.port ?? DEFAULT_PORT;
    const tcp = parseTcpPath(path);
    const values = portVariables(path, tcp);
    Object.assign(vars, values);
    if (!port && !options.port) assumed = Object.keys(values);
  }
  if (options.mac) {
    const address = compactAddress(options.mac);
    if (!address) throw new UsageError(`--mac "${options.mac}" is not a MAC address like aa:bb:cc:dd:ee:ff`);
    Object.assign(vars, addressVariables(address));
  }
  const given = new Set<string>();
  for (const assignment of options.var ?? []) {
    const match = /^([A-Za-z0-9_.-]+)=(.*)$/.exec(assignment);
    if (!match?.[1]) throw new UsageError(`--var "${assignment}" is not NAME=VALUE`);
    vars[match[1]] = match[2];
    given.add(match[1]);
  }
  // Said only when the id really takes a value from the assumed port: --var may have set every variable it names.
  const guessed = assumedIn(
    profile,
    assumed.filter((name) => !given.has(name)),
  );
  const note = guessed
    ? `device ids assume the port is ${DEFAULT_PORT}; give --port PATH (or --var ${guessed}=…) for another`
    : undefined;
  return {
    profile,
    vars,
    ...(port?.deviceId !== undefined ? { deviceId: port.deviceId } : {}),
    ...(note ? { note } : {}),
  };
}

/** The first of `names` that the profile's device template (typeId, deviceId) uses, if any. */
function assumedIn(profile: HardwareProfile, names: readonly string[]): string | undefined {
  const used = placeholdersOf(`${profile.device.typeId}${profile.device.deviceId}`).map(({ name }) => name);
  return used.find((name) => names.includes(name));
}

function listPorts(ports: Array<{ path?: string; profile: string }>): string {
  return ports.map((port) => `${port.path ?? 'a USB match'} (${port.profile})`).join(', ') || 'none';
}
