import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { packageRoot } from '../package-root.js';
import { fail, ok, type Result } from '../result.js';
import { readDataFile } from './data-file.js';
import { connectionSchema, type GatewayConfig, gatewayConfigSchema } from './gateway-config.js';
import { type HardwareProfile, hardwareProfileSchema } from './profile-schema.js';

export { parseDataText, readDataFile } from './data-file.js';

/** One schema problem: where (`adapters[0].ports[1].path`, or `(root)`) and what was expected. */
export interface SchemaProblem {
  path: string;
  message: string;
}

/** Writes a schema issue path the way people read it: `adapters[0].ports[1].path`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

/** Checks data against a schema and lists every problem with its path (the structured form of `validate`). */
export function checkSchema<S extends z.ZodType>(
  schema: S,
  data: unknown,
): { ok: true; value: z.infer<S> } | { ok: false; problems: SchemaProblem[] } {
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message })),
  };
}

/** Validates against a schema and reports every problem at once, each with its path and what was expected. */
export function validate<S extends z.ZodType>(schema: S, data: unknown, source: string): Result<z.infer<S>> {
  const checked = checkSchema(schema, data);
  if (checked.ok) return ok(checked.value);
  return fail(
    `${source} is not valid:\n${checked.problems.map((problem) => `  ${problem.path}: ${problem.message}`).join('\n')}`,
  );
}

/** Environment variables that override the config file, for containers and systemd units. */
export const ENV_OVERRIDES = {
  WIOTP_TOKEN: 'auth.token (replaces tokenFile/tokenEnv)',
  WIOTP_HOST: 'connection.host',
  WIOTP_PORT: 'connection.port',
  WIOTP_TRANSPORT: 'connection.transport',
  WIOTP_LOG_LEVEL: 'log.level',
} as const;

/** The choices of the keys the environment may override, from the schema that checks them in the file. */
const TRANSPORTS: readonly string[] = connectionSchema.shape.transport.unwrap().options;
const LOG_LEVELS: readonly string[] = gatewayConfigSchema.shape.log.unwrap().shape.level.unwrap().options;

/** The ENV_OVERRIDES values set in an environment, each as its config key takes it. */
interface EnvOverrideValues {
  token?: string;
  host?: string;
  port?: number;
  transport?: string;
  level?: string;
}

/**
 * Reads ENV_OVERRIDES from `env`: a value its config key cannot take is left out and named by its variable,
 * since the config's path (`connection.port`) would point at a key that is not in the file.
 */
function readEnvOverrides(env: NodeJS.ProcessEnv): { values: EnvOverrideValues; problems: SchemaProblem[] } {
  const values: EnvOverrideValues = {};
  const problems: SchemaProblem[] = [];
  const refuse = (variable: keyof typeof ENV_OVERRIDES, expected: string): void => {
    problems.push({ path: variable, message: `expected ${expected}, got ${JSON.stringify(env[variable])}` });
  };
  if (env.WIOTP_TOKEN) values.token = env.WIOTP_TOKEN;
  if (env.WIOTP_HOST) values.host = env.WIOTP_HOST;
  if (env.WIOTP_PORT) {
    const port = Number(env.WIOTP_PORT);
    if (/^\d+$/.test(env.WIOTP_PORT) && port >= 1 && port <= 65535) values.port = port;
    else refuse('WIOTP_PORT', 'a port number (1-65535)');
  }
  if (env.WIOTP_TRANSPORT) {
    if (TRANSPORTS.includes(env.WIOTP_TRANSPORT)) values.transport = env.WIOTP_TRANSPORT;
    else refuse('WIOTP_TRANSPORT', `one of ${TRANSPORTS.join(', ')}`);
  }
  if (env.WIOTP_LOG_LEVEL) {
    if (LOG_LEVELS.includes(env.WIOTP_LOG_LEVEL)) values.level = env.WIOTP_LOG_LEVEL;
    else refuse('WIOTP_LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`);
  }
  return { values, problems };
}

/** The ENV_OVERRIDES set in `env` whose values their config keys cannot take, each named by its variable. */
export function envOverrideProblems(env: NodeJS.ProcessEnv): SchemaProblem[] {
  return readEnvOverrides(env).problems;
}

/** Applies ENV_OVERRIDES to raw config data before validation; a bad value is left out (see envOverrideProblems). */
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
  const { values } = readEnvOverrides(env);
  if (values.token !== undefined) config.auth = { token: values.token };
  if (values.host !== undefined) set('connection', 'host', values.host);
  if (values.port !== undefined) set('connection', 'port', values.port);
  if (values.transport !== undefined) set('connection', 'transport', values.transport);
  if (values.level !== undefined) set('log', 'level', values.level);
  return config;
}

