import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDeframer, createFrameEncoder, framingReservedBytes } from '../../src/codecs/framing/framing-spec.js';
import { checkCrc16Modbus } from '../../src/codecs/modbus/crc16-modbus.js';
import { loadProfiles } from '../../src/config/load.js';
import {
  type CommandParam,
  type CommandRule,
  compileParamPattern,
  DEFAULT_PARAM_MAX_BYTES,
  type HardwareProfile,
  hardwareProfileSchema,
} from '../../src/config/profile-schema.js';
import { encodeCommand } from '../../src/pipeline/command-encoding.js';

// Fixed seed so `npm test` repeats exactly; FUZZ_SEED / FUZZ_RUNS explore further (same knobs as the codec fuzzing).
const SEED = Number(process.env.FUZZ_SEED || 20_240_909);
const RUNS = Number(process.env.FUZZ_RUNS || 200);

const loaded = loadProfiles();
if (!loaded.ok) throw new Error(loaded.reason);
const builtIn = [...loaded.value.values()];

/**
 * No built-in template takes a string, so these put a text template, a JSON and an unframed hex command
 * under each framing that reserves bytes, to fuzz what a user's profile could declare.
 */
const textCommands = (
  [
    ['crlf', { kind: 'delimiter', delimiter: '\r\n' }],
    ['semicolon', { kind: 'delimiter', delimiter: ';' }],
    ['slip', { kind: 'slip' }],
    ['cobs', { kind: 'cobs' }],
  ] as const
).map(([name, framing]) =>
  hardwareProfileSchema.parse({
    name: `text-over-${name}`,
    transport: { kind: 'serial' },
    framing,
    codec: { kind: 'json' },
    device: { typeId: 't', deviceId: 'd' },
    commands: [
      { commandId: 'say', params: { text: { type: 'string' } }, encode: { kind: 'template', text: 'SAY {text}' } },
      { commandId: 'json', params: { text: { type: 'string' } }, encode: { kind: 'json' } },
      { commandId: 'raw', params: { hex: { type: 'string' } }, encode: { kind: 'hex' }, framed: false },
    ],
  }),
);

const commands: Array<{ name: string; profile: HardwareProfile; rule: CommandRule }> = [...builtIn, ...textCommands].flatMap(
  (profile) => profile.commands.map((rule) => ({ name: `${profile.name} ${rule.commandId}`, profile, rule })),
);

/** Text that favours what a hostile payload would try: control bytes, delimiters, SLIP/COBS bytes, long runs. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc
    .array(fc.oneof(fc.constantFrom('\r', '\n', '\0', '\x7f', '\x1b', ';', '*', '$', '{checksum}', 'ۀ', 'À'), fc.string()), {
      maxLength: 20,
    })
    .map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme', minLength: 60, maxLength: 70 }),
);

/** Hex text of 0..80 bytes, with the bytes framings treat specially favoured, sometimes spaced or broken. */
const hexText = fc
  .tuple(
    fc.array(fc.oneof(fc.constantFrom(0x00, 0x0a, 0x0d, 0xc0, 0xdb), fc.integer({ min: 0, max: 255 })), { maxLength: 80 }),
    fc.constantFrom('', ' '),
    fc.constantFrom('', '', '', 'g', '0'),
  )
  .map(([bytes, gap, junk]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(gap) + junk);

/** A value for a declared param: mostly what its type and limits allow (hostile text included), often not. */
function valueFor(spec: CommandParam): fc.Arbitrary<unknown> {
  let fitting: fc.Arbitrary<unknown>;
  if (spec.enum) fitting = fc.constantFrom(...spec.enum);
  else if (spec.type === 'string' && spec.pattern) fitting = fc.stringMatching(compileParamPattern(spec.pattern));
  else if (spec.type === 'string') fitting = fc.oneof(hostileText, hexText);
  else if (spec.type === 'integer') fitting = fc.integer({ min: spec.min ?? -1e6, max: spec.max ?? 1e6 });
  else if (spec.type === 'number') fitting = fc.double({ min: spec.min ?? -1e6, max: spec.max ?? 1e6, noNaN: true });
  else fitting = fc.boolean();
  return fc.oneof(
    { weight: 3, arbitrary: fitting },
    { weight: 1, arbitrary: fc.oneof(hostileText, hexText, fc.integer(), fc.double()) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
}

/** A JSON object: the required params and some optional ones with values, sometimes with undeclared keys mixed in. */
function payloadFor(rule: CommandRule): fc.Arbitrary<Record<string, unknown>> {
  const declared = fc.record(Object.fromEntries(Object.entries(rule.params).map(([name, spec]) => [name, valueFor(spec)])), {
    requiredKeys: Object.keys(rule.params).filter((name) => rule.params[name]?.required),
  });
  const extraKey = fc.oneof(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.constantFrom('toString', 'constructor', '__proto__', 'reboot'),
  );
  const extras = fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.dictionary(extraKey, fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 3 }) },
  );
  // JSON text, so "__proto__" is an own key as it would be in a payload off the wire.
  return fc.tuple(declared, extras).map(([d, e]) => JSON.parse(JSON.stringify({ ...e, ...d })) as Record<string, unknown>);
}

