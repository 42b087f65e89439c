import { filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Frame } from '../../../src/adapter.js';
import { collect, nextMatching } from '../../support/wait.js';
import { compact, ERROR_LEVEL, nextAfter, profile, type Rig, startRig, unlimited } from './ble-test-kit.js';

const RUUVI = 'c4:7c:8d:6a:1b:01';
const HRM = 'e0:11:22:33:44:05';
const from = (address: string) => (frame: Frame) => frame.source.channel === compact(address);
const is = (address: string, state: string) => (s: { channel: string; state: string }) =>
  s.channel === compact(address) && s.state === state;

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('BLE adapter, containment', () => {
  it('contains a throw while reading a garbled advertisement: logged, counted, the device offline, back with its next packet', async () => {
    rig = await startRig(
      [unlimited('ruuvitag')],
      { devices: [{ kind: 'ruuvi', address: RUUVI, intervalMs: 20 }] },
      {},
      { captureLogs: true },
    );
    await nextMatching(rig.frames$, from(RUUVI));
    // A service data entry whose UUID is a number: the adapter's UUID parsing throws on it.
    const garbled = { serviceData: [{ uuid: 0xfcd2, data: Buffer.of(1) }] };
    rig.radio.simulateRawEvent('discover', compact(RUUVI), RUUVI, 'public', false, garbled, -60, false);
    const offline = await nextMatching(rig.status$, is(RUUVI, 'offline'));
    expect(offline.reason).toMatch(/^internal error in discover: TypeError: .*trim/);
    expect(rig.adapter.stats().faults).toBe(1);
    const logged = rig.logs.filter((line) => line.level === ERROR_LEVEL);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ channel: compact(RUUVI), where: 'discover', err: { type: 'TypeError' } });
    const back = await nextAfter(rig.status$, offline, is(RUUVI, 'online'));
    await nextMatching(rig.frames$, (frame) => from(RUUVI)(frame) && frame.at >= back.at);
  });

  it.each([
    ['a notification without data (the adapter throws)', ['180d', '2a37', undefined]],
    ['a value for a characteristic noble never discovered (noble itself throws)', ['dead', 'beef', Buffer.of(1)]],
  ])(
    'contains %s: the link goes offline, reconnects, and notifications resume',
    async (_name, [service, characteristic, data]) => {
      rig = await startRig([profile('ble-heart-rate')], {
        devices: [{ kind: 'heart-rate', address: HRM, intervalMs: 10, notifyEveryMs: 20 }],
      });
      await nextMatching(rig.status$, is(HRM, 'online'));
      rig.radio.simulateRawEvent('read', compact(HRM), service, characteristic, data, true);
      const offline = await nextMatching(rig.status$, is(HRM, 'offline'));
      expect(offline.reason).toMatch(/^internal error in read: TypeError: .*; retrying in \d+ ms$/);
      expect(rig.adapter.stats().faults).toBe(1);
      const back = await nextAfter(rig.status$, offline, is(HRM, 'online'));
      await collect(rig.frames$.pipe(filter((frame) => from(HRM)(frame) && frame.at >= back.at)), 3);
      expect(rig.radio.connectedAddresses()).toEqual([HRM]);
    },
  );

  it('contains a throw it cannot pin on a device (an event without a peripheral id) by restarting the radio', async () => {
    rig = await startRig([profile('ruuvitag')], { devices: [{ kind: 'ruuvi', address: RUUVI, intervalMs: 20 }] });
    const up = await nextMatching(rig.status$, (s) => s.channel === 'radio' && s.state === 'online');
    rig.radio.simulateRawEvent('discover');
    const offline = await nextMatching(rig.status$, (s) => s.channel === 'radio' && s.state === 'offline');
    expect(offline.reason).toMatch(/^internal error in discover: TypeError: .*; retrying in \d+ ms$/);
    expect(rig.adapter.stats().faults).toBe(1);
    const back = await nextAfter(rig.status$, offline, (s) => s.channel === 'radio' && s.state === 'online');
    expect(back).not.toBe(up);
    await nextMatching(rig.frames$, (frame) => frame.at >= back.at);
    expect(rig.radio.inits).toBe(2);
  });
});
