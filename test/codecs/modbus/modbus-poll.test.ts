import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../src/codecs/decoder.js';
import {
  decodePollResponse,
  modbusPollOptionsSchema,
  type PollRequest,
  planPolls,
} from '../../../src/codecs/modbus/modbus-poll.js';
import { type ModbusResponse, parseResponse } from '../../../src/codecs/modbus/modbus-rtu.js';
import type { Result } from '../../../src/result.js';
import { toHex, withReferenceCrc } from './modbus-test-bytes.js';

/** Two slaves: a thermostat with float32 readings, coils and a counter; a meter with little-endian words. */
const schedule = {
  intervalMs: 5000,
  slaves: [
    {
      address: 1,
      deviceId: 'thermo-1',
      reads: [
        {
          function: 'holding',
          address: 0,
          count: 4,
          fields: [
            { name: 'temperature', register: 0, type: 'f32' },
            { name: 'humidity', register: 2, type: 'f32' },
          ],
        },
        {
          function: 'coils',
          address: 16,
          count: 3,
          fields: [
            { name: 'heater', register: 0, type: 'bool' },
            { name: 'fan', register: 2, type: 'bool' },
          ],
        },
        {
          function: 'holding',
          address: 200,
          count: 2,
          fields: [{ name: 'runtime', register: 0, type: 'u32' }],
        },
      ],
    },
    {
      address: 2,
      reads: [
        {
          function: 'input',
          address: 100,
          count: 6,
          fields: [
            { name: 'pressure', register: 0, type: 'f32', wordOrder: 'little' },
            { name: 'energy', register: 2, type: 'i32', wordOrder: 'little' },
            { name: 'outdoor', register: 4, type: 'i16', scale: 0.1 },
            { name: 'battery', register: 5, type: 'u16', scale: 0.01, add: 1 },
          ],
        },
      ],
    },
  ],
};

function plan(): PollRequest[] {
  const parsed = modbusPollOptionsSchema.safeParse(schedule);
  if (!parsed.success) throw new Error(`test schedule should be valid: ${parsed.error.message}`);
  return planPolls(parsed.data);
}

/** Checks the frame against the poll's request, then names its fields: what a poller does. */
function decodeFrame(poll: PollRequest, frame: Uint8Array): Result<Reading> {
  const response = parseResponse(frame, poll.request);
  return response.ok ? decodePollResponse(poll, response.value) : response;
}

describe('modbusPollOptionsSchema', () => {
  it('fills in the defaults', () => {
    const parsed = modbusPollOptionsSchema.parse(schedule);
    expect(parsed.responseTimeoutMs).toBe(1000);
    expect(parsed.slaves[0]?.reads[0]?.fields[0]?.wordOrder).toBe('big');
  });

  const slave1 = schedule.slaves[0];
  const read0 = slave1?.reads[0];
  const withRead = (read: object) => ({ ...schedule, slaves: [{ ...slave1, reads: [read] }] });

  it.each([
    {
      name: 'a misspelt top-level key',
      input: { ...schedule, intervalMS: 5 },
      expected: ': Unrecognized key: "intervalMS"',
    },
    {
      name: 'slave address 0',
      input: { ...schedule, slaves: [{ ...slave1, address: 0 }] },
      expected: 'slaves.0.address:',
    },
    {
      name: 'slave address 248',
      input: { ...schedule, slaves: [{ ...slave1, address: 248 }] },
      expected: 'slaves.0.address:',
    },
    {
      name: 'the same slave twice',
      input: { ...schedule, slaves: [slave1, slave1] },
      expected: 'slaves.1.address: slave address 1 is listed twice',
    },
    {
      name: 'an unknown read function',
      input: withRead({ ...read0, function: 'registers' }),
      expected: 'slaves.0.reads.0.function:',
    },
    {
      name: '126 holding registers',
      input: withRead({ ...read0, count: 126 }),
      expected: 'slaves.0.reads.0.count: holding reads: expected at most 125',
    },
    {
      name: 'a float32 field running past the read',
      input: withRead({ ...read0, count: 3 }),
      expected: 'slaves.0.reads.0.fields.1.register: field "humidity" needs offsets 2..3, the read covers 0..2',
    },
    {
      name: 'a bool field in a register read',
      input: withRead({ ...read0, fields: [{ name: 'on', register: 0, type: 'bool' }] }),
      expected: 'slaves.0.reads.0.fields.0.type: holding reads: expected u16, i16, u32, i32 or f32',
    },
    {
      name: 'a number field in a coils read',
      input: withRead({
        function: 'coils',
        address: 0,
        count: 2,
        fields: [{ name: 'x', register: 0, type: 'u16' }],
      }),
      expected: 'slaves.0.reads.0.fields.0.type: coils reads: expected bool',
    },
    {
      name: 'a field name used twice on one slave',
      input: { ...schedule, slaves: [{ ...slave1, reads: [read0, read0] }] },
      expected: 'slaves.0.reads.1.fields.0.name: field name "temperature" is already used for slave 1 (or reserved)',
    },
    {
      name: 'a field named "slave"',
      input: withRead({ ...read0, fields: [{ name: 'slave', register: 0, type: 'u16' }] }),
      expected: 'slaves.0.reads.0.fields.0.name: field name "slave" is already used for slave 1 (or reserved)',
    },
    {
      name: 'an unknown word order',
      input: withRead({ ...read0, fields: [{ name: 't', register: 0, type: 'f32', wordOrder: 'middle' }] }),
      expected: 'slaves.0.reads.0.fields.0.wordOrder:',
    },
  ])('rejects $name', ({ input, expected }) => {
    const parsed = modbusPollOptionsSchema.safeParse(input);
    const issues = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(
      issues.find((issue) => issue.startsWith(expected)),
      `issues were:\n${issues.join('\n')}`,
    ).toBeDefined();
  });
});

