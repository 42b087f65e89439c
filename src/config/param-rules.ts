import type { CommandParam, CommandRule } from './profile-schema.js';

// The rules a command's params must keep, as pure code without dependencies: the gateway checks every
// command with them (src/pipeline/command-encoding.ts) and the web console's form gives the same
// feedback as one types (src/console/command-form.ts), so the two cannot drift apart.

/** Most characters a string param may have when its `maxLength` is not given. */
export const DEFAULT_PARAM_MAX_LENGTH = 64;

/** Most bytes a `hex` encoder's param may carry when its `maxBytes` is not given. */
export const DEFAULT_PARAM_MAX_BYTES = 64;

/** A param's `pattern` as the encoder applies it: the whole value must match (Unicode mode). */
export function compileParamPattern(pattern: string): RegExp {
  // Compiled alone first: "a)|(.*" would otherwise close the group and escape the anchors.
  new RegExp(pattern, 'u');
  return new RegExp(`^(?:${pattern})$`, 'u');
}

const patterns = new Map<string, RegExp>();

function patternOf(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) {
    pattern = compileParamPattern(source);
    patterns.set(source, pattern);
  }
  return pattern;
}

/** True for the param a `hex` encoder reads: limited in bytes (minBytes…maxBytes), not in characters. */
export function isHexParam(rule: Pick<CommandRule, 'encode'>, name: string): boolean {
  return rule.encode.kind === 'hex' && rule.encode.param === name;
}

/** What is wrong with one given value of a declared param, as the end of a sentence; undefined when it is fine. */
export function paramProblem(
  rule: Pick<CommandRule, 'encode'>,
  name: string,
  spec: CommandParam,
  raw: unknown,
): string | undefined {
  const expected = spec.type === 'integer' ? 'number' : spec.type;
  if (typeof raw !== expected || (spec.type === 'integer' && !Number.isInteger(raw))) {
    return `is ${JSON.stringify(raw)}; expected ${spec.type}`;
  }
  if (typeof raw === 'number' && ((spec.min !== undefined && raw < spec.min) || (spec.max !== undefined && raw > spec.max))) {
    return `is ${raw}; expected ${spec.min ?? '-∞'}…${spec.max ?? '∞'}`;
  }
  if (spec.enum && !spec.enum.includes(raw as string | number)) {
    return `is ${JSON.stringify(raw)}; expected one of ${spec.enum.join(', ')}`;
  }
  if (typeof raw !== 'string') return undefined;
  const hexParam = isHexParam(rule, name);
  if (hexParam) {
    const problem = hexProblem(spec, raw);
    if (problem) return problem;
  }
  const maxLength = spec.maxLength ?? (hexParam ? undefined : DEFAULT_PARAM_MAX_LENGTH);
  // Code points, not UTF-16 units; the cheap length bounds the count from above.
  if (maxLength !== undefined && raw.length > maxLength) {
    const length = [...raw].length;
    if (length > maxLength) return `is ${length} characters long; expected at most ${maxLength}`;
  }
  if (spec.pattern !== undefined && !patternOf(spec.pattern).test(raw)) {
    return `is ${JSON.stringify(raw)}; expected a value matching /${spec.pattern}/`;
  }
  return undefined;
}

/** What is wrong with the value of a hex encoder's param: not hex, or too few or many bytes. */
function hexProblem(spec: CommandParam, text: string): string | undefined {
  const digits = text.replace(/\s/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) return 'must be pairs of hex digits, e.g. "0a ff"';
  const count = digits.length / 2;
  const minBytes = spec.minBytes ?? 1;
  const maxBytes = spec.maxBytes ?? DEFAULT_PARAM_MAX_BYTES;
  return count < minBytes || count > maxBytes ? `has ${count} bytes; expected ${minBytes}…${maxBytes}` : undefined;
}
