import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/package-root.js';
import { runCli } from '../support/cli.js';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('wiotp-gateway --version', () => {
  it('prints the version from package.json and exits 0', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(stdout).toBe(`${manifest.version}\n`);
    expect(code).toBe(0);
  });

  it('reads the same version from the TypeScript sources', () => {
    expect(packageVersion()).toBe(manifest.version);
  });
});
