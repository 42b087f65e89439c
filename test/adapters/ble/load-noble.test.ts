import { describe, expect, it } from 'vitest';
import { describeLoadError, loadNoble, waitForPoweredOn } from '../../../adapters/ble/load-noble.js';
import { SimulatedRadio } from '../../../adapters/ble/simulated-radio.js';

describe('loadNoble', () => {
  it('drives the real noble central with injected bindings', async () => {
    const radio = new SimulatedRadio({ devices: [] });
    const noble = await loadNoble({ bindings: radio });
    await waitForPoweredOn(noble, 2000);
    expect(noble.state).toBe('poweredOn');
    radio.close();
  });

  it('rejects with one sentence when the radio is unauthorized', async () => {
    const radio = new SimulatedRadio({ devices: [], state: 'unauthorized' });
    const noble = await loadNoble({ bindings: radio });
    await expect(waitForPoweredOn(noble, 2000)).rejects.toThrow(
      /^Bluetooth adapter state is unauthorized: give node cap_net_raw/,
    );
    radio.close();
  });

  it.each([
    [new Error('EAFNOSUPPORT, Address family not supported by protocol'), /^no Bluetooth adapter found \(noble: EAFNOSUPPORT/],
    [new Error('ENODEV, No such device'), /^no Bluetooth adapter hci1 found/],
    [
      Object.assign(new Error('EPERM, Operation not permitted'), { code: 'EPERM' }),
      /^not allowed to open hci1: run with cap_net_raw/,
    ],
    [Object.assign(new Error("Cannot find module 'x'"), { code: 'MODULE_NOT_FOUND' }), /^Bluetooth support is not installed/],
  ])('describes %s in one sentence', (error, expected) => {
    const text = describeLoadError(error, 1);
    expect(text).toMatch(expected);
    expect(text).not.toMatch(/\n/);
  });
});
