import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** Fails with a clear message when redis-server is missing, instead of a confusing timeout. */
function requireRedis(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('the cluster tests need redis-server: `npm test` installs it when it can, else apt-get install redis-server');
  }
}

/** A certificate and key for a TLS-only redis-server (test/support/certificates.ts makes one). */
export interface RedisTls {
  certFile: string;
  keyFile: string;
}

/** A real redis-server on a loopback port, in memory (no dump, no append-only file), in a folder of its own. */
export class RedisServer {
  private constructor(
    private process: ChildProcess,
    readonly port: number,
    private readonly dir: string,
    private readonly tls: RedisTls | undefined,
  ) {}

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}`;
  }

  /** `tls`: TLS only (no plain port), with this certificate, clients not asked for one. */
  static async start(tls?: RedisTls): Promise<RedisServer> {
    requireRedis();
    let failure = '';
    // Another process may take the port between freePort() and redis-server's bind: a few tries.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'wiotp-redis-'));
      const started = await launch(port, dir, tls);
      if (typeof started !== 'string') return new RedisServer(started, port, dir, tls);
      failure = started;
      rmSync(dir, { recursive: true, force: true });
    }
    throw new Error(`redis-server did not start: ${failure}`);
  }

  /** Starts it again on the same port after stop(), empty (it keeps nothing on disk). */
  async restart(): Promise<void> {
    const started = await launch(this.port, this.dir, this.tls);
    if (typeof started === 'string') throw new Error(`redis-server did not start again: ${started}`);
    this.process = started;
  }

  /** Stops it at once (SIGKILL: what a crash or a pulled cable looks like to its clients). */
  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      await new Promise<void>((resolve) => {
        this.process.once('exit', () => resolve());
        this.process.kill('SIGKILL');
      });
    }
  }

  /** Stops it for good: its folder goes too. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs redis-server on a port until it is ready; its last lines of output if it exits first. */
async function launch(port: number, dir: string, tls: RedisTls | undefined): Promise<ChildProcess | string> {
  const listen = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        tls.certFile,
        '--tls-key-file',
        tls.keyFile,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const child = spawn('redis-server', [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = await new Promise<boolean>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve(true);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => resolve(false));
  });
  // Nobody reads its output any more: a full pipe must not stall it.
  child.stdout?.resume();
  child.stderr?.resume();
  return ready ? child : output.trim().split('\n').slice(-3).join(' | ');
}
