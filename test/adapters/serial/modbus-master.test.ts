import { afterEach, describe, expect, it } from 'vitest';
import { ModbusMaster } from '../../../adapters/serial/modbus-master.js';
import {
  ModbusSlaveEmulator,
  type ModbusWriteFault,
  parseModbusWriteFault,
} from '../../../adapters/simulated/modbus-slave-emulator.js';
import { SimulatedChannel } from '../../../adapters/simulated/simulated-channel.js';
import { modbusPollOptionsSchema } from '../../../src/codecs/modbus/modbus-poll.js';
import { encodeModbusRequest, type ModbusRequest } from '../../../src/codecs/modbus/modbus-rtu.js';

const OPTIONS = modbusPollOptionsSchema.parse({
  intervalMs: 60_000,
  responseTimeoutMs: 100,
  slaves: [
    { address: 1, reads: [{ function: 'input', address: 1, count: 2, fields: [{ name: 't', register: 0, type: 'i16' }] }] },
  ],
});

const channels: SimulatedChannel[] = [];
const masters: ModbusMaster[] = [];

afterEach(async () => {
  for (const master of masters.splice(0)) master.stop();
  await Promise.all(channels.splice(0).map((channel) => channel.close()));
});

/** A master on a bus whose slave 1 is the XY-MD02 emulator, answering writes as `fault` says. */
async function bus(fault?: ModbusWriteFault): Promise<ModbusMaster> {
  const channel = new SimulatedChannel('rs485', new ModbusSlaveEmulator([1], fault), undefined, 60_000, () => undefined);
  const master = new ModbusMaster(channel, OPTIONS, () => undefined);
  channel.onData((chunk) => master.push(chunk));
  await channel.open();
  channels.push(channel);
  masters.push(master);
  return master;
}

function frame(request: ModbusRequest): Uint8Array {
  const encoded = encodeModbusRequest(request);
  if (!encoded.ok) throw new Error(encoded.reason);
  return encoded.value;
}

const WRITE_OFFSET = frame({ slave: 1, function: 0x06, address: 0x0101, value: 0xfff1 });
const READ_CLIMATE = frame({ slave: 1, function: 0x04, address: 1, count: 2 });

describe('ModbusMaster commands', () => {
  it('resolves a write the slave echoes', async () => {
    const master = await bus();
    await expect(master.transact(WRITE_OFFSET)).resolves.toEqual({
      kind: 'write',
      slave: 1,
      function: 0x06,
      address: 0x0101,
      count: 1,
    });
  });

  it.each<{ name: string; fault: ModbusWriteFault; expected: string | RegExp }>([
    {
      name: 'an exception reply',
      fault: { exception: 0x02 },
      expected: 'slave 1 answered exception 0x02 ILLEGAL DATA ADDRESS to write single register (0x06)',
    },
    {
      name: 'a reply with a bad CRC',
      fault: 'bad-crc',
      expected:
        /^slave 1 answered write single register \(0x06\) with a bad response: Modbus CRC mismatch: frame says 0x[0-9A-F]{4}, computed 0x[0-9A-F]{4}$/,
    },
    {
      name: 'no reply in time',
      fault: 'silence',
      expected: 'slave 1 did not answer write single register (0x06) within 100 ms',
    },
  ])('rejects a write met with $name, and the bus goes on', async ({ fault, expected }) => {
    const master = await bus(fault);
    const failed = master.transact(WRITE_OFFSET);
    await expect(failed).rejects.toHaveProperty(
      'message',
      typeof expected === 'string' ? expected : expect.stringMatching(expected),
    );
    await expect(master.transact(READ_CLIMATE)).resolves.toMatchObject({ kind: 'registers', slave: 1 });
  });
});

describe('parseModbusWriteFault', () => {
  it.each([
    { given: undefined, expected: { ok: true, value: undefined } },
    { given: 'silence', expected: { ok: true, value: 'silence' } },
    { given: { exception: 4 }, expected: { ok: true, value: { exception: 4 } } },
    {
      given: { exception: 0 },
      expected: { ok: false, reason: 'writeFault: expected "bad-crc", "silence" or { exception: 1…255 }, got {"exception":0}' },
    },
  ])('reads $given', ({ given, expected }) => {
    expect(parseModbusWriteFault(given)).toEqual(expected);
  });
});
