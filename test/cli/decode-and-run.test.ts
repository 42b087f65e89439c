import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('wiotp-gateway decode', () => {
  it('prints one JSON object per frame and exits non-zero when one is bad', async () => {
    const { code, stdout } = await runCli([
      'decode',
      '--codec',
      'nmea0183',
      '--text',
      '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47',
      '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48',
    ]);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ sentence: 'GGA', latitude: 48.1173, satellites: 8 });
    expect(lines[1]).toMatchObject({ ok: false, reason: 'NMEA checksum mismatch: sentence says 0x48, computed 0x47' });
    expect(code).toBe(1);
  });

  it('decodes hex with a profile, and a capture file cut by the profile framing', async () => {
    const capture = join(mkdtempSync(join(tmpdir(), 'wiotp-cap-')), 'capture.bin');
    writeFileSync(capture, '{"id":"a","t":1}\n{"id":"b","t":2}\n');
    const { code, stdout } = await runCli(['decode', '--profile', 'json-sensor', '--file', capture]);
    expect(code).toBe(0);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).reading),
    ).toEqual([
      { id: 'a', t: 1 },
      { id: 'b', t: 2 },
    ]);
    const modbus = await runCli(['decode', '--codec', 'modbus-rtu', '01 83 02 C0 F1']);
    expect(JSON.parse(modbus.stdout)).toMatchObject({ slave: 1, exception: 'ILLEGAL DATA ADDRESS' });
  });

  it('decodes BLE formats: BTHome with a key and MAC, GATT by characteristic name, aliases for codec names', async () => {
    const bthome = await runCli([
      'decode',
      '--codec',
      'bthome',
      '--key',
      '231d39c1d7cc1ab1aee224cd096db932',
      '--mac',
      '54:48:E6:8F:80:A5',
      'd2fc41e445f3c9962b332211006c7c4519',
    ]);
    expect(JSON.parse(bthome.stdout)).toMatchObject({ encrypted: true, temperature: 25.06, humidity: 50.55 });
    // Heart Rate Measurement: flags 0x00, 72 bpm.
    const gatt = await runCli(['decode', '--codec', 'gatt', '--characteristic', 'heart-rate-measurement', '0048']);
    expect(JSON.parse(gatt.stdout)).toMatchObject({ heart_rate: 72 });
    const nmea = await runCli(['decode', '--codec', 'nmea', '--text', '$GPGLL,4916.45,N,12311.12,W,225444,A,*1D']);
    expect(JSON.parse(nmea.stdout)).toMatchObject({ sentence: 'GLL', latitude: 49.274166667 });
  });

  it('says which character of a hex argument is wrong', async () => {
    const { code, stderr } = await runCli(['decode', '--codec', 'json', 'zz']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/"zz" is not hex: "z" at position 0/);
  });
});

describe('wiotp-gateway run --check', () => {
  it('validates a config and its profiles without connecting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiotp-run-'));
    const config = join(dir, 'gateway.yaml');
    writeFileSync(
      config,
      'org: abc123\ngateway: { typeId: rpi, deviceId: gw1 }\nauth: { tokenEnv: NOPE_NOT_SET }\nadapters: [{ kind: serial, ports: [{ path: /dev/ttyUSB0, profile: nmea-gps }] }]\n',
    );
    const missing = await runCli(['run', '--config', config, '--check']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/^error {4}auth\.tokenEnv: the environment variable NOPE_NOT_SET is not set$/m);
    writeFileSync(join(dir, 'token'), 'tok', { mode: 0o644 });
    chmodSync(join(dir, 'token'), 0o644);
    writeFileSync(
      config,
      'org: abc123\ngateway: { typeId: rpi, deviceId: gw1 }\nauth: { tokenFile: token }\nadapters: [{ kind: serial, ports: [{ path: /dev/ttyUSB0, profile: nmea-gps }] }]\n',
    );
    const open = await runCli(['run', '--config', config, '--check']);
    expect(open.code).toBe(2);
    expect(open.stdout).toContain(`is readable by group or others (mode 0644): run \`chmod 600 ${join(dir, 'token')}\``);
    chmodSync(join(dir, 'token'), 0o600);
    const ok = await runCli(['run', '--config', config, '--check']);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^config ok: gateway g:abc123:rpi:gw1, 1 adapter\(s\)/m);
    expect(ok.code).toBe(0);
  });
});
