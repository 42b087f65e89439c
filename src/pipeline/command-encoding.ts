import { appendCrc16Modbus } from '../codecs/modbus/crc16-modbus.js';
import { nmeaChecksum } from '../codecs/nmea-checksum.js';
import type { CommandRule } from '../config/profile-schema.js';
import { fail, ok, type Result } from '../result.js';

type Params = Record<string, string | number | boolean>;

/** Parses and checks a command payload against the rule's declared params; the reason names the param. */
export function parseCommandParams(rule: CommandRule, payload: Uint8Array): Result<Params> {
  let value: unknown = {};
  const text = Buffer.from(payload).toString('utf8').trim();
  if (text.length > 0) {
    try {
      value = JSON.parse(text);
    } catch (error) {
      return fail(`command ${rule.commandId}: payload is not JSON (${(error as Error).message})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`command ${rule.commandId}: payload must be a JSON object`);
  }
  const given = value as Record<string, unknown>;
  const params: Params = {};
  for (const name of Object.keys(given)) {
    if (!(name in rule.params) && rule.encode.kind !== 'json') {
      return fail(
        `command ${rule.commandId}: unknown param "${name}"; expected ${Object.keys(rule.params).join(', ') || 'none'}`,
      );
    }
  }
  for (const [name, spec] of Object.entries(rule.params)) {
    const raw = given[name];
    if (raw === undefined) {
      if (spec.required) return fail(`command ${rule.commandId}: param "${name}" is missing`);
      continue;
    }
    const expected = spec.type === 'integer' ? 'number' : spec.type;
    if (typeof raw !== expected || (spec.type === 'integer' && !Number.isInteger(raw))) {
      return fail(`command ${rule.commandId}: param "${name}" is ${JSON.stringify(raw)}; expected ${spec.type}`);
    }
    if (typeof raw === 'number' && ((spec.min !== undefined && raw < spec.min) || (spec.max !== undefined && raw > spec.max))) {
      return fail(`command ${rule.commandId}: param "${name}" is ${raw}; expected ${spec.min ?? '-∞'}…${spec.max ?? '∞'}`);
    }
    if (spec.enum && !spec.enum.includes(raw as string | number)) {
      return fail(
        `command ${rule.commandId}: param "${name}" is ${JSON.stringify(raw)}; expected one of ${spec.enum.join(', ')}`,
      );
    }
    params[name] = raw as string | number | boolean;
  }
  if (rule.encode.kind === 'json') return ok(given as Params);
  return ok(params);
}

/**
 * Turns a declared command into device bytes (before the profile's framing is applied).
 * `target` carries channel variables such as the Modbus slave address.
 */
export function encodeCommand(rule: CommandRule, payload: Uint8Array, target: Record<string, unknown> = {}): Result<Uint8Array> {
  const params = parseCommandParams(rule, payload);
  if (!params.ok) return params;
  const encode = rule.encode;
  switch (encode.kind) {
    case 'json':
      return ok(Buffer.from(JSON.stringify(params.value)));
    case 'template': {
      let missing: string | undefined;
      const text = encode.text.replace(/\{([A-Za-z0-9_]+)\}/g, (match, name: string) => {
        if (name === 'checksum') return match;
        const value = params.value[name];
        if (value === undefined) missing ??= name;
        return String(value ?? '');
      });
      if (missing) return fail(`command ${rule.commandId}: template needs param "${missing}"`);
      return ok(Buffer.from(text.replace('{checksum}', nmeaChecksum(text))));
    }
    case 'hex': {
      const hex = params.value[encode.param];
      if (typeof hex !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(hex.replace(/\s/g, ''))) {
        return fail(`command ${rule.commandId}: param "${encode.param}" must be hex bytes`);
      }
      return ok(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
    }
    case 'modbus-write': {
      const slave = target[encode.slaveParam] ?? params.value[encode.slaveParam];
      const value = params.value[encode.valueParam];
      if (typeof slave !== 'number' || slave < 1 || slave > 247)
        return fail(`command ${rule.commandId}: slave address is ${slave}; expected 1–247`);
      if (typeof value !== 'number') return fail(`command ${rule.commandId}: param "${encode.valueParam}" must be a number`);
      const scaled = Math.round(value / encode.scale);
      if (scaled < -0x8000 || scaled > 0xffff) {
        return fail(`command ${rule.commandId}: ${value} does not fit a 16-bit register at scale ${encode.scale}`);
      }
      // Negative values go out as two's complement, as signed registers hold them.
      const raw = scaled < 0 ? scaled + 0x10000 : scaled;
      const frame = Uint8Array.of(slave, 0x06, encode.register >> 8, encode.register & 0xff, raw >> 8, raw & 0xff);
      return ok(appendCrc16Modbus(frame));
    }
  }
}
