import { isLoopbackHost } from '../security/loopback.js';

/** A listener as far as exposure goes: where it binds and whether it encrypts. */
export interface ListenerExposure {
  /** What listens, for the message: "MQTT", "WebSocket", "REST API". */
  name: string;
  host: string;
  /** TLS (mqtts, wss, https). */
  secure: boolean;
}

/**
 * The warning for a listener that other machines can reach and that carries tokens in clear, or undefined when
 * it binds to loopback or uses TLS. (Anything that listens binds to loopback unless told otherwise.)
 */
export function plainListenerWarning(listener: ListenerExposure): string | undefined {
  if (listener.secure || isLoopbackHost(listener.host)) return undefined;
  return (
    `the ${listener.name} listener on ${listener.host} is reachable from other machines and unencrypted: ` +
    'tokens cross the network in clear; give --cert and --key for TLS, or bind to 127.0.0.1'
  );
}
