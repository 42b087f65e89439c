import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBthomeDecoder } from '../../../src/codecs/ble/bthome.js';
import { BTHOME_BUTTON_EVENTS, BTHOME_DIMMER_EVENTS, BTHOME_OBJECTS } from '../../../src/codecs/ble/bthome-objects.js';
import { createGattDecoder, GATT_CHARACTERISTICS } from '../../../src/codecs/ble/gatt-characteristics.js';
import { createRuuviDecoder } from '../../../src/codecs/ble/ruuvi.js';
import { createAtcDecoder } from '../../../src/codecs/ble/xiaomi-atc.js';
import type { DecodeContext } from '../../../src/codecs/decoder.js';
import {
  alteredBytes,
  anyBytes,
  expectEveryDecodes,
  expectJsonResult,
  expectNeverThrows,
  fuzzParameters,
  validOrMutated,
} from '../../support/fuzz.js';
import { encryptBthome } from './bthome-encrypt.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const macText = (mac: Uint8Array): string => Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');

/** Ruuvi manufacturer data as a tag sends it: format 5 (24 bytes) or 3 (14 bytes), company id optional. */
const ruuviPayload = fc
  .record({
    format: fc.constantFrom(3, 5),
    body: fc.uint8Array({ minLength: 23, maxLength: 23 }),
    companyId: fc.boolean(),
  })
  .map(({ format, body, companyId }) => {
    const payload = format === 5 ? [5, ...body] : [3, ...body.subarray(0, 13)];
    if (format === 3) payload[3] = (payload[3] ?? 0) % 100; // temperature hundredths, 0..99
    return Uint8Array.from([...(companyId ? [0x99, 0x04] : []), ...payload]);
  });

describe('ruuvi codec, fuzzed', () => {
  const decoder = createRuuviDecoder();

  it('decodes every well-formed RAWv1 and RAWv2 payload', () => {
    expectEveryDecodes(ruuviPayload, (bytes) => decoder.decode(bytes));
  });

  it('never throws on broken or random data: a plain-JSON reading or a reason', () => {
    expectNeverThrows(fc.oneof(validOrMutated(ruuviPayload), anyBytes(40)), (bytes) => decoder.decode(bytes));
  });
});

describe('atc codec, fuzzed', () => {
  const format = fc.constantFrom('auto' as const, 'atc1441' as const, 'pvvx' as const);
  const serviceData = fc.oneof(fc.uint8Array({ minLength: 13, maxLength: 13 }), fc.uint8Array({ minLength: 15, maxLength: 15 }));

  it('decodes any 13- or 15-byte service data in auto mode, and refuses every other length', () => {
    fc.assert(
      fc.property(fc.oneof(serviceData, anyBytes(20)), (bytes) => {
        const result = createAtcDecoder().decode(bytes);
        expectJsonResult(result);
        expect(result.ok).toBe(bytes.length === 13 || bytes.length === 15);
      }),
      fuzzParameters(),
    );
  });

  it('never throws with a pinned format: a plain-JSON reading or a reason', () => {
    expectNeverThrows(fc.tuple(format, validOrMutated(serviceData)), ([pinned, bytes]) =>
      createAtcDecoder({ format: pinned }).decode(bytes),
    );
  });
});

/** One BTHome object, well formed: its id, then a value of the size and range its table row says. */
const bthomeObject: fc.Arbitrary<Uint8Array> = fc.constantFrom(...BTHOME_OBJECTS.keys()).chain((id) => {
  const spec = BTHOME_OBJECTS.get(id);
  if (spec === undefined) throw new Error(`no object 0x${id.toString(16)}`);
  const withId = (value: fc.Arbitrary<number[]>) => value.map((bytes) => Uint8Array.from([id, ...bytes]));
  switch (spec.kind) {
    case 'binary':
      return withId(fc.constantFrom([0], [1]));
    case 'button':
      return withId(fc.constantFrom(...BTHOME_BUTTON_EVENTS.keys()).map((event) => [event]));
    case 'dimmer':
      return withId(fc.tuple(fc.constantFrom(...BTHOME_DIMMER_EVENTS.keys()), fc.integer({ min: 0, max: 255 })));
    case 'text':
      return withId(
        fc.string({ unit: 'binary', maxLength: 12 }).map((text) => {
          const encoded = Buffer.from(text, 'utf8');
          return [encoded.length, ...encoded];
        }),
      );
    case 'raw':
      return withId(fc.uint8Array({ maxLength: 20 }).map((bytes) => [bytes.length, ...bytes]));
    default:
      return withId(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: spec.size, maxLength: spec.size }));
  }
});

const bthomeObjects = fc.array(bthomeObject, { maxLength: 8 }).map((objects) => Uint8Array.from(objects.flatMap((o) => [...o])));

