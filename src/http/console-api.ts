/**
 * The console API's messages: what the gateway's local HTTP server sends on `/api/live` (Server-Sent Events) and answers on
 * `/api/console/*`, read by the web console (src/console/) and by `wiotp-gateway watch`. Types only.
 */
import type { Reading } from '../codecs/decoder.js';
import type { CommandRule } from '../config/profile-schema.js';
import type { DeviceStatus, GatewayStatus } from '../pipeline/gateway-view.js';
import type { ManagedDeviceState } from '../pipeline/managed-gateway.js';
import type { CommandOrigin } from '../pipeline/pipeline-tap.js';

export type { CommandRule, DeviceStatus, GatewayStatus, ManagedDeviceState, Reading };

/** One device as the live stream shows it: where it is, how fast it talks, what it said last. */
export interface LiveDevice {
  /** `typeId/deviceId`. */
  key: string;
  typeId: string;
  deviceId: string;
  profile: string;
  adapter: string;
  channel: string;
  /** When its last frame was read (ms since the epoch). */
  lastSeen: number;
  /** Its latest decoded reading. */
  reading?: Reading;
  /** Over the last few seconds. */
  framesPerSecond: number;
  eventsPerSecond: number;
  /** Since the stream started watching. */
  frames: number;
  events: number;
  rejects: number;
}

/** A frame as the inspector shows it: the bytes, the reading and the events it became, or why it was refused. */
export interface LiveFrame {
  /** Increases by one per frame the stream shows. */
  seq: number;
  at: number;
  adapter: string;
  channel: string;
  profile: string;
  /** `typeId/deviceId`, once the device is known. */
  device?: string;
  /** The frame's bytes in hex (absent when the adapter could not cut a frame out). */
  hex?: string;
  reading?: Reading;
  events?: Array<{ eventId: string; topic: string; payload: string }>;
  /** `offset`: the byte the reason names, when it names one. */
  reject?: { stage: string; reason: string; offset?: number };
}

/** A command that went through the pipeline: the bytes written, or why nothing was. */
export interface LiveCommand {
  at: number;
  device: string;
  commandId: string;
  origin: CommandOrigin;
  hex?: string;
  refused?: string;
}

/** What changed since the last batch (at most 10 a second). */
export interface LiveBatch {
  at: number;
  devices: LiveDevice[];
  frames: LiveFrame[];
  commands: LiveCommand[];
  /** Frames left out of this batch because they came faster than the stream shows them. */
  sampledOut: number;
  /** Keys of devices the gateway forgot since the last batch (not heard for `devices.staleAfterMs`). */
  gone?: string[];
}

/** The first message of a stream: what the feed knows so far. */
export interface LiveHello {
  /** Which run of the feed this is (frames are numbered per run): when it started, in ms. */
  stream: number;
  devices: LiveDevice[];
  frames: LiveFrame[];
  commands: LiveCommand[];
}

/** Sent every few seconds: the status API's answer and, on a managed gateway, the device management state. */
export interface LiveStatus {
  status: GatewayStatus;
  managed?: ManagedDeviceState[];
}

/** Events of the live stream, by SSE event name. */
export interface LiveEvents {
  hello: LiveHello;
  batch: LiveBatch;
  status: LiveStatus;
}

/** A device and the commands its profile declares (what the console's command form is made from). */
export interface ConsoleDevice {
  key: string;
  typeId: string;
  deviceId: string;
  profile: string;
  channel: string;
  commands: CommandRule[];
}

/** The body of `POST /api/console/commands`. */
export interface CommandRequest {
  typeId: string;
  deviceId: string;
  commandId: string;
  params: Record<string, unknown>;
  /** Only encode: nothing is written. */
  dryRun?: boolean;
}

/** Its answer: the bytes written (or that would be), or the refusal. */
export type CommandResponse = { ok: true; hex: string; dryRun: boolean } | { ok: false; reason: string };
