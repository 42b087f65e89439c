import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { packageRoot } from '../package-root.js';
import { fail, ok, type Result } from '../result.js';
import { readDataFile } from './data-file.js';
import { type GatewayConfig, gatewayConfigSchema } from './gateway-config.js';
import { type HardwareProfile, hardwareProfileSchema } from './profile-schema.js';

export { parseDataText, readDataFile } from './data-file.js';

/** Validates against a schema and reports every problem at once, each with its path and what was expected. */
export function validate<S extends z.ZodType>(schema: S, data: unknown, source: string): Result<z.infer<S>> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return ok(parsed.data);
  const lines = parsed.error.issues.map((issue) => {
    const path = issue.path.length
      ? issue.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '')
      : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  return fail(`${source} is not valid:\n${lines.join('\n')}`);
}

/** Environment variables that override the config file, for containers and systemd units. */
export const ENV_OVERRIDES = {
  WIOTP_TOKEN: 'auth.token (replaces tokenFile/tokenEnv)',
  WIOTP_HOST: 'connection.host',
  WIOTP_PORT: 'connection.port',
  WIOTP_TRANSPORT: 'connection.transport',
  WIOTP_LOG_LEVEL: 'log.level',
} as const;

/** Applies ENV_OVERRIDES to raw config data before validation. */
export function applyEnvOverrides(data: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof data !== 'object' || data === null) return data;
  const config = structuredClone(data) as Record<string, unknown>;
  /** Sets `name.key`; a section that is there but not a map is left for validation to name. */
  const set = (name: string, key: string, value: unknown): void => {
    config[name] ??= {};
    const section = config[name];
    if (typeof section === 'object' && section !== null && !Array.isArray(section)) {
      (section as Record<string, unknown>)[key] = value;
    }
  };
  if (env.WIOTP_TOKEN) config.auth = { token: env.WIOTP_TOKEN };
  if (env.WIOTP_HOST) set('connection', 'host', env.WIOTP_HOST);
  if (env.WIOTP_PORT) set('connection', 'port', Number(env.WIOTP_PORT));
  if (env.WIOTP_TRANSPORT) set('connection', 'transport', env.WIOTP_TRANSPORT);
  if (env.WIOTP_LOG_LEVEL) set('log', 'level', env.WIOTP_LOG_LEVEL);
  return config;
}

/** Loads and validates a gateway config file, with environment overrides. */
export function loadGatewayConfig(file: string, env: NodeJS.ProcessEnv = process.env): Result<GatewayConfig> {
  const data = readDataFile(file);
  if (!data.ok) return data;
  return validate(gatewayConfigSchema, applyEnvOverrides(data.value, env), file);
}

/** Resolves the gateway token from the config, a file or an environment variable. Never logged. */
export function resolveToken(auth: GatewayConfig['auth'], env: NodeJS.ProcessEnv = process.env, baseDir = '.'): Result<string> {
  if (auth.token) return ok(auth.token);
  if (auth.tokenEnv) {
    const value = env[auth.tokenEnv];
    return value ? ok(value) : fail(`auth.tokenEnv: the environment variable ${auth.tokenEnv} is not set`);
  }
  if (auth.tokenFile) return readSecretFile(resolve(baseDir, auth.tokenFile), 'auth.tokenFile');
  return fail('auth: give exactly one of token, tokenFile, tokenEnv');
}

/** The local HTTP server's token, from http.token or http.tokenFile (undefined when neither is set). */
export function resolveHttpToken(http: GatewayConfig['http'], baseDir = '.'): Result<string | undefined> {
  if (!http) return ok(undefined);
  if (http.tokenFile) return readSecretFile(resolve(baseDir, http.tokenFile), 'http.tokenFile');
  return ok(http.token);
}

/** Reads a secret (a token) from a file only its owner may read; `field` names the config key in errors. */
export function readSecretFile(file: string, field: string): Result<string> {
  try {
    const privacy = checkOwnerOnly(file);
    if (!privacy.ok) return fail(`${field}: ${privacy.reason}`);
    const secret = readFileSync(file, 'utf8').trim();
    return secret ? ok(secret) : fail(`${field}: ${file} is empty`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const hint = code === 'EACCES' ? ` (the gateway runs as ${userInfo().username}, who must own it)` : '';
    return fail(`${field}: cannot read ${file}: ${code}${hint}`);
  }
}

/**
 * Refuses a secret file that users other than its owner may read or change (as ssh does with a private key),
 * naming the `chmod` that fixes it. Windows has no such modes: nothing to check there.
 */
function checkOwnerOnly(file: string): Result<void> {
  if (process.platform === 'win32') return ok(undefined);
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return ok(undefined);
  const access = mode & 0o044 ? 'readable' : mode & 0o022 ? 'writable' : 'accessible';
  const octal = mode.toString(8).padStart(4, '0');
  return fail(`${file} is ${access} by group or others (mode ${octal}): run \`chmod 600 ${file}\``);
}

/** The `hardware-profiles/` folder shipped with the package (works from src/ and from dist/). */
export function builtInProfilesDir(): string {
  return join(packageRoot(), 'hardware-profiles');
}

/** Loads and validates one profile file. */
export function loadProfile(file: string): Result<HardwareProfile> {
  const data = readDataFile(file);
  if (!data.ok) return data;
  return validate(hardwareProfileSchema, data.value, file);
}

/** Every profile by name: the built-in ones, then those under `extraPaths` (files or folders), later ones winning. */
export function loadProfiles(extraPaths: string[] = []): Result<Map<string, HardwareProfile>> {
  const profiles = new Map<string, HardwareProfile>();
  const errors: string[] = [];
  const files: string[] = [];
  for (const path of [builtInProfilesDir(), ...extraPaths]) {
    if (!existsSync(path)) {
      errors.push(`${path}: no such file or folder`);
      continue;
    }
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        if (['.yaml', '.yml', '.json'].includes(extname(name))) files.push(join(path, name));
      }
    } else files.push(path);
  }
  for (const file of files) {
    const profile = loadProfile(file);
    if (profile.ok) profiles.set(profile.value.name, profile.value);
    else errors.push(profile.reason);
  }
  return errors.length ? fail(errors.join('\n')) : ok(profiles);
}
