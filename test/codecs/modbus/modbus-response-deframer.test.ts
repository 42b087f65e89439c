import { describe, expect, it } from 'vitest';
import { ModbusResponseDeframer } from '../../../src/codecs/modbus/modbus-response-deframer.js';
import type { ModbusRequest } from '../../../src/codecs/modbus/modbus-rtu.js';
import type { Result } from '../../../src/result.js';
import { fromHex, toHex } from './modbus-test-bytes.js';

const specRead = { slave: 17, function: 0x03, address: 0x6b, count: 3 } as const;
const specResponse = '11 03 06 02 2B 00 00 00 64 C8 BA';
const exception = '01 83 02 C0 F1';

/** Results as hex (frames) or reasons (rejects), so a failure shows what came out. */
function show(results: Result<Uint8Array>[]): string[] {
  return results.map((r) => (r.ok ? toHex(r.value) : `reject: ${r.reason}`));
}

/** Feeds each chunk at 1 ms intervals (well inside the idle gap) and collects everything. */
function feed(deframer: ModbusResponseDeframer, chunks: string[]): string[] {
  return chunks.flatMap((chunk, i) => show(deframer.push(fromHex(chunk), i)));
}

const byteByByte = (hex: string) => hex.split(' ');

describe('ModbusResponseDeframer', () => {
  it.each<{ name: string; request: ModbusRequest; chunks: string[]; expected: string[]; discarded: number }>([
    {
      name: 'a whole response in one chunk',
      request: specRead,
      chunks: [specResponse],
      expected: [specResponse],
      discarded: 0,
    },
    {
      name: 'a response fed byte by byte after garbage, including a false start on the slave address',
      request: specRead,
      chunks: byteByByte(`FF 00 11 07 ${specResponse}`),
      expected: [specResponse],
      discarded: 4,
    },
    {
      name: 'a response after garbage that looks like its header with the wrong byte count',
      request: specRead,
      chunks: byteByByte(`11 03 04 ${specResponse}`),
      expected: [specResponse],
      discarded: 3,
    },
    {
      name: 'an exception response byte by byte, cut at 5 bytes',
      request: { slave: 1, function: 0x03, address: 0, count: 10 },
      chunks: byteByByte(`AA ${exception}`),
      expected: [exception],
      discarded: 1,
    },
    {
      name: 'a write echo split across two chunks',
      request: { slave: 17, function: 0x06, address: 1, value: 3 },
      chunks: ['11 06 00', '01 00 03 9A 9B'],
      expected: ['11 06 00 01 00 03 9A 9B'],
      discarded: 0,
    },
    {
      name: 'a response with a bad CRC, which is left for parseResponse to name',
      request: specRead,
      chunks: ['11 03 06 02 2B 00 00 00 64 05 7A'],
      expected: ['11 03 06 02 2B 00 00 00 64 05 7A'],
      discarded: 0,
    },
    {
      name: 'bytes trailing the response, which no request asked for',
      request: specRead,
      chunks: [`${specResponse} 00 FF`],
      expected: [specResponse, 'reject: Modbus: 2 unexpected bytes with no request pending: 00 FF'],
      discarded: 0,
    },
  ])('cuts $name', ({ request, chunks, expected, discarded }) => {
    const deframer = new ModbusResponseDeframer();
    deframer.expect(request);
    expect(feed(deframer, chunks)).toEqual(expected);
    expect(deframer.discardedBytes).toBe(discarded);
  });

  it('rejects bytes that arrive with no request pending', () => {
    const deframer = new ModbusResponseDeframer();
    expect(feed(deframer, [specResponse])).toEqual([
      'reject: Modbus: 11 unexpected bytes with no request pending: 11 03 06 02 2B 00 00 00 64 C8 BA',
    ]);
  });

  it('rejects a partial response on flush, naming what was missing', () => {
    const deframer = new ModbusResponseDeframer();
    deframer.expect(specRead);
    expect(feed(deframer, ['11 03 06 02 2B'])).toEqual([]);
    expect(show(deframer.flush())).toEqual([
      'reject: Modbus response from slave 17 to read holding registers (0x03) incomplete: got 5 of 11 bytes before 50 ms of silence',
    ]);
    expect(show(deframer.flush())).toEqual([]);
  });

  it('keeps waiting when flushed before any byte of the response came', () => {
    const deframer = new ModbusResponseDeframer();
    deframer.expect(specRead);
    expect(show(deframer.flush())).toEqual([]);
    expect(feed(deframer, [specResponse])).toEqual([specResponse]);
  });

  it('flushes by itself when a push comes after the idle gap, then treats the late bytes as unexpected', () => {
    const deframer = new ModbusResponseDeframer({ idleFlushMs: 20 });
    deframer.expect(specRead);
    expect(show(deframer.push(fromHex('11 03 06'), 1000))).toEqual([]);
    expect(show(deframer.push(fromHex('02 2B 00 00 00 64 C8 BA'), 1020))).toEqual([
      'reject: Modbus response from slave 17 to read holding registers (0x03) incomplete: got 3 of 11 bytes before 20 ms of silence',
      'reject: Modbus: 8 unexpected bytes with no request pending: 02 2B 00 00 00 64 C8 BA',
    ]);
  });

  it('does not flush a response whose bytes come closer together than the idle gap', () => {
    const deframer = new ModbusResponseDeframer({ idleFlushMs: 20 });
    deframer.expect(specRead);
    expect(show(deframer.push(fromHex('11 03 06'), 1000))).toEqual([]);
    expect(show(deframer.push(fromHex('02 2B 00 00 00 64 C8 BA'), 1019))).toEqual([specResponse]);
  });

  it.each([
    { name: 'defaults to 50 ms of silence', options: undefined, expected: 50 },
    { name: 'takes the configured silence', options: { idleFlushMs: 5 }, expected: 5 },
  ])('$name', ({ options, expected }) => {
    expect(new ModbusResponseDeframer(options).idleFlushMs).toBe(expected);
  });

  it('drops a partial response when a new request is expected', () => {
    const deframer = new ModbusResponseDeframer();
    deframer.expect(specRead);
    feed(deframer, ['11 03 06 02']);
    deframer.expect({ slave: 1, function: 0x03, address: 0, count: 10 });
    expect(feed(deframer, [exception])).toEqual([exception]);
  });
});
