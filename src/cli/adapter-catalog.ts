import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdapterFactory } from '../adapter.js';
import type { AdapterCatalog } from '../pipeline/gateway.js';

/** The adapters this build ships, plus plugin loading by npm name or path (relative to `baseDir`). */
export function builtInCatalog(baseDir = process.cwd()): AdapterCatalog {
  return {
    builtIn: {
      serial: async () => (await import('../../adapters/serial/serial-adapter.js')).createSerialAdapter as AdapterFactory,
      simulated: async () =>
        (await import('../../adapters/simulated/simulated-adapter.js')).createSimulatedAdapter as AdapterFactory,
      ble: async () => (await import('../../adapters/ble/ble-adapter.js')).createBleAdapter as AdapterFactory,
    },
    async loadPlugin(specifier: string): Promise<AdapterFactory> {
      const isPath = specifier.startsWith('.') || isAbsolute(specifier);
      const target = isPath ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
      const module = (await import(target)) as { createAdapter?: unknown; default?: { createAdapter?: unknown } };
      const factory = module.createAdapter ?? module.default?.createAdapter;
      if (typeof factory !== 'function') throw new Error(`plugin ${specifier} does not export a createAdapter function`);
      return factory as AdapterFactory;
    },
  };
}
