import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'wiotp-gateway';

/** The folder of this package's package.json: found from src/ (tsx, tests) and from dist/src/ (built, installed). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readManifest(manifest).name === PACKAGE_NAME) return dir;
    dir = dirname(dir);
  }
  throw new Error(`the ${PACKAGE_NAME} package.json was not found above ${fileURLToPath(import.meta.url)}`);
}

/** The package version, as `wiotp-gateway --version` prints it. */
export function packageVersion(): string {
  return String(readManifest(join(packageRoot(), 'package.json')).version);
}

function readManifest(file: string): { name?: unknown; version?: unknown } {
  return JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
}
