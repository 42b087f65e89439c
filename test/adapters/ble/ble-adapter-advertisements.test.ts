import { filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { SIMULATED_BTHOME_KEY } from '../../../adapters/ble/simulated-devices.js';
import type { SimulatedAdvertisement } from '../../../adapters/ble/simulated-radio.js';
import type { Frame } from '../../../src/adapter.js';
import { collect, nextMatching } from '../../support/wait.js';
import { compact, customProfile, decodeFrame, hex, profile, type Rig, startRig, unlimited } from './ble-test-kit.js';

const RUUVI = 'c4:7c:8d:6a:1b:01';
const BTHOME = 'a4:c1:38:00:00:02';
const BTHOME_ENCRYPTED = 'a4:c1:38:00:00:03';

/** Every advertised payload (manufacturer data or BTHome service data) → the values it encodes. */
function recordAdvertised(rig: Rig): Map<string, SimulatedAdvertisement> {
  const seen = new Map<string, SimulatedAdvertisement>();
  rig.radio.advertisements$.subscribe((packet) => {
    const { manufacturerData, serviceData } = packet.advertisement;
    if (manufacturerData) seen.set(hex(manufacturerData), packet);
    for (const entry of serviceData ?? []) seen.set(hex(entry.data), packet);
  });
  return seen;
}

const fromDevice = (address: string) => (frame: Frame) => frame.source.channel === compact(address);

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('BLE adapter, advertisements', () => {
  it('turns RuuviTag and BTHome advertisements into frames that decode to the advertised values', async () => {
    rig = await startRig(
      [unlimited('ruuvitag'), unlimited('bthome-sensor')],
      {
        devices: [
          { kind: 'ruuvi', address: RUUVI, intervalMs: 20 },
          { kind: 'bthome', address: BTHOME, intervalMs: 20 },
          { kind: 'bthome', address: BTHOME_ENCRYPTED, intervalMs: 20, key: SIMULATED_BTHOME_KEY },
        ],
      },
      { keys: { [BTHOME_ENCRYPTED.toUpperCase()]: SIMULATED_BTHOME_KEY } },
    );
    const advertised = recordAdvertised(rig);
    for (const address of [RUUVI, BTHOME, BTHOME_ENCRYPTED]) {
      const frames = await collect(rig.frames$.pipe(filter(fromDevice(address))), 3);
      for (const frame of frames) {
        const packet = advertised.get(hex(frame.bytes));
        expect(packet?.address, `advertised payload for ${address}`).toBe(address);
        expect(decodeFrame(frame, rig.profiles)).toMatchObject(packet?.values ?? {});
      }
      const [first] = frames;
      expect(first?.source.vars).toMatchObject({ address: compact(address), 'address.colon': address });
      expect(first?.context?.address).toBe(address);
    }
    const ruuvi = await nextMatching(rig.frames$, fromDevice(RUUVI));
    expect(ruuvi.profile).toBe('ruuvitag');
    expect(ruuvi.bytes.subarray(0, 3)).toEqual(Uint8Array.of(0x99, 0x04, 5));
    const encrypted = await nextMatching(rig.frames$, fromDevice(BTHOME_ENCRYPTED));
    expect(encrypted.context?.key).toBe(SIMULATED_BTHOME_KEY);
    expect(decodeFrame(encrypted, rig.profiles)).toMatchObject({ encrypted: true });
  });

  it('ignores advertisers that no profile filter matches', async () => {
    const onlyA = customProfile({
      name: 'tag-a',
      transport: { kind: 'ble', filter: { localName: 'Tag-A*' } },
      codec: { kind: 'json' },
      device: { typeId: 'tag', deviceId: '{address}' },
    });
    const oneBthome = profile('bthome-sensor', (p) => {
      Object.assign(p.transport, {
        filter: { serviceUuids: ['FCD2'], addresses: [BTHOME.toUpperCase()] },
        rateLimit: { intervalMs: 0 },
      });
    });
    rig = await startRig(
      [onlyA, oneBthome],
      {
        devices: [
          {
            kind: 'beacon',
            address: '10:00:00:00:00:0a',
            name: 'Tag-A 1',
            intervalMs: 20,
            manufacturerData: 'ffff7b7d',
          },
          {
            kind: 'beacon',
            address: '10:00:00:00:00:0b',
            name: 'Tag-B 1',
            intervalMs: 20,
            manufacturerData: 'ffff7b7d',
          },
          { kind: 'bthome', address: BTHOME, intervalMs: 20 },
          { kind: 'bthome', address: 'a4:c1:38:00:00:99', intervalMs: 20 },
          { kind: 'ruuvi', address: RUUVI, intervalMs: 20 },
        ],
      },
      { scan: 'active' },
    );
    const heard = new Set<string>();
    rig.frames$.subscribe((frame) => heard.add(`${frame.profile} ${frame.source.channel}`));
    // Every device advertises at the same pace: by the time each one has been heard 10 times, any frame
    // for a non-matching advertiser would have arrived.
    await collect(rig.radio.advertisements$.pipe(filter((p) => p.address === RUUVI)), 10);
    expect([...heard].sort()).toEqual(['bthome-sensor a4c138000002', 'tag-a 10000000000a']);
  });

  it('passes at most one frame per rateLimit.intervalMs per device', async () => {
    const limited = profile('ruuvitag', (p) => void Object.assign(p.transport, { rateLimit: { intervalMs: 150 } }));
    rig = await startRig([limited], { devices: [{ kind: 'ruuvi', address: RUUVI, intervalMs: 10 }] });
    let advertisements = 0;
    rig.radio.advertisements$.subscribe(() => advertisements++);
    const frames = await collect(rig.frames$, 3);
    const gaps = frames.slice(1).map((frame, i) => frame.at - (frames[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(150);
    expect(advertisements).toBeGreaterThan(10);
  });

  it('with rateLimit.onChange, passes a frame only when the bytes changed', async () => {
    const onChange = customProfile({
      name: 'fixed-beacon',
      transport: { kind: 'ble', filter: { manufacturerId: 0xffff }, rateLimit: { onChange: true } },
      codec: { kind: 'json' },
      device: { typeId: 'beacon', deviceId: '{address}' },
    });
    rig = await startRig([onChange], {
      devices: [{ kind: 'beacon', address: '10:00:00:00:00:0c', intervalMs: 10, manufacturerData: 'ffff3132' }],
    });
    let frames = 0;
    rig.frames$.subscribe(() => frames++);
    await collect(rig.radio.advertisements$, 15);
    expect(frames).toBe(1);
  });

  it('reports a device online when first heard and closed (forgotten) when it goes quiet', async () => {
    rig = await startRig(
      [profile('ruuvitag')],
      { devices: [{ kind: 'ruuvi', address: RUUVI, intervalMs: 20 }] },
      { staleAfterMs: 200 },
    );
    const channel = compact(RUUVI);
    await nextMatching(rig.status$, (s) => s.channel === channel && s.state === 'online');
    rig.radio.setInRange(RUUVI, false);
    const closed = await nextMatching(rig.status$, (s) => s.channel === channel && s.state !== 'online');
    expect(closed.state).toBe('closed');
    expect(closed.reason).toMatch(/not heard for \d+ ms/);
  });

  it.each([
    ['unauthorized', /unauthorized.*cap_net_raw/],
    ['unsupported', /does not do Bluetooth Low Energy/],
  ] as const)('reports the radio offline when noble says %s, and scans once it is poweredOn', async (state, reason) => {
    rig = await startRig([profile('ruuvitag')], {
      state,
      devices: [{ kind: 'ruuvi', address: RUUVI, intervalMs: 20 }],
    });
    const status = await nextMatching(rig.status$, (s) => s.channel === 'radio' && s.state === 'offline');
    expect(status.reason).toMatch(reason);
    rig.radio.setState('poweredOn');
    await nextMatching(rig.status$, (s) => s.channel === 'radio' && s.state === 'online');
    await nextMatching(rig.frames$);
  });
});
