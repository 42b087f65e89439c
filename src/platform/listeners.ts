import type { IncomingMessage } from 'node:http';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { TLS_CIPHER_SUITES, TLS_MIN_VERSION } from '../protocol/limits.js';

/** Where the platform listens. Port 0 picks a free port. */
export interface ListenerOptions {
  /** Interface to bind; loopback unless asked otherwise. */
  host?: string;
  port?: number;
  tlsPort?: number;
  wsPort?: number;
  /** PEM certificate and key for the TLS listener (and for WebSockets, which then become wss). */
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** One open listener. */
export interface ListenerAddress {
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  host: string;
  port: number;
  url: string;
}

type Handle = (stream: Duplex, request?: IncomingMessage) => void;

/** TLS server options the service requires: TLS 1.2 only, and exactly the seed's four suites. */
export function serviceTlsOptions(cert: string | Buffer, key: string | Buffer) {
  return {
    cert,
    key,
    minVersion: TLS_MIN_VERSION,
    maxVersion: TLS_MIN_VERSION,
    ciphers: TLS_CIPHER_SUITES.join(':'),
    honorCipherOrder: true,
  } as const;
}

/** Opens the requested listeners; `close()` stops them and drops their connections. */
export async function openListeners(options: ListenerOptions, handle: Handle) {
  const host = options.host ?? '127.0.0.1';
  const servers: Array<NetServer | HttpServer> = [];
  const sockets = new Set<Socket>();
  const addresses: ListenerAddress[] = [];
  const track = (server: NetServer | HttpServer) => {
    server.on('connection', (socket: Socket) => {
      // A PUBACK or a command written right after another small write must not wait for the client's delayed ACK.
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    servers.push(server);
  };
  const listen = async (server: NetServer | HttpServer, port: number, protocol: ListenerAddress['protocol']) => {
    track(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const actual = (server.address() as AddressInfo).port;
    const shown = host.includes(':') ? `[${host}]` : host;
    addresses.push({ protocol, host, port: actual, url: `${protocol}://${shown}:${actual}` });
  };

  if (options.port !== undefined)
    await listen(
      createNetServer((socket) => handle(socket)),
      options.port,
      'mqtt',
    );
  if (options.tlsPort !== undefined) {
    if (!options.cert || !options.key) throw new Error('the TLS listener needs a certificate and a key (cert, key)');
    await listen(
      createTlsServer(serviceTlsOptions(options.cert, options.key), (socket) => handle(socket)),
      options.tlsPort,
      'mqtts',
    );
  }
  if (options.wsPort !== undefined) {
    const secure = Boolean(options.cert && options.key);
    const server = secure
      ? createHttpsServer(serviceTlsOptions(options.cert as string, options.key as string))
      : createHttpServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket, request) => handle(createWebSocketStream(socket), request));
    await listen(server, options.wsPort, secure ? 'wss' : 'ws');
  }

  return {
    addresses,
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}
