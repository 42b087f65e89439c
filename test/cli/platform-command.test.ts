import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { GatewaySession } from '../../src/session/gateway-session.js';
import { makeCertificate } from '../support/certificates.js';
import { CliProcess, runCli } from '../support/cli.js';
import { connect, messages$ } from '../support/platform.js';
import { nextMatching } from '../support/wait.js';

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
