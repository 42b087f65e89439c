import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, runCli } from '../support/cli.js';
import { connect, messages$ } from '../support/platform.js';
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
async function node(): Promise<string> {
  const args = [...PLATFORM, '--gateway', 'rpi:gw1:gwtok', '--app', 'a-abc123-k:apptok'];
  const platform = new CliProcess([...args, '--log-level', 'silent'], { WIOTP_PLATFORM_REDIS: redis.url });
  running.push(platform);
  return (await platform.waitForLine(/^listening on mqtt:\/\//)).replace('listening on ', '');
}

describe('wiotp-gateway platform --redis', () => {
  it('two processes on one Redis are one service: an event published on one reaches an application on the other', async () => {
    const [first, second] = await Promise.all([node(), node()]);
    const app = await connect(first, { clientId: 'a:abc123:app1', username: 'a-abc123-k', password: 'apptok' });
    const gateway = await connect(second, { clientId: 'g:abc123:rpi:gw1', username: 'use-token-auth', password: 'gwtok' });
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
