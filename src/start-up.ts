import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

// Start-up mode: what V8 does by default while the modules load and the config is checked costs a Pi memory it
// keeps for good, and `node bin/wiotp-gateway.js` passes no flags (V8 re-reads these two at each decision; Node
// keeps flags writable for v8.setFlagsFromString). `npm run bench` measures both (README, "what each change bought").
//
// The young generation (two semi-spaces) is sized by how much survives a collection, doubling up to 16 MiB a
// semi-space: 32 MiB of RSS. Module loading keeps nearly everything it allocates, so the start alone took it to the
// maximum. The gateway's working set is small (the publish window, a read's frames): growth is held while the modules
// load, then allowed up to YOUNG_GENERATION_CAP_MIB and held again.
//
// The optimizing compiler (TurboFan) is off until start-up is done: start-up code runs once, and each compile job
// mallocs its scratch memory on one of V8's worker threads, whose glibc arena keeps it: 2-8 MiB of RSS at start that
// changed from run to run. Once started, hot code is optimized as usual.
const V8_DEFAULT_GROWTH_FACTOR = 2;
/** Both semi-spaces together, as getHeapSpaceStatistics reports new_space. */
export const YOUNG_GENERATION_CAP_MIB = 8;
// A command that never says it has started still gets its growth and its optimizing compiler back.
const END_AFTER_MS = 60_000;

let state: 'free' | 'starting' | 'growing' = 'free';

function youngGenerationMiB(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return (space?.space_size ?? 0) / 1048576;
}

function setGrowth(factor: number): void {
  setFlagsFromString(`--semi-space-growth-factor=${factor}`);
}

/** Enters start-up mode; call first thing in the process, before the modules load. */
export function beginStartUp(): void {
  setGrowth(1);
  setFlagsFromString('--no-turbofan');
  state = 'starting';
  setTimeout(endStartUp, END_AFTER_MS).unref();
}

/** Start-up is over: hot code is optimized again, and the young generation grows with the load up to its cap. */
export function endStartUp(): void {
  if (state !== 'starting') return;
  setFlagsFromString('--turbofan');
  state = 'growing';
  if (youngGenerationMiB() >= YOUNG_GENERATION_CAP_MIB) return;
  setGrowth(V8_DEFAULT_GROWTH_FACTOR);
  // Growth happens in a collection: look after each one, and stop it at the cap.
  const observer = new PerformanceObserver(() => {
    if (youngGenerationMiB() < YOUNG_GENERATION_CAP_MIB) return;
    setGrowth(1);
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}
