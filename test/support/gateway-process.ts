import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { GatewayStatus } from '../../src/pipeline/gateway-view.js';
import { BIN } from './cli.js';
import { GATEWAY, ORG } from './platform.js';
import { until } from './wait.js';

/**
 * The real gateway daemon (`wiotp-gateway run`) as a child process, with its config and its queue in a
 * temp dir that outlives restarts: it can be stopped with any signal and started again on the same queue.
 * Its local HTTP server listens on a free loopback port, which the test reads from its log.
 */
export class GatewayProcess {
  readonly dir: string;
  readonly configFile: string;
  child: ChildProcess | undefined;
  url = '';
  log = '';
  private readonly env: Record<string, string>;

  /**
   * `env` is added to the daemon's environment (an LD_PRELOAD shim, for one); `connection` to its connection config
   * (keepaliveSeconds, for one); `extra` to the config's top level.
   */
  constructor(config: {
    mqttPort: number;
    adapters: unknown[];
    connection?: Record<string, unknown>;
    extra?: Record<string, unknown>;
    env?: Record<string, string>;
  }) {
    this.env = config.env ?? {};
    this.dir = mkdtempSync(join(tmpdir(), 'wiotp-gw-'));
    this.configFile = join(this.dir, 'gateway.json');
    writeFileSync(
      this.configFile,
      JSON.stringify({
        org: ORG,
        gateway: { typeId: GATEWAY.typeId, deviceId: GATEWAY.deviceId },
        auth: { token: GATEWAY.token },
        connection: {
          transport: 'tcp',
          host: '127.0.0.1',
          port: config.mqttPort,
          reconnect: { initialMs: 50, maxMs: 300 },
          ...config.connection,
        },
        store: { path: join(this.dir, 'state') },
        http: { listen: '127.0.0.1:0' },
        log: { level: 'info' },
        adapters: config.adapters,
        ...config.extra,
      }),
    );
  }

  /** Starts the daemon and waits until its HTTP server answers and `ready` holds (by default: every channel online). */
  async start(ready: (status: GatewayStatus) => boolean = everyChannelOnline): Promise<void> {
    this.url = '';
    const child = spawn(process.execPath, [BIN, 'run', '--config', this.configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.env },
    });
    this.child = child;
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.log += `${line}\n`;
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(line)?.[1];
      if (url && line.includes('http: listening')) this.url = url;
    });
    child.stdout!.resume();
    await until(() => this.url !== '' || child.exitCode !== null, 15_000, 'the gateway HTTP server');
    if (!this.url) throw new Error(`the gateway exited with ${child.exitCode}:\n${this.log}`);
    // Ready for bytes: a pty discards what is written while nobody has its other end open.
    await this.waitFor(ready, 'the gateway ready for the test');
  }

  /** GET /api/status. */
  async status(): Promise<GatewayStatus> {
    const response = await fetch(`${this.url}/api/status`);
    return (await response.json()) as GatewayStatus;
  }

  /** Polls the status until `condition` holds (fails loudly after `ms`). */
  async waitFor(condition: (status: GatewayStatus) => boolean, what: string, ms = 15_000): Promise<GatewayStatus> {
    const deadline = Date.now() + ms;
    for (;;) {
      const status = await this.status();
      if (condition(status)) return status;
      if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms; last status: ${JSON.stringify(status.queue)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends a signal and resolves with the exit code (null when killed by the signal) and how long it took. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return Promise.resolve({ code: child?.exitCode ?? null, ms: 0 });
    const started = Date.now();
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve({ code, ms: Date.now() - started }));
      child.kill(signal);
    });
  }

  /** Kills the daemon if it still runs and removes its temp dir. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every adapter has channels and every channel is online. */
export function everyChannelOnline(status: GatewayStatus): boolean {
  return (
    status.adapters.length > 0 &&
    status.adapters.every((a) => a.channels.length > 0 && a.channels.every((c) => c.state === 'online'))
  );
}
