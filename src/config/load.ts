import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { fail, ok, type Result } from '../result.js';
import { type GatewayConfig, gatewayConfigSchema } from './gateway-config.js';
import { type HardwareProfile, hardwareProfileSchema } from './profile-schema.js';

/** Reads a YAML or JSON file (YAML is a superset, so one parser serves both). */
export function readDataFile(file: string): Result<unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return ok(parseYaml(text, { prettyErrors: true }));
  } catch (error) {
    return fail(`${file}: not valid YAML/JSON: ${(error as Error).message}`);
  }
}

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

/** Applies ENV_OVERRIDES to raw config data before validation. */
export function applyEnvOverrides(data: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof data !== 'object' || data === null) return data;
  const config = structuredClone(data) as Record<string, Record<string, unknown> | undefined>;
  const section = (name: string): Record<string, unknown> => {
    config[name] ??= {};
    return config[name] as Record<string, unknown>;
  };
  if (env.WIOTP_TOKEN) config.auth = { token: env.WIOTP_TOKEN };
  if (env.WIOTP_HOST) section('connection').host = env.WIOTP_HOST;
  if (env.WIOTP_PORT) section('connection').port = Number(env.WIOTP_PORT);
  if (env.WIOTP_TRANSPORT) section('connection').transport = env.WIOTP_TRANSPORT;
  if (env.WIOTP_LOG_LEVEL) section('log').level = env.WIOTP_LOG_LEVEL;
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
  if (auth.tokenFile) {
    const file = resolve(baseDir, auth.tokenFile);
    try {
      const token = readFileSync(file, 'utf8').trim();
      return token ? ok(token) : fail(`auth.tokenFile: ${file} is empty`);
    } catch (error) {
      return fail(`auth.tokenFile: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? ''}`);
    }
  }
  return fail('auth: give exactly one of token, tokenFile, tokenEnv');
}

/** The `hardware-profiles/` folder shipped with the package (works from src/ and from dist/). */
export function builtInProfilesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'hardware-profiles');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('the built-in hardware-profiles folder was not found next to package.json');
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