const isControl = (b: number) => b < 0x20 || b === 0x7f;

describe('random command payloads against every built-in profile command', () => {
  it('the built-in profiles exercise every encoder', () => {
    const kinds = new Set(builtIn.flatMap((profile) => profile.commands.map((rule) => rule.encode.kind)));
    expect([...kinds].sort()).toEqual(['hex', 'json', 'modbus-write', 'template']);
  });

  it.each(commands)(
    '$name: nothing undeclared is encoded, nothing unsafe reaches the device, never a throw',
    ({ profile, rule }) => {
      const reserved = framingReservedBytes(profile.framing);
      const frameEncoder = profile.framing && rule.framed ? createFrameEncoder(profile.framing) : undefined;
      let encodedCount = 0;
      fc.assert(
        fc.property(payloadFor(rule), (payload) => {
          const result = encodeCommand(rule, Buffer.from(JSON.stringify(payload)), { slave: 1 }, profile.framing);
          const undeclared = Object.keys(payload).filter((key) => !Object.hasOwn(rule.params, key));
          if (!result.ok) {
            expect(result.reason).toMatch(new RegExp(`^command ${rule.commandId}: \\S`));
            return;
          }
          encodedCount++;
          expect(undeclared).toEqual([]);
          const bytes = result.value;
          switch (rule.encode.kind) {
            case 'json': {
              const sent = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
              for (const [key, value] of Object.entries(sent)) {
                expect(Object.hasOwn(rule.params, key)).toBe(true);
                expect(value).toEqual(payload[key]);
              }
              expect(bytes.some(isControl)).toBe(false);
              break;
            }
            case 'template':
              // The templates hold no such bytes themselves, so any would have come from a param.
              expect(bytes.some((b) => isControl(b) || reserved.bytes.includes(b))).toBe(false);
              break;
            case 'hex': {
              const spec = rule.params[rule.encode.param];
              expect(bytes.length).toBeGreaterThanOrEqual(spec?.minBytes ?? 1);
              expect(bytes.length).toBeLessThanOrEqual(spec?.maxBytes ?? DEFAULT_PARAM_MAX_BYTES);
              // Unframed, or under a framing that cannot escape them, its reserved bytes stay out.
              if (!(rule.framed && reserved.escaped)) expect(bytes.some((b) => reserved.bytes.includes(b))).toBe(false);
              break;
            }
            case 'modbus-write':
              expect(bytes.length).toBe(8);
              expect(checkCrc16Modbus(bytes).ok).toBe(true);
              expect((bytes[2]! << 8) | bytes[3]!).toBe(rule.encode.register);
              break;
          }
          // Framed as it goes out, the command is exactly one frame at the device, byte for byte.
          if (frameEncoder && profile.framing) {
            const frames = createDeframer(profile.framing).push(frameEncoder(bytes), 0);
            expect(frames).toEqual([{ ok: true, value: Uint8Array.from(bytes) }]);
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
      // The generators reach the encoder, not only the refusals.
      expect(encodedCount).toBeGreaterThanOrEqual(Math.ceil(RUNS / 50));
    },
  );

  it.each(commands)('$name: any bytes as a payload give a value or a reason, never a throw', ({ profile, rule }) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (payload) => {
        const result = encodeCommand(rule, payload, { slave: 1 }, profile.framing);
        if (!result.ok) expect(result.reason).toMatch(new RegExp(`^command ${rule.commandId}: \\S`));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
