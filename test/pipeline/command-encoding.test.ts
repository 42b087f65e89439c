import { describe, expect, it } from 'vitest';
import { type FramingSpec, framingSpecSchema } from '../../src/codecs/framing/framing-spec.js';
import { withNmeaChecksum } from '../../src/codecs/nmea-checksum.js';
import { type CommandRuleInput, commandRuleSchema, eventRuleSchema } from '../../src/config/profile-schema.js';
import { encodeCommand } from '../../src/pipeline/command-encoding.js';
import { fillTemplate, resolveDevice } from '../../src/pipeline/device-template.js';
import { mapReading } from '../../src/pipeline/event-mapping.js';

const rule = (input: unknown) => commandRuleSchema.parse(input);
const text = (r: ReturnType<typeof encodeCommand>) => (r.ok ? Buffer.from(r.value).toString('latin1') : `ERR ${r.reason}`);

describe('encodeCommand', () => {
  const pmtk = rule({
    commandId: 'set-rate',
    params: { interval: { type: 'integer', min: 100, max: 10000 } },
    encode: { kind: 'template', text: '$PMTK220,{interval}*{checksum}' },
  });

  it.each([
    { name: 'fills the template and the NMEA checksum', payload: '{"interval":1000}', expected: '$PMTK220,1000*1F' },
    { name: 'another documented PMTK checksum', payload: '{"interval":200}', expected: '$PMTK220,200*2C' },
    { name: 'refuses a missing param', payload: '{}', expected: 'ERR command set-rate: param "interval" is missing' },
    {
      name: 'refuses a value out of range',
      payload: '{"interval":5}',
      expected: 'ERR command set-rate: param "interval" is 5; expected 100…10000',
    },
    {
      name: 'refuses a non-integer',
      payload: '{"interval":1.5}',
      expected: 'ERR command set-rate: param "interval" is 1.5; expected integer',
    },
    {
      name: 'refuses an unknown param',
      payload: '{"interval":1000,"x":1}',
      expected: 'ERR command set-rate: unknown param "x"; expected interval',
    },
    {
      name: 'refuses a payload that is not JSON',
      payload: 'fast',
      expected: expect.stringMatching(/^ERR command set-rate: payload is not JSON/),
    },
  ])('$name', ({ payload, expected }) => {
    expect(text(encodeCommand(pmtk, Buffer.from(payload)))).toEqual(expected);
  });

  it('refuses a value outside an enum', () => {
    const led = rule({ commandId: 'led', params: { led: { type: 'string', enum: ['on', 'off'] } }, encode: { kind: 'json' } });
    expect(text(encodeCommand(led, Buffer.from('{"led":"on"}')))).toBe('{"led":"on"}');
    expect(text(encodeCommand(led, Buffer.from('{"led":"red"}')))).toBe(
      'ERR command led: param "led" is "red"; expected one of on, off',
    );
  });

  it('encodes a Modbus single-register write for the slave behind the channel, negative values as two’s complement', () => {
    const write = rule({
      commandId: 'offset',
      params: { value: { type: 'number' } },
      encode: { kind: 'modbus-write', register: 0x0101, scale: 0.1 },
    });
    const result = encodeCommand(write, Buffer.from('{"value":-1.5}'), { slave: 1 });
    // 01 06 0101 FFF1, CRC computed with a bitwise reference: 0x xx
    expect(result.ok && Buffer.from(result.value).subarray(0, 6).toString('hex')).toBe('01060101fff1');
    expect(text(encodeCommand(write, Buffer.from('{"value":9999}'), { slave: 1 }))).toMatch(/does not fit a 16-bit register/);
    expect(text(encodeCommand(write, Buffer.from('{"value":1}'), {}))).toMatch(/slave address is undefined; expected 1–247/);
  });

  it('encodes hex bytes', () => {
    const hex = rule({ commandId: 'raw', params: { hex: { type: 'string' } }, encode: { kind: 'hex' } });
    expect(encodeCommand(hex, Buffer.from('{"hex":"0a ff"}'))).toEqual({ ok: true, value: Uint8Array.of(0x0a, 0xff) });
    expect(text(encodeCommand(hex, Buffer.from('{"hex":"0g"}')))).toMatch(/must be pairs of hex digits/);
  });
});

const slip = framingSpecSchema.parse({ kind: 'slip' });
const cobs = framingSpecSchema.parse({ kind: 'cobs' });
const lines = framingSpecSchema.parse({ kind: 'delimiter', delimiter: '\n' });
const crlf = framingSpecSchema.parse({ kind: 'delimiter', delimiter: '\r\n' });
const semicolons = framingSpecSchema.parse({ kind: 'delimiter', delimiter: ';' });

interface Case {
  name: string;
  rule: CommandRuleInput;
  payload: unknown;
  framing?: FramingSpec;
  /** Text (compared as UTF-8) or bytes for an encoded command; "ERR reason" for a refusal. */
  expected: string | Uint8Array;
}

