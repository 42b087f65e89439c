import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { findMatchingPort, type SerialMatch, type SerialPortInfo } from '../../adapters/serial/port-match.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { repeatable } from './arguments.js';
import type { ProfileSetOptions } from './profile-set.js';
import { formatTable } from './table.js';

const BY_ID_DIR = '/dev/serial/by-id';

/** One serial port (or a path given on the command line) as `scan serial` shows it. */
export interface SerialPortRow {
  path: string;
  /** The device node when `path` is a link (a socat pty link, a by-id link). */
  device?: string;
  /** The stable `/dev/serial/by-id/…` link to this port, when udev made one. */
  byId?: string;
  /** usb: a USB adapter; serial: a port the system lists without USB details (a UART); pty: a pseudo-terminal. */
  kind: 'usb' | 'serial' | 'pty' | 'not a serial device' | 'missing';
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  /** The config's port entries that name this port (by its path, link or device node, or by USB identity). */
  usedBy: string[];
}

/** The config's serial port entries that name a row: by path, by-id link, device node, or USB identity. */
export function configPortsFor(
  row: SerialPortRow,
  config: GatewayConfig,
  realpath: (path: string) => string,
  matched: (match: SerialMatch) => string | undefined,
): string[] {
  const names = new Set([row.path, row.device, row.byId].filter((name): name is string => Boolean(name)));
  const used: string[] = [];
  config.adapters.forEach((adapter, a) => {
    if (adapter.kind !== 'serial') return;
    adapter.ports.forEach((port, p) => {
      const byPath = port.path !== undefined && (names.has(port.path) || names.has(realpath(port.path)));
      // A match names this port when the port is the one it finds among all listed (never a guess between two).
      const byMatch = port.match !== undefined && matched(port.match) === row.path;
      if (byPath || byMatch) used.push(`adapters[${a}].ports[${p}] (${port.profile})`);
    });
  });
  return used;
}

/** Reads `/dev/serial/by-id`: device node → link. */
function byIdLinks(): Map<string, string> {
  const links = new Map<string, string>();
  if (!existsSync(BY_ID_DIR)) return links;
  for (const name of readdirSync(BY_ID_DIR)) {
    const link = join(BY_ID_DIR, name);
    links.set(safeRealpath(link), link);
  }
  return links;
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** A path given on the command line (or a pty found with --include-ptys), described from the file system. */
function describePath(
  path: string,
  listed: ReadonlyMap<string, SerialPortInfo>,
  links: ReadonlyMap<string, string>,
): SerialPortRow {
  if (!existsSync(path)) return { path, kind: 'missing', usedBy: [] };
  const device = safeRealpath(path);
  const known = listed.get(device);
  if (known) return { ...rowOf(known, links), path, ...(device !== path ? { device } : {}) };
  const kind = !statSync(device).isCharacterDevice()
    ? 'not a serial device'
    : device.startsWith('/dev/pts/') || device === '/dev/ptmx'
      ? 'pty'
      : 'serial';
  return { path, ...(device !== path ? { device } : {}), kind, usedBy: [] };
}

function rowOf(port: SerialPortInfo, links: ReadonlyMap<string, string>): SerialPortRow {
  const byId = links.get(port.path);
  return {
    path: port.path,
    ...(byId ? { byId } : {}),
    kind: port.vendorId ? 'usb' : 'serial',
    ...(port.vendorId ? { vendorId: port.vendorId } : {}),
    ...(port.productId ? { productId: port.productId } : {}),
    ...(port.serialNumber ? { serialNumber: port.serialNumber } : {}),
    ...(port.manufacturer ? { manufacturer: port.manufacturer } : {}),
    usedBy: [],
  };
}

/** The `scan serial` table. */
export function formatSerialTable(rows: readonly SerialPortRow[]): string {
  return formatTable(
    ['PATH', 'KIND', 'VID:PID', 'SERIAL', 'MANUFACTURER', 'BY-ID', 'USED BY'],
    rows.map((row) => [
      row.device ? `${row.path} -> ${row.device}` : row.path,
      row.kind,
      row.vendorId ? `${row.vendorId}:${row.productId ?? '?'}` : '-',
      row.serialNumber ?? '-',
      row.manufacturer ?? '-',
      row.byId ?? '-',
      row.usedBy.join(', ') || '-',
    ]),
  );
}

interface ScanSerialOptions extends ProfileSetOptions {
  includePtys?: boolean;
  json?: boolean;
}

/** Registers `wiotp-gateway scan serial`: serial ports, their USB identity and which config port uses them. */
export function registerScanSerialCommand(scan: Command): Command {
  return scan
    .command('serial')
    .description(
      'list serial ports with their USB vendor/product id, serial number and /dev/serial/by-id link, and which ' +
        'config port names them; pseudo-terminals (socat) are not listed by the system: name them, or --include-ptys',
    )
    .argument('[paths...]', 'more ports to describe, e.g. a socat pty link (a shell glob works)')
    .option('--config <file>', 'a gateway config: show which of its ports names each serial port')
    .option('--profile-path <dir|file>', 'your own profiles, for the list of serial profiles (repeatable)', repeatable(String))
    .option('--include-ptys', 'also list /dev/pts/*: socat pairs, but terminal sessions too (nothing tells them apart)')
    .option('--json', 'print JSON: { ports, problem?, serialProfiles }')
    .action(async (paths: string[], options: ScanSerialOptions) => {
      const { listSerialPorts } = await import('../../adapters/serial/port-locator.js');
      const { loadProfileSet } = await import('./profile-set.js');
      const { profiles, config } = loadProfileSet(options);
      const listing = await listSerialPorts();
      const ports = listing.ok ? listing.value : [];
      const problem = listing.ok ? undefined : listing.reason;
      const links = byIdLinks();
      const listed = new Map(ports.map((port) => [port.path, port]));
      const rows = ports.map((port) => rowOf(port, links));
      const extra = [...paths.map((path) => resolve(path))];
      if (options.includePtys && existsSync('/dev/pts'))
        extra.push(
          ...readdirSync('/dev/pts')
            .filter((name) => /^\d+$/.test(name))
            .map((name) => `/dev/pts/${name}`),
        );
      for (const path of extra) {
        if (rows.some((row) => row.path === path)) continue;
        rows.push(describePath(path, listed, links));
      }
      const matched = (match: SerialMatch) => {
        const found = findMatchingPort(ports, match);
        return found.ok ? found.value.path : undefined;
      };
      if (config) for (const row of rows) row.usedBy = configPortsFor(row, config, safeRealpath, matched);
      const serialProfiles = [...profiles.values()]
        .filter((entry) => entry.profile.transport.kind === 'serial')
        .map((entry) => entry.profile.name)
        .sort();
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ports: rows, ...(problem ? { problem } : {}), serialProfiles }, null, 2)}\n`);
        return;
      }
      if (problem) process.stderr.write(`note: ${problem}\n`);
      process.stdout.write(rows.length ? `${formatSerialTable(rows)}\n` : 'no serial ports found\n');
      process.stdout.write(
        `${rows.length} port(s)\nserial profiles: ${serialProfiles.join(', ')}\n` +
          '(a profile says how to talk to a device, a config port entry says where it is' +
          `${config ? ')' : ': --config CONFIG shows which entry names each port)'}\n`,
      );
    });
}
