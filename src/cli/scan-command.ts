import type { Command } from 'commander';
import { type AdvertisementView, viewAdvertisement } from '../../adapters/ble/advertisement-match.js';
import { colonAddress, companyId } from '../../adapters/ble/ble-identifiers.js';
import { BluetoothUnavailableError, loadNoble, waitForPoweredOn } from '../../adapters/ble/load-noble.js';
import type { Noble, NoblePeripheral } from '../../adapters/ble/noble-types.js';
import { SimulatedRadio } from '../../adapters/ble/simulated-radio.js';
import { type CodecSpec, createDecoder } from '../codecs/codec-spec.js';
import type { Reading } from '../codecs/decoder.js';
import { parseInteger } from './arguments.js';
import { untilSignal } from './signals.js';

/** Options of `wiotp-gateway scan ble`. */
export interface ScanBleOptions {
  duration?: number;
  active?: boolean;
  simulated?: boolean;
  hci?: number;
}

/** One advertiser in the scan table. */
export interface ScannedAdvertiser {
  /** "aa:bb:cc:dd:ee:ff" (or noble's id where the platform hides addresses). */
  address: string;
  rssi: number;
  name: string;
  /** Which decoder read the advertisement: ruuvi, bthome, atc; "gatt …" for connectable service lists; "-". */
  format: string;
  /** A few decoded fields, or the reason the format was recognised but not decoded. */
  data: string;
  seen: number;
}

/** Which advertisement part each format decoder reads. */
const CANDIDATES: Array<{ spec: CodecSpec; bytes: (view: AdvertisementView) => Uint8Array | undefined }> = [
  {
    spec: { kind: 'ruuvi' },
    bytes: (view) => (companyId(view.manufacturerData) === 0x0499 ? view.manufacturerData : undefined),
  },
  {
    spec: { kind: 'bthome' },
    bytes: (view) => view.serviceData.find((entry) => entry.uuid === 'fcd2')?.data,
  },
  {
    spec: { kind: 'atc', format: 'auto' },
    bytes: (view) => view.serviceData.find((entry) => entry.uuid === '181a')?.data,
  },
];

/** Tries the ruuvi, bthome and atc decoders on the parts they read, and names the one that decodes. */
export function describeAdvertisement(view: AdvertisementView, connectable: boolean): { format: string; data: string } {
  for (const candidate of CANDIDATES) {
    const bytes = candidate.bytes(view);
    if (!bytes) continue;
    const context = view.address ? { address: colonAddress(view.address) } : {};
    const decoded = createDecoder(candidate.spec).decode(bytes, context);
    if (decoded.ok) return { format: candidate.spec.kind, data: summarize(decoded.value) };
    if (candidate.spec.kind === 'bthome' && /encrypted/.test(decoded.reason))
      return { format: 'bthome (encrypted)', data: 'needs a key (adapters[].keys)' };
  }
  if (connectable && view.serviceUuids.length > 0) return { format: `gatt ${view.serviceUuids.join(',')}`, data: '' };
  const company = companyId(view.manufacturerData);
  return {
    format: '-',
    data: company === undefined ? '' : `manufacturer 0x${company.toString(16).padStart(4, '0')}`,
  };
}

/** The scan table: one line per advertiser, sorted by address, columns padded. */
export function formatScanTable(rows: Iterable<ScannedAdvertiser>): string {
  const header = ['ADDRESS', 'RSSI', 'NAME', 'FORMAT', 'SEEN', 'DATA'];
  const lines = [...rows]
    .sort((a, b) => a.address.localeCompare(b.address))
    .map((row) => [row.address, String(row.rssi), row.name || '-', row.format, String(row.seen), row.data]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => (line[i] ?? '').length)));
  const pad = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 1 || i === 4 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [pad(header), ...lines.map(pad)].join('\n');
}

/** Registers `wiotp-gateway scan ble`: a live table of advertisers and the decoder that reads each. */
export function registerScanCommand(program: Command): Command {
  const scan = program.command('scan').description('look for peripherals the gateway could bridge');
  scan
    .command('ble')
    .description('scan for Bluetooth LE advertisers and show which decoder (ruuvi, bthome, atc) reads them')
    .option('--duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)', parseInteger('--duration'))
    .option('--active', 'ask for scan responses, which carry most names (noble on HCI always scans actively)')
    .option('--simulated', 'scan the simulated radio instead of a Bluetooth adapter')
    .option('--hci <n>', 'Bluetooth adapter number, 0 for hci0 (sets NOBLE_HCI_DEVICE_ID)', parseInteger('--hci'))
    .action((options: ScanBleOptions) => scanBle(options));
  return program;
}

async function scanBle(options: ScanBleOptions): Promise<void> {
  const radio = options.simulated ? new SimulatedRadio() : undefined;
  radio?.setScanMode(options.active ? 'active' : 'passive');
  let noble: Noble;
  try {
    noble = await loadNoble({ bindings: radio, hciDevice: options.hci });
    await waitForPoweredOn(noble, 10_000, options.hci);
  } catch (error) {
    radio?.close();
    if (!(error instanceof BluetoothUnavailableError)) throw error;
    process.stderr.write(`${error.message.startsWith('no Bluetooth adapter') ? '' : 'no Bluetooth adapter: '}${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  const rows = new Map<string, ScannedAdvertiser>();
  const onDiscover = (peripheral: NoblePeripheral) => {
    const view = viewAdvertisement(peripheral.advertisement, peripheral.address);
    const address = view.address ? colonAddress(view.address) : peripheral.id;
    const previous = rows.get(address);
    rows.set(address, {
      address,
      rssi: peripheral.rssi,
      name: view.localName ?? previous?.name ?? '',
      ...describeAdvertisement(view, peripheral.connectable),
      seen: (previous?.seen ?? 0) + 1,
    });
  };
  noble.on('discover', onDiscover);
  const source = radio ? 'the simulated radio' : `hci${options.hci ?? 0}`;
  const title = `scanning ${source} (${options.active ? 'active' : 'passive'})${options.duration ? ` for ${options.duration} s` : ', Ctrl-C to stop'}`;
  await new Promise<void>((resolve) => noble.startScanning([], true, () => resolve()));
  const live = process.stdout.isTTY
    ? setInterval(() => process.stdout.write(`\x1b[H\x1b[2J${title}\n\n${formatScanTable(rows.values())}\n`), 1000)
    : undefined;
  if (!live) process.stdout.write(`${title}\n`);
  const duration = options.duration;
  await (duration !== undefined ? new Promise((resolve) => setTimeout(resolve, duration * 1000)) : untilSignal());
  clearInterval(live);
  noble.stopScanning();
  noble.off('discover', onDiscover);
  radio?.close();
  process.stdout.write(
    `${live ? `\x1b[H\x1b[2J${title}\n` : ''}\n${formatScanTable(rows.values())}\n${rows.size} advertiser(s)\n`,
  );
  // noble's HCI bindings keep polling the adapter and offer no way to stop; let the process end anyway.
  if (!radio) setTimeout(() => process.exit(), 100).unref();
}

function summarize(reading: Reading): string {
  const skip = new Set(['data_format', 'mac', 'encrypted', 'trigger_based', 'format', 'flags']);
  return Object.entries(reading)
    .filter(
      ([field, value]) =>
        !skip.has(field) && (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean'),
    )
    .slice(0, 4)
    .map(([field, value]) => `${field}=${typeof value === 'number' ? Number(value.toFixed(3)) : value}`)
    .join(' ');
}
