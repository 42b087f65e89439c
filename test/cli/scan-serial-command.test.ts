import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portMatches, type SerialPortRow } from '../../src/cli/scan-serial-command.js';
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

describe('USB identity matching (a config port’s match)', () => {
  const row = { vendorId: '0403', productId: '6001', serialNumber: 'A10K4ZQ1' };
  it.each([
    [{ vendorId: '0403', productId: '6001' }, true],
    [{ vendorId: '0x403' }, true],
    [{ serialNumber: 'A10K4ZQ1' }, true],
    [{ serialNumber: 'a10k4zq1' }, false],
    [{ vendorId: '0403', productId: '6015' }, false],
    [{}, false],
  ])('%j matches: %s', (match, expected) => {
    expect(portMatches(row, match)).toBe(expected);
  });
});
