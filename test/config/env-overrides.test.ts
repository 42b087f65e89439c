import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyEnvOverrides, envOverrideProblems, loadGatewayConfig } from '../../src/config/load.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wiotp-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A good config that says nothing about the connection or the log: every override is the environment's own. */
const CONFIG = join(dir, 'env.yaml');
writeFileSync(
  CONFIG,
  `org: abc123
gateway: { typeId: rpi, deviceId: gw1 }
auth: { token: t }
adapters: [{ kind: serial, ports: [{ path: /dev/null, profile: json-sensor }] }]
`,
);

describe('environment overrides with a value their key cannot take', () => {
  it.each([
    { env: { WIOTP_PORT: 'abc' }, problem: 'WIOTP_PORT: expected a port number (1-65535), got "abc"' },
    { env: { WIOTP_PORT: '0' }, problem: 'WIOTP_PORT: expected a port number (1-65535), got "0"' },
    { env: { WIOTP_PORT: '65536' }, problem: 'WIOTP_PORT: expected a port number (1-65535), got "65536"' },
    { env: { WIOTP_PORT: '1883.5' }, problem: 'WIOTP_PORT: expected a port number (1-65535), got "1883.5"' },
    { env: { WIOTP_TRANSPORT: 'mqtts' }, problem: 'WIOTP_TRANSPORT: expected one of tcp, tls, wss, got "mqtts"' },
    {
      env: { WIOTP_LOG_LEVEL: 'verbose' },
      problem: 'WIOTP_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    },
  ])('$problem', ({ env, problem }) => {
    const config = loadGatewayConfig(CONFIG, env);
    expect(config).toEqual({ ok: false, reason: problem });
  });

  it('names every bad variable, and still the file’s own problems', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'org: ABC\n');
    const config = loadGatewayConfig(join(dir, 'bad.yaml'), { WIOTP_PORT: 'x', WIOTP_TRANSPORT: 'udp', WIOTP_HOST: 'h' });
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect(config.reason.split('\n').slice(0, 3)).toEqual([
      'WIOTP_PORT: expected a port number (1-65535), got "x"',
      'WIOTP_TRANSPORT: expected one of tcp, tls, wss, got "udp"',
      `${join(dir, 'bad.yaml')} is not valid:`,
    ]);
    expect(config.reason).toMatch(/org: lowercase letters and digits/);
    expect(config.reason).not.toMatch(/connection\./);
  });

  it('leaves a bad value out of the data, and takes the good ones', () => {
    const env = { WIOTP_PORT: '8883', WIOTP_TRANSPORT: 'tcp', WIOTP_LOG_LEVEL: 'loud' };
    expect(envOverrideProblems(env)).toEqual([
      { path: 'WIOTP_LOG_LEVEL', message: expect.stringMatching(/^expected one of fatal, .*, got "loud"$/) },
    ]);
    expect(applyEnvOverrides({ org: 'x' }, env)).toEqual({ org: 'x', connection: { port: 8883, transport: 'tcp' } });
    expect(loadGatewayConfig(CONFIG, { WIOTP_PORT: '8883', WIOTP_TRANSPORT: 'tcp' })).toMatchObject({
      ok: true,
      value: { connection: { port: 8883, transport: 'tcp' } },
    });
  });

  it('validate and run name the variable and exit 2, as for a bad config', async () => {
    const validate = await runCli(['validate', CONFIG], 15_000, { WIOTP_PORT: 'abc' });
    expect(validate.stdout).toBe(`error    WIOTP_PORT: expected a port number (1-65535), got "abc"\n${CONFIG}: 1 error\n`);
    expect(validate.code).toBe(2);
    const run = await runCli(['run', '--config', CONFIG], 15_000, { WIOTP_PORT: 'abc' });
    expect(run.stderr).toBe('wiotp-gateway: WIOTP_PORT: expected a port number (1-65535), got "abc"\n');
    expect(run.code).toBe(2);
  });
});
