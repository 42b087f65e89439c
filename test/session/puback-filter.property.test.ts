import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PubackFilter } from '../../src/session/puback-filter.js';

const SEED = Number(process.env.FUZZ_SEED || 20_261_202);
const RUNS = Number(process.env.FUZZ_RUNS || 500);

type Packet = { kind: 'puback'; id: number } | { kind: 'other'; bytes: Buffer };

const generate = (packet: mqttPacket.Packet) => mqttPacket.generate(packet);

/** What a service sends a gateway: PUBACKs, commands (publishes of any size), SUBACKs, PINGRESPs. */
const packetArb: fc.Arbitrary<Packet> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 65_535 }).map((id) => ({ kind: 'puback' as const, id })) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        topic: fc.string({ minLength: 1, maxLength: 40 }),
        size: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 16_000, max: 20_000 })),
        qos: fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>,
      })
      .map(({ topic, size, qos }) => ({
        kind: 'other' as const,
        bytes: generate({
          cmd: 'publish',
          topic,
          payload: Buffer.alloc(size, 0x40),
          qos,
          dup: false,
          retain: false,
          ...(qos === 1 ? { messageId: 7 } : {}),
        }),
      })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'other' as const, bytes: generate({ cmd: 'pingresp' }) }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 65_535 })
      .map((id) => ({ kind: 'other' as const, bytes: generate({ cmd: 'suback', messageId: id, granted: [1, 128] }) })),
  },
);

const pubackBytes = (id: number) => generate({ cmd: 'puback', messageId: id });

/** Cuts `bytes` at the given offsets (any, sorted here) into the reads a socket would deliver. */
function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) out.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return out;
}

/** Runs a filter over the reads, each copied into one reused buffer (as net.Socket's onread does). */
function run(reads: Buffer[], ours: (id: number) => boolean) {
  const acked: number[] = [];
  const forwarded: Buffer[] = [];
  const filter = new PubackFilter({
    acknowledge: (id) => {
      if (!ours(id)) return false;
      acked.push(id);
      return true;
    },
    forward: (bytes) => forwarded.push(bytes),
  });
  const reused = Buffer.alloc(64 * 1024);
  for (const read of reads) {
    for (let offset = 0; offset < read.length; offset += reused.length) {
      const piece = read.subarray(offset, offset + reused.length);
      piece.copy(reused);
      filter.read(reused, piece.length);
      reused.fill(0xee); // a forwarded Buffer that still pointed into the read would change here
    }
  }
  return { acked, forwarded: Buffer.concat(forwarded), forwards: forwarded.length };
}

describe('PubackFilter', () => {
  it("takes exactly send()'s PUBACKs and forwards every other byte in order, however the reads are cut", () => {
    fc.assert(
      fc.property(
        fc.array(packetArb, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer({ min: 0, max: 3 }),
        (packets, cuts, oursModulo) => {
          const ours = (id: number) => oursModulo === 0 || id % (oursModulo + 1) !== 0;
          const stream = Buffer.concat(packets.map((p) => (p.kind === 'puback' ? pubackBytes(p.id) : p.bytes)));
          const expectedForward = Buffer.concat(
            packets
              .filter((p) => p.kind === 'other' || !ours(p.id))
              .map((p) => (p.kind === 'puback' ? pubackBytes(p.id) : p.bytes)),
          );
          const expectedAcks = packets.flatMap((p) => (p.kind === 'puback' && ours(p.id) ? [p.id] : []));
          const { acked, forwarded } = run(chunks(stream, cuts), ours);
          expect(acked).toEqual(expectedAcks);
          expect(forwarded.equals(expectedForward)).toBe(true);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('forwards what mqtt-packet parses back into the same packets', () => {
    const command = generate({
      cmd: 'publish',
      topic: 'iot-2/type/t/id/d/cmd/c/fmt/json',
      payload: '{"a":1}',
      qos: 0,
      dup: false,
      retain: false,
    });
    const stream = Buffer.concat([pubackBytes(1), command, pubackBytes(2), generate({ cmd: 'pingresp' }), pubackBytes(3)]);
    const { acked, forwarded } = run(chunks(stream, [1, 5, 6, 30, stream.length - 3]), (id) => id !== 2);
    expect(acked).toEqual([1, 3]);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const parsed: mqttPacket.Packet[] = [];
    parser.on('packet', (packet) => parsed.push(packet));
    parser.parse(forwarded);
    expect(parsed.map((packet) => packet.cmd)).toEqual(['publish', 'puback', 'pingresp']);
    expect((parsed[1] as mqttPacket.IPubackPacket).messageId).toBe(2);
  });

  it('takes a read of PUBACKs alone without forwarding anything', () => {
    const stream = Buffer.concat([1, 2, 3, 4].map(pubackBytes));
    const { acked, forwards } = run([stream], () => true);
    expect(acked).toEqual([1, 2, 3, 4]);
    expect(forwards).toBe(0);
  });

  it('forwards everything from a remaining length over 4 bytes on, so that mqtt.js reports the stream as broken', () => {
    const broken = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2]);
    const after = pubackBytes(9);
    const { acked, forwarded } = run([Buffer.concat([pubackBytes(8), broken]), after], () => true);
    expect(acked).toEqual([8]);
    expect(forwarded.equals(Buffer.concat([broken, after]))).toBe(true);
  });
});
