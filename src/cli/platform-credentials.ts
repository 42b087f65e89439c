import { readFileSync, statSync } from 'node:fs';
import {
  type ApplicationCredentials,
  type GatewayCredentials,
  parseApplicationCredential,
  parseGatewayCredential,
  splitCredentialList,
} from '../platform/credentials.js';
import type { Result } from '../result.js';
import { UsageError } from './arguments.js';

/** Environment variable with gateway credentials for `platform`: `TYPE:ID:TOKEN`, comma-separated. */
export const GATEWAYS_ENV = 'WIOTP_PLATFORM_GATEWAYS';
/** Environment variable with application credentials for `platform`: `APIKEY:TOKEN`, comma-separated. */
export const APPS_ENV = 'WIOTP_PLATFORM_APPS';

/** Commander parser for `--gateway TYPE:ID:TOKEN`. */
export function parseGatewayOption(value: string): GatewayCredentials {
  return orUsageError('--gateway', parseGatewayCredential(value));
}

/** Commander parser for `--app APIKEY:TOKEN` (and `platform dm --auth`). */
export function parseAppOption(value: string, option = '--app'): ApplicationCredentials {
  return orUsageError(option, parseApplicationCredential(value));
}

/** Where `platform` takes credentials from: the command line, files, and the environment. */
export interface CredentialSources {
  gateway: GatewayCredentials[];
  app: ApplicationCredentials[];
  gatewaysFile?: string;
  appsFile?: string;
}

/**
 * Every gateway and application from the command line, `--gateways-file`/`--apps-file` (one entry a line) and
 * `WIOTP_PLATFORM_GATEWAYS`/`WIOTP_PLATFORM_APPS` (comma-separated). Files and the environment keep tokens out of
 * `ps`. A bad entry or an identity given twice is a UsageError naming where it was; `warnings` names files that
 * other users can read.
 */
export function gatherPlatformCredentials(sources: CredentialSources, env: NodeJS.ProcessEnv) {
  const warnings: string[] = [];
  const fromFile = <T>(option: string, path: string | undefined, parse: (text: string) => Result<T>): T[] => {
    if (path === undefined) return [];
    const { text, mode } = readCredentialFile(option, path);
    const warning = credentialFileWarning(path, mode);
    if (warning) warnings.push(warning);
    return splitCredentialList(text, 'lines').map((entry) =>
      orUsageError(`${option} ${path} line ${entry.position}`, parse(entry.text)),
    );
  };
  const fromEnv = <T>(name: string, parse: (text: string) => Result<T>): T[] =>
    splitCredentialList(env[name] ?? '', 'commas').map((entry) =>
      orUsageError(`${name} entry ${entry.position}`, parse(entry.text)),
    );

  const gateways = [
    ...sources.gateway,
    ...fromFile('--gateways-file', sources.gatewaysFile, parseGatewayCredential),
    ...fromEnv(GATEWAYS_ENV, parseGatewayCredential),
  ];
  const applications = [
    ...sources.app,
    ...fromFile('--apps-file', sources.appsFile, parseApplicationCredential),
    ...fromEnv(APPS_ENV, parseApplicationCredential),
  ];
  refuseDuplicates('gateway', gateways, (g) => `${g.typeId}:${g.deviceId}`);
  refuseDuplicates('application API key', applications, (a) => a.apiKey);
  return { gateways, applications, warnings };
}

/** A warning for a credentials file that group or others may read or write (`mode` as from stat), or undefined. */
export function credentialFileWarning(path: string, mode: number): string | undefined {
  if ((mode & 0o077) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  return `${path} holds tokens and other users can access it (mode ${octal}): run chmod 600 ${path}`;
}

function readCredentialFile(option: string, path: string): { text: string; mode: number } {
  try {
    return { text: readFileSync(path, 'utf8'), mode: statSync(path).mode };
  } catch (error) {
    throw new UsageError(`${option} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function refuseDuplicates<T>(what: string, entries: readonly T[], keyOf: (entry: T) => string): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    const key = keyOf(entry);
    if (seen.has(key)) throw new UsageError(`${what} ${key} is given twice; give each one once`);
    seen.add(key);
  }
}

function orUsageError<T>(where: string, result: Result<T>): T {
  if (!result.ok) throw new UsageError(`${where}: ${result.reason}`);
  return result.value;
}

/**
 * Commander collector for a repeatable credentials option. Unlike `repeatable`, it throws a UsageError itself:
 * commander's own message for an invalid argument would repeat the argument, token and all.
 */
export function collectCredentials<T>(parse: (value: string) => T) {
  return (value: string, previous: T[] = []): T[] => [...previous, parse(value)];
}
