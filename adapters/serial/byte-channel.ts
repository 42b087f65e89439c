import type { VariableValues } from '../../src/config/template-variables.js';

/** Variables a channel offers to device templates, e.g. `port.path`, `port.serialNumber`. */
export type ChannelVars = VariableValues<'serial' | 'serial-tcp' | 'simulated'>;

/**
 * One byte pipe to a peripheral: a serial port, a serial-over-TCP socket, or an emulator.
 * A channel is used for one connection; after `onLost` a fresh one is created.
 */
export interface ByteChannel {
  /** Known after `open()` resolves. */
  readonly vars: ChannelVars;
  open(): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): void;
  /** The far end went away (USB unplugged, socket closed); not called after `close()`. */
  onLost(listener: (reason: string) => void): void;
}
