import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpChannel } from '../../../adapters/serial/tcp-channel.js';
import { until } from '../../support/wait.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(onConnection: (socket: Socket) => void = () => undefined): Promise<{ server: Server; port: number }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { server, port: (server.address() as { port: number }).port };
}

function channel(port: number, timings = { connectTimeoutMs: 10_000, keepAliveMs: 30_000 }): TcpChannel {
  const made = new TcpChannel(`tcp://127.0.0.1:${port}`, { host: '127.0.0.1', port }, timings);
  cleanups.push(() => made.close());
  return made;
}

/** This machine's view of a loopback connection from `localPort`: /proc/net/tcp's timer column ("tr:when"). */
function tcpTimer(localPort: number, remotePort: number): { kind: number; seconds: number } {
  const address = (port: number) => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const [local, remote] = [address(localPort), address(remotePort)];
  // Both ends: an earlier connection from the same local port may linger in TIME_WAIT (timer 3) on a busy machine.
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((fields) => fields[1] === local && fields[2] === remote);
  if (!row?.[5]) throw new Error(`no connection from ${local} to ${remote} in /proc/net/tcp`);
  const [kind, when] = row[5].split(':') as [string, string];
  return { kind: Number.parseInt(kind, 16), seconds: Number.parseInt(when, 16) / 100 };
}

describe('TcpChannel (serial over TCP, a ser2net-style server)', () => {
  it('says a refused connection is a serial server not listening, naming the port', async () => {
    const { server, port } = await listen();
    await new Promise((resolve) => server.close(resolve));
    await expect(channel(port).open()).rejects.toThrow(
      `tcp://127.0.0.1:${port} refused the connection: is the serial server (ser2net or the like) running, listening on port ${port}?`,
    );
  });

  it('gives up a server that never accepts after connectTimeoutMs instead of the kernel’s minutes of retries', async () => {
    // A listener whose queue of connections to accept is full drops further SYNs, as an unreachable host does.
    const listener: ChildProcess = spawn(
      'python3',
      [
        '-c',
        "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()",
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    cleanups.push(() => {
      listener.kill();
    });
    const port = Number(
      await new Promise<string>((resolve) => createInterface({ input: listener.stdout! }).once('line', resolve)),
    );
    const filler = connect(port, '127.0.0.1');
    cleanups.push(() => {
      filler.destroy();
    });
    await new Promise((resolve) => filler.once('connect', resolve));
    const started = performance.now();
    await expect(channel(port, { connectTimeoutMs: 300, keepAliveMs: 30_000 }).open()).rejects.toThrow(
      `tcp://127.0.0.1:${port} did not answer within 0.3 s: is the serial server on and reachable?`,
    );
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('turns TCP keep-alive on once connected, so a server that lost its power is found (its connection shows the timer)', async () => {
    const peers: Socket[] = [];
    const { port } = await listen((socket) => peers.push(socket));
    await channel(port, { connectTimeoutMs: 10_000, keepAliveMs: 45_000 }).open();
    await until(() => peers.length === 1, 5000, 'the connection at the server');
    const peer = peers[0];
    if (!peer?.remotePort) throw new Error('no connection at the server');
    // The kernel's timer for the channel's end: 2 = keep-alive, due within keepAliveMs.
    const timer = tcpTimer(peer.remotePort, port);
    expect(timer.kind).toBe(2);
    expect(timer.seconds).toBeGreaterThan(40);
    expect(timer.seconds).toBeLessThanOrEqual(45);
  });

  it('reports a connection the server closes as lost, with the reason', async () => {
    const peers: Socket[] = [];
    const { port } = await listen((socket) => peers.push(socket));
    const opened = channel(port);
    const lost = new Promise<string>((resolve) => opened.onLost(resolve));
    await opened.open();
    await until(() => peers.length === 1, 5000, 'the connection at the server');
    peers[0]?.destroy();
    expect(await lost).toBe(`tcp://127.0.0.1:${port} closed the connection`);
  });
});
