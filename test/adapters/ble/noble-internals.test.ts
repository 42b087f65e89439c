import { EventEmitter, once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { loadNoble, waitForPoweredOn } from '../../../adapters/ble/load-noble.js';
import {
  forgetPeripheral,
  forgetUnreportedDiscoveries,
  guardBindingsEmit,
  isIdle,
  nobleCacheSizes,
  withAddedListeners,
} from '../../../adapters/ble/noble-internals.js';
import type { NoblePeripheral } from '../../../adapters/ble/noble-types.js';
import { SimulatedRadio } from '../../../adapters/ble/simulated-radio.js';

const RUUVI = 'c4:7c:8d:6a:1b:01';

describe('noble internals (pinned to @abandonware/noble 1.9.2-26)', () => {
  it('finds a discovered peripheral in each of noble’s caches, forgets it from all, and takes it anew when it is back', async () => {
    const radio = new SimulatedRadio({ devices: [{ kind: 'ruuvi', address: RUUVI, intervalMs: 20 }] });
    const noble = await loadNoble({ bindings: radio });
    await waitForPoweredOn(noble, 2000);
    noble.startScanning([], true);
    const discovery = async () =>
      ((await once(noble, 'discover', { signal: AbortSignal.timeout(5000) })) as [NoblePeripheral])[0];
    const first = await discovery();
    const one = { peripherals: 1, services: 1, characteristics: 1, descriptors: 1, discovered: 1 };
    expect(nobleCacheSizes(noble)).toEqual(one);
    expect(isIdle(noble, first.id)).toBe(true);
    forgetPeripheral(noble, first.id);
    expect(nobleCacheSizes(noble)).toEqual({ peripherals: 0, services: 0, characteristics: 0, descriptors: 0, discovered: 0 });
    const again = await discovery();
    expect(again.id).toBe(first.id);
    expect(again).not.toBe(first);
    expect(nobleCacheSizes(noble)).toEqual(one);
    noble.stopScanning();
    radio.close();
  });

  it('forgets addresses the HCI layer heard once and noble never reported, after two sweeps with nothing heard', () => {
    // The shape of noble's insides with its HCI bindings (the simulated radio replaces the GAP layer, so it is made here).
    const discoveries: Record<string, unknown> = { 'aa:aa': { count: 2 }, 'bb:bb': { count: 1 }, 'cc:cc': { count: 1 } };
    const noble = { _peripherals: { aaaa: { address: 'aa:aa' } }, _bindings: { _gap: { _discoveries: discoveries } } };
    const asNoble = noble as unknown as Parameters<typeof forgetUnreportedDiscoveries>[0];
    const first = forgetUnreportedDiscoveries(asNoble, new Map());
    expect([...first.keys()].sort()).toEqual(['bb:bb', 'cc:cc']);
    expect(Object.keys(discoveries).sort()).toEqual(['aa:aa', 'bb:bb', 'cc:cc']);
    discoveries['cc:cc'] = { count: 2 };
    const second = forgetUnreportedDiscoveries(asNoble, first);
    expect(Object.keys(discoveries).sort()).toEqual(['aa:aa', 'cc:cc']);
    expect([...second.keys()]).toEqual(['cc:cc']);
    expect(forgetUnreportedDiscoveries({} as typeof asNoble, second).size).toBe(0);
  });

  it('guards an emitter’s emit: a throw goes to onThrow with the peripheral id, and removing the guard restores emit', () => {
    const bindings = new EventEmitter();
    const thrown: Array<[string, string | undefined, string]> = [];
    const unguard = guardBindingsEmit(bindings, (event, id, error) => thrown.push([event, id, (error as Error).message]));
    bindings.on('read', () => {
      throw new Error('bad value');
    });
    bindings.on('stateChange', () => {
      throw new Error('bad state');
    });
    expect(() => bindings.emit('read', 'aabbccddeeff', '180d', '2a37')).not.toThrow();
    expect(() => bindings.emit('stateChange', 'poweredOn')).not.toThrow();
    expect(thrown).toEqual([
      ['read', 'aabbccddeeff', 'bad value'],
      ['stateChange', undefined, 'bad state'],
    ]);
    unguard();
    expect(Object.hasOwn(bindings, 'emit')).toBe(false);
    expect(() => bindings.emit('read', 'aabbccddeeff')).toThrow('bad value');
  });

  it('removes exactly the listeners added while creating something, not those there before or added after', () => {
    const emitter = new EventEmitter();
    const before = () => undefined;
    const after = () => undefined;
    emitter.on('discover', before);
    const made = withAddedListeners([emitter], () => {
      emitter.on('discover', () => undefined);
      emitter.once('connect', () => undefined);
      return 42;
    });
    emitter.on('discover', after);
    expect(made.value).toBe(42);
    made.remove();
    expect(emitter.listeners('discover')).toEqual([before, after]);
    expect(emitter.listenerCount('connect')).toBe(0);
  });
});
