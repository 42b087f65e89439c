import type { Adapter, AdapterContext } from '../../src/adapter.js';
import type { AdapterConfig } from '../../src/config/gateway-config.js';
import type { ByteChannel } from './byte-channel.js';
import { listSerialPorts, type PortTarget, type SerialPortLister } from './port-locator.js';
import { serialMatchName } from './port-match.js';
import { SerialPortChannel } from './serialport-channel.js';
import { StreamAdapter } from './stream-adapter.js';
import { parseTcpPath, TcpChannel } from './tcp-channel.js';

/** Options of the serial adapter, as in the gateway config. */
export type SerialAdapterOptions = Extract<AdapterConfig, { kind: 'serial' }>;

/**
 * Serial ports (and `tcp://host:port` serial servers), several at once, each with its own profile.
 * `listPorts` stands in for USB enumeration in tests; the gateway uses `SerialPort.list()`.
 */
export function createSerialAdapter(
  options: SerialAdapterOptions,
  context: AdapterContext,
  listPorts: SerialPortLister = listSerialPorts,
): Adapter {
  const specs = options.ports.map((port) => {
    const target = portTarget(port);
    const channel = target.kind === 'path' ? target.path : `usb:${serialMatchName(target.match)}`;
    const profile = context.profile(port.profile);
    if (profile.transport.kind !== 'serial') {
      throw new Error(`port ${channel}: profile ${profile.name} is for ${profile.transport.kind}, not serial`);
    }
    const line = profile.transport;
    const tcp = target.kind === 'path' ? parseTcpPath(target.path) : undefined;
    const settings = {
      baudRate: port.baudRate ?? line.baudRate,
      dataBits: line.dataBits,
      parity: line.parity,
      stopBits: line.stopBits,
    };
    const readWindowMs = port.readWindowMs ?? options.readWindowMs;
    const create = (): ByteChannel =>
      tcp
        ? new TcpChannel(channel, tcp)
        : new SerialPortChannel(channel, target, settings, context.logger, listPorts, readWindowMs);
    return { channel, profile, create, ...(port.deviceId ? { deviceId: port.deviceId } : {}) };
  });
  return new StreamAdapter('serial', specs, context.logger);
}

/** The schema lets through exactly one of path and match. */
function portTarget(port: SerialAdapterOptions['ports'][number]): PortTarget {
  if (port.match) return { kind: 'match', match: port.match };
  if (port.path) return { kind: 'path', path: port.path };
  throw new Error('a serial port entry needs path or match (the config schema checks this)');
}
