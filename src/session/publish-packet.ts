// The gateway's events go out as QoS 1 PUBLISH packets encoded here in one Buffer each, where mqtt-packet writes
// ~6 pieces per packet through the socket's stream (and mqtt.js clones each packet for its store): that path was
// ~25% of the gateway's CPU per event at saturation (`perf`). MQTT 3.1.1 §3.3; checked byte for byte against
// mqtt-packet in test/session/publish-packet.property.test.ts.

const PUBLISH_QOS1 = 0x32; // type 3, DUP 0, QoS 1, RETAIN 0
const MAX_REMAINING_LENGTH = 268_435_455;

/** One QoS 1 PUBLISH, neither DUP nor RETAIN, topic and payload as UTF-8. */
export function encodeQos1Publish(topic: string, payload: string, messageId: number): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  if (topicBytes > 0xffff) throw new RangeError(`topic of ${topicBytes} bytes; MQTT allows 65535`);
  if (!Number.isInteger(messageId) || messageId < 1 || messageId > 0xffff) {
    throw new RangeError(`message id ${messageId}; expected 1 to 65535`);
  }
  const remaining = 2 + topicBytes + 2 + Buffer.byteLength(payload);
  if (remaining > MAX_REMAINING_LENGTH) throw new RangeError(`packet of ${remaining} bytes; MQTT allows ${MAX_REMAINING_LENGTH}`);
  const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x200000 ? 3 : 4;
  const packet = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  packet[0] = PUBLISH_QOS1;
  let offset = 1;
  let rest = remaining;
  do {
    const digit = rest % 0x80;
    rest = Math.floor(rest / 0x80);
    packet[offset++] = rest > 0 ? digit | 0x80 : digit;
  } while (rest > 0);
  packet[offset++] = topicBytes >> 8;
  packet[offset++] = topicBytes & 0xff;
  offset += packet.write(topic, offset, 'utf8');
  packet[offset++] = messageId >> 8;
  packet[offset++] = messageId & 0xff;
  packet.write(payload, offset, 'utf8');
  return packet;
}
