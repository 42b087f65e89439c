import { mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { listSerialPorts, type SerialPortLister } from '../../../adapters/serial/port-locator.js';
import type { SerialPortInfo } from '../../../adapters/serial/port-match.js';
import { createSerialAdapter, type SerialAdapterOptions } from '../../../adapters/serial/serial-adapter.js';
import type { Adapter, ChannelStatus } from '../../../src/adapter.js';
import { serialPortSchema } from '../../../src/config/gateway-config.js';
import { loadProfiles } from '../../../src/config/load.js';
import { ok } from '../../../src/result.js';
import { capturingLogger } from '../../support/logger.js';
import { type DeviceEnd, VirtualSerialPair } from '../../support/socat.js';
import { nextMatching } from '../../support/wait.js';

const profiles = loadProfiles();
let adapter: Adapter | undefined;
const pairs: VirtualSerialPair[] = [];
const devices: DeviceEnd[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await adapter?.close();
  adapter = undefined;
  await Promise.all(devices.splice(0).map((device) => device.close()));
  await Promise.all(pairs.splice(0).map((pair) => pair.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startPair(name: string): Promise<VirtualSerialPair> {
  const pair = new VirtualSerialPair(name);
  pairs.push(pair);
  await pair.start();
  return pair;
}

async function openDevice(pair: VirtualSerialPair): Promise<DeviceEnd> {
  const device = await pair.openDevice();
  devices.push(device);
  return device;
}

/** The serial adapter on one configured port, with a JSON-lines profile and a log the test can read. */
function createAdapter(port: Record<string, unknown>, listPorts?: SerialPortLister) {
  if (!profiles.ok) throw new Error(profiles.reason);
  const known = profiles.value;
  const { lines, logger } = capturingLogger();
  const options: SerialAdapterOptions = {
    kind: 'serial',
    readWindowMs: 2,
    ports: [serialPortSchema.parse({ profile: 'json-sensor', ...port })],
  };
  adapter = createSerialAdapter(options, { logger, profile: (name) => known.get(name)! }, listPorts);
  return { adapter, logs: lines };
}

/** Starts the adapter and waits for its channel to come online. */
async function startAdapter(port: Record<string, unknown>, listPorts?: SerialPortLister) {
  const started = createAdapter(port, listPorts);
  const online = nextMatching(started.adapter.status$, (status) => status.state === 'online', 8000);
  await started.adapter.start();
  await online;
  return started;
}

/** Starts the adapter and resolves with the reason its channel first goes offline. */
async function firstOfflineReason(port: Record<string, unknown>, listPorts?: SerialPortLister): Promise<string | undefined> {
  const { adapter } = createAdapter(port, listPorts);
  const offline = nextMatching(adapter.status$, (status) => status.state === 'offline');
  await adapter.start();
  return (await offline).reason;
}

/** Writes one JSON line at the device end and resolves with the frame the adapter cut from it. */
async function frameFrom(adapter: Adapter, device: DeviceEnd, id: string) {
  const frame = nextMatching(adapter.frames$, (f) => Buffer.from(f.bytes).toString().includes(id), 5000);
  await device.write(`{"id":"${id}"}\n`);
  return frame;
}

/** The channel going offline (the cable pulled) and then online again; on failure, says what it saw. */
async function reconnect(adapter: Adapter): Promise<ChannelStatus> {
  const seen: string[] = [];
  let wentOffline = false;
  const back = nextMatching(
    adapter.status$,
    (status) => {
      seen.push(`${status.state}${status.reason ? ` (${status.reason})` : ''}`);
      if (status.state === 'offline') wentOffline = true;
      return wentOffline && status.state === 'online';
    },
    15_000,
  );
  return back.catch((error: Error) => {
    throw new Error(`${error.message}; channel states seen: ${seen.join(' → ')}`);
  });
}

/** Points `link` at `target` in one step, as udev does when it re-creates a by-id link. */
function pointLink(link: string, target: string): void {
  const next = `${link}.next`;
  symlinkSync(target, next);
  renameSync(next, link);
}

describe('a serial port named by a /dev/serial/by-id/… style symlink', () => {
  it('follows the link again at each reconnect, and logs where it points', async () => {
    const first = await startPair('first');
    const dir = mkdtempSync(join(tmpdir(), 'wiotp-by-id-'));
    dirs.push(dir);
    const link = join(dir, 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0');
    pointLink(link, first.gatewayPath);
    const { adapter, logs } = await startAdapter({ path: link });
    const firstDevice = realpathSync(first.gatewayPath);
    const before = await frameFrom(adapter, await openDevice(first), 'before-replug');
    expect(before.source).toMatchObject({ channel: link, vars: { 'port.path': link, 'port.device': firstDevice } });
    expect(logs.map((line) => JSON.parse(line).msg)).toContain(`${link} is ${firstDevice}`);

    // The replug: another tty appears (the old one still exists, so it gets another number), the link is
    // re-pointed at it, then the old one goes away. A channel that kept the old device could not reconnect.
    const second = await startPair('second');
    const secondDevice = realpathSync(second.gatewayPath);
    expect(secondDevice).not.toBe(firstDevice);
    pointLink(link, second.gatewayPath);
    const back = reconnect(adapter);
    await Promise.all(devices.splice(0).map((device) => device.close()));
    await first.stop();
    expect((await back).channel).toBe(link);
    const after = await frameFrom(adapter, await openDevice(second), 'after-replug');
    expect(after.source).toMatchObject({ channel: link, vars: { 'port.path': link, 'port.device': secondDevice } });
    expect(logs.map((line) => JSON.parse(line).msg)).toContain(`${link} is ${secondDevice}`);
  });

  it('reports a port another program holds (its lock) as the reason the channel is offline, and opens it once freed', async () => {
    const pair = await startPair('held');
    const holder = new SerialPort({ path: pair.gatewayPath, baudRate: 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => holder.open((error) => (error ? reject(error) : resolve())));
    try {
      const { adapter } = createAdapter({ path: pair.gatewayPath });
      const offline = nextMatching(adapter.status$, (status) => status.state === 'offline');
      await adapter.start();
      const device = realpathSync(pair.gatewayPath);
      expect((await offline).reason?.replace(/in \d+ ms$/, 'in N ms')).toBe(
        `${device} is in use: another program holds its lock (screen, minicom, picocom, another gateway), or this gateway opened it under another name (a by-id link and its tty); ` +
          `fuser -v ${device} names it; retrying in N ms`,
      );
      const online = nextMatching(adapter.status$, (status) => status.state === 'online', 8000);
      await new Promise<void>((resolve) => holder.close(() => resolve()));
      await online;
    } finally {
      if (holder.isOpen) await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('reports a link that points nowhere as the reason the channel is offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiotp-by-id-'));
    dirs.push(dir);
    const link = join(dir, 'usb-gone-if00-port0');
    pointLink(link, join(dir, 'ttyUSB9'));
    const reason = await firstOfflineReason({ path: link });
    expect(reason?.replace(/in \d+ ms$/, 'in N ms')).toBe(`${link} does not exist (unplugged?); retrying in N ms`);
  });
});

describe('a serial port named by its USB identity (match)', () => {
  // USB enumeration cannot exist here: the lister stands in for udev, and says where each cable is right now.
  let plugged: SerialPortInfo[] = [];
  const lister: SerialPortLister = async () => ok(plugged);
  const cable = (path: string, serialNumber: string): SerialPortInfo => ({
    path,
    vendorId: '0403',
    productId: '6001',
    serialNumber,
    manufacturer: 'FTDI',
  });

  it('opens the port its serial number is on, and follows the cable when the tty names swap', async () => {
    const a = await startPair('a');
    const b = await startPair('b');
    plugged = [cable(a.gatewayPath, 'A50285BI'), cable(b.gatewayPath, 'A9M4KQ1X')];
    const { adapter, logs } = await startAdapter(
      { match: { vendorId: '0403', productId: '6001', serialNumber: 'A9M4KQ1X' } },
      lister,
    );
    const first = await frameFrom(adapter, await openDevice(b), 'on-b');
    expect(first.source).toMatchObject({
      channel: 'usb:A9M4KQ1X',
      vars: { 'port.name': 'A9M4KQ1X', 'port.device': b.gatewayPath, 'port.serialNumber': 'A9M4KQ1X', 'port.vendorId': '0403' },
    });
    expect(logs.map((line) => JSON.parse(line).msg)).toContain(`usb:A9M4KQ1X is ${b.gatewayPath}`);

    // After a replug the kernel hands out the names the other way round; the cable is found where it is now.
    plugged = [cable(b.gatewayPath, 'A50285BI'), cable(a.gatewayPath, 'A9M4KQ1X')];
    const back = reconnect(adapter);
    await Promise.all(devices.splice(0).map((device) => device.close()));
    await b.stop();
    await back;
    const after = await frameFrom(adapter, await openDevice(a), 'on-a');
    expect(after.source).toMatchObject({ channel: 'usb:A9M4KQ1X', vars: { 'port.device': a.gatewayPath } });
  });

  it('stays offline with the reason when two cables match, rather than open either', async () => {
    const a = await startPair('a');
    plugged = [cable(a.gatewayPath, 'A50285BI'), cable('/dev/ttyUSB7', 'A9M4KQ1X')];
    expect(await firstOfflineReason({ match: { vendorId: '0403', productId: '6001' } }, lister)).toMatch(
      /^2 serial ports match vendorId 0403, productId 6001 \(.*\): add serialNumber to tell them apart/,
    );
  });
});

describe('listing serial ports', () => {
  it('says udevadm is missing instead of crashing the process', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(await listSerialPorts()).toEqual({
        ok: false,
        reason: 'listing serial ports needs udevadm, which is missing (apt-get install udev)',
      });
    } finally {
      process.env.PATH = path;
    }
  });

  it('lists the ports through udevadm where it is installed', async () => {
    const listed = await listSerialPorts();
    expect(listed).toMatchObject({ ok: true, value: expect.any(Array) });
  });
});
