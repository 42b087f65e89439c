import type { Result } from '../result.js';

/** A JSON-serialisable value, the only kind a Reading may carry (it becomes an event payload). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a decoder makes of one frame: named fields, ready to become an event payload. */
export type Reading = { [field: string]: JsonValue };

/** Context some formats need beyond the bytes (BLE address for BTHome encryption, a Modbus request). */
export interface DecodeContext {
  /** BLE MAC address as "aa:bb:cc:dd:ee:ff" (any case). */
  address?: string;
  /** Anything else a specific decoder documents. */
  [key: string]: unknown;
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