/** Loads and validates a gateway config file, with environment overrides; a bad override is named by its variable. */
export function loadGatewayConfig(file: string, env: NodeJS.ProcessEnv = process.env): Result<GatewayConfig> {
  const data = readDataFile(file);
  if (!data.ok) return data;
  const config = validate(gatewayConfigSchema, applyEnvOverrides(data.value, env), file);
  const problems = envOverrideProblems(env);
  if (problems.length === 0) return config;
  const reasons = problems.map((problem) => `${problem.path}: ${problem.message}`);
  return fail([...reasons, ...(config.ok ? [] : [config.reason])].join('\n'));
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

/** One profile file as read: its profile, or the problems that kept it out. */
export interface ProfileFile {
  file: string;
  /** Shipped in the package's `hardware-profiles/` folder. */
  builtIn: boolean;
  profile?: HardwareProfile;
  /** Why the file could not be read or parsed as YAML/JSON (the reason names the file). */
  unreadable?: string;
  /** Schema problems of a file that parsed. */
  problems: SchemaProblem[];
}

/** Reads every profile file: the built-in folder, then `extraPaths` (files or folders), in order; `missing` lists paths that do not exist. */
export function readProfileFiles(extraPaths: string[] = []): { files: ProfileFile[]; missing: string[] } {
  const files: ProfileFile[] = [];
  const missing: string[] = [];
  const builtInDir = builtInProfilesDir();
  for (const path of [builtInDir, ...extraPaths]) {
    if (!existsSync(path)) {
      missing.push(path);
      continue;
    }
    const names = statSync(path).isDirectory()
      ? readdirSync(path)
          .sort()
          .filter((name) => ['.yaml', '.yml', '.json'].includes(extname(name)))
          .map((name) => join(path, name))
      : [path];
    for (const file of names) {
      const builtIn = path === builtInDir;
      const data = readDataFile(file);
      if (!data.ok) {
        files.push({ file, builtIn, unreadable: data.reason, problems: [] });
        continue;
      }
      const checked = checkSchema(hardwareProfileSchema, data.value);
      files.push(
        checked.ok ? { file, builtIn, profile: checked.value, problems: [] } : { file, builtIn, problems: checked.problems },
      );
    }
  }
  return { files, missing };
}

/** One line (or block) per profile path that is missing and per file that did not load. */
export function profileFileErrors(files: readonly ProfileFile[], missing: readonly string[]): string[] {
  const errors = missing.map((path) => `${path}: no such file or folder`);
  for (const entry of files) {
    if (entry.unreadable) errors.push(entry.unreadable);
    else if (!entry.profile)
      errors.push(`${entry.file} is not valid:\n${entry.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  }
  return errors;
}

/** Every profile by name: the built-in ones, then those under `extraPaths` (files or folders), later ones winning. */
export function loadProfiles(extraPaths: string[] = []): Result<Map<string, HardwareProfile>> {
  const { files, missing } = readProfileFiles(extraPaths);
  const errors = profileFileErrors(files, missing);
  if (errors.length) return fail(errors.join('\n'));
  return ok(new Map(files.flatMap((entry) => (entry.profile ? [[entry.profile.name, entry.profile] as const] : []))));
}
