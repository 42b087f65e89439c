import type { Reading } from '../codecs/decoder.js';
import type { DeviceRef } from '../protocol/ids.js';

/** Where a command came from: the service (MQTT), the local console, or a device management action. */
export type CommandOrigin = 'service' | 'console' | 'device-management';

/** What became of one frame: for the console's frame inspector and `watch --frames`. */
export interface FrameRecord {
  at: number;
  adapter: string;
  channel: string;
  profile: string;
  /** The frame's bytes; absent for a framing reject (the adapter could not cut a frame out). */
  bytes?: Uint8Array;
  device?: DeviceRef;
  reading?: Reading;
  /** The events it became, with the exact topics and payloads handed to the queue. */
  events?: Array<{ eventId: string; topic: string; payload: string }>;
  /** Why it was refused (the reason names the field or byte). */
  reject?: { stage: 'framing' | 'decode' | 'device' | 'publish'; reason: string };
}

/** What became of one command. */
export interface CommandRecord {
  at: number;
  device: DeviceRef;
  commandId: string;
  origin: CommandOrigin;
  /** The bytes written to the device (framed), when it was delivered. */
  bytes?: Uint8Array;
  /** Why nothing was written, when it was refused. */
  refused?: string;
}

/**
 * An observer of everything the pipeline does, set only while someone watches (the console, `watch`):
 * with none set, the hot path pays one check per frame and builds no record.
 */
export interface PipelineTap {
  frame(record: FrameRecord): void;
  command(record: CommandRecord): void;
  /** A device was forgotten after `devices.staleAfterMs` of silence: whatever the observer keeps of it can go. */
  forget?(device: DeviceRef): void;
}
