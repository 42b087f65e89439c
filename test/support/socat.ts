import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { until } from './wait.js';

/** Fails with a clear message when socat is missing, instead of a confusing timeout. */
export function requireSocat(): void {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('the serial end-to-end tests need socat: `npm test` installs it when it can, else apt-get install socat');
  }
}

/**
 * A real virtual serial cable: `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`. The gateway
 * opens `gatewayPath`; the test plays the device on `devicePath`. Kill and restart it to unplug.
 */
export class VirtualSerialPair {
  readonly gatewayPath: string;
  readonly devicePath: string;
  private process: ChildProcess | undefined;

  constructor(name = 'tty') {
    const dir = mkdtempSync(join(tmpdir(), 'wiotp-pty-'));
    this.gatewayPath = join(dir, `${name}-gw`);
    this.devicePath = join(dir, `${name}-dev`);
  }

  async start(): Promise<void> {
    requireSocat();
    this.process = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${this.gatewayPath}`, `pty,raw,echo=0,link=${this.devicePath}`],
      {
        stdio: 'ignore',
      },
    );
    await until(() => existsSync(this.gatewayPath) && existsSync(this.devicePath), 5000, 'socat pty links');
  }

  /** Kills socat, as if the USB adapter were pulled out. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    await until(() => !existsSync(this.gatewayPath), 2000, 'pty link removed').catch(() => undefined);
  }

  /** Opens the device end with the real serialport. */
  async openDevice(baudRate = 9600): Promise<DeviceEnd> {
    const port = new SerialPort({ path: this.devicePath, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    return new DeviceEnd(port);
  }
}

/** The test's side of the cable: write what a device would send, and collect what the gateway writes. */
export class DeviceEnd {
  received = Buffer.alloc(0);

  constructor(readonly port: SerialPort) {
    port.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    port.on('error', () => undefined);
  }

  write(bytes: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.port.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes), (error) =>
        error ? reject(error) : this.port.drain(() => resolve()),
      ),
    );
  }

  /** Resolves once the gateway has written bytes containing `expected`. */
  async waitFor(expected: Uint8Array | string, ms = 5000): Promise<void> {
    const needle = typeof expected === 'string' ? Buffer.from(expected, 'latin1') : Buffer.from(expected);
    await until(() => this.received.includes(needle), ms, `device to receive ${JSON.stringify(needle.toString('latin1'))}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.port.isOpen ? this.port.close(() => resolve()) : resolve()));
  }
}
