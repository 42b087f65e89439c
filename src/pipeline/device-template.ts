import type { Reading } from '../codecs/decoder.js';
import type { TemplateVars } from '../config/template-variables.js';
import { type DeviceRef, validateId } from '../protocol/ids.js';
import { fail, ok, type Result } from '../result.js';

export type { TemplateVars } from '../config/template-variables.js';

const PLACEHOLDER = /\{([A-Za-z0-9_.-]+)\}/g;

type Part = { literal: string } | { reading: string } | { variable: string };

const compiled = new Map<string, Part[]>();

/** Splits a template once into literal and placeholder parts (templates are filled for every frame). */
function compile(template: string): Part[] {
  let parts = compiled.get(template);
  if (parts) return parts;
  parts = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ literal: template.slice(last, match.index) });
    const name = match[1] ?? '';
    parts.push(name.startsWith('reading.') ? { reading: name.slice('reading.'.length) } : { variable: name });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  compiled.set(template, parts);
  return parts;
}

/** Fills `{name}` placeholders; the reason names the placeholder that has no value. */
export function fillTemplate(template: string, vars: TemplateVars, reading?: Reading): Result<string> {
  let text = '';
  for (const part of compile(template)) {
    if ('literal' in part) {
      text += part.literal;
      continue;
    }
    const value = 'reading' in part ? reading?.[part.reading] : vars[part.variable];
    if (value === undefined || value === null || typeof value === 'object') {
      const name = 'reading' in part ? `reading.${part.reading}` : part.variable;
      return fail(`template "${template}": {${name}} has no value for this frame; ${whatThereIs(part, vars, reading)}`);
    }
    text += String(value);
  }
  return ok(text);
}

/** The fields a frame has (for a `{reading.X}` typo) or the variables its channel has, for the reason of a miss. */
function whatThereIs(part: { reading: string } | { variable: string }, vars: TemplateVars, reading?: Reading): string {
  if ('reading' in part) {
    const fields = Object.keys(reading ?? {}).filter((field) => isScalar(reading?.[field]));
    return fields.length ? `the frame has ${fields.map((field) => `reading.${field}`).join(', ')}` : 'the frame has no fields';
  }
  const names = Object.keys(vars).filter((name) => vars[name] !== undefined);
  return names.length ? `the channel has ${names.join(', ')}` : 'the channel has no variables';
}

function isScalar(value: unknown): boolean {
  return value !== undefined && value !== null && typeof value !== 'object';
}

/** The device template for frames of one channel: a port's `deviceId` or a Modbus slave's overrides the profile's. */
export function deviceTemplateFor(
  device: { typeId: string; deviceId: string },
  channel: { deviceId?: string },
): { typeId: string; deviceId: string } {
  return channel.deviceId === undefined ? device : { typeId: device.typeId, deviceId: channel.deviceId };
}

/** Resolves a profile's device template into a validated DeviceRef. */
export function resolveDevice(
  template: { typeId: string; deviceId: string },
  vars: TemplateVars,
  reading?: Reading,
): Result<DeviceRef> {
  const typeId = fillTemplate(template.typeId, vars, reading);
  if (!typeId.ok) return fail(`device typeId: ${typeId.reason}`);
  const deviceId = fillTemplate(template.deviceId, vars, reading);
  if (!deviceId.ok) return fail(`device deviceId: ${deviceId.reason}`);
  const type = validateId('typeId', typeId.value);
  if (!type.ok) return type;
  const id = validateId('deviceId', deviceId.value);
  if (!id.ok) return id;
  return ok({ typeId: typeId.value, deviceId: deviceId.value });
}
