import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configPortsFor, type SerialPortRow } from '../../src/cli/scan-serial-command.js';
import { gatewayConfigSchema } from '../../src/config/gateway-config.js';
import { runCli } from '../support/cli.js';
import { VirtualSerialPair } from '../support/socat.js';

describe('wiotp-gateway scan serial', () => {
  const pair = new VirtualSerialPair('scan');
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-scan-'));
  beforeAll(() => pair.start());
  afterAll(async () => {
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a socat pty named on the command line, with the config port that uses it', async () => {
    const config = join(dir, 'gateway.yaml');
    writeFileSync(
      config,
      `org: abc123\ngateway: { typeId: rpi, deviceId: gw1 }\nauth: { token: t }\nadapters:\n  - kind: serial\n    ports: [{ path: ${pair.gatewayPath}, profile: json-sensor }]\n`,
    );
    const result = await runCli(['scan', 'serial', '--config', config, pair.gatewayPath, join(dir, 'no-such-tty')]);
    const line = result.stdout.split('\n').find((l) => l.startsWith(pair.gatewayPath));
    expect(line).toMatch(
      new RegExp(`^${pair.gatewayPath} -> /dev/pts/\\d+ +pty .* adapters\\[0\\]\\.ports\\[0\\] \\(json-sensor\\)$`),
    );
    expect(result.stdout).toMatch(new RegExp(`^${join(dir, 'no-such-tty')} +missing`, 'm'));
    expect(result.stdout).toMatch(
      /^serial profiles: cobs-struct-sensor, json-sensor, modbus-th-sensor, nmea-gps, slip-struct-sensor$/m,
    );
    expect(result.code).toBe(0);
  });

  it('finds the pty under /dev/pts with --include-ptys, as JSON', async () => {
    const named = await runCli(['scan', 'serial', '--json', pair.gatewayPath]);
    const device = (JSON.parse(named.stdout).ports as SerialPortRow[]).find((row) => row.path === pair.gatewayPath)?.device;
    expect(device).toMatch(/^\/dev\/pts\/\d+$/);
    const all = await runCli(['scan', 'serial', '--json', '--include-ptys']);
    const rows = JSON.parse(all.stdout).ports as SerialPortRow[];
    expect(rows).toContainEqual(expect.objectContaining({ path: device, kind: 'pty' }));
    expect(all.code).toBe(0);
  });
});

describe('which config port names a serial port', () => {
  const config = gatewayConfigSchema.parse({
    org: 'abc123',
    gateway: { typeId: 'rpi', deviceId: 'gw1' },
    auth: { token: 't' },
    adapters: [
      {
        kind: 'serial',
        ports: [
          { path: '/dev/serial/by-id/usb-FTDI_A10K4ZQ1-if00-port0', profile: 'nmea-gps' },
          { match: { serialNumber: 'B20' }, profile: 'json-sensor' },
        ],
      },
    ],
  });
  const row = (path: string, byId?: string): SerialPortRow => ({ path, kind: 'usb', usedBy: [], ...(byId ? { byId } : {}) });

  it('by its by-id link, or by the match that finds it among the listed ports', () => {
    const matched = () => '/dev/ttyUSB1';
    expect(
      configPortsFor(row('/dev/ttyUSB0', '/dev/serial/by-id/usb-FTDI_A10K4ZQ1-if00-port0'), config, (p) => p, matched),
    ).toEqual(['adapters[0].ports[0] (nmea-gps)']);
    expect(configPortsFor(row('/dev/ttyUSB1'), config, (p) => p, matched)).toEqual(['adapters[0].ports[1] (json-sensor)']);
    expect(
      configPortsFor(
        row('/dev/ttyUSB1'),
        config,
        (p) => p,
        () => undefined,
      ),
    ).toEqual([]);
  });
});
