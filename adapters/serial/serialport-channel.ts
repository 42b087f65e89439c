import { readSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { Logger } from '../../src/logging.js';
import { portVariables } from '../template-variables.js';
import type { ByteChannel, ChannelVars } from './byte-channel.js';
import { describeOpenError, openContext } from './open-errors.js';
import { describeDevice, listSerialPorts, locatePort, type PortTarget, type SerialPortLister } from './port-locator.js';
import { serialMatchName } from './port-match.js';

/** Line settings for a serial port. */
export interface SerialLineSettings {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits: 1 | 1.5 | 2;
}

/** What serialport's Linux and macOS bindings carry besides their interface: the descriptor and its poller. */
interface NativePort {
  fd?: number;
  poller?: { on(event: 'readable', listener: (error?: Error | null) => void): void; poll(events: number): void };
}

/** serialport's poller event flag for "readable" (bindings-cpp's EVENTS.UV_READABLE). */
const POLL_READABLE = 0b0001;

/** Bytes read into one pool before a fresh one is taken (slices handed out are never overwritten). */
const POOL_SIZE = 64 * 1024;
const MIN_POOL_SPACE = 4 * 1024;

/**
 * A real serial port through `serialport`. Which device it opens is decided in `open()`, at every
 * (re)connect: a by-id symlink is followed again and a USB match looked for again (port-locator.ts).
 */
export class SerialPortChannel implements ByteChannel {
  vars: ChannelVars;
  private port: SerialPort | undefined;
  private closing = false;
  private lostReported = false;
  private dataListener: ((chunk: Uint8Array) => void) | undefined;
  private lostListener: ((reason: string) => void) | undefined;

  constructor(
    /** The channel's name in logs and status: the configured path, or the match's name. */
    readonly name: string,
    private readonly target: PortTarget,
    private readonly settings: SerialLineSettings,
    private readonly logger: Logger,
    private readonly list: SerialPortLister = listSerialPorts,
    /**
     * After each read, wait this long before the next (0: read as soon as bytes arrive). The kernel keeps what
     * comes meanwhile, so one wake-up and one read syscall take several lines at once; every line still arrives
     * within this window (serialport's users report its per-line wake-ups as its cost on a Pi).
     */
    private readonly readWindowMs = 0,
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
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      this.lost(error?.disconnected ? `${device} was disconnected` : `${device} closed`);
    });
    // An 'error' after open means the port is gone; before open, open() reports it.
    port.on('error', (error) => {
      if (port.isOpen) this.lost(`${device}: ${error.message}`);
    });
    await new Promise<void>((resolve, reject) =>
      port.open((error) => (error ? reject(new Error(describeOpenError(error, device, openContext(device)))) : resolve())),
    );
    this.startReading(port, device);
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

  /**
   * Reads the port itself rather than through serialport's stream (never put in flowing mode, so it never
   * reads on its own). On Linux and macOS the port's descriptor is non-blocking: when it is readable (serialport's
   * poller), read everything there is with plain read(2) calls on this thread, hand it over, then wait
   * `readWindowMs` before looking again. serialport's own read goes through libuv's thread pool and returns to the
   * event loop once per chunk, often a few bytes: its cost per line on a Pi. Callbacks, not a promise per wait: at a
   * line every 10 ms each wake-up is paid on a cold cache, and the poller's `once` and an await were ~8% of it.
   */
  private startReading(port: SerialPort, device: string): void {
    const binding = port.port as unknown as NativePort | undefined;
    if (!binding) return;
    if (typeof binding.fd !== 'number' || !binding.poller) {
      void this.readThroughBinding(port, device);
      return;
    }
    const fd = binding.fd;
    const poller = binding.poller;
    let pool = Buffer.allocUnsafe(POOL_SIZE);
    let used = 0;
    let lastDataAt = Number.NEGATIVE_INFINITY;
    const readAll = (): void => {
      if (this.closing || !port.isOpen) return;
      let got = 0;
      for (;;) {
        if (POOL_SIZE - used < MIN_POOL_SPACE) {
          pool = Buffer.allocUnsafe(POOL_SIZE);
          used = 0;
        }
        let bytesRead: number;
        try {
          bytesRead = readSync(fd, pool, used, POOL_SIZE - used, null);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN' || code === 'EWOULDBLOCK') break;
          if (code === 'EINTR') continue;
          return this.disconnected(port, `${device} was disconnected (${code ?? (error as Error).message})`);
        }
        if (bytesRead === 0) return this.disconnected(port, `${device} was disconnected (end of file)`);
        const asked = POOL_SIZE - used;
        this.dataListener?.(pool.subarray(used, used + bytesRead));
        used += bytesRead;
        got += bytesRead;
        // A short read took everything there was: no need for one more read only to hear EAGAIN.
        if (bytesRead < asked) break;
      }
      if (this.closing || !port.isOpen) return;
      if (got > 0) {
        // Wait out the window only when bytes come close together: at a line every 10 ms the extra timer
        // would be one more wake-up per line, not fewer.
        const now = performance.now();
        const dense = now - lastDataAt < this.readWindowMs * 4;
        lastDataAt = now;
        if (dense && this.readWindowMs > 0) {
          setTimeout(readAll, this.readWindowMs);
          return;
        }
      }
      poller.poll(POLL_READABLE);
    };
    poller.on('readable', (error?: Error | null) => {
      if (!error) return readAll();
      // Canceled: the port is closing (serialport stops its poller).
      if ((error as { canceled?: boolean }).canceled || this.closing) return;
      this.disconnected(port, `${device} was disconnected: ${error.message}`);
    });
    readAll();
  }

  /** Where the port has no descriptor to read directly (Windows): serialport's own reads, one by one. */
  private async readThroughBinding(port: SerialPort, device: string): Promise<void> {
    const binding = port.port;
    if (!binding) return;
    let pool = Buffer.allocUnsafe(POOL_SIZE);
    let used = 0;
    while (!this.closing && port.isOpen) {
      if (POOL_SIZE - used < MIN_POOL_SPACE) {
        pool = Buffer.allocUnsafe(POOL_SIZE);
        used = 0;
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await binding.read(pool, used, POOL_SIZE - used));
      } catch (error) {
        if ((error as { canceled?: boolean }).canceled || this.closing) return;
        return this.disconnected(port, `${device} was disconnected: ${(error as Error).message}`);
      }
      this.dataListener?.(pool.subarray(used, used + bytesRead));
      used += bytesRead;
    }
  }

  private disconnected(port: SerialPort, reason: string): void {
    this.lost(reason);
    if (port.isOpen) port.close(() => undefined);
  }

  /** Reports the port lost once (a disconnect shows as a failed read, then as close). */
  private lost(reason: string): void {
    if (this.closing || this.lostReported) return;
    this.lostReported = true;
    this.lostListener?.(reason);
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListener = listener;
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListener = listener;
  }
}
