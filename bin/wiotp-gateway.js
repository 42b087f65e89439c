#!/usr/bin/env node
// Runs the compiled CLI in dist/: the npm package ships it (prepack); in a git checkout `npm install` builds it (prepare).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('wiotp-gateway is not built yet: run `npm run build` in the package folder\n');
  process.exit(1);
}
await import(entry.href);
