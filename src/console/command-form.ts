import { DEFAULT_PARAM_MAX_BYTES, DEFAULT_PARAM_MAX_LENGTH, isHexParam, paramProblem } from '../config/param-rules.js';
import type { CommandRule } from '../http/console-api.js';

/** One declared param of a command. */
export type CommandParam = CommandRule['params'][string];

/** The form's values: text for inputs and selects, true/false for checkboxes. */
export type FormValues = Record<string, string | boolean>;

/** The params a form makes, and per param what is wrong with it (as the gateway would say it). */
export interface FormCheck {
  params: Record<string, string | number | boolean>;
  errors: Record<string, string>;
}

/** How the form asks for a param. */
export type ParamInput =
  | { kind: 'checkbox' }
  | { kind: 'select'; options: string[] }
  | { kind: 'number'; step: 'any' | '1'; min?: number; max?: number }
  | { kind: 'text'; maxLength?: number; hint?: string };

/** The input a param needs: its enum as a select, a boolean as a checkbox (a select when optional), numbers, text. */
export function inputFor(rule: CommandRule, name: string, spec: CommandParam): ParamInput {
  if (spec.enum) return { kind: 'select', options: [...(spec.required ? [] : ['']), ...spec.enum.map(String)] };
  if (spec.type === 'boolean') return spec.required ? { kind: 'checkbox' } : { kind: 'select', options: ['', 'true', 'false'] };
  if (spec.type === 'number' || spec.type === 'integer') {
    return { kind: 'number', step: spec.type === 'integer' ? '1' : 'any', min: spec.min, max: spec.max };
  }
  if (isHexParam(rule, name)) {
    return {
      kind: 'text',
      hint: `hex bytes, e.g. "0a ff" (${spec.minBytes ?? 1}…${spec.maxBytes ?? DEFAULT_PARAM_MAX_BYTES} bytes)`,
    };
  }
  return {
    kind: 'text',
    maxLength: spec.maxLength ?? DEFAULT_PARAM_MAX_LENGTH,
    ...(spec.pattern ? { hint: `matching /${spec.pattern}/` } : {}),
  };
}

/**
 * Turns form values into a command's params and checks each by the rules the gateway applies
 * (src/config/param-rules.ts), for feedback as one types; the gateway checks everything again on sending.
 */
export function checkForm(rule: CommandRule, values: FormValues): FormCheck {
  const params: FormCheck['params'] = {};
  const errors: FormCheck['errors'] = {};
  for (const [name, spec] of Object.entries(rule.params)) {
    const value = formValue(spec, values[name]);
    if (value === undefined) {
      if (spec.required) errors[name] = 'is missing';
      continue;
    }
    const problem = paramProblem(rule, name, spec, value);
    if (problem) errors[name] = problem;
    else params[name] = value;
  }
  return { params, errors };
}

/**
 * The value a field holds as the param's type: numbers parsed, "true"/"false" as booleans; undefined when empty.
 * Text that is no finite number stays text ("Infinity", "1e999"): JSON has no infinities, the gateway would get null.
 */
export function formValue(spec: CommandParam, given: string | boolean | undefined): string | number | boolean | undefined {
  if (typeof given === 'boolean') return given;
  if (given === undefined) return spec.type === 'boolean' && spec.required ? false : undefined;
  if (given === '' && (spec.type !== 'string' || !spec.required)) return undefined;
  if (spec.type === 'boolean') return given === 'true' ? true : given === 'false' ? false : given;
  if (spec.type === 'number' || spec.type === 'integer') {
    const text = given.trim();
    const number = Number(text);
    return text === '' || !Number.isFinite(number) ? given : number;
  }
  return given;
}
