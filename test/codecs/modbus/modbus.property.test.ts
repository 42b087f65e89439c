import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../../src/codecs/codec-spec.js';
import type { DecodeContext } from '../../../src/codecs/decoder.js';
import { appendCrc16Modbus } from '../../../src/codecs/modbus/crc16-modbus.js';
import { MODBUS_MAX_READ_COUNT, type ModbusReadFunction } from '../../../src/codecs/modbus/modbus-codes.js';
import { type ModbusPollOptions, modbusPollOptionsSchema, planPolls } from '../../../src/codecs/modbus/modbus-poll.js';
import { ModbusResponseDeframer } from '../../../src/codecs/modbus/modbus-response-deframer.js';
import {
  encodeModbusRequest,
  expectedResponseLength,
  type ModbusRequest,
  parseModbusRequest,
  parseResponse,
} from '../../../src/codecs/modbus/modbus-rtu.js';
import { describeModbusFrame, modbusRtuDecoder } from '../../../src/codecs/modbus/modbus-rtu-decoder.js';
import {
  alteredBytes,
  anyBytes,
  chunked,
  expectEveryDecodes,
  expectJsonResult,
  expectNeverThrows,
  expectResults,
  fuzzParameters,
  validOrMutated,
} from '../../support/fuzz.js';
import { toHex } from './modbus-test-bytes.js';

const slave = fc.integer({ min: 1, max: 247 });
const word = fc.integer({ min: 0, max: 0xffff });

/** Any request the gateway may send: reads within their counts, single and multiple writes. */
const request: fc.Arbitrary<ModbusRequest> = fc.oneof(
  fc
    .record({ slave, function: fc.constantFrom<ModbusReadFunction>(0x01, 0x02, 0x03, 0x04), address: word })
    .chain((r) =>
      fc
        .integer({ min: 1, max: Math.min(MODBUS_MAX_READ_COUNT[r.function], 0x10000 - r.address) })
        .map((count) => ({ ...r, count })),
    ),
  fc.record({ slave, function: fc.constant(0x05 as const), address: word, value: fc.boolean() }),
  fc.record({ slave, function: fc.constant(0x06 as const), address: word, value: word }),
  fc
    .record({ slave, function: fc.constant(0x10 as const), address: word })
    .chain((r) =>
      fc.array(word, { minLength: 1, maxLength: Math.min(123, 0x10000 - r.address) }).map((values) => ({ ...r, values })),
    ),
);

/** A slave's correct answer to `req`: the data it asked for (random values), a write echo, or an exception. */
function responseTo(req: ModbusRequest): fc.Arbitrary<Uint8Array> {
  const exception = fc
    .integer({ min: 1, max: 255 })
    .map((code) => appendCrc16Modbus(Uint8Array.of(req.slave, req.function | 0x80, code)));
  let normal: fc.Arbitrary<Uint8Array>;
  switch (req.function) {
    case 0x01:
    case 0x02: {
      const n = Math.ceil(req.count / 8);
      normal = fc
        .uint8Array({ minLength: n, maxLength: n })
        .map((data) => appendCrc16Modbus(Uint8Array.from([req.slave, req.function, n, ...data])));
      break;
    }
    case 0x03:
    case 0x04: {
      const n = req.count * 2;
      normal = fc
        .uint8Array({ minLength: n, maxLength: n })
        .map((data) => appendCrc16Modbus(Uint8Array.from([req.slave, req.function, n, ...data])));
      break;
    }
    default: {
      const sent = encodeModbusRequest(req);
      if (!sent.ok) throw new Error(sent.reason);
      const echo = sent.value.subarray(0, 6);
      normal = fc.constant(appendCrc16Modbus(echo));
    }
  }
  return fc.oneof({ weight: 3, arbitrary: normal }, { weight: 1, arbitrary: exception });
}

const exchange = request.chain((req) => fc.record({ request: fc.constant(req), response: responseTo(req) }));

describe('Modbus RTU frames, fuzzed', () => {
  it('reads back every request it encodes, and describes it standalone', () => {
    fc.assert(
      fc.property(request, (req) => {
        const bytes = encodeModbusRequest(req);
        if (!bytes.ok) throw new Error(bytes.reason);
        expect(parseModbusRequest(bytes.value)).toEqual({ ok: true, value: req });
        expectJsonResult(describeModbusFrame(bytes.value));
      }),
      fuzzParameters(),
    );
  });

  it('accepts every well-formed response to its request', () => {
    expectEveryDecodes(exchange, ({ request: req, response }) => modbusRtuDecoder.decode(response, { request: bytesOf(req) }));
  });

  it('refuses a response with one byte flipped, cut, inserted or removed (length or CRC catches it)', () => {
    const damaged = exchange.chain(({ request: req, response }) =>
      alteredBytes(fc.constant(response), 1).map(({ altered }) => ({ req, altered })),
    );
    fc.assert(
      fc.property(damaged, ({ req, altered }) => {
        const parsed = parseResponse(altered, req);
        expect(parsed.ok, `accepted ${toHex(altered)}`).toBe(false);
      }),
      fuzzParameters(),
    );
  });

  it('never throws on broken or random frames, standalone or against a request', () => {
    const frames = fc.oneof(
      validOrMutated(exchange.map(({ response }) => response)),
      validOrMutated(request.map(bytesOf)),
      anyBytes(300),
    );
    expectNeverThrows(fc.tuple(frames, fc.option(request)), ([bytes, req]) =>
      req === null ? describeModbusFrame(bytes) : modbusRtuDecoder.decode(bytes, { request: bytesOf(req) }),
    );
  });

  it('refuses a context.request that is not a request frame, without throwing', () => {
    const junk = fc.oneof(anyBytes(20), fc.string(), fc.integer(), fc.constant(null), fc.array(fc.nat()));
    expectNeverThrows(fc.tuple(anyBytes(20), junk), ([bytes, req]) =>
      modbusRtuDecoder.decode(bytes, { request: req } as DecodeContext),
    );
  });
});

