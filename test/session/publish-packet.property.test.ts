import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { encodeQos1Publish } from '../../src/session/publish-packet.js';

const SEED = Number(process.env.FUZZ_SEED || 20_261_202);
const RUNS = Number(process.env.FUZZ_RUNS || 500);

function viaMqttPacket(topic: string, payload: string, messageId: number): Buffer {
  return mqttPacket.generate({ cmd: 'publish', qos: 1, dup: false, retain: false, topic, payload, messageId });
}

describe('encodeQos1Publish', () => {
  it('writes the very bytes mqtt-packet writes, for any topic, payload and message id', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 80 }),
        fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ minLength: 16_000, maxLength: 20_000 })),
        fc.integer({ min: 1, max: 65_535 }),
        (topic, payload, messageId) => {
          expect(encodeQos1Publish(topic, payload, messageId).equals(viaMqttPacket(topic, payload, messageId))).toBe(true);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('gets each remaining-length size right (1 to 3 bytes; 4 at 2 MiB)', () => {
    for (const size of [0, 121, 122, 123, 16_377, 16_378, 16_379, 2_097_145, 2_097_146]) {
      const payload = 'x'.repeat(size);
      expect(encodeQos1Publish('a/b', payload, 7).equals(viaMqttPacket('a/b', payload, 7)), `payload ${size}`).toBe(true);
    }
  });

  it('parses back with mqtt-packet as the publish it was', () => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const packets: mqttPacket.Packet[] = [];
    parser.on('packet', (packet) => packets.push(packet));
    parser.parse(encodeQos1Publish('iot-2/type/t/id/ü/evt/e/fmt/json', '{"°C":21.5}', 513));
    expect(packets).toHaveLength(1);
    const [packet] = packets as mqttPacket.IPublishPacket[];
    expect({ ...packet, payload: packet?.payload.toString() }).toMatchObject({
      cmd: 'publish',
      qos: 1,
      dup: false,
      retain: false,
      messageId: 513,
      topic: 'iot-2/type/t/id/ü/evt/e/fmt/json',
      payload: '{"°C":21.5}',
    });
  });

  it('refuses what MQTT cannot carry, naming it', () => {
    expect(() => encodeQos1Publish('t', '', 0)).toThrow(/message id 0; expected 1 to 65535/);
    expect(() => encodeQos1Publish('t', '', 65_536)).toThrow(/message id 65536/);
    expect(() => encodeQos1Publish('t'.repeat(65_536), '', 1)).toThrow(/topic of 65536 bytes/);
  });
});
