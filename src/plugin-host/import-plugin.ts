import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdapterFactory } from '../adapter.js';

/** What a plugin module may export: `createAdapter` (required) and an options schema with zod's `safeParse`. */
export interface PluginModule {
  createAdapter: AdapterFactory;
  optionsSchema?: {
    safeParse(
      data: unknown,
    ): { success: true } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  };
}

/**
 * Imports a plugin by npm name or path (relative to `baseDir`); the error says what is wrong with it.
 * The gateway and its plugin worker threads both load plugins here, so a name resolves the same in both.
 */
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
