import { fail, ok, type Result } from '../result.js';

/** Where a server listens. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `HOST:PORT` or `[IPv6]:PORT` (port 0 picks a free one). */
export function parseListenAddress(text: string): Result<ListenAddress> {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65_535) return fail(`"${text}": expected HOST:PORT, such as 127.0.0.1:9464 or [::1]:9464`);
  return ok({ host: (match[1] ?? match[2]) as string, port });
}

/** `http://host:port` with IPv6 hosts in brackets. */
export function httpUrl(address: ListenAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}`;
}
