import { filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { NUS } from '../../../adapters/ble/simulated-devices.js';
import type { SimulatedGattValue } from '../../../adapters/ble/simulated-radio.js';
import type { Frame } from '../../../src/adapter.js';
import { collect, nextMatching } from '../../support/wait.js';
import { compact, decodeFrame, hex, profile, type Rig, replayed, startRig } from './ble-test-kit.js';

const HRM = 'e0:11:22:33:44:05';
const CHANNEL = 'e01122334405';

/** The ble-heart-rate profile with the battery polled every `pollMs` instead of every minute. */
const heartRate = (pollMs = 60_000) =>
  profile('ble-heart-rate', (p) => {
    const gatt = (p.transport as { gatt: { characteristics: Array<{ uuid: string; pollMs?: number }> } }).gatt;
    for (const characteristic of gatt.characteristics) if (characteristic.uuid === '2a19') characteristic.pollMs = pollMs;
  });

const ofCharacteristic = (uuid: string) => (frame: Frame) => frame.context?.characteristic === uuid;

/** Every value the simulated server sent, by its bytes. */
function recordSent(rig: Rig): Map<string, SimulatedGattValue> {
  const sent = new Map<string, SimulatedGattValue>();
  rig.radio.gattValues$.subscribe((value) => sent.set(`${value.characteristic} ${hex(value.data)}`, value));
  return sent;
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('BLE adapter, GATT', () => {
  it('connects, and turns heart-rate notifications into frames decoded with the characteristic codec', async () => {
    rig = await startRig([heartRate()], {
      devices: [{ kind: 'heart-rate', address: HRM, intervalMs: 20, notifyEveryMs: 20 }],
    });
    const sent = recordSent(rig);
    await nextMatching(rig.status$, (s) => s.channel === CHANNEL && s.state === 'online');
    const frames = await collect(rig.frames$.pipe(filter(ofCharacteristic('2a37'))), 3);
    for (const frame of frames) {
      const value = sent.get(`2a37 ${hex(frame.bytes)}`);
      expect(value?.notification).toBe(true);
      expect(frame.context).toMatchObject({
        address: HRM,
        codec: { kind: 'gatt', characteristic: 'heart-rate-measurement' },
      });
      expect(frame.source).toMatchObject({ adapter: 'ble', channel: CHANNEL, vars: { address: CHANNEL } });
      expect(decodeFrame(frame, rig.profiles)).toMatchObject({
        ...value?.values,
        sensor_contact: 'detected',
      });
    }
  });

  it('reads a polled characteristic on connect and then every pollMs', async () => {
    rig = await startRig([heartRate(50)], {
      devices: [{ kind: 'heart-rate', address: HRM, intervalMs: 20, notifyEveryMs: 1000 }],
    });
    const battery = await collect(rig.frames$.pipe(filter(ofCharacteristic('2a19'))), 3);
    const profiles = rig.profiles;
    const levels = battery.map((frame) => decodeFrame(frame, profiles).battery_level);
    expect(levels).toEqual([90, 89, 88]);
  });

  it('goes offline on link loss, reconnects with back-off, and frames resume', async () => {
    rig = await startRig([heartRate()], {
      devices: [{ kind: 'heart-rate', address: HRM, intervalMs: 10, notifyEveryMs: 20 }],
    });
    await nextMatching(rig.frames$, ofCharacteristic('2a37'));
    const lostAt = Date.now();
    expect(rig.radio.simulateLinkLoss(HRM, { refuseConnections: 1 })).toBe(true);
    const lost = await nextMatching(rig.status$, (s) => s.channel === CHANNEL && s.state === 'offline' && s.at >= lostAt);
    expect(lost.reason).toMatch(/link lost \(HCI reason 0x08\); retrying in \d+ ms/);
    const refused = await nextMatching(
      rig.status$,
      (s) => s.channel === CHANNEL && s.state === 'offline' && /Connection Failed/.test(s.reason ?? ''),
    );
    expect(refused.reason).toMatch(/^Connection Failed to be Established \(0x3e\); retrying in \d+ ms$/);
    const back = await nextMatching(rig.status$, (s) => s.channel === CHANNEL && s.state === 'online' && s.at >= refused.at);
    const resumed = await nextMatching(rig.frames$, (f) => ofCharacteristic('2a37')(f) && f.at >= back.at);
    expect(decodeFrame(resumed, rig.profiles)).toHaveProperty('heart_rate');
  });

  it('writes a command to the gatt.write characteristic, and the reply comes back as a frame', async () => {
    rig = await startRig([heartRate()], { devices: [{ kind: 'heart-rate', address: HRM, intervalMs: 20 }] });
    await nextMatching(rig.status$, (s) => s.channel === CHANNEL && s.state === 'online');
    const arriving = nextMatching(rig.radio.writes$);
    await rig.adapter.write(CHANNEL, Uint8Array.of(0x01, 0x02));
    const write = await arriving;
    expect(write).toMatchObject({
      address: HRM,
      service: NUS.service,
      characteristic: NUS.rx,
      withoutResponse: false,
    });
    expect([...write.data]).toEqual([1, 2]);
    const reply = await nextMatching(rig.frames$, ofCharacteristic(NUS.tx));
    expect(decodeFrame(reply, rig.profiles)).toEqual({ ack: '0102' });
  });

  it('on close, reports each link closed and nothing else', async () => {
    rig = await startRig([heartRate()], { devices: [{ kind: 'heart-rate', address: HRM, intervalMs: 20 }] });
    const up = await nextMatching(rig.status$, (s) => s.channel === CHANNEL && s.state === 'online');
    await rig.close();
    const statuses = replayed(rig.status$).filter((s) => s.channel === CHANNEL);
    expect(statuses.slice(statuses.indexOf(up) + 1).map((s) => s.state)).toEqual(['closed']);
  });

  it('refuses a write to a device that has no GATT link', async () => {
    rig = await startRig([heartRate()], { devices: [] });
    await expect(rig.adapter.write('aabbccddeeff', Uint8Array.of(1))).rejects.toThrow(/no GATT link/);
  });

  it('holds at most maxConnections links and reports the others offline', async () => {
    const addresses = ['e0:11:22:33:44:a1', 'e0:11:22:33:44:a2', 'e0:11:22:33:44:a3'];
    rig = await startRig(
      [heartRate()],
      { devices: addresses.map((address) => ({ kind: 'heart-rate' as const, address, intervalMs: 10 })) },
      { maxConnections: 2 },
    );
    const refused = await nextMatching(rig.status$, (s) => s.state === 'offline' && /maxConnections \(2\)/.test(s.reason ?? ''));
    const online = await collect(rig.status$.pipe(filter((s) => s.state === 'online' && s.channel !== 'radio')), 2);
    expect(new Set([...online.map((s) => s.channel), refused.channel]).size).toBe(3);
    // The waiting device keeps advertising; by its 10th advertisement the adapter had every chance to overreach.
    await collect(rig.radio.advertisements$.pipe(filter((p) => compact(p.address) === refused.channel)), 10);
    expect(rig.radio.connectedAddresses()).toHaveLength(2);
    expect(rig.radio.peakConnections).toBe(2);
  });

  it('frees the slot of a peripheral gone for staleAfterMs, so new ones connect after maxConnections have come and gone', async () => {
    const first = ['e0:11:22:33:44:b1', 'e0:11:22:33:44:b2'];
    const later = ['e0:11:22:33:44:c1', 'e0:11:22:33:44:c2'];
    rig = await startRig(
      [heartRate()],
      {
        devices: [...first, ...later].map((address) => ({ kind: 'heart-rate' as const, address, intervalMs: 10 })),
        outOfRange: later,
      },
      { maxConnections: 2, staleAfterMs: 200 },
    );
    const online = await collect(rig.status$.pipe(filter((s) => s.state === 'online' && s.channel !== 'radio')), 2);
    expect(online.map((s) => s.channel).sort()).toEqual(first.map(compact));
    for (const address of first) rig.radio.setInRange(address, false);
    for (const address of later) rig.radio.setInRange(address, true);
    const freed = await collect(rig.status$.pipe(filter((s) => s.state === 'closed' && /slot freed/.test(s.reason ?? ''))), 2);
    expect(freed.map((s) => s.channel).sort()).toEqual(first.map(compact));
    for (const status of freed) expect(status.reason).toMatch(/^gone: not heard or connected for \d+ ms; slot freed$/);
    const joined = await collect(
      rig.status$.pipe(filter((s) => s.state === 'online' && later.map(compact).includes(s.channel))),
      2,
    );
    expect(new Set(joined.map((s) => s.channel)).size).toBe(2);
    expect(rig.radio.connectedAddresses().sort()).toEqual(later);
    expect(rig.radio.peakConnections).toBe(2);
    expect(rig.adapter.stats()).toMatchObject({ gattLinks: 2, faults: 0 });
  });

  it('keeps a connected peripheral and its noble state through sweeps, though it stops advertising while connected', async () => {
    rig = await startRig(
      [heartRate()],
      { devices: [{ kind: 'heart-rate', address: HRM, intervalMs: 10, notifyEveryMs: 20 }] },
      { staleAfterMs: 100 },
    );
    const up = await nextMatching(rig.status$, (s) => s.channel === CHANNEL && s.state === 'online');
    // 30 notifications 20 ms apart span more than five sweeps (one every staleAfterMs / 2).
    const frames = await collect(rig.frames$.pipe(filter((f) => ofCharacteristic('2a37')(f) && f.at >= up.at)), 30);
    expect(frames.at(-1)?.at ?? 0).toBeGreaterThan(up.at + 300);
    const statuses = replayed(rig.status$).filter((s) => s.channel === CHANNEL);
    expect(statuses.slice(statuses.indexOf(up) + 1)).toEqual([]);
    expect(rig.radio.connectedAddresses()).toEqual([HRM]);
    expect(rig.adapter.stats()).toMatchObject({ gattLinks: 1, faults: 0, noble: { peripherals: 1 } });
  });
});
