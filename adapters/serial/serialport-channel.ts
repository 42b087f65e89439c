import { SerialPort } from 'serialport';
import type { Logger } from '../../src/logging.js';
import { portVariables } from '../template-variables.js';
import type { ByteChannel, ChannelVars } from './byte-channel.js';
import { describeDevice, listSerialPorts, locatePort, type PortTarget, type SerialPortLister } from './port-locator.js';
import { serialMatchName } from './port-match.js';

/** Line settings for a serial port. */
export interface SerialLineSettings {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits: 1 | 1.5 | 2;
}

/**
 * A real serial port through `serialport`. Which device it opens is decided in `open()`, at every
 * (re)connect: a by-id symlink is followed again and a USB match looked for again (port-locator.ts).
 */
export class SerialPortChannel implements ByteChannel {
  vars: ChannelVars;
  private port: SerialPort | undefined;
  private closing = false;
  private dataListener: ((chunk: Uint8Array) => void) | undefined;
  private lostListener: ((reason: string) => void) | undefined;

  constructor(
    /** The channel's name in logs and status: the configured path, or the match's name. */
    readonly name: string,
    private readonly target: PortTarget,
    private readonly settings: SerialLineSettings,
    private readonly logger: Logger,
    private readonly list: SerialPortLister = listSerialPorts,
  ) {
    this.vars = target.kind === 'path' ? portVariables(target.path) : { 'port.name': serialMatchName(target.match) };
  }

  async open(): Promise<void> {
    const located = await locatePort(this.target, this.list);
    if (!located.ok) throw new Error(located.reason);
    const { device } = located.value;
    if (device !== this.name) this.logger.info({ channel: this.name, device }, `${this.name} is ${device}`);
    const port = new SerialPort({ path: device, ...this.settings, autoOpen: false });
    this.port = port;
    port.on('data', (chunk: Buffer) => this.dataListener?.(chunk));
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (this.closing) return;
      this.lostListener?.(error?.disconnected ? `${device} was disconnected` : `${device} closed`);
    });
    // An 'error' after open means the port is gone; before open, open() reports it.
    port.on('error', (error) => {
      if (!this.closing && port.isOpen) this.lostListener?.(`${device}: ${error.message}`);
    });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    const info = located.value.info ?? (await describeDevice(device, this.list));
    Object.assign(this.vars, {
      'port.device': device,
      ...(this.target.kind === 'match' ? { 'port.path': device } : {}),
      'port.serialNumber': info?.serialNumber,
      'port.manufacturer': info?.manufacturer,
      'port.vendorId': info?.vendorId,
      'port.productId': info?.productId,
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new Error(`${this.name} is not open`));
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(bytes), (error) => (error ? reject(error) : port.drain(() => resolve())));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const port = this.port;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListener = listener;
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListener = listener;
  }
}
