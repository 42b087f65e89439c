import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnvOverrides, loadGatewayConfig, loadProfile, loadProfiles, resolveToken } from '../../src/config/load.js';

function file(name: string, text: string, mode = 0o644): string {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-config-'));
  const path = join(dir, name);
  writeFileSync(path, text, { mode });
  chmodSync(path, mode); // writeFileSync's mode passes through the umask
  return path;
}

const GOOD = `
org: abc123
gateway: { typeId: rpi, deviceId: gw1 }
auth: { tokenEnv: GW_TOKEN }
connection: { transport: tls, caFile: /etc/ssl/ca.pem }
adapters:
  - kind: serial
    ports:
      - { path: /dev/ttyUSB0, profile: nmea-gps }
`;

/** A config with these adapters (the YAML lines under `adapters:`), loaded with no environment. */
function withAdapters(adapters: string) {
  return loadGatewayConfig(
    file('adapters.yaml', `org: abc123\ngateway: { typeId: rpi, deviceId: gw1 }\nauth: { tokenEnv: T }\nadapters:\n${adapters}`),
    {},
  );
}

/** A failed load's problems, a line each (the first line of the reason names the file); none when it loaded. */
function problemsOf(result: ReturnType<typeof loadGatewayConfig>): string[] {
  return result.ok ? [] : result.reason.split('\n').slice(1);
}

describe('gateway config', () => {
  it('loads a good YAML config and fills defaults', () => {
    const config = loadGatewayConfig(file('gateway.yaml', GOOD), {});
    expect(config.ok).toBe(true);
    if (!config.ok) return;
    expect(config.value.connection).toMatchObject({ transport: 'tls', rejectUnauthorized: true, keepaliveSeconds: 60 });
    expect(config.value.publish.qos).toBe(1);
  });

  it('reports every problem at once, each with its path', () => {
    const bad = `
org: ABC
gateway: { typeId: "r pi", deviceId: gw1 }
auth: { token: a, tokenFile: b }
conection: { transport: tls }
adapters:
  - kind: serial
    ports:
      - { profile: nmea-gps, baudrate: 9600 }
`;
    const config = loadGatewayConfig(file('bad.yaml', bad), {});
    expect(config.ok).toBe(false);
    if (config.ok) return;
    const reason = config.reason;
    expect(reason).toMatch(/bad\.yaml is not valid/);
    expect(reason).toMatch(/org: lowercase letters and digits/);
    expect(reason).toMatch(/gateway\.typeId: 1–36 characters/);
    expect(reason).toMatch(/auth: give exactly one of token, tokenFile, tokenEnv/);
    expect(reason).toMatch(/\(root\): Unrecognized key: "conection"/);
    expect(reason).toMatch(/adapters\[0\]\.ports\[0\]\.path: /);
    expect(reason).toMatch(/adapters\[0\]\.ports\[0\]: Unrecognized key: "baudrate"/);
  });

  it('takes a serial port by path or by USB match, and says what is wrong with the entry otherwise', () => {
    const ports = (entries: string) => withAdapters(`  - kind: serial\n    ports:\n${entries}`);
    const good = ports(
      '      - { path: /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0, profile: nmea-gps }\n' +
        '      - { match: { vendorId: "0403", productId: "6001", serialNumber: A9M4KQ1X }, profile: nmea-gps }\n',
    );
    expect(good.ok).toBe(true);
    const bad = ports(
      '      - { profile: nmea-gps }\n' +
        '      - { path: /dev/ttyUSB0, match: { serialNumber: A1 }, profile: nmea-gps }\n' +
        '      - { match: { vendorId: 0403 }, profile: nmea-gps }\n' +
        '      - { match: {}, profile: nmea-gps }\n',
    );
    expect(problemsOf(bad)).toEqual([
      '  adapters[0].ports[0].path: give path (e.g. /dev/serial/by-id/usb-FTDI_…-if00-port0) or match: { vendorId, productId, serialNumber }',
      '  adapters[0].ports[1].match: give path or match, not both',
      '  adapters[0].ports[2].match.vendorId: expected 4 hex digits in quotes, e.g. "0403" (unquoted, YAML reads 0403 as the number 403)',
      '  adapters[0].ports[3].match: give at least one of vendorId, productId, serialNumber',
    ]);
  });

  it('refuses a serial port given twice, by path or by the same USB match, in one adapter or two', () => {
    const twice = withAdapters(
      '  - kind: serial\n    ports:\n' +
        '      - { path: /dev/ttyUSB0, profile: nmea-gps }\n' +
        '      - { match: { vendorId: "0403", serialNumber: A1 }, profile: json-sensor }\n' +
        '      - { path: /dev/ttyUSB0, profile: json-sensor }\n' +
        '  - kind: serial\n    ports:\n' +
        '      - { match: { vendorId: "0x0403", serialNumber: A1 }, profile: json-sensor }\n' +
        '      - { path: /dev/ttyUSB1, profile: json-sensor }\n' +
        '      - { match: { vendorId: "0403", serialNumber: A2 }, profile: json-sensor }\n',
    );
    const rule = 'a port is read by one channel only (give each port once, with its profile)';
    expect(problemsOf(twice)).toEqual([
      `  adapters[0].ports[2].path: /dev/ttyUSB0 is also adapters[0].ports[0]'s: ${rule}`,
      `  adapters[1].ports[0].match: this match is also adapters[0].ports[1]'s: ${rule}`,
    ]);
    // A simulated or BLE adapter has no ports: nothing to compare.
    expect(
      withAdapters(
        '  - kind: ble\n    profiles: [ruuvitag]\n  - kind: serial\n    ports: [{ path: /dev/ttyUSB0, profile: nmea-gps }]\n',
      ).ok,
    ).toBe(true);
  });

  it('lets the environment override the token, host, port and log level', () => {
    const data = applyEnvOverrides(
      { org: 'x', auth: { tokenFile: 'f' } },
      { WIOTP_TOKEN: 't', WIOTP_HOST: 'h', WIOTP_PORT: '1884', WIOTP_LOG_LEVEL: 'debug' },
    );
    expect(data).toEqual({ org: 'x', auth: { token: 't' }, connection: { host: 'h', port: 1884 }, log: { level: 'debug' } });
  });

  // Found by fuzzing: with WIOTP_HOST set, a config saying `connection: ""` made applyEnvOverrides throw
  // "Cannot create property 'host' on string" instead of validation naming the field.
  it('leaves a section that is not a map for validation to name, whatever the environment overrides', () => {
    const env = { WIOTP_HOST: 'h', WIOTP_PORT: '1884', WIOTP_LOG_LEVEL: 'debug' };
    const data = applyEnvOverrides({ org: 'x', connection: '', log: [1] }, env);
    expect(data).toEqual({ org: 'x', connection: '', log: [1] });
    const config = loadGatewayConfig(
      file(
        'gateway.yaml',
        `${GOOD}
log: 7
`.replace('connection: { transport: tls, caFile: /etc/ssl/ca.pem }', 'connection: ""'),
      ),
      env,
    );
    expect(config).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/connection: .*expected object[\s\S]*log: .*expected object/i),
    });
  });

  it('resolves the token from the environment or a file, and names what is missing', () => {
    expect(resolveToken({ tokenEnv: 'GW_TOKEN' }, { GW_TOKEN: 's3cret' })).toEqual({ ok: true, value: 's3cret' });
    expect(resolveToken({ tokenEnv: 'GW_TOKEN' }, {})).toEqual({
      ok: false,
      reason: 'auth.tokenEnv: the environment variable GW_TOKEN is not set',
    });
    expect(resolveToken({ tokenFile: file('token', 'abc\n', 0o600) }, {})).toEqual({ ok: true, value: 'abc' });
    expect(resolveToken({ tokenFile: '/nonexistent/token' }, {})).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/ENOENT/),
    });
  });
});