describe('planPolls', () => {
  it('lists the slaves taking turns: first read of each, then the second, then the third', () => {
    expect(plan().map((p) => ({ slave: p.slave, deviceId: p.deviceId, bytes: toHex(p.bytes) }))).toEqual([
      { slave: 1, deviceId: 'thermo-1', bytes: toHex(withReferenceCrc('01 03 00 00 00 04')) },
      { slave: 2, deviceId: undefined, bytes: toHex(withReferenceCrc('02 04 00 64 00 06')) },
      { slave: 1, deviceId: 'thermo-1', bytes: toHex(withReferenceCrc('01 01 00 10 00 03')) },
      { slave: 1, deviceId: 'thermo-1', bytes: toHex(withReferenceCrc('01 03 00 C8 00 02')) },
    ]);
  });

  it('carries each read’s fields for decoding', () => {
    expect(plan().map((p) => p.fields.map((f) => f.name))).toEqual([
      ['temperature', 'humidity'],
      ['pressure', 'energy', 'outdoor', 'battery'],
      ['heater', 'fan'],
      ['runtime'],
    ]);
  });
});

describe('decodePollResponse', () => {
  it.each([
    {
      name: 'big-endian float32 temperature and humidity from slave 1',
      poll: 0,
      frame: '01 03 08 41 AC 00 00 42 20 CC CD',
      expected: { slave: 1, temperature: 21.5, humidity: 40.2 },
    },
    {
      name: 'little-endian float32 and int32, scaled int16 and offset uint16 from slave 2',
      poll: 1,
      frame: '02 04 0C 50 00 44 7D FF FE FF FF FF 38 00 D7',
      expected: { slave: 2, pressure: 1013.25, energy: -2, outdoor: -20, battery: 3.15 },
    },
    {
      name: 'coils as booleans',
      poll: 2,
      frame: '01 01 01 04',
      expected: { slave: 1, heater: false, fan: true },
    },
    {
      name: 'a big-endian uint32',
      poll: 3,
      frame: '01 03 04 00 01 00 02',
      expected: { slave: 1, runtime: 65538 },
    },
    {
      name: 'a NaN float32 as null, since JSON has no NaN',
      poll: 0,
      frame: '01 03 08 7F C0 00 00 42 20 CC CD',
      expected: { slave: 1, temperature: null, humidity: 40.2 },
    },
  ])('reads $name', ({ poll, frame, expected }) => {
    const request = plan()[poll];
    if (request === undefined) throw new Error(`no poll ${poll}`);
    expect(decodeFrame(request, withReferenceCrc(frame))).toEqual({ ok: true, value: expected });
  });

  const meter = () => plan()[1] as PollRequest;
  const thermo = () => plan()[0] as PollRequest;

  it.each<{ name: string; poll: () => PollRequest; response: ModbusResponse; expected: string }>([
    {
      name: 'an exception response, naming slave, function and exception',
      poll: meter,
      response: {
        kind: 'exception',
        slave: 2,
        function: 0x04,
        exception: { code: 2, name: 'ILLEGAL DATA ADDRESS' },
      },
      expected: 'Modbus slave 2 answered read input registers (0x04) at 100 with exception 0x02 ILLEGAL DATA ADDRESS',
    },
    {
      name: 'a response from another slave',
      poll: thermo,
      response: { kind: 'registers', slave: 2, function: 0x03, registers: [0, 0, 0, 0] },
      expected: 'Modbus response slave: expected 1, got 2',
    },
    {
      name: 'a response to another function',
      poll: thermo,
      response: { kind: 'registers', slave: 1, function: 0x04, registers: [0, 0, 0, 0] },
      expected: 'Modbus response function: expected read holding registers (0x03) at 0, got read input registers (0x04)',
    },
    {
      name: 'too few registers for a field',
      poll: thermo,
      response: { kind: 'registers', slave: 1, function: 0x03, registers: [0x41ac, 0] },
      expected: 'Modbus field "humidity" (offset 2): expected 2 values there, the response has 2',
    },
  ])('rejects $name', ({ poll, response, expected }) => {
    expect(decodePollResponse(poll(), response)).toEqual({ ok: false, reason: expected });
  });

  it('turns an exception frame into a failure end to end', () => {
    expect(decodeFrame(meter(), withReferenceCrc('02 84 0B'))).toEqual({
      ok: false,
      reason:
        'Modbus slave 2 answered read input registers (0x04) at 100 with exception 0x0B GATEWAY TARGET DEVICE FAILED TO RESPOND',
    });
  });
});
