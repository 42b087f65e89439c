import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import type { JsonValue, Reading } from '../decoder.js';
import { describeModbusFunction, hex8, MODBUS_MAX_READ_COUNT, type ModbusReadFunction } from './modbus-codes.js';
import { encodeModbusRequest, type ModbusRequest, type ModbusResponse } from './modbus-rtu.js';

/** Read kinds by their data-model names (MODBUS V1.1b3 §4.3) and the function code each uses. */
export const MODBUS_READ_FUNCTIONS = { coils: 0x01, discrete: 0x02, holding: 0x03, input: 0x04 } as const;

/** Registers each field type spans; a bool is one bit of a coils/discrete read. */
const FIELD_WIDTH = { u16: 1, i16: 1, u32: 2, i32: 2, f32: 2, bool: 1 } as const;

const fieldSchema = z
  .object({
    name: z.string().min(1),
    /** Offset from the read's start address: registers for register reads, bits for coils/discrete. */
    register: z.number().int().min(0),
    type: z.enum(['u16', 'i16', 'u32', 'i32', 'f32', 'bool']),
    /** For 32-bit types: 'big' sends the high word first (the common order), 'little' the low word. */
    wordOrder: z.enum(['big', 'little']).default('big'),
    scale: z.number().optional(),
    add: z.number().optional(),
  })
  .strict();

const readSchema = z
  .object({
    function: z.enum(['holding', 'input', 'coils', 'discrete']),
    address: z.number().int().min(0).max(0xffff),
    count: z.number().int().min(1),
    fields: z.array(fieldSchema).min(1),
  })
  .strict()
  .superRefine((read, ctx) => {
    const bits = read.function === 'coils' || read.function === 'discrete';
    const max = MODBUS_MAX_READ_COUNT[MODBUS_READ_FUNCTIONS[read.function]];
    if (read.count > max) {
      ctx.addIssue({
        code: 'custom',
        path: ['count'],
        message: `${read.function} reads: expected at most ${max}`,
      });
    }
    if (read.address + read.count > 0x10000) {
      ctx.addIssue({ code: 'custom', path: ['count'], message: `read from ${read.address} runs past 65535` });
    }
    read.fields.forEach((field, i) => {
      const width = FIELD_WIDTH[field.type];
      if (bits !== (field.type === 'bool')) {
        const want = bits ? 'bool' : 'u16, i16, u32, i32 or f32';
        ctx.addIssue({
          code: 'custom',
          path: ['fields', i, 'type'],
          message: `${read.function} reads: expected ${want}`,
        });
      } else if (field.register + width > read.count) {
        const message = `field "${field.name}" needs offsets ${field.register}..${field.register + width - 1}, the read covers 0..${read.count - 1}`;
        ctx.addIssue({ code: 'custom', path: ['fields', i, 'register'], message });
      }
      if (field.type === 'bool' && (field.scale !== undefined || field.add !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fields', i],
          message: 'scale and add apply to numbers, not bool',
        });
      }
    });
  });

const slaveSchema = z
  .object({
    address: z.number().int().min(1).max(247),
    deviceId: z.string().min(1).optional(),
    reads: z.array(readSchema).min(1),
  })
  .strict()
  .superRefine((slave, ctx) => {
    const seen = new Set<string>(['slave']);
    slave.reads.forEach((read, r) => {
      read.fields.forEach((field, f) => {
        if (seen.has(field.name)) {
          const message = `field name "${field.name}" is already used for slave ${slave.address} (or reserved)`;
          ctx.addIssue({ code: 'custom', path: ['reads', r, 'fields', f, 'name'], message });
        }
        seen.add(field.name);
      });
    });
  });

/** A polling schedule for one RTU bus: every `intervalMs`, each slave's reads, slaves taking turns. */
export const modbusPollOptionsSchema = z
  .object({
    intervalMs: z.number().int().positive(),
    responseTimeoutMs: z.number().int().positive().default(1000),
    slaves: z.array(slaveSchema).min(1),
  })
  .strict()
  .superRefine((options, ctx) => {
    const seen = new Set<number>();
    options.slaves.forEach((slave, i) => {
      if (seen.has(slave.address)) {
        const message = `slave address ${slave.address} is listed twice`;
        ctx.addIssue({ code: 'custom', path: ['slaves', i, 'address'], message });
      }
      seen.add(slave.address);
    });
  });

