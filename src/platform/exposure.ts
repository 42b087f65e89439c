import { isIPv4, isIPv6 } from 'node:net';

/** True for an address only this machine can reach: 127.0.0.0/8, ::1 (also IPv4-mapped), or the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (address === 'localhost' || address.endsWith('.localhost')) return true;
  if (isIPv4(address)) return address.startsWith('127.');
  if (!isIPv6(address)) return false;
  if (/^(0{0,4}:){2,7}0{0,3}1$/.test(address)) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  return mapped?.[1]?.startsWith('127.') ?? false;
}

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
