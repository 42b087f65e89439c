import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdapterFactory } from '../adapter.js';
import { formatIssuePath, type SchemaProblem } from '../config/load.js';
import type { PluginInspection } from '../config/validate-config.js';
import type { AdapterCatalog } from '../pipeline/gateway.js';

/** What a plugin module may export: `createAdapter` (required) and an options schema with zod's `safeParse`. */
export interface PluginModule {
  createAdapter: AdapterFactory;
  optionsSchema?: {
    safeParse(
      data: unknown,
    ): { success: true } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  };
}

/** Imports a plugin by npm name or path (relative to `baseDir`); the error says what is wrong with it. */
export async function importPlugin(specifier: string, baseDir = process.cwd()): Promise<PluginModule> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  if (isPath && ['.ts', '.mts', '.cts'].includes(extname(specifier)))
    throw new Error(`plugin ${specifier} is TypeScript; Node loads JavaScript only: build it (tsc) and name the .js file`);
  const target = isPath ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
  let module: Record<string, unknown> & { default?: Record<string, unknown> };
  try {
    module = (await import(target)) as typeof module;
  } catch (error) {
    throw new Error(`plugin ${specifier} cannot be loaded: ${(error as Error).message}`);
  }
  const exports = typeof module.createAdapter === 'function' ? module : (module.default ?? module);
  if (typeof exports.createAdapter !== 'function') {
    const names = Object.keys(module).join(', ') || 'nothing';
    throw new Error(`plugin ${specifier} does not export a createAdapter function (it exports ${names})`);
  }
  return exports as unknown as PluginModule;
}

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
  };
}
