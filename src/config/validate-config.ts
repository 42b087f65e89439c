import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import type { AdapterConfig, GatewayConfig } from './gateway-config.js';
import { gatewayConfigSchema } from './gateway-config.js';
import { likelyMeant } from './likely-meant.js';
import {
  applyEnvOverrides,
  checkSchema,
  envOverrideProblems,
  type ProfileFile,
  readDataFile,
  readProfileFiles,
  resolveToken,
  type SchemaProblem,
} from './load.js';
import { checkCommands, type Findings } from './profile-checks.js';
import type { HardwareProfile } from './profile-schema.js';
import {
  type BuiltInAdapterKind,
  checkDeviceTemplate,
  type OfferedVariable,
  variableSetsFor,
  variablesOf,
} from './template-variables.js';

/** One problem, in the file it is in (the config or a profile) and at the path inside it. */
export interface ConfigProblem {
  file: string;
  path: string;
  message: string;
}

/** What `validate` found: `ok` when there is no error (warnings do not fail a config). */
export interface ConfigReport {
  config: string;
  ok: boolean;
  errors: ConfigProblem[];
  warnings: ConfigProblem[];
  /** Present when the config itself parsed. */
  summary?: { gateway: string; adapters: number; profiles: number };
}

/** What a plugin module offers the check: it loaded, exports `createAdapter`, and optionally checks its options. */
export type PluginInspection = { ok: true; checkOptions?: (options: unknown) => SchemaProblem[] } | { ok: false; reason: string };

/** The I/O and adapter knowledge the check needs, handed in so this module stays free of adapters and sockets. */
export interface ConfigCheckEnvironment {
  env: NodeJS.ProcessEnv;
  /** Emulator names the simulated adapter knows. */
  emulators: readonly string[];
  exists(path: string): boolean;
  /**
   * What a serial port's path names now: nothing, or the file it resolves to (links followed: two names of one
   * device resolve alike) and why that cannot be a serial port, if it cannot (a regular file, a folder).
   */
  serialPath?(path: string): { exists: false } | { exists: true; device: string; problem?: string };
  /** Imports a plugin module (a path is relative to the config's folder) and looks at its exports. */
  inspectPlugin(specifier: string, baseDir: string): Promise<PluginInspection>;
  /** Checks of other layers on the parsed config (the HTTP listener's exposure), by config path. */
  checkParsed?(config: GatewayConfig, baseDir: string): SchemaProblem[];
}

interface KnownProfile {
  profile: HardwareProfile;
  file: string;
  builtIn: boolean;
}

/**
 * Checks a gateway config as `run` would use it, and more: the schema, the token source, every profile it
 * names (unknown names, a `name:` that differs from the file it is looked up by, the adapter's transport),
 * command templates against their params, device templates against the variables the adapter offers, plugin
 * modules and their options; serial paths that do not exist now are warnings. Every problem at once.
 */
export async function validateConfigFile(file: string, environment: ConfigCheckEnvironment): Promise<ConfigReport> {
  const report: ConfigReport = { config: file, ok: false, errors: [], warnings: [] };
  try {
    await checkInto(report, file, environment);
  } finally {
    // Profile files are named as the user would type them: relative to the working folder where that is shorter.
    for (const problem of [...report.errors, ...report.warnings]) problem.file = displayPath(problem.file);
  }
  report.ok = report.errors.length === 0;
  return report;
}

function displayPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const relativePath = relative(process.cwd(), file);
  return relativePath.startsWith('..') ? file : relativePath;
}

