import type { Adapter, AdapterContext } from '../../src/adapter.js';
import type { AdapterConfig } from '../../src/config/gateway-config.js';
import type { ByteChannel } from './byte-channel.js';
import { SerialPortChannel } from './serialport-channel.js';
import { StreamAdapter } from './stream-adapter.js';
import { parseTcpPath, TcpChannel } from './tcp-channel.js';

/** Options of the serial adapter, as in the gateway config. */
export type SerialAdapterOptions = Extract<AdapterConfig, { kind: 'serial' }>;

/** Serial ports (and `tcp://host:port` serial servers), several at once, each with its own profile. */
export function createSerialAdapter(options: SerialAdapterOptions, context: AdapterContext): Adapter {
  const specs = options.ports.map((port) => {
    const profile = context.profile(port.profile);
    if (profile.transport.kind !== 'serial') {
      throw new Error(`port ${port.path}: profile ${profile.name} is for ${profile.transport.kind}, not serial`);
    }
    const line = profile.transport;
    const tcp = parseTcpPath(port.path);
    const create = (): ByteChannel =>
      tcp
        ? new TcpChannel(port.path, tcp)
        : new SerialPortChannel(port.path, {
            baudRate: port.baudRate ?? line.baudRate,
            dataBits: line.dataBits,
            parity: line.parity,
            stopBits: line.stopBits,
          });
    return { channel: port.path, profile, create, vars: port.deviceId ? { 'override.deviceId': port.deviceId } : {} };
  });
  return new StreamAdapter('serial', specs, context.logger);
}
