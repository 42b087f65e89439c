#!/usr/bin/env node
// Runs the compiled CLI in dist/: the npm package ships it (prepack); in a git checkout `npm install` builds it (prepare).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('wiotp-gateway is not built yet: run `npm run build` in the package folder\n');
  process.exit(1);
}
// Before the CLI's modules load: start-up must not size the young generation or run the optimizing compiler (see the module).
const { beginStartUp } = await import(new URL('../dist/src/start-up.js', import.meta.url).href);
beginStartUp();
await import(entry.href);
