import type { AdapterFactory } from '../adapter.js';
import { formatIssuePath, type SchemaProblem } from '../config/load.js';
import type { PluginInspection } from '../config/validate-config.js';
import type { AdapterCatalog } from '../pipeline/gateway.js';
import { importPlugin, type PluginModule } from '../plugin-host/import-plugin.js';
import { WorkerAdapter } from '../plugin-host/worker-adapter.js';

export { importPlugin, type PluginModule };

/** Loads a plugin for `validate`: that it imports, exports `createAdapter`, and how it checks its options. */
export async function inspectPlugin(specifier: string, baseDir: string): Promise<PluginInspection> {
  let plugin: PluginModule;
  try {
    plugin = await importPlugin(specifier, baseDir);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const schema = plugin.optionsSchema;
  if (typeof schema?.safeParse !== 'function') return { ok: true };
  return {
    ok: true,
    checkOptions(options: unknown): SchemaProblem[] {
      const parsed = schema.safeParse(options);
      if (parsed.success) return [];
      return parsed.error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message }));
    },
  };
}

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
      return (await importPlugin(specifier, baseDir)).createAdapter;
    },
    // Each plugin in a worker thread of its own: a throw from its timers or callbacks ends that thread only.
    isolatePlugin: (specifier, options, context) => WorkerAdapter.create({ specifier, baseDir, options, ...context }),
  };
}
