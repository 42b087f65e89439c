import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { GatewaySession } from '../../src/session/gateway-session.js';
import { makeCertificate } from '../support/certificates.js';
import { CliProcess, runCli } from '../support/cli.js';
import { connect, messages$ } from '../support/platform.js';
import { nextMatching, until } from '../support/wait.js';

const running: CliProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});

describe('wiotp-gateway platform', () => {
  it('prints its help', async () => {
    const { code, stdout } = await runCli(['platform', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--gateway <TYPE:ID:TOKEN>/);
    expect(stdout).toMatch(/--tls-port/);
  });

  it('refuses a malformed --gateway in one line naming the problem', async () => {
    const { code, stderr } = await runCli(['platform', '--org', 'abc123', '--port', '0', '--gateway', 'bad type:gw1:tok']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/typeId "bad type"/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('listens, serves a gateway and an application, and stops cleanly on SIGTERM', async () => {
    const certificate = await makeCertificate();
    const platform = new CliProcess([
      'platform',
      '--org',
      'abc123',
      '--port',
      '0',
      '--tls-port',
      '0',
      '--ws-port',
      '0',
      '--cert',
      certificate.certFile,
      '--key',
      certificate.keyFile,
      '--gateway',
      'rpi:gw1:secret:with:colons',
      '--app',
      'a-abc123-k:apptok',
      '--log-level',
      'silent',
    ]);
    running.push(platform);
    const mqttLine = await platform.waitForLine(/^listening on mqtt:\/\//);
    await platform.waitForLine(/^listening on mqtts:\/\/127\.0\.0\.1:\d+$/);
    await platform.waitForLine(/^listening on wss:\/\/127\.0\.0\.1:\d+$/);
    const url = mqttLine.replace('listening on ', '');
    const port = Number(url.split(':').pop());
    const app = await connect(url, { clientId: 'a:abc123:viewer', username: 'a-abc123-k', password: 'apptok' });
    await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+');
    const session = new GatewaySession(
      {
        orgId: 'abc123',
        gateway: { typeId: 'rpi', deviceId: 'gw1' },
        token: 'secret:with:colons',
        transport: 'tcp',
        host: '127.0.0.1',
        port,
      },
      silentLogger(),
    );
    await session.start();
    const arriving = nextMatching(messages$(app));
    await session.publishEvent({ typeId: 'dev', deviceId: 'd1' }, 'hello', 'json', '{"a":1}', { qos: 1 });
    expect((await arriving).topic).toBe('iot-2/type/dev/id/d1/evt/hello/fmt/json');
    await session.close();
    app.end(true);
    const code = await platform.stop('SIGTERM');
    expect({ code, stderr: platform.stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('wiotp-gateway platform: credentials outside the command line', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function credentialsFile(text: string, mode: number): string {
    const dir = mkdtempSync(join(tmpdir(), 'wiotp-credentials-'));
    dirs.push(dir);
    const file = join(dir, 'gateways.txt');
    writeFileSync(file, text, { mode });
    chmodSync(file, mode);
    return file;
  }

  function platformWith(args: string[], env: NodeJS.ProcessEnv = {}) {
    const process = new CliProcess(['platform', '--org', 'abc123', '--port', '0', '--log-level', 'warn', ...args], env);
    running.push(process);
    return process;
  }

  it('takes gateways from --gateways-file and applications from WIOTP_PLATFORM_APPS, with no token in its arguments', async () => {
    const file = credentialsFile('# gateways of the lab\nrpi:gw1:FILE-TOKEN-1\n\nrpi:gw2:FILE-TOKEN-2\n', 0o600);
    const platform = platformWith(['--gateways-file', file], {
      WIOTP_PLATFORM_APPS: 'a-abc123-k1:ENV-TOKEN-1,a-abc123-k2:ENV-TOKEN-2',
    });
    const url = (await platform.waitForLine(/^listening on mqtt:\/\//)).replace('listening on ', '');
    const clients = [
      await connect(url, { clientId: 'g:abc123:rpi:gw2', username: 'use-token-auth', password: 'FILE-TOKEN-2' }),
      await connect(url, { clientId: 'a:abc123:viewer', username: 'a-abc123-k2', password: 'ENV-TOKEN-2' }),
    ];
    for (const client of clients) client.end(true);
    await expect(
      connect(url, { clientId: 'g:abc123:rpi:gw1', username: 'use-token-auth', password: 'FILE-TOKEN-2' }),
    ).rejects.toMatchObject({ code: 4 });
    const commandLine = readFileSync(`/proc/${platform.child.pid}/cmdline`, 'utf8');
    expect(commandLine).toContain(file);
    expect(commandLine).not.toMatch(/FILE-TOKEN|ENV-TOKEN/);
    await platform.stop();
    expect(platform.stderr).not.toMatch(/chmod|FILE-TOKEN|ENV-TOKEN/);
  });

  it('warns, naming the chmod, when other users can read the credentials file', async () => {
    const file = credentialsFile('rpi:gw1:FILE-TOKEN-1\n', 0o644);
    const platform = platformWith(['--gateways-file', file]);
    await platform.waitForLine(/^listening on mqtt:\/\//);
    await until(() => platform.stderr.includes('chmod'), 5000, 'the permissions warning');
    expect(platform.stderr).toContain(`(mode 0644): run chmod 600 ${file}`);
    expect(platform.stderr).not.toContain('FILE-TOKEN-1');
  });

  it.each([
    {
      name: 'a malformed line of --gateways-file',
      args: (file: string) => ['--gateways-file', file],
      env: {},
      error: (file: string) => `--gateways-file ${file} line 2: rpi:gw 2:…: deviceId "gw 2"`,
    },
    {
      name: 'a malformed entry of WIOTP_PLATFORM_GATEWAYS',
      args: () => [],
      env: { WIOTP_PLATFORM_GATEWAYS: 'rpi:gw1:SECRET-1,rpi:gw 2:SECRET-2' },
      error: () => 'WIOTP_PLATFORM_GATEWAYS entry 2: rpi:gw 2:…: deviceId "gw 2"',
    },
    {
      name: 'a gateway given both on the command line and in the environment',
      args: () => ['--gateway', 'rpi:gw1:SECRET-1'],
      env: { WIOTP_PLATFORM_GATEWAYS: 'rpi:gw1:SECRET-2' },
      error: () => 'gateway rpi:gw1 is given twice',
    },
  ])('refuses $name with exit code 2, naming where, never the token', async ({ args, env, error }) => {
    const file = credentialsFile('rpi:gw1:SECRET-1\nrpi:gw 2:SECRET-2\n', 0o600);
    const { code, stderr } = await runCli(['platform', '--org', 'abc123', '--port', '0', ...args(file)], 15_000, env);
    expect(code).toBe(2);
    expect(stderr).toContain(error(file));
    expect(stderr).not.toMatch(/SECRET-/);
  });

  it('refuses a --gateways-file it cannot read, naming it', async () => {
    const { code, stderr } = await runCli([
      'platform',
      '--org',
      'abc123',
      '--port',
      '0',
      '--gateways-file',
      '/nonexistent/gw.txt',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--gateways-file \/nonexistent\/gw\.txt: cannot read it \(ENOENT\)/);
  });
});

describe('wiotp-gateway platform: where the REST API listens', () => {
  it.each([
    { args: [], line: /^listening on http:\/\/127\.0\.0\.1:\d+ \(REST API\)$/ },
    { args: ['--api-host', '::1'], line: /^listening on http:\/\/\[::1\]:\d+ \(REST API\)$/ },
  ])('serves the REST API on loopback ($args) without warning', async ({ args, line }) => {
    const platform = new CliProcess(['platform', '--org', 'abc123', '--port', '0', '--api-port', '0', ...args]);
    running.push(platform);
    await platform.waitForLine(line);
    await platform.stop();
    expect(platform.stderr).not.toMatch(/reachable from other machines/);
  });

  it('serves the REST API over HTTPS when --cert and --key are given', async () => {
    const certificate = await makeCertificate();
    const platform = new CliProcess([
      'platform',
      '--org',
      'abc123',
      '--tls-port',
      '0',
      '--api-port',
      '0',
      '--cert',
      certificate.certFile,
      '--key',
      certificate.keyFile,
    ]);
    running.push(platform);
    await platform.waitForLine(/^listening on https:\/\/127\.0\.0\.1:\d+ \(REST API\)$/);
    await platform.stop();
    rmSync(certificate.dir, { recursive: true, force: true });
  });

  it('exits 1 naming the REST API when its port is taken, without leaving the broker running', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const { code, stderr } = await runCli(['platform', '--org', 'abc123', '--port', '0', '--api-port', String(port)]);
      expect(code).toBe(1);
      expect(stderr).toContain(`the REST API cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses --cert without --key', async () => {
    const { code, stderr } = await runCli(['platform', '--org', 'abc123', '--port', '0', '--cert', 'cert.pem']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--cert and --key go together/);
  });
});