/** Validated polling options (defaults filled in). */
export type ModbusPollOptions = z.output<typeof modbusPollOptionsSchema>;
/** One named field of a read, as validated. */
export type ModbusPollField = z.output<typeof fieldSchema>;

/** One request of the round: who to ask, the exact bytes to send, and how to name what comes back. */
export interface PollRequest {
  slave: number;
  deviceId?: string;
  request: ModbusRequest;
  bytes: Uint8Array;
  fields: ModbusPollField[];
}

/**
 * The round-robin list of requests: first read of every slave, then the second, and so on, so one
 * slave's requests are spaced out. Expects options parsed by `modbusPollOptionsSchema`.
 */
export function planPolls(options: ModbusPollOptions): PollRequest[] {
  const polls: PollRequest[] = [];
  const rounds = Math.max(...options.slaves.map((s) => s.reads.length));
  for (let round = 0; round < rounds; round++) {
    for (const slave of options.slaves) {
      const read = slave.reads[round];
      if (read === undefined) continue;
      const fn: ModbusReadFunction = MODBUS_READ_FUNCTIONS[read.function];
      const request: ModbusRequest = {
        slave: slave.address,
        function: fn,
        address: read.address,
        count: read.count,
      };
      const bytes = encodeModbusRequest(request);
      if (!bytes.ok) throw new Error(`planPolls: options not validated by modbusPollOptionsSchema: ${bytes.reason}`);
      const poll: PollRequest = { slave: slave.address, request, bytes: bytes.value, fields: read.fields };
      if (slave.deviceId !== undefined) poll.deviceId = slave.deviceId;
      polls.push(poll);
    }
  }
  return polls;
}

/** Names and scales the values of a checked response to `poll`; an exception response is a failure. */
export function decodePollResponse(poll: PollRequest, response: ModbusResponse): Result<Reading> {
  const asked = `${describeModbusFunction(poll.request.function)} at ${poll.request.address}`;
  if (response.slave !== poll.slave) {
    return fail(`Modbus response slave: expected ${poll.slave}, got ${response.slave}`);
  }
  if (response.kind === 'exception') {
    const { code, name } = response.exception;
    return fail(`Modbus slave ${poll.slave} answered ${asked} with exception ${hex8(code)} ${name}`);
  }
  if (response.function !== poll.request.function || response.kind === 'write') {
    return fail(`Modbus response function: expected ${asked}, got ${describeModbusFunction(response.function)}`);
  }
  const values = response.kind === 'bits' ? response.coils : response.registers;
  const reading: Reading = { slave: poll.slave };
  for (const field of poll.fields) {
    const width = FIELD_WIDTH[field.type];
    if (field.register + width > values.length) {
      return fail(
        `Modbus field "${field.name}" (offset ${field.register}): expected ${width} values there, the response has ${values.length}`,
      );
    }
    reading[field.name] =
      response.kind === 'bits' ? response.coils[field.register] === true : fieldValue(field, response.registers);
  }
  return ok(reading);
}

function fieldValue(field: ModbusPollField, registers: number[]): JsonValue {
  const first = registers[field.register] ?? 0;
  const second = registers[field.register + 1] ?? 0;
  const [high, low] = field.wordOrder === 'big' ? [first, second] : [second, first];
  let value: number;
  switch (field.type) {
    case 'i16':
      value = (first << 16) >> 16;
      break;
    case 'u32':
      value = high * 0x10000 + low;
      break;
    case 'i32':
      value = (high << 16) | low;
      break;
    case 'f32': {
      const view = new DataView(new ArrayBuffer(4));
      view.setUint16(0, high);
      view.setUint16(2, low);
      value = shortestFloat32(view.getFloat32(0));
      break;
    }
    default:
      value = first;
  }
  if (!Number.isFinite(value)) return null; // NaN is how many meters say "no value"; JSON has no NaN.
  if (field.scale === undefined && field.add === undefined) return value;
  return Number((value * (field.scale ?? 1) + (field.add ?? 0)).toPrecision(15));
}

/** The shortest decimal that reads back as the same float32: 40.2, not 40.20000076293945. */
function shortestFloat32(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}
