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
