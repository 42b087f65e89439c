import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedAdapter } from '../../adapters/simulated/simulated-adapter.js';
import { runningAdapter } from '../../src/pipeline/adapter-boundary.js';
import { CliProcess, runCli } from '../support/cli.js';
import { startTestGateway } from '../support/gateway.js';
import { connect, GATEWAY, messages$ } from '../support/platform.js';
import { RedisServer } from '../support/redis.js';
import { nextMatching } from '../support/wait.js';

let redis: RedisServer;
const running: CliProcess[] = [];
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis.remove();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

const PLATFORM = ['platform', '--org', 'abc123', '--port', '0'];

/** A `platform` process in the cluster (its Redis from the environment); resolves with its MQTT URL. */
async function node(extra: string[] = []): Promise<string> {
  const args = [...PLATFORM, '--gateway', `${GATEWAY.typeId}:${GATEWAY.deviceId}:${GATEWAY.token}`, '--app', 'a-abc123-k:apptok'];
  const platform = new CliProcess([...args, ...extra, '--log-level', 'silent'], { WIOTP_PLATFORM_REDIS: redis.url });
  running.push(platform);
  return (await platform.waitForLine(/^listening on mqtt:\/\//)).replace('listening on ', '');
}

describe('wiotp-gateway platform --redis', () => {
  it('two processes on one Redis are one service: an event published on one reaches an application on the other', async () => {
    const [first, second] = await Promise.all([node(), node()]);
    const app = await connect(first, { clientId: 'a:abc123:app1', username: 'a-abc123-k', password: 'apptok' });
    const gateway = await connect(second, { clientId: 'g:abc123:rpi:gw1', username: 'use-token-auth', password: GATEWAY.token });
    try {
      await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
      const event = nextMatching(messages$(app), (m) => m.topic.includes('/evt/'));
      await gateway.publishAsync('iot-2/type/sensor/id/s1/evt/t/fmt/json', '{"t":1}', { qos: 1 });
      expect((await event).topic).toBe('iot-2/type/sensor/id/s1/evt/t/fmt/json');
    } finally {
      app.end(true);
      gateway.end(true);
    }
  });

  it("platform dm through one node's REST API reboots a device whose gateway is connected to the other", async () => {
    const apiNode = new CliProcess([...PLATFORM, '--app', 'a-abc123-k:apptok', '--api-port', '0', '--log-level', 'silent'], {
      WIOTP_PLATFORM_REDIS: redis.url,
    });
    running.push(apiNode);
    const api = (await apiNode.waitForLine(/REST API/)).replace('listening on ', '').replace(' (REST API)', '');
    const other = await node();
    const devices = [
      { emulator: 'json-sensor', profile: 'json-sensor', channel: 'ttyACM0', intervalMs: 100, options: { id: 'esp-01' } },
    ];
    const gateway = await startTestGateway(Number(other.split(':').pop()), [{ kind: 'simulated', devices }], {
      managed: { enabled: true, lifetime: 3600 },
      admission: { confirmWindowMs: 50 },
    });
    try {
      const rebooting = nextMatching(
        (runningAdapter(gateway.adapters[0]!) as SimulatedAdapter).actions$,
        (a) => a.action === 'rebooting',
        15_000,
      );
      const reboot = () =>
        runCli(['platform', 'dm', 'reboot', '--type', 'mcu-sensor', '--id', 'esp-01', '--api', api, '--timeout', '10'], 15_000, {
          WIOTP_API_AUTH: 'a-abc123-k:apptok',
        });
      // The device may not be managed yet when the first request goes out (404): again until it is.
      let result = await reboot();
      for (let i = 0; i < 10 && result.code !== 0; i++) result = await reboot();
      expect(result).toMatchObject({ code: 0, stdout: 'mcu-sensor:esp-01 reboot: accepted (202)\n' });
      await rebooting;
    } finally {
      await gateway.close();
    }
  });

  it('exits 1 naming the Redis it could not reach, without its password', async () => {
    const { code, stderr } = await runCli([...PLATFORM, '--redis', 'redis://:hunter2@127.0.0.1:1']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'wiotp-gateway: cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1 (is redis-server running there?)\n',
    );
  });

  it.each([
    [['--redis-ca', '/dev/null'], '--redis-ca goes with --redis'],
    [
      ['--redis', 'rediss://127.0.0.1:1', '--redis-ca', '/nonexistent/ca.pem'],
      '--redis-ca /nonexistent/ca.pem: cannot read it (ENOENT)',
    ],
  ])('refuses %j as a usage error: %s', async (args, error) => {
    const { code, stderr } = await runCli([...PLATFORM, ...args]);
    expect(code).toBe(2);
    expect(stderr).toBe(`wiotp-gateway: ${error}\n`);
  });

  it('refuses a URL that is not redis:// as a usage error', async () => {
    const { code, stderr } = await runCli([...PLATFORM, '--redis', 'localhost:6379']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^wiotp-gateway: --redis: expected redis:\/\/HOST:PORT or rediss:\/\/HOST:PORT, got "localhost:6379"$/m,
    );
  });
});
