import type { Reading } from '../codecs/decoder.js';
import { type DeviceRef, validateId } from '../protocol/ids.js';
import { fail, ok, type Result } from '../result.js';

/** Values a template can use: adapter variables (`port.path`, `address`, `slave`) and `reading.FIELD`. */
export type TemplateVars = Record<string, string | number | undefined>;

const PLACEHOLDER = /\{([A-Za-z0-9_.-]+)\}/g;

/** Fills `{name}` placeholders; the reason names the placeholder that has no value. */
export function fillTemplate(template: string, vars: TemplateVars, reading?: Reading): Result<string> {
  let missing: string | undefined;
  const text = template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = name.startsWith('reading.') ? reading?.[name.slice('reading.'.length)] : vars[name];
    if (value === undefined || value === null || typeof value === 'object') {
      missing ??= name;
      return '';
    }
    return String(value);
  });
  if (missing) return fail(`template "${template}": {${missing}} has no value for this frame`);
  return ok(text);
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
