import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigReport } from '../../src/config/validate-config.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wiotp-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes files under the test's temp folder and returns the path of the first. */
function write(files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return join(dir, Object.keys(files)[0] ?? '');
}

// The lab engineer's sensor: `T=21.5;H=40;ID=lab7` lines and a `set-rate` text command.
const LAB_PROFILE = `
name: lab-sensor
transport: { kind: serial, baudRate: 115200 }
framing: { kind: delimiter, delimiter: "\\n" }
codec: { kind: key-value, pairSeparators: ";" }
device: { typeId: lab-sensor, deviceId: "{reading.ID}" }
commands:
  - commandId: set-rate
    params: { rate: { type: integer, min: 1, max: 10 } }
    encode: { kind: template, text: "RATE={rate}" }
`;

// A plugin in plain JavaScript, with a zod-like options schema (safeParse) so validate can check its options.
const PLUGIN = `
export const optionsSchema = {
  safeParse(options) {
    return typeof options?.intervalMs === 'number'
      ? { success: true }
      : { success: false, error: { issues: [{ path: ['intervalMs'], message: 'expected a number' }] } };
  },
};
export function createAdapter() { throw new Error('not started by validate'); }
`;

/** A link under the test's folder to a character device, standing in for a serial port (validate never opens one). */
function devicePath(name: string, target: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  symlinkSync(target, path);
  return path;
}

const existingPort = devicePath('dev/ttyLAB', '/dev/null');
/** One per port where a config names several: two names of one device are themselves a mistake. */
const existingPorts = ['/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'].map((target, n) =>
  devicePath(`dev/ttyLAB${n}`, target),
);

function config(adapters: string, extra = ''): string {
  return `org: abc123\ngateway: { typeId: rpi, deviceId: gw1 }\nauth: { token: t }\nprofilePaths: [profiles]\n${extra}adapters:\n${adapters}`;
}

