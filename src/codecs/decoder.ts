import type { Result } from '../result.js';
import type { CodecSpec } from './codec-spec.js';
import type { PollRequest } from './modbus/modbus-poll.js';

/** A JSON-serialisable value, the only kind a Reading may carry (it becomes an event payload). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a decoder makes of one frame: named fields, ready to become an event payload. */
export type Reading = { [field: string]: JsonValue };

/** What an adapter knows of a frame beyond its bytes, for the decoder (and the pipeline, which picks it). */
export interface DecodeContext {
  /** The sender's BLE MAC address as "aa:bb:cc:dd:ee:ff" (any case): BTHome's nonce, and its key by address. */
  address?: string;
  /** The sender's BTHome key (32 hex digits), from the config's `keys`. */
  key?: string;
  /** The GATT characteristic the value was read from. */
  characteristic?: string;
  /** That characteristic's own codec, used instead of the profile's. */
  codec?: CodecSpec;
  /** The Modbus poll this frame answers (the `modbus-rtu` codec decodes against it). */
  poll?: PollRequest;
  /** For `modbusRtuDecoder`: the request frame's bytes, to check a response against. */
  request?: Uint8Array;
}

/** Turns one frame into a Reading, or a reason naming the byte or field that was wrong. Pure. */
export interface Decoder {
  readonly kind: string;
  decode(bytes: Uint8Array, context?: DecodeContext): Result<Reading>;
}

/** Where a Reading keeps the JSON text it was parsed from: a symbol, so JSON.stringify and Object.keys never see it. */
const RAW_JSON = Symbol('rawJson');

/**
 * Remembers the JSON text a Reading was parsed from, so the pipeline can publish that text as is
 * instead of serialising the same object again (the hot path for JSON-lines devices). A symbol-keyed
 * property rather than a WeakMap: thousands of WeakMap entries a second cost the garbage collector more.
 */
export function rememberRawJson(reading: Reading, text: string): void {
  // Non-enumerable too, so deep equality in tests and spreads ignore it.
  Object.defineProperty(reading, RAW_JSON, { value: text, enumerable: false });
}

/** The JSON text a Reading was parsed from, when its decoder kept it. */
export function rawJsonOf(reading: Reading): string | undefined {
  return (reading as Record<symbol, unknown>)[RAW_JSON] as string | undefined;
}
