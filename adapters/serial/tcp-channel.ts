import { connect, type Socket } from 'node:net';
import { portVariables } from '../template-variables.js';
import type { ByteChannel, ChannelVars } from './byte-channel.js';

/** Parses `tcp://host:port` (a serial-over-TCP server such as ser2net); undefined for other paths. */
export function parseTcpPath(path: string): { host: string; port: number } | undefined {
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(path);
  if (!match?.[1] || !match[2]) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

/** How long a serial server may take to accept, and how long a quiet connection waits before keep-alive probes. */
export interface TcpChannelTimings {
  connectTimeoutMs: number;
  keepAliveMs: number;
}

// A serial server that is off or unreachable would otherwise hold the channel in "connecting" for the kernel's
// ~2 minutes of SYN retries. Silence on an open connection is normal (a quiet device), so a dead server (its power
// cut: no FIN) can only be found by TCP keep-alive: probes after keepAliveMs of silence, then at the system's
// interval (Linux: 75 s, 9 probes), after which the connection is reported lost and opened again.
const DEFAULT_TIMINGS: TcpChannelTimings = { connectTimeoutMs: 10_000, keepAliveMs: 30_000 };

/** Words for a connection to a serial server that failed. */
export function describeTcpError(path: string, port: number, error: Error & { code?: string }): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `${path} refused the connection: is the serial server (ser2net or the like) running, listening on port ${port}?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${path}: the host is not known to DNS (${error.code})`;
    case 'ETIMEDOUT':
      return `${path} stopped answering (ETIMEDOUT): is the serial server on and reachable?`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${path} cannot be reached (${error.code}): is the network up?`;
    default:
      return `${path}: ${error.message}`;
  }
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
    private readonly timings: TcpChannelTimings = DEFAULT_TIMINGS,
  ) {
    this.vars = portVariables(path, address);
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.address);
      this.socket = socket;
      socket.setNoDelay(true);
      const failed = (error: Error & { code?: string }) =>
        reject(new Error(describeTcpError(this.path, this.address.port, error)));
      socket.setTimeout(this.timings.connectTimeoutMs, () => {
        socket.destroy();
        reject(
          new Error(
            `${this.path} did not answer within ${this.timings.connectTimeoutMs / 1000} s: is the serial server on and reachable?`,
          ),
        );
      });
      socket.once('connect', () => {
        socket.setTimeout(0);
        socket.setKeepAlive(true, this.timings.keepAliveMs);
        socket.off('error', failed);
        let lostBecause: string | undefined;
        socket.on('error', (error) => {
          lostBecause = describeTcpError(this.path, this.address.port, error);
        });
        socket.on('close', () => {
          if (!this.closing) this.lostListener?.(lostBecause ?? `${this.path} closed the connection`);
        });
        resolve();
      });
      socket.once('error', failed);
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