async function checkInto(report: ConfigReport, file: string, environment: ConfigCheckEnvironment): Promise<void> {
  const error = (path: string, message: string, where = file) => report.errors.push({ file: where, path, message });
  // A bad override is the config as `run` would see it, at the variable's name: the file has no such key.
  for (const problem of envOverrideProblems(environment.env)) error(problem.path, problem.message);
  const data = readDataFile(file);
  if (!data.ok) {
    error('(root)', data.reason);
    return;
  }
  const baseDir = dirname(resolve(file));
  const checked = checkSchema(gatewayConfigSchema, applyEnvOverrides(data.value, environment.env));
  if (!checked.ok) {
    for (const problem of checked.problems) error(problem.path, problem.message);
    // Profile files are still worth reading, and the names the adapters use worth looking up: their problems are
    // independent of the config's, and a user fixing the schema's should not find them only on the next run.
    const paths = rawProfilePaths(data.value) ?? [];
    const profiles = collectProfiles(
      paths.map((path) => resolve(baseDir, path)),
      report,
    );
    const reported = new Set(checked.problems.map((problem) => problem.path));
    for (const { name, at, transport } of rawProfileReferences(data.value)) {
      if (reported.has(at)) continue;
      const problem = lookUpProfile(name, transport, profiles, paths.length > 0).problem;
      if (problem) error(at, problem);
    }
    return;
  }
  const config = checked.value;
  const token = resolveToken(config.auth, environment.env, baseDir);
  if (!token.ok) error(...splitPath(token.reason, 'auth'));
  if (config.connection.caFile && !environment.exists(resolve(config.connection.caFile)))
    error('connection.caFile', `${config.connection.caFile} does not exist`);
  for (const problem of environment.checkParsed?.(config, baseDir) ?? []) error(...splitPath(problem.message, problem.path));

  const profiles = collectProfiles(
    config.profilePaths.map((path) => resolve(baseDir, path)),
    report,
    config.profilePaths,
  );
  const context = new ReferenceCheck(config, file, profiles.byName, profiles.files, report, environment);
  for (const [index, adapter] of config.adapters.entries()) await context.checkAdapter(adapter, `adapters[${index}]`, baseDir);
  // Commands are checked on every profile in use and on the user's own profiles, used or not.
  for (const known of profiles.byName.values()) {
    if (known.builtIn && !context.used.has(known.profile.name)) continue;
    context.addProfileFindings(known, checkCommands(known.profile));
  }
  report.summary = {
    gateway: `g:${config.org}:${config.gateway.typeId}:${config.gateway.deviceId}`,
    adapters: config.adapters.length,
    profiles: profiles.byName.size,
  };
}

/** "auth.tokenEnv: the variable is not set" → ["auth.tokenEnv", "the variable is not set"]. */
function splitPath(reason: string, fallback: string): [string, string] {
  const match = /^([A-Za-z0-9_.[\]]+): (.*)$/s.exec(reason);
  return match?.[1] && match[2] ? [match[1], match[2]] : [fallback, reason];
}

/** The profile names an adapter of a config that failed its schema uses, where they are strings, with their paths. */
function rawProfileReferences(data: unknown): Array<{ name: string; at: string; transport?: 'serial' | 'ble' }> {
  const references: Array<{ name: string; at: string; transport?: 'serial' | 'ble' }> = [];
  const adapters = (data as { adapters?: unknown } | null)?.adapters;
  if (!Array.isArray(adapters)) return references;
  const entries = (list: unknown): unknown[] => (Array.isArray(list) ? list : []);
  const nameOf = (entry: unknown): unknown => (entry as { profile?: unknown } | null)?.profile;
  const add = (name: unknown, at: string, transport?: 'serial' | 'ble') => {
    if (typeof name === 'string') references.push({ name, at, transport });
  };
  for (const [index, adapter] of adapters.entries()) {
    const at = `adapters[${index}]`;
    const { kind, ports, devices, profiles } = (adapter ?? {}) as Record<string, unknown>;
    if (kind === 'serial')
      for (const [i, port] of entries(ports).entries()) add(nameOf(port), `${at}.ports[${i}].profile`, 'serial');
    if (kind === 'simulated')
      for (const [i, device] of entries(devices).entries()) add(nameOf(device), `${at}.devices[${i}].profile`);
    if (kind === 'ble') for (const [i, name] of entries(profiles).entries()) add(name, `${at}.profiles[${i}]`, 'ble');
  }
  return references;
}

/**
 * Looks a profile up by name: the profile, or why there is none that fits (a file named so that declares another
 * `name:`, a typo, a profile for the other transport).
 */
function lookUpProfile(
  name: string,
  transport: 'serial' | 'ble' | undefined,
  profiles: { byName: ReadonlyMap<string, KnownProfile>; files: readonly ProfileFile[] },
  profilePathsGiven: boolean,
): { known?: KnownProfile; problem?: string } {
  const known = profiles.byName.get(name);
  if (known) {
    if (!transport || known.profile.transport.kind === transport) return { known };
    return { known, problem: `profile "${name}" is for ${known.profile.transport.kind} (its transport.kind), not ${transport}` };
  }
  const byFileName = profiles.files.find((entry) => basename(entry.file, extname(entry.file)) === name);
  let why: string;
  if (byFileName?.profile)
    why = `${byFileName.file} declares name: ${byFileName.profile.name}; profiles are found by their name: field, not their file name`;
  else if (byFileName) why = `${byFileName.file} did not load (see its errors)`;
  else {
    const names = [...profiles.byName.keys()];
    const meant = likelyMeant(name, names);
    why = meant ? `did you mean "${meant}"? Known: ${names.join(', ')}` : `known: ${names.join(', ')}`;
    if (!profilePathsGiven) why += '; your own profiles need profilePaths';
  }
  return { problem: `no profile named "${name}"; ${why}` };
}

