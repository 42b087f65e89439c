import { MAX_PAYLOAD_BYTES } from '../protocol/limits.js';

/** Raised before sending when an event payload exceeds the service's 131072-byte cap (seed: Publishing events). */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  constructor(
    readonly topic: string,
    readonly size: number,
    readonly limit: number = MAX_PAYLOAD_BYTES,
  ) {
    super(`payload for ${topic} is ${size} bytes; the service accepts at most ${limit} bytes, so it was not sent`);
  }
}

/** Raised for a QoS the gateway must not use (the service takes QoS 0 or 1 from managed gateways). */
export class UnsupportedQosError extends Error {
  override readonly name = 'UnsupportedQosError';
  constructor(readonly qos: number) {
    super(`QoS ${qos} is not supported; use 0 or 1`);
  }
}

/** Raised when a publish is attempted on a session that was closed. */
export class SessionClosedError extends Error {
  override readonly name = 'SessionClosedError';
  constructor() {
    super('the gateway session is closed');
  }
}

/** A message the connection dropped before it was acknowledged (or that could not go because it is down). */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
  constructor() {
    super('the connection to the service is down; the message was not acknowledged');
  }
}
