import type { FramingSpec } from '../../src/codecs/framing/framing-spec.js';
import { createDeframer, createFrameEncoder } from '../../src/codecs/framing/framing-spec.js';
import type { ByteChannel, ChannelVars } from '../serial/byte-channel.js';
import type { Emulator } from './emulator.js';

/**
 * A byte channel with an emulated peripheral at the far end. Bytes go through the same framing as a
 * real port: the emulator's payloads are framed here and deframed by the adapter, and what the gateway
 * writes is deframed here before the emulator sees it.
 */
export class SimulatedChannel implements ByteChannel {
  readonly vars: ChannelVars;
  private timer: NodeJS.Timeout | undefined;
  private tickCount = 0;
  private dataListener: ((chunk: Uint8Array) => void) | undefined;
  private readonly encode: ((payload: Uint8Array) => Uint8Array) | undefined;
  private readonly deframer;

  constructor(
    readonly name: string,
    private readonly emulator: Emulator & { intervalMs?: number },
    framing: FramingSpec | undefined,
    private readonly intervalMs: number,
    private readonly onAction: (action: string) => void,
  ) {
    this.vars = { 'port.path': `sim://${name}`, 'port.name': name, 'port.serialNumber': `SIM-${name}` };
    this.encode = framing ? createFrameEncoder(framing) : undefined;
    this.deframer = framing ? createDeframer(framing) : undefined;
  }

  async open(): Promise<void> {
    const next = () => {
      for (const payload of this.emulator.tick(this.tickCount++)) this.send(payload);
      this.timer = setTimeout(next, this.emulator.intervalMs ?? this.intervalMs);
    };
    this.timer = setTimeout(next, 10);
  }

  async write(bytes: Uint8Array): Promise<void> {
    const messages = this.deframer ? this.deframer.push(bytes, performance.now()) : [{ ok: true as const, value: bytes }];
    for (const message of messages) {
      if (!message.ok) continue;
      const response = this.emulator.receive(message.value);
      if (response.action) this.onAction(response.action);
      // Answer asynchronously, as a wire would.
      for (const reply of response.replies ?? []) setImmediate(() => this.send(reply));
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListener = listener;
  }

  onLost(): void {
    // An emulator never goes away.
  }

  private send(payload: Uint8Array): void {
    this.dataListener?.(this.encode ? this.encode(payload) : payload);
  }
}
