import { SerialPort } from 'serialport';
import { portVariables } from '../template-variables.js';
import type { ByteChannel, ChannelVars } from './byte-channel.js';
import { listSerialPorts } from './port-listing.js';

/** Line settings for a serial port. */
export interface SerialLineSettings {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits: 1 | 1.5 | 2;
}

/** A real serial port through `serialport`. */
export class SerialPortChannel implements ByteChannel {
  vars: ChannelVars;
  private readonly port: SerialPort;
  private closing = false;
  private lostListener: ((reason: string) => void) | undefined;

  constructor(
    readonly path: string,
    settings: SerialLineSettings,
  ) {
    this.vars = portVariables(path);
    this.port = new SerialPort({ path, ...settings, autoOpen: false });
    this.port.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (this.closing) return;
      this.lostListener?.(error?.disconnected ? `${path} was disconnected` : `${path} closed`);
    });
    // An 'error' after open means the port is gone; before open, open() reports it.
    this.port.on('error', (error) => {
      if (!this.closing && this.port.isOpen) this.lostListener?.(`${path}: ${error.message}`);
    });
  }

  async open(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.port.open((error) => (error ? reject(error) : resolve())));
    Object.assign(this.vars, await describePort(this.path));
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes), (error) => (error ? reject(error) : this.port.drain(() => resolve())));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.port.on('data', listener);
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListener = listener;
  }
}

/** USB properties of a port (serial number, vendor/product id) for device templates; none where they cannot be listed. */
async function describePort(path: string): Promise<ChannelVars> {
  const info = (await listSerialPorts()).ports.find((port) => port.path === path);
  if (!info) return {};
  return {
    'port.serialNumber': info.serialNumber,
    'port.manufacturer': info.manufacturer,
    'port.vendorId': info.vendorId,
    'port.productId': info.productId,
  };
}
