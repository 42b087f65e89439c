import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// A fresh process, started as the CLI is (the compiled module, no loader): the test runner's heap, or tsx's, has long
// since sized its young generation. Allocates what module loading and a busy gateway's window do: small objects that
// survive their first collections, in slices so that the event loop turns between them.
const program = (keepSmall: boolean) => `
import { getHeapSpaceStatistics } from 'node:v8';
import { setImmediate } from 'node:timers/promises';
import { keepYoungGenerationSmall } from './dist/src/young-generation.js';
const youngMiB = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
if (${keepSmall}) keepYoungGenerationSmall();
const kept = [];
for (let slice = 0; slice < 80; slice++) {
  for (let i = 0; i < 20000; i++) kept.push({ i, text: 'x' + i });
  await setImmediate();
}
process.stdout.write(JSON.stringify({ youngMiB: youngMiB(), kept: kept.length }));
`;

function youngGenerationAfterLoad(keepSmall: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', program(keepSmall)], { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout).youngMiB),
    );
  });
}

describe('the young generation', () => {
  it('stays at its start size (≤ 2 MiB) under surviving allocations that take V8 to 16 MiB or more', async () => {
    const [kept, unchecked] = await Promise.all([youngGenerationAfterLoad(true), youngGenerationAfterLoad(false)]);
    expect(kept).toBeLessThanOrEqual(2);
    expect(unchecked).toBeGreaterThanOrEqual(16);
  });
});
