import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback that a test can cut, stall and restore: the network between the gateway and the
 * service, without touching either. While cut, connections are refused (closed at once). A stall is a pulled
 * cable: the open connections carry nothing more and never close (no FIN, no RST, whatever either end does),
 * and new ones are refused until `restore`.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private cutOff = false;
  /** Sockets of stalled connections: kept open and silent for good. */
  private readonly silent = new Set<Socket>();

  private constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Starts listening on a free loopback port. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('the proxy is not listening');
    return address.port;
  }

  /** Drops every connection, and refuses new ones until `restore`. */
  cut(): void {
    this.cutOff = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Silences every open connection for good (see the class), and refuses new ones until `restore`. */
  stall(): void {
    this.cutOff = true;
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.pause();
      this.silent.add(socket);
    }
    this.sockets.clear();
  }

  restore(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    for (const socket of this.silent) socket.destroy();
    this.silent.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.cutOff) {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.pipe(to);
      from.on('error', () => this.silent.has(from) || to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        if (!this.silent.has(from)) to.destroy();
      });
    }
  }
}
