// The messages between the gateway and a plugin's worker thread. Everything is a plain object (structured
// clone); frame and command bytes travel as transferred ArrayBuffers.
import type { ChannelStatus, Frame, FrameReject } from '../adapter.js';
import type { HardwareProfile } from '../config/profile-schema.js';

/** What a plugin worker starts with (its `workerData`). */
export interface PluginWorkerData {
  /** The plugin's npm name or path, as the config names it. */
  specifier: string;
  /** Paths are relative to this folder (the config's). */
  baseDir: string;
  /** `adapters[].options`, as the config gives them. */
  options: unknown;
  /** The loaded hardware profiles by name: what `context.profile(name)` answers inside the worker. */
  profiles: Array<[string, HardwareProfile]>;
  /** The gateway's log level, so the worker does not build lines the gateway drops. */
  logLevel: string;
}

/** An error as it crosses the thread boundary: its name, message and stack, nothing else. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

/** The adapter streams a worker mirrors. */
export type StreamName = 'frames$' | 'rejects$' | 'status$';

/** Gateway → worker. */
export type HostMessage =
  | { type: 'start' }
  | { type: 'write'; id: number; channel: string; bytes: Uint8Array }
  | { type: 'close' };

/** Worker → gateway. */
export type WorkerMessage =
  | { type: 'created'; name: string; canWrite: boolean }
  | { type: 'create-failed'; error: WireError }
  | { type: 'started' }
  | { type: 'start-failed'; error: WireError }
  | { type: 'frame'; frame: Frame }
  | { type: 'reject'; reject: FrameReject }
  | { type: 'status'; status: ChannelStatus }
  /** A stream ended: with an error, or completed (no error). */
  | { type: 'ended'; stream: StreamName; error?: WireError }
  | { type: 'written'; id: number }
  | { type: 'write-failed'; id: number; error: WireError }
  | { type: 'closed' }
  /** One log line of the plugin (pino JSON), for the gateway's logger. */
  | { type: 'log'; line: string };

/** Any thrown value as a WireError (a plugin may throw a string, or an Error with unclonable fields). */
export function toWireError(thrown: unknown): WireError {
  if (thrown instanceof Error)
    return { name: thrown.name, message: thrown.message, ...(thrown.stack ? { stack: thrown.stack } : {}) };
  return { name: 'Error', message: String(thrown) };
}

/** A WireError as an Error again, keeping the plugin's stack. */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.stack) error.stack = wire.stack;
  return error;
}

/**
 * A copy of `bytes` in an ArrayBuffer of its own, to transfer: transferring the sender's own buffer would
 * empty it under its feet (and a Node Buffer often shares one pooled ArrayBuffer with others).
 */
export function transferableCopy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