function rawProfilePaths(data: unknown): string[] | undefined {
  const paths = (data as { profilePaths?: unknown } | null)?.profilePaths;
  return Array.isArray(paths) && paths.every((path) => typeof path === 'string') ? paths : undefined;
}

/** Reads every profile file, reporting unreadable and invalid ones, duplicates and overrides of built-ins. */
function collectProfiles(
  paths: string[],
  report: ConfigReport,
  written: string[] = paths,
): { byName: Map<string, KnownProfile>; files: ProfileFile[] } {
  const { files, missing } = readProfileFiles(paths);
  for (const path of missing) {
    const index = paths.indexOf(path);
    report.errors.push({
      file: report.config,
      path: `profilePaths[${index}]`,
      message: `${written[index]}: no such file or folder`,
    });
  }
  const byName = new Map<string, KnownProfile>();
  for (const entry of files) {
    if (entry.unreadable) report.errors.push({ file: entry.file, path: '(root)', message: entry.unreadable });
    for (const problem of entry.problems) report.errors.push({ file: entry.file, ...problem });
    if (!entry.profile) continue;
    const earlier = byName.get(entry.profile.name);
    if (earlier)
      report.warnings.push({
        file: entry.file,
        path: 'name',
        message: `"${entry.profile.name}" is also the name of ${earlier.builtIn ? 'a built-in profile' : earlier.file}; this file wins`,
      });
    byName.set(entry.profile.name, { profile: entry.profile, file: entry.file, builtIn: entry.builtIn });
  }
  return { byName, files };
}

