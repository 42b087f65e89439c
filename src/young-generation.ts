import { setFlagsFromString } from 'node:v8';

// Module loading keeps nearly everything it allocates, and V8 reads that survival rate as "the young generation is
// too small": during the gateway's start it doubles the semi-spaces from 1 to 16 MiB (32 MiB reserved, ~8 MiB more RSS
// than the hand-written baseline keeps; measured with `bench/run.mjs`, RSS at start). What start-up allocates is read
// once; the steady state should size the young generation, so its growth is held while starting and allowed again
// after. V8 reads --semi-space-growth-factor each time it would grow (Node keeps flags writable after start for
// v8.setFlagsFromString); 2 is V8's default.
const V8_DEFAULT_GROWTH_FACTOR = 2;
// A command that never says it has started (a short one) still gets the default back.
const RELEASE_AFTER_MS = 60_000;

let held = false;

/** Holds the young generation at its initial size; call first thing in the process. */
export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
  setTimeout(releaseYoungGeneration, RELEASE_AFTER_MS).unref();
}

/** Start-up is over: the young generation grows with the load again. */
export function releaseYoungGeneration(): void {
  if (!held) return;
  held = false;
  setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
}
