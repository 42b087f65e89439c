import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { YOUNG_GENERATION_CAP_MIB } from '../src/young-generation.js';

// A fresh process: the test runner's own heap has long since sized its young generation.
const PROGRAM = `
import { getHeapSpaceStatistics } from 'node:v8';
import { setImmediate } from 'node:timers/promises';
import { holdYoungGeneration, releaseYoungGeneration } from './src/young-generation.ts';
const youngMiB = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
const kept = [];
// What module loading does, and a busy gateway's window: small objects that survive their first collections.
// In slices, as the gateway's work comes, so that the event loop turns between them.
const allocateSurvivors = async () => {
  for (let slice = 0; slice < 40; slice++) {
    for (let i = 0; i < 20000; i++) kept.push({ i, text: 'x' + i });
    await setImmediate();
  }
};
const before = youngMiB();
holdYoungGeneration();
await allocateSurvivors();
const held = youngMiB();
releaseYoungGeneration();
await allocateSurvivors();
const released = youngMiB();
process.stdout.write(JSON.stringify({ before, held, released, kept: kept.length }));
`;

function run(): Promise<{ before: number; held: number; released: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', PROGRAM],
      { timeout: 30_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

describe('the young generation', () => {
  it('stays at its initial size while the modules load, then grows with the load up to its cap', async () => {
    const { before, held, released } = await run();
    expect(held).toBe(before);
    expect(released).toBeGreaterThan(held);
    expect(released).toBeLessThanOrEqual(YOUNG_GENERATION_CAP_MIB);
  });
});
