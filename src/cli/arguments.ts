import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

/** A mistake in how the command was called: printed as one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Commander parser for a non-negative integer option; names the option in its error. */
export function parseInteger(option: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${option} expects a non-negative integer, got "${value}"`);
    return Number(value);
  };
}

/** Commander parser that collects a repeatable option into an array. */
export function repeatable<T>(parse: (value: string) => T) {
  return (value: string, previous: T[] = []): T[] => {
    try {
      return [...previous, parse(value)];
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** The bytes of a file an option names, or a usage error naming the option, the file and why. */
export function readOptionFile(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`${option} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