const led: CommandRuleInput = {
  commandId: 'led',
  params: { led: { type: 'string', enum: ['on', 'off'] }, level: { type: 'integer', required: false } },
  encode: { kind: 'json' },
};
const label: CommandRuleInput = {
  commandId: 'set-name',
  params: { name: { type: 'string' } },
  encode: { kind: 'template', text: '$NAME,{name}*{checksum}' },
};
const raw = (params: Record<string, unknown> = {}, framed = true): CommandRuleInput => ({
  commandId: 'raw',
  params: { hex: { type: 'string', ...params } },
  encode: { kind: 'hex' },
  framed,
});

describe('encodeCommand refuses what the profile does not declare, naming the param', () => {
  const cases: Case[] = [
    {
      name: 'json: an extra param is refused, not passed to the firmware',
      rule: led,
      payload: { led: 'on', reboot: true },
      expected: 'ERR command led: unknown param "reboot"; expected led, level',
    },
    {
      name: 'json: a param named like an Object.prototype member is no declared param',
      rule: led,
      payload: { led: 'on', toString: 1 },
      expected: 'ERR command led: unknown param "toString"; expected led, level',
    },
    {
      name: 'json: "__proto__" as a key is refused too',
      rule: led,
      payload: JSON.parse('{"led":"on","__proto__":{"reboot":true}}'),
      expected: 'ERR command led: unknown param "__proto__"; expected led, level',
    },
    {
      name: 'json: the payload is built from declared params, in declared order, optional ones left out',
      rule: led,
      payload: { led: 'off' },
      expected: '{"led":"off"}',
    },
    {
      name: 'json: control characters in a string go out escaped, never as raw bytes',
      rule: { commandId: 'say', params: { text: { type: 'string' } }, encode: { kind: 'json' } },
      payload: { text: 'a\r\nb' },
      framing: lines,
      expected: '{"text":"a\\r\\nb"}',
    },
    {
      name: 'json: DEL goes out escaped as well',
      rule: { commandId: 'say', params: { text: { type: 'string' } }, encode: { kind: 'json' } },
      payload: { text: 'a\u007f' },
      expected: '{"text":"a\\u007f"}',
    },
    {
      name: 'json: a printable delimiter inside a string value is refused',
      rule: { commandId: 'say', params: { text: { type: 'string' } }, encode: { kind: 'json' } },
      payload: { text: 'a;b' },
      framing: semicolons,
      expected:
        'ERR command say: param "text" contains byte 0x3b (reserved by the delimiter framing) at offset 1; not allowed in a JSON command',
    },
    {
      name: 'a command without params refuses any param',
      rule: { commandId: 'ping', encode: { kind: 'json' } },
      payload: { now: true },
      expected: 'ERR command ping: unknown param "now"; expected none',
    },
    {
      name: 'string: 64 characters by default',
      rule: label,
      payload: { name: 'x'.repeat(64) },
      expected: withNmeaChecksum(`$NAME,${'x'.repeat(64)}`),
    },
    {
      name: 'string: 65 characters are refused by default',
      rule: label,
      payload: { name: 'x'.repeat(65) },
      expected: 'ERR command set-name: param "name" is 65 characters long; expected at most 64',
    },
    {
      name: 'string: maxLength counts characters, not UTF-16 units',
      rule: { ...label, params: { name: { type: 'string', maxLength: 2 } } },
      payload: { name: '😀😀' },
      expected: withNmeaChecksum('$NAME,😀😀'),
    },
    {
      name: 'string: a pattern must match the whole value',
      rule: { ...label, params: { name: { type: 'string', pattern: '[a-z]+' } } },
      payload: { name: 'abc!' },
      expected: 'ERR command set-name: param "name" is "abc!"; expected a value matching /[a-z]+/',
    },
    {
      name: 'template: CR is refused, naming the param, the byte and its offset',
      rule: label,
      payload: { name: 'abc\rdef' },
      expected: 'ERR command set-name: param "name" contains byte 0x0d (CR) at offset 3; not allowed in a template',
    },
    {
      name: 'template: LF is refused',
      rule: label,
      payload: { name: '\n' },
      framing: crlf,
      expected: 'ERR command set-name: param "name" contains byte 0x0a (LF) at offset 0; not allowed in a template',
    },
    {
      name: 'template: NUL is refused',
      rule: label,
      payload: { name: 'a\u0000' },
      expected: 'ERR command set-name: param "name" contains byte 0x00 (NUL) at offset 1; not allowed in a template',
    },
    {
      name: 'template: other control bytes below 0x20 are refused',
      rule: label,
      payload: { name: '\u001f' },
      expected: 'ERR command set-name: param "name" contains byte 0x1f (control) at offset 0; not allowed in a template',
    },
    {
      name: 'template: DEL (0x7f) is refused',
      rule: label,
      payload: { name: 'ab\u007f' },
      expected: 'ERR command set-name: param "name" contains byte 0x7f (DEL) at offset 2; not allowed in a template',
    },
    {
      name: 'template: the framing delimiter is refused',
      rule: label,
      payload: { name: 'a;b' },
      framing: semicolons,
      expected:
        'ERR command set-name: param "name" contains byte 0x3b (reserved by the delimiter framing) at offset 1; not allowed in a template',
    },
    {
      name: 'template: SLIP ESC (0xDB, the lead byte of U+06C0) is refused under SLIP framing',
      rule: label,
      payload: { name: 'ۀ' },
      framing: slip,
      expected:
        'ERR command set-name: param "name" contains byte 0xdb (reserved by the slip framing) at offset 0; not allowed in a template',
    },
    {
      name: 'template: the same character is fine where the framing gives 0xDB no meaning',
      rule: label,
      payload: { name: 'ۀ' },
      framing: lines,
      expected: withNmeaChecksum('$NAME,ۀ'),
    },
    {
      name: 'template: a value spelling "{checksum}" stays literal text',
      rule: label,
      payload: { name: '{checksum}' },
      expected: withNmeaChecksum('$NAME,{checksum}'),
    },
    {
      name: 'hex: at most 64 bytes by default',
      rule: raw(),
      payload: { hex: '00'.repeat(65) },
      expected: 'ERR command raw: param "hex" has 65 bytes; expected 1…64',
    },
    {
      name: 'hex: 64 bytes by default are fine',
      rule: raw(),
      payload: { hex: 'ab'.repeat(64) },
      expected: new Uint8Array(64).fill(0xab),
    },
    {
      name: 'hex: no bytes at all is refused',
      rule: raw(),
      payload: { hex: '' },
      expected: 'ERR command raw: param "hex" has 0 bytes; expected 1…64',
    },
    {
      name: 'hex: minBytes and maxBytes from the profile',
      rule: raw({ minBytes: 2, maxBytes: 2 }),
      payload: { hex: '01' },
      expected: 'ERR command raw: param "hex" has 1 bytes; expected 2…2',
    },
    {
      name: 'hex: a long hex string is limited by maxBytes, not by the default maxLength',
      rule: raw({ maxBytes: 100 }),
      payload: { hex: 'ff '.repeat(100) },
      expected: new Uint8Array(100).fill(0xff),
    },
    {
      name: 'hex: a delimiter byte is refused under a delimiter framing, which cannot escape it',
      rule: raw(),
      payload: { hex: '01 0a 02' },
      framing: lines,
      expected: 'ERR command raw: param "hex" contains byte 0x0a (LF) at offset 1; the framing cannot carry it',
    },
    {
      name: 'hex: SLIP END goes out escaped by the framing',
      rule: raw(),
      payload: { hex: 'c0' },
      framing: slip,
      expected: Uint8Array.of(0xc0),
    },
    {
      name: 'hex: a COBS zero byte is refused when the command goes out unframed',
      rule: raw({}, false),
      payload: { hex: '0100' },
      framing: cobs,
      expected: 'ERR command raw: param "hex" contains byte 0x00 (NUL) at offset 1; the framing cannot carry it',
    },
  ];

  it.each(cases)('$name', ({ rule: input, payload, framing, expected }) => {
    const result = encodeCommand(rule(input), Buffer.from(JSON.stringify(payload)), {}, framing);
    if (!result.ok) expect(`ERR ${result.reason}`).toBe(expected);
    else expect(Buffer.from(result.value)).toEqual(Buffer.from(expected));
  });
});

