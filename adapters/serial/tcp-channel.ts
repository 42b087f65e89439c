import { connect, type Socket } from 'node:net';
import { portVariables } from '../template-variables.js';
import type { ByteChannel, ChannelVars } from './byte-channel.js';

/** Parses `tcp://host:port` (a serial-over-TCP server such as ser2net); undefined for other paths. */
export function parseTcpPath(path: string): { host: string; port: number } | undefined {
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(path);
  if (!match?.[1] || !match[2]) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

/** A raw TCP socket carrying serial bytes. */
export class TcpChannel implements ByteChannel {
  readonly vars: ChannelVars;
  private socket: Socket | undefined;
  private closing = false;
  private dataListener: ((chunk: Uint8Array) => void) | undefined;
  private lostListener: ((reason: string) => void) | undefined;

  constructor(
    readonly path: string,
    private readonly address: { host: string; port: number },
  ) {
    this.vars = portVariables(path, address);
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.address);
      this.socket = socket;
      socket.setNoDelay(true);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          if (!this.closing) this.lostListener?.(`${this.path} closed the connection`);
        });
        resolve();
      });
      socket.once('error', reject);
      socket.on('data', (chunk) => this.dataListener?.(chunk));
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket) return reject(new Error(`${this.path} is not open`));
      this.socket.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.socket?.destroy();
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListener = listener;
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListener = listener;
  }
}
