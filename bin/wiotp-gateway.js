#!/usr/bin/env node
// Runs the compiled CLI in dist/: the npm package ships it (prepack); in a git checkout `npm install` builds it (prepare).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('wiotp-gateway is not built yet: run `npm run build` in the package folder\n');
  process.exit(1);
}
// Before the CLI's modules load: their start-up allocations must not size the young generation (see the module).
const { holdYoungGeneration } = await import(new URL('../dist/src/young-generation.js', import.meta.url).href);
holdYoungGeneration();
await import(entry.href);