describe('device templates and event mapping', () => {
  it('fills port, slave and reading placeholders and validates the result', () => {
    expect(fillTemplate('th-{port.name}-{slave}', { 'port.name': 'ttyUSB0', slave: 3 })).toEqual({
      ok: true,
      value: 'th-ttyUSB0-3',
    });
    expect(resolveDevice({ typeId: 't', deviceId: '{reading.id}' }, {}, { id: 'a/b' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/"\/"/),
    });
    expect(resolveDevice({ typeId: 't', deviceId: '{port.serialNumber}' }, {})).toEqual({
      ok: false,
      reason:
        'device deviceId: template "{port.serialNumber}": {port.serialNumber} has no value for this frame; the channel has no variables',
    });
  });

  it('maps readings to events by "when" and keeps only the listed fields', () => {
    const rules = [
      eventRuleSchema.parse({ eventId: 'position', when: { sentence: 'GGA' }, fields: ['latitude'] }),
      eventRuleSchema.parse({ eventId: 'any-fix', when: { sentence: ['GGA', 'RMC'] } }),
    ];
    expect(mapReading(rules, { sentence: 'GGA', latitude: 1, longitude: 2 })).toEqual([
      { eventId: 'position', format: 'json', payload: { latitude: 1 } },
      { eventId: 'any-fix', format: 'json', payload: { sentence: 'GGA', latitude: 1, longitude: 2 } },
    ]);
    expect(mapReading(rules, { sentence: 'GSV' })).toEqual([]);
  });
});
