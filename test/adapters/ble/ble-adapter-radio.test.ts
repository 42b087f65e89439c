import { filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelStatus } from '../../../src/adapter.js';
import { collect, nextMatching } from '../../support/wait.js';
import { nextAfter, profile, type Rig, startRig, unlimited } from './ble-test-kit.js';

const RUUVI = 'c4:7c:8d:6a:1b:01';
const radioIs = (state: ChannelStatus['state']) => (s: ChannelStatus) => s.channel === 'radio' && s.state === state;
const waitOf = (reason: string | undefined) => Number(/retrying in (\d+) ms$/.exec(reason ?? '')?.[1]);

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('BLE adapter, radio start-up', () => {
  it('retries a radio whose init throws with growing, jittered back-off, offline meanwhile, and scans once it is up', async () => {
    rig = await startRig(
      [profile('ruuvitag')],
      { failInits: ['throw', 'throw', 'throw'], devices: [{ kind: 'ruuvi', address: RUUVI, intervalMs: 20 }] },
      { reconnect: { initialMs: 40, maxMs: 1000 } },
    );
    const offline = await collect(rig.status$.pipe(filter(radioIs('offline'))), 3);
    for (const status of offline) {
      expect(status.reason).toMatch(/^no Bluetooth adapter hci0 found \(noble: ENODEV, No such device\); retrying in \d+ ms$/);
    }
    // Attempt n waits between half and all of initialMs * 2^n ("equal jitter").
    offline.forEach((status, attempt) => {
      const ceiling = 40 * 2 ** attempt;
      expect(waitOf(status.reason)).toBeGreaterThanOrEqual(ceiling / 2);
      expect(waitOf(status.reason)).toBeLessThanOrEqual(ceiling);
    });
    await nextMatching(rig.status$, radioIs('online'));
    await nextMatching(rig.frames$);
    expect(rig.radio.inits).toBe(4);
    // The three failed centrals let go of the radio: only the working one listens.
    expect(rig.radio.listenerCount('discover')).toBe(1);
  });

  it('gives up on a radio that does not power on within requestTimeoutMs, and tries again', async () => {
    rig = await startRig(
      [profile('ruuvitag')],
      { failInits: ['silent'], devices: [{ kind: 'ruuvi', address: RUUVI, intervalMs: 20 }] },
      { requestTimeoutMs: 300 },
    );
    const offline = await nextMatching(rig.status$, radioIs('offline'));
    expect(offline.reason).toMatch(
      /^the Bluetooth adapter did not power on within 300 ms \(state unknown\); retrying in \d+ ms$/,
    );
    await nextMatching(rig.status$, radioIs('online'));
    await nextMatching(rig.frames$);
    expect(rig.radio.inits).toBe(2);
  });

  it('reports the radio offline when it is powered off while scanning, and scans again when it is back', async () => {
    rig = await startRig([unlimited('ruuvitag')], { devices: [{ kind: 'ruuvi', address: RUUVI, intervalMs: 20 }] });
    await nextMatching(rig.frames$);
    rig.radio.setState('poweredOff');
    const off = await nextMatching(rig.status$, radioIs('offline'));
    expect(off.reason).toMatch(/powered off/);
    rig.radio.setState('poweredOn');
    const back = await nextAfter(rig.status$, off, radioIs('online'));
    await nextMatching(rig.frames$, (frame) => frame.at >= back.at);
  });
});