function bytesOf(req: ModbusRequest): Uint8Array {
  const bytes = encodeModbusRequest(req);
  if (!bytes.ok) throw new Error(bytes.reason);
  return bytes.value;
}

describe('Modbus response deframer, fuzzed', () => {
  it('takes any bytes in any chunks and gaps without throwing; frames have the expected length', () => {
    const input = fc.record({
      request: fc.option(request),
      stream: chunked(fc.oneof(anyBytes(300), validOrMutated(exchange.map(({ response }) => response)))),
      gaps: fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 9 }),
    });
    fc.assert(
      fc.property(input, ({ request: req, stream, gaps }) => {
        const deframer = new ModbusResponseDeframer();
        deframer.expect(req ?? undefined);
        let at = 0;
        const out = stream.chunks.flatMap((chunk, i) => {
          at += gaps[i] ?? 0;
          return deframer.push(chunk, at);
        });
        out.push(...deframer.flush());
        expectResults(out);
        const frames = out.filter((r) => r.ok);
        expect(frames.length).toBeLessThanOrEqual(1);
        for (const frame of frames) {
          if (!frame.ok || req === null) throw new Error('a frame came out with no request pending');
          const exception = (frame.value[1] ?? 0) === (req.function | 0x80);
          expect(frame.value.length).toBe(expectedResponseLength(req, exception));
          expect(frame.value[0]).toBe(req.slave);
        }
      }),
      fuzzParameters(),
    );
  });

  it('resynchronises: a response after line noise (without the slave address) comes out whole, in any chunks', () => {
    const input = exchange.chain(({ request: req, response }) =>
      fc.record({
        request: fc.constant(req),
        response: fc.constant(response),
        noise: fc.uint8Array({ maxLength: 64 }).map((bytes) => bytes.filter((b) => b !== req.slave)),
        cuts: fc.uniqueArray(fc.nat({ max: 400 }), { maxLength: 6 }),
      }),
    );
    fc.assert(
      fc.property(input, ({ request: req, response, noise, cuts }) => {
        const deframer = new ModbusResponseDeframer();
        deframer.expect(req);
        const whole = Uint8Array.from([...noise, ...response]);
        const points = [0, ...cuts.filter((c) => c < whole.length).sort((a, b) => a - b), whole.length];
        const out = points.slice(1).flatMap((end, i) => deframer.push(whole.subarray(points[i], end), i));
        expect(out.map((r) => (r.ok ? toHex(r.value) : r.reason))).toEqual([toHex(response)]);
        expect(deframer.discardedBytes).toBe(noise.length);
      }),
      fuzzParameters(),
    );
  });
});

describe('Modbus polling codec, fuzzed', () => {
  const fieldType = fc.constantFrom('u16', 'i16', 'u32', 'i32', 'f32');
  /** A poll schedule the schema accepts: register reads with fields inside them, or coil reads with bools. */
  const schedule = fc
    .record({
      function: fc.constantFrom('holding', 'input', 'coils', 'discrete'),
      address: fc.integer({ min: 0, max: 0xff00 }),
      count: fc.integer({ min: 2, max: 40 }),
      types: fc.array(fc.tuple(fieldType, fc.nat(), fc.option(fc.constantFrom(0.1, 0.01, 10))), { minLength: 1, maxLength: 4 }),
      wordOrder: fc.constantFrom('big', 'little'),
    })
    .map(({ function: fn, address, count, types, wordOrder }) => {
      const bits = fn === 'coils' || fn === 'discrete';
      const fields = types.map(([type, at, scale], i) => ({
        name: `f${i}`,
        register: at % (count - 1),
        type: bits ? 'bool' : type,
        ...(bits ? {} : { wordOrder, ...(scale === null ? {} : { scale }) }),
      }));
      return { intervalMs: 1000, slaves: [{ address: 1, reads: [{ function: fn, address, count, fields }] }] };
    })
    .map((raw) => modbusPollOptionsSchema.safeParse(raw))
    .filter((parsed) => parsed.success)
    .map((parsed) => parsed.data as ModbusPollOptions);
  const decoder = createDecoder({ kind: 'modbus-rtu' });
  const polled = schedule.chain((options) => {
    const [poll] = planPolls(options);
    if (!poll) throw new Error('no poll planned');
    return fc.record({ poll: fc.constant(poll), response: responseTo(poll.request) });
  });

  it('names every field of a normal response, never throws on any answer', () => {
    fc.assert(
      fc.property(polled, ({ poll, response }) => {
        const result = decoder.decode(response, { poll });
        expectJsonResult(result);
        const exception = (response[1] ?? 0) & 0x80;
        expect(result.ok).toBe(!exception);
        if (result.ok) expect(Object.keys(result.value).sort()).toEqual(['slave', ...poll.fields.map((f) => f.name)].sort());
      }),
      fuzzParameters(),
    );
  });

  it('never throws on broken responses to a poll', () => {
    const broken = polled.chain(({ poll, response }) => validOrMutated(fc.constant(response)).map((bytes) => ({ poll, bytes })));
    expectNeverThrows(broken, ({ poll, bytes }) => decoder.decode(bytes, { poll }));
  });
});
