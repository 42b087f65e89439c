import type { Adapter, AdapterContext, AdapterFactory } from '../adapter.js';
import type { HardwareProfile } from '../config/profile-schema.js';

/** A factory returned something that is not an Adapter; the message names what is missing. */
export class AdapterShapeError extends Error {
  override readonly name = 'AdapterShapeError';
}

/** What is wrong with something a factory returned instead of an Adapter, or undefined when it is one. */
export function adapterProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `${value === null ? 'null' : typeof value}, expected an Adapter object`;
  const candidate = value as Record<string, unknown>;
  const missing = [
    ...['frames$', 'rejects$', 'status$'].filter(
      (key) => typeof (candidate[key] as { subscribe?: unknown } | undefined)?.subscribe !== 'function',
    ),
    ...['start', 'close'].filter((key) => typeof candidate[key] !== 'function').map((key) => `${key}()`),
  ];
  if (typeof candidate.name !== 'string') missing.unshift('name');
  return missing.length ? `an object without ${missing.join(', ')} (see docs/plugins.md)` : undefined;
}

/** The `profile(name)` of an AdapterContext: an unknown name fails naming the known ones. */
export function profileLookup(profiles: ReadonlyMap<string, HardwareProfile>): AdapterContext['profile'] {
  return (name) => {
    const profile = profiles.get(name);
    if (!profile) throw new Error(`no hardware profile named "${name}"; known: ${[...profiles.keys()].join(', ')}`);
    return profile;
  };
}

/** Calls an adapter factory; what it throws passes through, and a return value that is no Adapter is refused. */
export function createAdapterChecked(factory: AdapterFactory, options: unknown, context: AdapterContext): Adapter {
  const adapter: unknown = factory(options, context);
  const problem = adapterProblem(adapter);
  if (problem) throw new AdapterShapeError(`createAdapter returned ${problem}`);
  return adapter as Adapter;
}
