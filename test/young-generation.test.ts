import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// A fresh process: the test runner's own heap has long since sized its young generation.
const PROGRAM = `
import { getHeapSpaceStatistics } from 'node:v8';
import { holdYoungGeneration, releaseYoungGeneration } from './src/young-generation.ts';
const youngMiB = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
const kept = [];
// What module loading does: many small objects that all survive their first collections.
const allocateSurvivors = () => { for (let i = 0; i < 400000; i++) kept.push({ i, text: 'x' + i }); };
const before = youngMiB();
holdYoungGeneration();
allocateSurvivors();
const held = youngMiB();
releaseYoungGeneration();
allocateSurvivors();
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

describe('holding the young generation while starting', () => {
  it('keeps it at its initial size while held, and lets it grow with the load once released', async () => {
    const { before, held, released } = await run();
    expect(held).toBe(before);
    expect(released).toBeGreaterThan(held);
  });
});