describe('wiotp-gateway validate', () => {
  it('accepts a good config with a user profile and a plugin, exit 0, and run --check prints the same', async () => {
    const file = write({
      'good/gateway.yaml': config(
        `  - kind: serial\n    ports: [{ path: ${existingPort}, profile: lab-sensor }]\n  - kind: plugin\n    module: ./plugin.mjs\n    options: { intervalMs: 100 }\n`,
      ),
      'good/profiles/lab-sensor.yaml': LAB_PROFILE,
      'good/plugin.mjs': PLUGIN,
    });
    const result = await runCli(['validate', file]);
    expect(result.stdout).toBe('config ok: gateway g:abc123:rpi:gw1, 2 adapter(s), 10 profile(s)\n');
    expect(result.code).toBe(0);
    const check = await runCli(['run', '--config', file, '--check']);
    expect(check.stdout).toBe(result.stdout);
    expect(check.code).toBe(0);
  });

  it('reports every mistake at once, each with its file and path, and exits 2', async () => {
    const file = write({
      'broken/gateway.yaml': config(
        [
          '  - kind: serial',
          '    ports:',
          `      - { path: ${existingPorts[0]}, profile: lab-sensor }`, // the file is named so, but declares another name
          `      - { path: ${existingPorts[1]}, profile: nmea-gsp }`, // a typo
          `      - { path: ${existingPorts[2]}, profile: ruuvitag }`, // a BLE profile on a serial port
          `      - { path: ${existingPorts[3]}, profile: typo-sensor }`, // {rat}: the file does not load
          `      - { path: ${existingPorts[4]}, profile: var-sensor }`, // {port.serial}: no such variable, the file does not load
          '  - kind: plugin',
          '    module: ./no-such-plugin.mjs',
          '  - kind: plugin',
          '    module: ./not-a-plugin.mjs',
          '  - kind: plugin',
          '    module: ./plugin.mjs',
          '    options: { intervalMs: soon }',
          '',
        ].join('\n'),
      ),
      'broken/profiles/lab-sensor.yaml': LAB_PROFILE.replace('name: lab-sensor', 'name: lab-sensr'),
      'broken/profiles/typo-sensor.yaml': LAB_PROFILE.replace('name: lab-sensor', 'name: typo-sensor').replace('{rate}', '{rat}'),
      'broken/profiles/var-sensor.yaml': LAB_PROFILE.replace('name: lab-sensor', 'name: var-sensor').replace(
        '{reading.ID}',
        '{port.serial}',
      ),
      'broken/plugin.mjs': PLUGIN,
      'broken/not-a-plugin.mjs': 'export const adapter = 1;\n',
    });
    const result = await runCli(['validate', file]);
    const lines = result.stdout.trim().split('\n');
    const profileDir = join(dir, 'broken', 'profiles');
    expect(lines).toEqual(
      expect.arrayContaining([
        `error    adapters[0].ports[0].profile: no profile named "lab-sensor"; ${profileDir}/lab-sensor.yaml declares name: lab-sensr; profiles are found by their name: field, not their file name`,
        expect.stringMatching(
          /^error {4}adapters\[0\]\.ports\[1\]\.profile: no profile named "nmea-gsp"; did you mean "nmea-gps"\?/,
        ),
        'error    adapters[0].ports[2].profile: profile "ruuvitag" is for ble (its transport.kind), not serial',
        `error    ${profileDir}/typo-sensor.yaml: commands[0].encode.text: placeholder "rat" is not declared in params (declared: rate; did you mean "rate"?)`,
        `error    adapters[0].ports[3].profile: no profile named "typo-sensor"; ${profileDir}/typo-sensor.yaml did not load (see its errors)`,
        expect.stringMatching(
          /^error {4}.*var-sensor\.yaml: device\.deviceId: \{port\.serial\} is not a variable the serial adapter offers; it offers \{port\.path\}, \{port\.name\}, .*\{port\.serialNumber\}.* \(did you mean \{port\.serialNumber\}\?\)/,
        ),
        `error    adapters[0].ports[4].profile: no profile named "var-sensor"; ${profileDir}/var-sensor.yaml did not load (see its errors)`,
        expect.stringMatching(
          /^error {4}adapters\[1\]\.module: plugin \.\/no-such-plugin\.mjs cannot be loaded: Cannot find module/,
        ),
        'error    adapters[2].module: plugin ./not-a-plugin.mjs does not export a createAdapter function (it exports adapter)',
        'error    adapters[3].options.intervalMs: expected a number',
        `${file}: 10 errors`,
      ]),
    );
    expect(lines).toHaveLength(11);
    expect(result.code).toBe(2);
  });

  it('reports schema errors with their paths, as JSON with --json', async () => {
    const file = write({
      'schema/gateway.yaml': config(
        `  - kind: serial\n    ports: [{ path: ${existingPort}, profile: nmea-gps }]\n`,
        'publish: { qos: 2 }\n',
      ),
      'schema/profiles/bad.yaml': 'name: Bad Name\n',
    });
    const result = await runCli(['validate', '--json', file]);
    const report = JSON.parse(result.stdout) as ConfigReport;
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual(
      expect.arrayContaining([
        { file, path: 'publish.qos', message: expect.stringMatching(/expected 0 or 1/) },
        { file: join(dir, 'schema/profiles/bad.yaml'), path: 'name', message: 'lowercase letters, digits and dashes' },
        { file: join(dir, 'schema/profiles/bad.yaml'), path: 'codec', message: expect.any(String) },
      ]),
    );
    expect(result.code).toBe(2);
  });

  it('looks up the profiles the adapters name even when the schema fails elsewhere', async () => {
    const file = write({
      'schema-and-names/gateway.yaml': config(
        `  - kind: serial\n    ports: [{ path: ${existingPorts[0]}, profile: nmea-gpss }, { path: ${existingPorts[1]}, profile: ruuvitag }, { path: ${existingPorts[2]}, profile: 7 }]\n` +
          '  - kind: ble\n    profiles: [lab-sensorr, ruuvitag]\n',
        'publish: { qos: 2 }\n',
      ),
      'schema-and-names/profiles/lab-sensor.yaml': LAB_PROFILE,
    });
    const result = await runCli(['validate', '--json', file]);
    const report = JSON.parse(result.stdout) as ConfigReport;
    expect(report.errors).toEqual([
      { file, path: 'publish.qos', message: expect.stringMatching(/expected 0 or 1/) },
      { file, path: 'adapters[0].ports[2].profile', message: expect.any(String) },
      {
        file,
        path: 'adapters[0].ports[0].profile',
        message: expect.stringMatching(/^no profile named "nmea-gpss"; did you mean "nmea-gps"\?/),
      },
      { file, path: 'adapters[0].ports[1].profile', message: 'profile "ruuvitag" is for ble (its transport.kind), not serial' },
      {
        file,
        path: 'adapters[1].profiles[0]',
        message: expect.stringMatching(/^no profile named "lab-sensorr"; did you mean "lab-sensor"\?/),
      },
    ]);
    expect(result.code).toBe(2);
  });

  it('refuses what run refuses beyond the config schema: an HTTP listener open to other machines without a token', async () => {
    const file = write({
      'http/gateway.yaml': config(
        `  - kind: serial\n    ports: [{ path: ${existingPort}, profile: nmea-gps }]\n`,
        'http: { listen: "0.0.0.0:9464" }\n',
      ),
      'http/profiles/.keep': '',
    });
    const result = await runCli(['validate', file]);
    expect(result.stdout).toMatch(
      /^error {4}http\.listen: http\.listen http:\/\/0\.0\.0\.0:9464 is reachable from other machines: set http\.token/m,
    );
    expect(result.code).toBe(2);
  });

  it('refuses two names of one device, a by-id link and its tty, in two adapters', async () => {
    const tty = devicePath('byid/dev/ttyUSB0', '/dev/full');
    const byId = devicePath('byid/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0', '../../ttyUSB0');
    const file = write({
      'byid/gateway.yaml': config(
        `  - kind: serial\n    ports: [{ path: ${byId}, profile: nmea-gps }]\n` +
          `  - kind: serial\n    ports: [{ path: ${tty}, profile: json-sensor }]\n`,
      ),
      'byid/profiles/.keep': '',
    });
    const result = await runCli(['validate', file]);
    expect(result.stdout).toBe(
      `error    adapters[1].ports[0].path: ${tty} is /dev/full, as is adapters[0].ports[0]'s ${byId}: ` +
        'a port is read by one channel only (name it once)\n' +
        `${file}: 1 error\n`,
    );
    expect(result.code).toBe(2);
  });

  it('warns about a serial path that is a regular file (a write while nothing was plugged in) or a folder', async () => {
    const file = write({
      'notadevice/gateway.yaml': config(
        `  - kind: serial\n    ports:\n      - { path: ${join(dir, 'notadevice/ttyUSB0')}, profile: nmea-gps }\n` +
          `      - { path: ${join(dir, 'notadevice/profiles')}, profile: json-sensor }\n`,
      ),
      'notadevice/ttyUSB0': '$GPGGA,1\n',
      'notadevice/profiles/.keep': '',
    });
    const result = await runCli(['validate', file]);
    const file0 = join(dir, 'notadevice/ttyUSB0');
    expect(result.stdout).toBe(
      `warning  adapters[0].ports[0].path: ${file0} is a regular file, not a serial device: something wrote to it while ` +
        `no device was there (remove it, sudo rm ${file0}, and plug the adapter in again), or the path is not the port's\n` +
        `warning  adapters[0].ports[1].path: ${join(dir, 'notadevice/profiles')} is a folder, not a serial device\n` +
        'config ok: gateway g:abc123:rpi:gw1, 1 adapter(s), 9 profile(s), 2 warnings\n',
    );
    expect(result.code).toBe(0);
  });

  it('warns about a serial path that does not exist now without failing', async () => {
    const file = write({
      'missing/gateway.yaml': config('  - kind: serial\n    ports: [{ path: /dev/ttyNOPE9, profile: nmea-gps }]\n'),
      'missing/profiles/.keep': '',
    });
    const result = await runCli(['validate', file]);
    expect(result.stdout).toBe(
      'warning  adapters[0].ports[0].path: /dev/ttyNOPE9 does not exist now; the gateway keeps retrying until it appears\n' +
        'config ok: gateway g:abc123:rpi:gw1, 1 adapter(s), 9 profile(s), 1 warning\n',
    );
    expect(result.code).toBe(0);
  });
});
