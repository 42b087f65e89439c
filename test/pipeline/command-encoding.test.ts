import { describe, expect, it } from 'vitest';
import { commandRuleSchema, eventRuleSchema } from '../../src/config/profile-schema.js';
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
    expect(encodeCommand(hex, Buffer.from('{"hex":"0a ff"}'))).toEqual({ ok: true, value: Buffer.from([0x0a, 0xff]) });
    expect(text(encodeCommand(hex, Buffer.from('{"hex":"0g"}')))).toMatch(/must be hex bytes/);
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
