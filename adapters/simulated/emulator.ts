/** What an emulated peripheral does when the gateway writes to it. */
export interface EmulatorResponse {
  /** Payloads to send back (framed by the channel with the profile's framing). */
  replies?: Uint8Array[];
  /** A human-readable account of what the device did, for the demo's console. */
  action?: string;
}

/**
 * A simulated peripheral: produces realistic payloads on each tick and reacts to what the gateway
 * writes. Payloads are unframed; the channel applies the same framing a real port would carry.
 */
export interface Emulator {
  /** Payloads the device sends at tick `n` (none for request/response devices such as Modbus slaves). */
  tick(n: number): Uint8Array[];
  /** Handles one message from the gateway (already deframed). */
  receive(message: Uint8Array): EmulatorResponse;
}
