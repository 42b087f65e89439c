import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'fake-sensor-plugin');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * A plugin author's project: the packed package installed as node_modules/wiotp-gateway, its dependencies
 * (rxjs, zod, pino…, and the author's vitest) beside it, and the example plugin's sources copied in.
 */
describe('the packed package, as a plugin author installs it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-pack-'));
  const consumer = join(dir, 'consumer');
  let files: string[] = [];

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'adapter.d.ts'))) throw new Error('dist/ is not built: run npm run build first');
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed[0]?.files.map((file) => file.path) ?? [];
    const installed = join(consumer, 'node_modules', 'wiotp-gateway');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, packed[0]?.filename ?? ''), '-C', installed, '--strip-components=1']);
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (entry.startsWith('.') || entry.startsWith('wiotp-')) continue;
      symlinkSync(join(ROOT, 'node_modules', entry), join(consumer, 'node_modules', entry));
    }
    for (const part of ['src', 'test', 'profiles', 'package.json', 'tsconfig.json'])
      cpSync(join(EXAMPLE, part), join(consumer, part), { recursive: true });
    // The author's editor check: sources and tests, nothing emitted.
    writeFileSync(
      join(consumer, 'tsconfig.check.json'),
      JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true, rootDir: '.' }, include: ['src', 'test'] }),
    );
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the compiled code with its type declarations for each export', () => {
    for (const file of [
      'dist/src/index.d.ts',
      'dist/src/adapter.d.ts',
      'dist/src/testing/index.d.ts',
      'dist/src/testing/index.js',
    ])
      expect(files).toContain(file);
    expect(files.some((file) => file.startsWith('test/'))).toBe(false);
  });

  it('type-checks the example plugin and its test against wiotp-gateway/adapter and wiotp-gateway/testing', () => {
    const result = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.check.json'], { cwd: consumer, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 60_000);

  it('gives real types, not any: an adapter without start() does not type-check', () => {
    writeFileSync(
      join(consumer, 'broken.ts'),
      "import type { AdapterFactory } from 'wiotp-gateway/adapter';\nimport { EMPTY } from 'rxjs';\n" +
        "export const createAdapter: AdapterFactory = () => ({ name: 'x', frames$: EMPTY, rejects$: EMPTY, status$: EMPTY, close: async () => {} });\n",
    );
    writeFileSync(
      join(consumer, 'tsconfig.broken.json'),
      JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true, rootDir: '.' }, include: ['broken.ts'] }),
    );
    const result = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.broken.json'], { cwd: consumer, encoding: 'utf8' });
    expect(result.stdout).toMatch(/Property 'start' is missing/);
    expect(result.status).not.toBe(0);
  }, 60_000);

  it('loads by package name at run time: the library, the adapter contract and the kit', () => {
    const script =
      "const lib = await import('wiotp-gateway'); const kit = await import('wiotp-gateway/testing'); await import('wiotp-gateway/adapter');" +
      'console.log(typeof lib.EmbeddedPlatform.start, typeof lib.startGateway, typeof kit.startPluginHarness);';
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('function function function');
  });
});
