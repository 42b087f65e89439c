import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

// nmea-gps's device id is "gps-{port.name}": it depends on the port the frames come from.
const GLL = '$GPGLL,4916.45,N,12311.12,W,225444,A,*1D';
const NOTE = 'note: device ids assume the port is /dev/ttyUSB0; give --port PATH (or --var port.name=…) for another\n';

async function decode(args: string[]): Promise<{ deviceId: unknown; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['decode', ...args, '--text', GLL]);
  expect(code).toBe(0);
  return { deviceId: JSON.parse(stdout).device.deviceId, stderr };
}

describe('wiotp-gateway decode: the note on the assumed port', () => {
  it('is said when the device id takes its port variable from the assumed /dev/ttyUSB0', async () => {
    expect(await decode(['--profile', 'nmea-gps'])).toEqual({ deviceId: 'gps-ttyUSB0', stderr: NOTE });
  });

  it('is not said when --var sets the port variable the id uses', async () => {
    expect(await decode(['--profile', 'nmea-gps', '--var', 'port.name=A50285BI'])).toEqual({
      deviceId: 'gps-A50285BI',
      stderr: '',
    });
  });

  it('is still said when --var sets only a port variable the id does not use', async () => {
    expect(await decode(['--profile', 'nmea-gps', '--var', 'port.path=/dev/ttyACM0'])).toEqual({
      deviceId: 'gps-ttyUSB0',
      stderr: NOTE,
    });
  });

  it('is not said with --port, nor for a profile whose id names no port variable', async () => {
    expect(await decode(['--profile', 'nmea-gps', '--port', '/dev/ttyACM1'])).toEqual({
      deviceId: 'gps-ttyACM1',
      stderr: '',
    });
    const json = await runCli(['decode', '--profile', 'json-sensor', '--text', '{"id":"lab7","T":21.5}']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
  });
});

describe('wiotp-gateway decode --config: a port found by its USB match', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-decode-match-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // The same receiver, its id also naming the adapter's maker (known only once the match finds the port).
  mkdirSync(join(dir, 'profiles'));
  writeFileSync(
    join(dir, 'profiles', 'path-gps.yaml'),
    [
      'name: path-gps',
      'transport: { kind: serial, baudRate: 9600 }',
      'framing: { kind: delimiter, delimiter: "\\r\\n", maxLength: 256 }',
      'codec: { kind: nmea0183 }',
      'device: { typeId: gps-receiver, deviceId: "gps-{port.serialNumber}-{port.manufacturer}" }',
      'events: [{ eventId: position }]',
    ].join('\n'),
  );
  const config = (ports: string) => {
    const file = join(dir, `gateway-${ports.length}.yaml`);
    writeFileSync(
      file,
      [
        'org: abc123',
        'gateway: { typeId: rpi, deviceId: gw1 }',
        'auth: { token: not-a-secret }',
        'profilePaths: [profiles]',
        `adapters: [{ kind: serial, ports: [${ports}] }]`,
      ].join('\n'),
    );
    return file;
  };

  it('names the device by the match, as the gateway does, with no note about /dev/ttyUSB0', async () => {
    const file = config('{ match: { vendorId: "0x0403", serialNumber: A50285BI }, profile: nmea-gps }');
    expect(await decode(['--config', file])).toEqual({ deviceId: 'gps-A50285BI', stderr: '' });
  });

  it('is chosen with --port by its match name, and --port lists it by that name', async () => {
    const file = config('{ match: { serialNumber: A50285BI }, profile: nmea-gps }, { path: /dev/ttyACM0, profile: nmea-gps }');
    expect(await decode(['--config', file, '--port', 'A50285BI'])).toEqual({ deviceId: 'gps-A50285BI', stderr: '' });
    const wrong = await runCli(['decode', '--config', file, '--port', '/dev/ttyUSB9', '--text', GLL]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('it has USB match A50285BI (nmea-gps), /dev/ttyACM0 (nmea-gps)');
  });

  it('says which variable only the found port has, and --var supplies it', async () => {
    const file = config('{ match: { serialNumber: A50285BI }, profile: path-gps }');
    const unknown = await runCli(['decode', '--config', file, '--text', GLL]);
    expect(unknown.stderr).toContain(
      'note: device ids use {port.manufacturer}, which the port found by USB match A50285BI has only once it is open; give --var port.manufacturer=…\n',
    );
    const given = await decode(['--config', file, '--var', 'port.manufacturer=FTDI']);
    expect(given).toEqual({ deviceId: 'gps-A50285BI-FTDI', stderr: '' });
  });
});
