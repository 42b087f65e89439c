import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a Pi image builder does: `npm pack`, then `npm install -g` of the tarball (README, "Install on a Raspberry Pi").
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};
// The README's install command, so that what it tells people to run is what is tested here.
const ALLOW_SCRIPTS = /npm install -g --allow-scripts=(\S+) /.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1];

// npm run by `npm test` passes its own settings down as npm_* variables; the commands here start clean.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

function run(command: string, args: string[], timeout = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env, timeout, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir = '';
let packed: { filename: string; files: Array<{ path: string }> };
let install: { code: number; stdout: string; stderr: string };
const prefix = () => join(dir, 'prefix');
const installed = () => join(prefix(), 'lib/node_modules/wiotp-gateway');

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/src/cli/main.js'))) throw new Error('dist/ is not built: run `npm run build` (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'wiotp-package-'));
  // --ignore-scripts: the prepack script rebuilds dist/ from scratch, which would pull it from under the other
  // test files that run the CLI at the same time; npm test has just built it.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir]);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0]!;
  // better-sqlite3's install script downloads a prebuilt binary (as on a Pi) or, offline, compiles SQLite for a
  // minute. Hand it the binary `npm ci` built here, through prebuild-install's own local-prebuilds option.
  const prebuilds = join(dir, 'prebuilds');
  const sqlite = JSON.parse(readFileSync(join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string };
  const archive = `better-sqlite3-v${sqlite.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await mkdir(prebuilds);
  const tar = await run('tar', [
    '-czf',
    join(prebuilds, archive),
    '-C',
    join(ROOT, 'node_modules/better-sqlite3'),
    'build/Release/better_sqlite3.node',
  ]);
  if (tar.code !== 0) throw new Error(`packing the better-sqlite3 binary failed:\n${tar.stderr}`);
  env.npm_config_better_sqlite3_local_prebuilds = prebuilds;
  install = await run('npm', [
    'install',
    '-g',
    `--allow-scripts=${ALLOW_SCRIPTS}`,
    '--prefix',
    prefix(),
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    join(dir, packed.filename),
  ]);
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('the npm package', () => {
  it('holds the built code, the CLI, profiles, schemas, the systemd unit and the docs, and no tests or sources', () => {
    const files = packed.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'bin/wiotp-gateway.js',
        'dist/src/cli/main.js',
        'dist/adapters/serial/serial-adapter.js',
        'dist/console/index.html',
        'hardware-profiles/nmea-gps.yaml',
        'schemas/gateway-config.schema.json',
        'deploy/wiotp-gateway.service',
        'docs/raspberry-pi.md',
      ]),
    );
    const unwanted = files.filter(
      (file) => /^(test|bench|src|adapters|scripts)\/|\.map$|\.ts$/.test(file) && !file.endsWith('.d.ts'),
    );
    expect(unwanted).toEqual([]);
  });

  it('installs globally with the README command, every native install script approved', () => {
    expect(ALLOW_SCRIPTS).toBeDefined();
    expect(install.code, install.stderr).toBe(0);
    // npm lists the scripts it was not told about; for a local tarball it also lists the package's own
    // `prepare`, which it does not run for a tarball (it builds a git checkout).
    const unapproved = install.stderr
      .split('\n')
      .filter((line) => /^npm warn install-scripts {3}\S/.test(line))
      .filter((line) => !line.includes(`wiotp-gateway@${manifest.version} (prepare:`));
    expect(unapproved).toEqual([]);
    // docs/raspberry-pi.md pipes the journal through the pretty printer the package carries.
    expect(existsSync(join(installed(), 'node_modules/.bin/pino-pretty'))).toBe(true);
  });

  it('imports nothing at run time but Node built-ins and its own dependencies', () => {
    const allowed = new Set([...builtinModules, ...Object.keys(manifest.dependencies)]);
    const imports = new Set<string>();
    const walk = (folder: string): void => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.js')) {
          for (const { fileName } of ts.preProcessFile(readFileSync(path, 'utf8'), true, true).importedFiles) {
            if (!fileName.startsWith('.')) imports.add(fileName.replace(/^node:/, ''));
          }
        }
      }
    };
    walk(join(installed(), 'dist'));
    const packageOf = (specifier: string) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/');
    expect([...imports].map(packageOf).filter((name) => !allowed.has(name))).toEqual([]);
    expect(imports.has('pino-pretty')).toBe(true); // the scan does see a lazily required module
  });

  it('runs the installed wiotp-gateway: --version, then the demo for 5 s', async () => {
    const bin = join(prefix(), 'bin/wiotp-gateway');
    expect(await run(bin, ['--version'])).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
    const demo = await run(bin, ['demo', '--duration', '5', '--command-after', '2'], 30_000);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/event {6}mcu-sensor\/esp-01 status/);
    expect(demo.stdout).toMatch(/event {6}ruuvitag\/c47c8d6a1b01 environment/);
    expect(demo.stdout).toMatch(/device {5}ttyACM0: LED is now on/);
    expect(demo.stdout).toMatch(/console on http:\/\/127\.0\.0\.1:\d+\//);
  }, 40_000);
});
