import { compactAddress } from '../../adapters/ble/ble-identifiers.js';
import { normaliseUsbId, type SerialMatch, serialMatchName } from '../../adapters/serial/port-match.js';
import { parseTcpPath } from '../../adapters/serial/tcp-channel.js';
import { addressVariables, portVariables } from '../../adapters/template-variables.js';
import type { AdapterConfig } from '../config/gateway-config.js';
import type { HardwareProfile } from '../config/profile-schema.js';
import { placeholdersOf, TEMPLATE_VARIABLES, type TemplateVars, type VariableValues } from '../config/template-variables.js';
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
  let port: ConfigPort | undefined;
  if (config) {
    const ports = config.adapters.flatMap((adapter) => (adapter.kind === 'serial' ? adapter.ports : []));
    if (options.port) {
      // A port found by its USB match is named by the match's name, as in logs and status.
      port = ports.find(
        (candidate) => candidate.path === options.port || (candidate.match && serialMatchName(candidate.match) === options.port),
      );
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
  /** Variables a USB match leaves unknown until the port is found (its device, and what the match does not pin). */
  let unknown: string[] = [];
  if (profile.transport.kind === 'serial') {
    if (port?.match) {
      Object.assign(vars, matchVariables(port.match));
      // The serial adapter's variables the match leaves without a value until the port opens (serialport-channel.ts).
      unknown = TEMPLATE_VARIABLES.serial.map(({ name }) => name).filter((name) => vars[name] === undefined);
    } else {
      const path = port?.path ?? options.port ?? DEFAULT_PORT;
      const tcp = parseTcpPath(path);
      const values = portVariables(path, tcp);
      Object.assign(vars, values);
      if (!port && !options.port) assumed = Object.keys(values);
    }
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
  const missing = assumedIn(
    profile,
    unknown.filter((name) => !given.has(name)),
  );
  const note = guessed
    ? `device ids assume the port is ${DEFAULT_PORT}; give --port PATH (or --var ${guessed}=…) for another`
    : missing && port?.match
      ? `device ids use {${missing}}, which the port found by USB match ${serialMatchName(port.match)} has only once it is open; give --var ${missing}=…`
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

/** A serial port of the config. */
type ConfigPort = Extract<AdapterConfig, { kind: 'serial' }>['ports'][number];

/** What a USB match tells before the port is found: its name, and the ids it pins (as the system lists them). */
function matchVariables(match: SerialMatch): VariableValues<'serial'> {
  return {
    'port.name': serialMatchName(match),
    ...(match.serialNumber !== undefined ? { 'port.serialNumber': match.serialNumber } : {}),
    ...(match.vendorId !== undefined ? { 'port.vendorId': normaliseUsbId(match.vendorId) } : {}),
    ...(match.productId !== undefined ? { 'port.productId': normaliseUsbId(match.productId) } : {}),
  };
}

function listPorts(ports: ConfigPort[]): string {
  return (
    ports
      .map((port) => `${port.path ?? `USB match ${port.match ? serialMatchName(port.match) : '?'}`} (${port.profile})`)
      .join(', ') || 'none'
  );
}