describe('token file permissions', () => {
  it.each([
    { mode: '0600', expected: 'accepted' },
    { mode: '0400', expected: 'accepted' },
    { mode: '0644', expected: 'readable' },
    { mode: '0640', expected: 'readable' },
    { mode: '0604', expected: 'readable' },
    { mode: '0620', expected: 'writable' },
    { mode: '0610', expected: 'accessible' },
  ])('a token file with mode $mode is $expected', ({ mode, expected }) => {
    const path = file('token', 's3cret\n', Number.parseInt(mode, 8));
    const token = resolveToken({ tokenFile: path }, {});
    if (expected === 'accepted') {
      expect(token).toEqual({ ok: true, value: 's3cret' });
      return;
    }
    expect(token).toEqual({
      ok: false,
      reason: `auth.tokenFile: ${path} is ${expected} by group or others (mode ${mode}): run \`chmod 600 ${path}\``,
    });
  });

  it('accepts the file once the chmod it names has been run, and never puts the token in the reason', () => {
    const path = file('token', 'do-not-print-me', 0o644);
    const refused = resolveToken({ tokenFile: path }, {});
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.reason).not.toContain('do-not-print-me');
    const command = /`chmod (\d+) (.+)`/.exec(refused.reason);
    expect(command?.[2]).toBe(path);
    chmodSync(path, Number.parseInt(command![1]!, 8));
    expect(resolveToken({ tokenFile: path }, {})).toEqual({ ok: true, value: 'do-not-print-me' });
  });

  it('resolves a relative token file against the config folder', () => {
    const path = file('token', 'rel', 0o600);
    expect(resolveToken({ tokenFile: 'token' }, {}, dirname(path))).toEqual({ ok: true, value: 'rel' });
  });
});

describe('hardware profiles', () => {
  it('loads every built-in profile', () => {
    const profiles = loadProfiles();
    if (!profiles.ok) throw new Error(profiles.reason);
    expect([...profiles.value.keys()]).toEqual(
      expect.arrayContaining(['nmea-gps', 'modbus-th-sensor', 'json-sensor', 'slip-struct-sensor', 'cobs-struct-sensor']),
    );
  });

  it('names the path of a misspelt key and of a bad codec option', () => {
    const profile = loadProfile(
      file(
        'p.yaml',
        `
name: p
transport: { kind: serial, baudrate: 9600 }
framing: { kind: delimiter }
codec: { kind: struct, fields: [{ name: a, offset: 0, type: u17 }] }
device: { typeId: t, deviceId: d }
`,
      ),
    );
    expect(profile.ok).toBe(false);
    if (profile.ok) return;
    expect(profile.reason).toMatch(/transport: Unrecognized key: "baudrate"/);
    expect(profile.reason).toMatch(/codec\.fields\[0\]\.type: /);
  });

  it('checks a codec option refinement (a field used twice)', () => {
    const profile = loadProfile(
      file(
        'p.yaml',
        `
name: p
transport: { kind: serial }
codec: { kind: struct, fields: [{ name: a, offset: 0, type: u8 }, { name: a, offset: 1, type: u8 }] }
device: { typeId: t, deviceId: d }
`,
      ),
    );
    expect(profile).toMatchObject({ ok: false, reason: expect.stringMatching(/codec\.fields\[1\]\.name: 'a' is used twice/) });
  });
});
