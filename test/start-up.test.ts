import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { YOUNG_GENERATION_CAP_MIB } from '../src/start-up.js';

// A fresh process: the test runner's own heap has long since sized its young generation and optimized its code.
const PROGRAM = `
import { getHeapSpaceStatistics } from 'node:v8';
import { setImmediate } from 'node:timers/promises';
import { beginStartUp, endStartUp } from './src/start-up.ts';
const youngMiB = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
const optimized = new Function('f', 'return %ActiveTierIsTurbofan(f)');
const kept = [];
// What module loading does, and a busy gateway's window: small objects that survive their first collections.
// In slices, as the gateway's work comes, so that the event loop turns between them; a hot function in each.
const hot = (n) => { let sum = 0; for (let i = 0; i < n; i++) sum += i % 7; return sum; };
const work = async () => {
  for (let slice = 0; slice < 40; slice++) {
    for (let i = 0; i < 20000; i++) kept.push({ i, text: 'x' + i });
    hot(20000);
    await setImmediate();
  }
};
const before = youngMiB();
beginStartUp();
await work();
const held = youngMiB();
const optimizedWhileStarting = optimized(hot);
endStartUp();
await work();
const released = youngMiB();
// Optimization happens on a worker thread and is installed at a later call: wait for it, within bounds.
for (let slice = 0; slice < 1000 && !optimized(hot); slice++) {
  hot(20000);
  await setImmediate();
}
process.stdout.write(JSON.stringify({ before, held, released, optimizedWhileStarting, optimizedAfter: optimized(hot) }));
`;

interface Outcome {
  before: number;
  held: number;
  released: number;
  optimizedWhileStarting: boolean;
  optimizedAfter: boolean;
}

function run(): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', PROGRAM],
      { timeout: 30_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

describe('start-up mode', () => {
  it('holds the young generation at its initial size while the modules load, then lets it grow with the load up to its cap', async () => {
    const { before, held, released } = await run();
    expect(held).toBe(before);
    expect(released).toBeGreaterThan(held);
    expect(released).toBeLessThanOrEqual(YOUNG_GENERATION_CAP_MIB);
  });

  it('leaves hot code unoptimized while starting, and optimizes it once started', async () => {
    const { optimizedWhileStarting, optimizedAfter } = await run();
    expect(optimizedWhileStarting).toBe(false);
    expect(optimizedAfter).toBe(true);
  });
});
