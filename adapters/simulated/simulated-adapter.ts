import type { Adapter, AdapterContext } from '../../src/adapter.js';
import type { AdapterConfig } from '../../src/config/gateway-config.js';
import { type Observable, Subject } from '../../src/rx.js';
import { StreamAdapter } from '../serial/stream-adapter.js';
import type { Emulator } from './emulator.js';
import { GpsEmulator } from './gps-emulator.js';
import { JsonSensorEmulator } from './json-sensor-emulator.js';
import { ModbusSlaveEmulator, parseModbusWriteFault } from './modbus-slave-emulator.js';
import { SimulatedChannel } from './simulated-channel.js';
import { StructSensorEmulator } from './struct-sensor-emulator.js';

export type SimulatedAdapterOptions = Extract<AdapterConfig, { kind: 'simulated' }>;

/** What a simulated device did in response to the gateway (for the demo's console). */
export interface DeviceAction {
  channel: string;
  action: string;
}

/** The emulators a config can name. */
export const EMULATORS: Record<string, (options: Record<string, unknown>, intervalMs: number) => Emulator> = {
  gps: (_options, intervalMs) => new GpsEmulator(undefined, intervalMs),
  'json-sensor': (options) => new JsonSensorEmulator(typeof options.id === 'string' ? options.id : undefined),
  'struct-sensor': () => new StructSensorEmulator(),
  'modbus-th': (options) => {
    const fault = parseModbusWriteFault(options.writeFault);
    if (!fault.ok) throw new Error(fault.reason);
    return new ModbusSlaveEmulator(Array.isArray(options.slaves) ? (options.slaves as number[]) : [1], fault.value);
  },
};

/** The simulated adapter: emulated peripherals through the same framings, codecs and pipeline as real ports. */
export class SimulatedAdapter extends StreamAdapter {
  readonly actions$: Observable<DeviceAction>;

  constructor(options: SimulatedAdapterOptions, context: AdapterContext) {
    const actions = new Subject<DeviceAction>();
    const specs = options.devices.map((device, index) => {
      const factory = EMULATORS[device.emulator];
      if (!factory)
        throw new Error(
          `adapters[simulated].devices[${index}].emulator: "${device.emulator}" is unknown; expected one of ${Object.keys(EMULATORS).join(', ')}`,
        );
      const profile = context.profile(device.profile);
      const channel = device.channel ?? `${device.emulator}-${index}`;
      // Built here, so bad emulator options fail the adapter's construction, not every reconnect.
      let emulator: Emulator;
      try {
        emulator = factory(device.options, device.intervalMs);
      } catch (error) {
        throw new Error(`adapters[simulated].devices[${index}].options: ${(error as Error).message}`);
      }
      return {
        channel,
        profile,
        create: () =>
          new SimulatedChannel(channel, emulator, profile.framing, device.intervalMs, (action) =>
            actions.next({ channel, action }),
          ),
      };
    });
    super('simulated', specs, context.logger);
    this.actions$ = actions.asObservable();
  }
}

/** Factory in the plugin shape. */
export function createSimulatedAdapter(options: SimulatedAdapterOptions, context: AdapterContext): Adapter {
  return new SimulatedAdapter(options, context);
}
