import { setFlagsFromString } from 'node:v8';

// V8 sizes its young generation (two semi-spaces) by how much survives a collection, doubling it up to 16 MiB a
// semi-space: 32 MiB of RSS. Module loading keeps nearly everything it allocates, so the gateway's start alone took it
// to the maximum (~8 MiB more RSS than the hand-written baseline at start), and a busy hour keeps it there. The
// gateway's working set between collections is small (the publish window, a read's frames), so a small young
// generation costs no CPU that `npm run bench` can tell apart from the noise (saturation, alternating runs) and saves
// up to ~30 MiB on a Pi. `--max-semi-space-size` cannot change once V8 runs, and `node bin/wiotp-gateway.js` passes
// no flags; V8 reads --semi-space-growth-factor each time it would grow (Node keeps flags writable for
// v8.setFlagsFromString), so a factor of 1 keeps the young generation at the size it starts with (~2 MiB).

/** Keeps V8's young generation at its start size for the life of the process; call first thing. */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