describe('bthome codec, fuzzed', () => {
  const decoder = createBthomeDecoder();
  /** Unencrypted service data: device info (v2, maybe trigger-based, maybe with the MAC), then objects. */
  const plain = fc
    .record({ trigger: fc.boolean(), mac: fc.option(fc.uint8Array({ minLength: 6, maxLength: 6 })), objects: bthomeObjects })
    .map(({ trigger, mac, objects }) => Uint8Array.from([0x40 | (trigger ? 4 : 0) | (mac ? 2 : 0), ...(mac ?? []), ...objects]));

  it('decodes every well-formed unencrypted packet', () => {
    expectEveryDecodes(plain, (bytes) => decoder.decode(bytes));
  });

  it('never throws on broken or random packets, whatever the context says: a plain-JSON reading or a reason', () => {
    const context = fc.record(
      {
        address: fc.oneof(fc.string(), fc.uint8Array({ minLength: 6, maxLength: 6 }).map(macText)),
        key: fc.oneof(fc.string(), fc.uint8Array({ minLength: 16, maxLength: 16 }).map(hex), fc.integer()),
      },
      { requiredKeys: [] },
    );
    expectNeverThrows(fc.tuple(fc.oneof(validOrMutated(plain), anyBytes(40)), context), ([bytes, ctx]) =>
      // An adapter in plain JavaScript may pass anything: the decoder still must not throw.
      decoder.decode(bytes, ctx as DecodeContext),
    );
  });

  const encrypted = fc.record({
    key: fc.uint8Array({ minLength: 16, maxLength: 16 }).map(hex),
    mac: fc.uint8Array({ minLength: 6, maxLength: 6 }),
    trigger: fc.boolean(),
    macInPayload: fc.boolean(),
    counter: fc.nat({ max: 0xffffffff }),
    objects: bthomeObjects,
  });

  it('decrypts what a device encrypts: the same reading as the plain packet, plus the counter', () => {
    fc.assert(
      fc.property(encrypted, ({ key, mac, trigger, macInPayload, counter, objects }) => {
        const info = 0x41 | (trigger ? 4 : 0) | (macInPayload ? 2 : 0);
        const packet = fromHex(encryptBthome(key, macText(mac), info, counter, hex(objects), macInPayload));
        const context = { address: macText(mac), key };
        const result = createBthomeDecoder().decode(packet, context);
        const clear = decoder.decode(Uint8Array.from([info & ~1, ...(macInPayload ? [...mac].reverse() : []), ...objects]));
        expectJsonResult(result);
        if (!clear.ok) throw new Error(clear.reason);
        expect(result).toEqual({ ok: true, value: { ...clear.value, encrypted: true, counter } });
      }),
      fuzzParameters(0.5),
    );
  });

  it('refuses every altered encrypted packet (bit flips, cuts, insertions): the MIC does not verify', () => {
    const packet = encrypted.map(({ key, mac, trigger, macInPayload, counter, objects }) => {
      const info = 0x41 | (trigger ? 4 : 0) | (macInPayload ? 2 : 0);
      return { key, mac, bytes: fromHex(encryptBthome(key, macText(mac), info, counter, hex(objects), macInPayload)) };
    });
    const altered = packet.chain((p) => alteredBytes(fc.constant(p.bytes)).map(({ altered: bytes }) => ({ ...p, bytes })));
    fc.assert(
      fc.property(altered, ({ key, mac, bytes }) => {
        const result = createBthomeDecoder().decode(bytes, { address: macText(mac), key });
        expectJsonResult(result);
        expect(result.ok).toBe(false);
      }),
      fuzzParameters(0.5),
    );
  });
});

describe('gatt codec, fuzzed', () => {
  const characteristic = fc.constantFrom(...Object.keys(GATT_CHARACTERISTICS), ...Object.values(GATT_CHARACTERISTICS));
  /** A Heart Rate Measurement as a strap sends it: flags, then exactly the fields they announce. */
  const heartRate = fc
    .record({
      flags: fc.integer({ min: 0, max: 255 }),
      words: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 6 }),
    })
    .map(({ flags, words }) => {
      const hasRr = (flags & 0x10) !== 0;
      const fields = (flags & 1 ? 2 : 1) + (flags & 0x08 ? 2 : 0);
      const rr = hasRr ? words.flatMap((w) => [w & 0xff, w >> 8]) : [];
      return Uint8Array.from([flags, ...Array.from({ length: fields }, (_, i) => (words[0] ?? 0) >> i), ...rr]);
    });

  it('decodes every well-formed heart rate measurement', () => {
    expectEveryDecodes(heartRate, (bytes) => createGattDecoder({ characteristic: '2a37' }).decode(bytes));
  });

  it('never throws on any value of any characteristic: a plain-JSON reading or a reason', () => {
    expectNeverThrows(fc.tuple(characteristic, fc.oneof(validOrMutated(heartRate), anyBytes(24))), ([name, bytes]) =>
      createGattDecoder({ characteristic: name }).decode(bytes),
    );
  });
});
