import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

// V8 sizes its young generation (two semi-spaces) by how much survives a collection, doubling it up to 16 MiB a
// semi-space: 32 MiB of RSS. Module loading keeps nearly everything it allocates, so the gateway's start alone took it
// to the maximum (~8 MiB more RSS than the hand-written baseline at start), and a busy hour keeps it there. The
// gateway's working set is small (the publish window, a read's frames), so a small young generation costs little CPU
// (`npm run bench`: CPU per event at saturation within the noise) and saves ~16 MiB on a Pi. `--max-semi-space-size`
// cannot be changed once V8 runs, and `node bin/wiotp-gateway.js` passes no flags; V8 reads
// --semi-space-growth-factor each time it would grow (Node keeps flags writable for v8.setFlagsFromString), so growth
// is held while the modules load, then allowed up to YOUNG_GENERATION_CAP_MIB and held again. 2 is V8's default.
const V8_DEFAULT_GROWTH_FACTOR = 2;
/** Both semi-spaces together, as getHeapSpaceStatistics reports new_space. */
export const YOUNG_GENERATION_CAP_MIB = 8;
// A command that never says it has started (a short one) still gets its growth back.
const RELEASE_AFTER_MS = 60_000;

let state: 'free' | 'held' | 'growing' = 'free';

function youngGenerationMiB(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return (space?.space_size ?? 0) / 1048576;
}

function setGrowth(factor: number): void {
  setFlagsFromString(`--semi-space-growth-factor=${factor}`);
}

/** Holds the young generation at its initial size; call first thing in the process. */
export function holdYoungGeneration(): void {
  setGrowth(1);
  state = 'held';
  setTimeout(releaseYoungGeneration, RELEASE_AFTER_MS).unref();
}

/** Start-up is over: the young generation grows with the load again, up to YOUNG_GENERATION_CAP_MIB. */
export function releaseYoungGeneration(): void {
  if (state !== 'held') return;
  if (youngGenerationMiB() >= YOUNG_GENERATION_CAP_MIB) return;
  state = 'growing';
  setGrowth(V8_DEFAULT_GROWTH_FACTOR);
  // Growth happens in a collection: look after each one, and stop it at the cap.
  const observer = new PerformanceObserver(() => {
    if (youngGenerationMiB() < YOUNG_GENERATION_CAP_MIB) return;
    setGrowth(1);
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}
