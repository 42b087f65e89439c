import { type FramingSpec, framingReservedBytes } from '../codecs/framing/framing-spec.js';
import { appendCrc16Modbus } from '../codecs/modbus/crc16-modbus.js';
import { nmeaChecksum } from '../codecs/nmea-checksum.js';
import { paramProblem } from '../config/param-rules.js';
import type { CommandRule } from '../config/profile-schema.js';
import { fail, ok, type Result } from '../result.js';

type Params = Record<string, string | number | boolean>;

const utf8 = new TextEncoder();

/** Names of the control bytes people meet on serial lines; others are shown as "control". */
const CONTROL_NAMES: Readonly<Record<number, string>> = { 0: 'NUL', 9: 'TAB', 10: 'LF', 13: 'CR', 27: 'ESC', 127: 'DEL' };

/** A `{checksum}` stand-in while a template is filled: values can never hold NUL (it is refused). */
const CHECKSUM_MARK = '\u0000';

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
  for (const name of Object.keys(given)) {
    // hasOwn, not `in`: "toString" or "__proto__" are no declared params.
    if (!Object.hasOwn(rule.params, name)) {
      const expected = Object.keys(rule.params).join(', ') || 'none';
      return fail(`command ${rule.commandId}: unknown param ${JSON.stringify(name)}; expected ${expected}`);
    }
  }
  const params: Params = {};
  for (const [name, spec] of Object.entries(rule.params)) {
    const raw = given[name];
    if (raw === undefined) {
      if (spec.required) return fail(`command ${rule.commandId}: param "${name}" is missing`);
      continue;
    }
    const problem = paramProblem(rule, name, spec, raw);
    if (problem) return fail(`command ${rule.commandId}: param "${name}" ${problem}`);
    params[name] = raw as string | number | boolean;
  }
  return ok(params);
}

/** Hex text ("0a ff"; whitespace ignored) as bytes; call it on text hexProblem accepted. */
function hexBytes(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));
}

/**
 * Turns a declared command into device bytes (before the profile's framing is applied). `target`
 * carries channel variables such as the Modbus slave address; `framing` is the profile's, whose
 * delimiter and escape bytes a param may not smuggle into the stream.
 */
export function encodeCommand(
  rule: CommandRule,
  payload: Uint8Array,
  target: Record<string, unknown> = {},
  framing?: FramingSpec,
): Result<Uint8Array> {
  const params = parseCommandParams(rule, payload);
  if (!params.ok) return params;
  const reserved = framingReservedBytes(framing);
  const reservedNote = `reserved by the ${framing?.kind} framing`;
  // Bytes the framing would not escape on the way out: all of them when the command goes unframed.
  const raw = rule.framed && reserved.escaped ? [] : reserved.bytes;
  const encode = rule.encode;
  switch (encode.kind) {
    case 'json': {
      for (const [name, value] of Object.entries(params.value)) {
        if (typeof value !== 'string') continue;
        // Control characters, quotes and backslashes go out escaped (below); anything else as it is.
        const at = firstByte(utf8.encode(value), (b) => raw.includes(b) && b >= 0x20 && b !== 0x22 && b !== 0x5c && b !== 0x7f);
        if (at) return refuse(rule, name, at, reservedNote, 'not allowed in a JSON command');
      }
      // DEL is the one control byte JSON leaves raw; escaped too, no control byte reaches the device.
      return ok(utf8.encode(JSON.stringify(params.value).replaceAll('\x7f', '\\u007f')));
    }
    case 'template': {
      let problem: string | undefined;
      const marked = encode.text.replace(/\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
        if (name === 'checksum') return CHECKSUM_MARK;
        const value = params.value[name];
        if (value === undefined) {
          problem ??= `command ${rule.commandId}: template needs param "${name}"`;
          return '';
        }
        const text = String(value);
        const at = firstByte(utf8.encode(text), (b) => b < 0x20 || b === 0x7f || reserved.bytes.includes(b));
        if (at) problem ??= refusal(rule, name, at, reservedNote, 'not allowed in a template');
        return text;
      });
      if (problem) return fail(problem);
      return ok(utf8.encode(marked.replaceAll(CHECKSUM_MARK, nmeaChecksum(marked.replaceAll(CHECKSUM_MARK, '')))));
    }
    case 'hex': {
      // Checked as hex bytes within minBytes…maxBytes by parseCommandParams.
      const bytes = hexBytes(String(params.value[encode.param] ?? ''));
      const at = firstByte(bytes, (b) => raw.includes(b));
      if (at) return refuse(rule, encode.param, at, reservedNote, 'the framing cannot carry it');
      return ok(bytes);
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
      const word = scaled < 0 ? scaled + 0x10000 : scaled;
      const frame = Uint8Array.of(slave, 0x06, encode.register >> 8, encode.register & 0xff, word >> 8, word & 0xff);
      return ok(appendCrc16Modbus(frame));
    }
  }
}

/** The first byte `refused` refuses, with its offset; undefined when there is none. */
function firstByte(bytes: Uint8Array, refused: (byte: number) => boolean): { byte: number; offset: number } | undefined {
  const offset = bytes.findIndex(refused);
  return offset === -1 ? undefined : { byte: bytes[offset] ?? 0, offset };
}

/** "command set-rate: param "name" contains byte 0x0d (CR) at offset 3; not allowed in a template". */
function refusal(
  rule: CommandRule,
  name: string,
  { byte, offset }: { byte: number; offset: number },
  reservedNote: string,
  why: string,
): string {
  const label = CONTROL_NAMES[byte] ?? (byte < 0x20 ? 'control' : reservedNote);
  return `command ${rule.commandId}: param "${name}" contains byte 0x${byte.toString(16).padStart(2, '0')} (${label}) at offset ${offset}; ${why}`;
}

function refuse(...args: Parameters<typeof refusal>): Result<never> {
  return fail(refusal(...args));
}