/** The checks that need the parsed config and the profiles together. */
class ReferenceCheck {
  /** Names of the profiles some adapter uses. */
  readonly used = new Set<string>();
  /** Device templates already checked, by profile and variable set, so each problem is told once. */
  private readonly templatesChecked = new Set<string>();
  /** The serial ports seen so far, by the file their path resolves to. */
  private readonly devices = new Map<string, { path: string; at: string }>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly file: string,
    private readonly profiles: ReadonlyMap<string, KnownProfile>,
    private readonly files: readonly ProfileFile[],
    private readonly report: ConfigReport,
    private readonly environment: ConfigCheckEnvironment,
  ) {}

  async checkAdapter(adapter: AdapterConfig, at: string, baseDir: string): Promise<void> {
    switch (adapter.kind) {
      case 'serial':
        for (const [index, port] of adapter.ports.entries()) {
          const portAt = `${at}.ports[${index}]`;
          // A port may be named by a USB identity instead of a path (then there is no path to look at).
          const path: string | undefined = port.path;
          const isTcp = path?.startsWith('tcp://') ?? false;
          if (path !== undefined && !isTcp) this.checkSerialPath(path, portAt);
          const known = this.resolve(port.profile, `${portAt}.profile`, 'serial');
          if (!known) continue;
          const offered = offeredOn('serial', { ...(path ? { path } : {}), codec: known.profile.codec.kind });
          const label = isTcp ? 'serial adapter (tcp://)' : 'serial adapter';
          if (port.deviceId !== undefined) {
            this.addConfigFindings(checkDeviceTemplate(port.deviceId, `${portAt}.deviceId`, offered, label));
            this.checkDevice(known, offered, label, isTcp ? 'serial-tcp' : 'serial', ['typeId']);
          } else this.checkDevice(known, offered, label, isTcp ? 'serial-tcp' : 'serial');
        }
        return;
      case 'simulated':
        for (const [index, device] of adapter.devices.entries()) {
          const deviceAt = `${at}.devices[${index}]`;
          if (!this.environment.emulators.includes(device.emulator))
            this.error(
              `${deviceAt}.emulator`,
              `"${device.emulator}" is not an emulator; expected one of ${this.environment.emulators.join(', ')}`,
            );
          const known = this.resolve(device.profile, `${deviceAt}.profile`);
          if (!known) continue;
          const offered = offeredOn('simulated', { codec: known.profile.codec.kind });
          this.checkDevice(known, offered, 'simulated adapter', 'simulated');
        }
        return;
      case 'ble':
        for (const [index, name] of adapter.profiles.entries()) {
          const known = this.resolve(name, `${at}.profiles[${index}]`, 'ble');
          if (!known) continue;
          const offered = offeredOn('ble', { codec: known.profile.codec.kind });
          this.checkDevice(known, offered, 'ble adapter', 'ble');
        }
        return;
      case 'plugin': {
        const inspection = await this.environment.inspectPlugin(adapter.module, baseDir);
        if (!inspection.ok) return this.error(`${at}.module`, inspection.reason);
        for (const problem of inspection.checkOptions?.(adapter.options) ?? [])
          this.error(problem.path === '(root)' ? `${at}.options` : `${at}.options.${problem.path}`, problem.message);
        return;
      }
    }
  }

  /**
   * A serial path that does not exist now (a warning: it may be plugged in later), that names a regular file or a
   * folder (a warning: the file must go before the device can appear there), or that names the same device as an
   * earlier port under another name, a by-id link and its tty (an error: the second open would find the first's lock).
   */
  private checkSerialPath(path: string, portAt: string): void {
    const at = `${portAt}.path`;
    const facts = this.environment.serialPath?.(path) ?? (this.environment.exists(path) ? undefined : { exists: false });
    if (facts?.exists === false) {
      this.warning(at, `${path} does not exist now; the gateway keeps retrying until it appears`);
      return;
    }
    if (!facts) return;
    if (facts.problem) this.warning(at, facts.problem);
    const earlier = this.devices.get(facts.device);
    if (earlier)
      this.error(
        at,
        `${path} is ${facts.device}, as is ${earlier.at}'s ${earlier.path}: a port is read by one channel only (name it once)`,
      );
    else this.devices.set(facts.device, { path, at: portAt });
  }

  /** Profile-file problems (commands, device templates), reported in the profile's own file. */
  addProfileFindings(known: KnownProfile, findings: Findings): void {
    for (const problem of findings.errors) this.report.errors.push({ file: known.file, ...problem });
    for (const problem of findings.warnings) this.report.warnings.push({ file: known.file, ...problem });
  }

  private addConfigFindings(findings: Findings): void {
    for (const problem of findings.errors) this.error(problem.path, problem.message);
    for (const problem of findings.warnings) this.warning(problem.path, problem.message);
  }

  private checkDevice(
    known: KnownProfile,
    offered: OfferedVariable[],
    label: string,
    set: string,
    fields: Array<'typeId' | 'deviceId'> = ['typeId', 'deviceId'],
  ): void {
    for (const field of fields) {
      const key = `${known.profile.name}|${set}|${field}`;
      if (this.templatesChecked.has(key)) continue;
      this.templatesChecked.add(key);
      this.addProfileFindings(known, checkDeviceTemplate(known.profile.device[field], `device.${field}`, offered, label));
    }
  }

  /** Looks a profile up by name (lookUpProfile), reporting why when none fits. */
  private resolve(name: string, at: string, transport?: 'serial' | 'ble'): KnownProfile | undefined {
    const { known, problem } = lookUpProfile(
      name,
      transport,
      { byName: this.profiles, files: this.files },
      this.config.profilePaths.length > 0,
    );
    if (known) this.used.add(name);
    if (problem) this.error(at, problem);
    return problem ? undefined : known;
  }

  private error(path: string, message: string): void {
    this.report.errors.push({ file: this.file, path, message });
  }

  private warning(path: string, message: string): void {
    this.report.warnings.push({ file: this.file, path, message });
  }
}

/** The report as lines for a terminal: one line per problem, then a verdict. */
export function formatConfigReport(report: ConfigReport): string {
  const where = (problem: ConfigProblem) => `${problem.file === report.config ? '' : `${problem.file}: `}${problem.path}`;
  const lines = [
    ...report.errors.map((problem) => `error    ${where(problem)}: ${problem.message}`),
    ...report.warnings.map((problem) => `warning  ${where(problem)}: ${problem.message}`),
  ];
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (report.ok && report.summary) {
    const { gateway, adapters, profiles } = report.summary;
    lines.push(
      `config ok: gateway ${gateway}, ${adapters} adapter(s), ${profiles} profile(s)${report.warnings.length ? `, ${count(report.warnings.length, 'warning')}` : ''}`,
    );
  } else
    lines.push(
      `${report.config}: ${count(report.errors.length, 'error')}${report.warnings.length ? `, ${count(report.warnings.length, 'warning')}` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

/** The variables a built-in adapter offers device templates on one channel. */
function offeredOn(adapterKind: BuiltInAdapterKind, channel: { path?: string; codec: string }): OfferedVariable[] {
  return variablesOf(variableSetsFor(adapterKind, channel));
}
