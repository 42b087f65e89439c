import type { DecodeContext } from './codecs/decoder.js';
import type { HardwareProfile } from './config/profile-schema.js';
import type { TemplateVars } from './config/template-variables.js';
import type { Logger } from './logging.js';
import type { Observable } from './rx.js';

/**
 * Where a frame came from: one adapter, one channel (a serial port path, a BLE address, a Modbus slave),
 * and the variables a profile's device template may use (`{port.serialNumber}`, `{address}`, `{slave}`).
 */
export interface FrameSource {
  adapter: string;
  channel: string;
  /** The declared variables of a built-in adapter (src/config/template-variables.ts), or a plugin's own. */
  vars: TemplateVars;
  /** A device id template for this channel instead of the profile's (a port's `deviceId`, a Modbus slave's). */
  deviceId?: string;
}

/** One frame of bytes from a peripheral, still undecoded, tagged with the profile that decodes it. */
export interface Frame {
  source: FrameSource;
  /** Name of the hardware profile that describes this peripheral. */
  profile: string;
  /** Wall-clock ms when the last byte arrived. */
  at: number;
  bytes: Uint8Array;
  /** Extra input for the decoder (a Modbus request, a BLE address). */
  context?: DecodeContext;
}

/** A frame the adapter could not cut out of the byte stream (bad escape, oversize, timeout). */
export interface FrameReject {
  source: FrameSource;
  profile: string;
  at: number;
  reason: string;
}

/**
 * The state of one channel of an adapter. `offline`: the channel is down and may come back (an unplugged port, a
 * lost link); `closed`: it is gone (the adapter stopped, or forgot a peripheral not heard for a while), and whoever
 * keeps channel states drops it, so that channels that come and go (rotating BLE addresses) never pile up.
 */
export interface ChannelStatus {
  adapter: string;
  channel: string;
  state: 'connecting' | 'online' | 'offline' | 'closed';
  at: number;
  reason?: string;
}

/**
 * The plugin contract. An adapter knows bytes and devices, never MQTT. It owns its reconnects
 * (unplugged USB, BLE link loss) with back-off; it never errors `frames$` for a transient fault.
 */
export interface Adapter {
  /** e.g. "serial", "ble", "simulated", or a plugin's name. */
  readonly name: string;
  /** Hot; completes only after close(). */
  readonly frames$: Observable<Frame>;
  /** Framing-level rejects, counted and logged by the pipeline; the stream goes on. */
  readonly rejects$: Observable<FrameReject>;
  /** Each channel's state; a new subscriber first gets every channel's current state. */
  readonly status$: Observable<ChannelStatus>;
  /** Opens channels; resolves when the adapter is running (channels may still be connecting). */
  start(): Promise<void>;
  /** Writes already-framed bytes to one channel (a command for the device behind it). */
  write?(channel: string, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** What the gateway hands an adapter factory. */
export interface AdapterContext {
  logger: Logger;
  /** Looks up a hardware profile by name (the adapter needs its transport and framing). */
  profile(name: string): HardwareProfile;
}

/** What a plugin module exports as `createAdapter` (built-in adapters use the same door). */
export type AdapterFactory = (options: unknown, context: AdapterContext) => Adapter;
