import { config } from 'zod';

// The CLI parses its config, profiles and codec options once; zod's JIT would compile a function per object schema
// for that (`new Function`), kept for the life of the daemon: ~0.6 MiB of heap at start (measured: loadGatewayConfig
// and loadProfiles of the bench's config, heap after GC, 1.65 vs 1.03 MiB). Interpreted parsing is as correct.
config({ jitless: true });
