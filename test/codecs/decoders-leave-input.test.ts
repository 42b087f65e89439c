import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CODEC_EXAMPLES } from '../../scripts/profile-reference/examples.js';
import { codecSpecSchema, createDecoder } from '../../src/codecs/codec-spec.js';
import { planPolls } from '../../src/codecs/modbus/modbus-poll.js';

// noble hands decoders Buffers, whose slice() shares memory: a decoder that reversed a slice in place changed
// the advertisement (and the BLE rate limiter's copy of the previous one).
describe('decoders leave the bytes they are given as they were', () => {
  const cases = [
    ...Object.entries(CODEC_EXAMPLES).map(([kind, example]) => ({
      kind,
      spec: (parse(example.yaml) as { codec: unknown }).codec,
      hex: example.frame.hex?.replace(/\s/g, '') ?? Buffer.from(example.frame.text ?? '', 'latin1').toString('hex'),
      address: example.address,
    })),
    // BTHome with the MAC in the payload (device info bit 1), reversed on the air.
    { kind: 'bthome with MAC', spec: { kind: 'bthome' }, hex: '42b2188d38c1a404138a01', address: undefined },
  ];
  it.each(cases)('$kind', ({ spec, hex, address }) => {
    const codec = codecSpecSchema.parse(spec);
    const poll = codec.kind === 'modbus-rtu' && codec.poll ? planPolls(codec.poll)[0] : undefined;
    const input = Buffer.from(hex, 'hex');
    const result = createDecoder(codec).decode(input, { ...(address ? { address } : {}), ...(poll ? { poll } : {}) });
    expect(result.ok).toBe(true);
    expect(input.toString('hex')).toBe(hex.toLowerCase());
  });
});
