import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedAdapter } from '../../adapters/simulated/simulated-adapter.js';
import { runningAdapter } from '../../src/pipeline/adapter-boundary.js';
import type { RunningGateway } from '../../src/pipeline/gateway.js';
import type { EmbeddedPlatform, PlatformOptions } from '../../src/platform/platform.js';
import { DM_RC } from '../../src/protocol/device-management.js';
import { makeCertificate } from '../support/certificates.js';
import { startTestGateway } from '../support/gateway.js';
import { capturingLogger } from '../support/logger.js';
import { connect, connectApplication, GATEWAY, messages$, ORG, startPlatform } from '../support/platform.js';
import { freePort } from '../support/ports.js';
import { RedisServer } from '../support/redis.js';
import { VirtualSerialPair } from '../support/socat.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { nextMatching, once, until } from '../support/wait.js';

const SECOND = { typeId: 'rpi', deviceId: 'gw2', token: 'gateway-token-2' };
const EVENTS = 'iot-2/type/+/id/+/evt/+/fmt/+';

let redis: RedisServer;
const nodes: EmbeddedPlatform[] = [];
const clients: MqttClient[] = [];
let gateway: RunningGateway | undefined;
let proxy: TcpProxy | undefined;
const pairs: VirtualSerialPair[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis.remove();
});
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await Promise.all(pairs.splice(0).map((pair) => pair.stop()));
  await proxy?.close();
  proxy = undefined;
  for (const client of clients.splice(0)) client.end(true);
  await Promise.all(nodes.splice(0).map((node) => node.close()));
  // Every test begins with an empty Redis: sessions and registrations of the last one are gone.
  await flushRedis();
});

/** FLUSHALL through a short-lived connection (the nodes' own are closed by now). */
async function flushRedis(): Promise<void> {
  const connection = new Redis(redis.url);
  await connection.flushall();
  connection.disconnect();
}

async function node(overrides: Partial<PlatformOptions> = {}): Promise<EmbeddedPlatform> {
  const platform = await startPlatform({ gateways: [GATEWAY, SECOND], cluster: { redisUrl: redis.url }, ...overrides });
  nodes.push(platform);
  return platform;
}

/** Two nodes on a Redis of the test's own (one it stops), each with a log the test reads. */
async function twoNodesOn(own: RedisServer) {
  const logs = [capturingLogger('info'), capturingLogger('info')] as const;
  const a = await node({ cluster: { redisUrl: own.url }, logger: logs[0].logger });
  const b = await node({ cluster: { redisUrl: own.url }, logger: logs[1].logger });
  return { a, b, logs };
}

async function gatewayOn(platform: EmbeddedPlatform, gateway = GATEWAY, extra: IClientOptions = {}): Promise<MqttClient> {
  const client = await connect(platform.url(), {
    clientId: `g:${ORG}:${gateway.typeId}:${gateway.deviceId}`,
    username: 'use-token-auth',
    password: gateway.token,
    ...extra,
  });
  clients.push(client);
  await client.subscribeAsync(`iot-2/type/${gateway.typeId}/id/${gateway.deviceId}/notify`, { qos: 1 });
  return client;
}

async function applicationOn(platform: EmbeddedPlatform, appId = 'app1'): Promise<MqttClient> {
  const client = await connectApplication(platform.url(), appId);
  clients.push(client);
  return client;
}

async function nextNotification(client: MqttClient): Promise<Record<string, unknown>> {
  const message = await nextMatching(messages$(client), (m) => m.topic.endsWith('/notify'));
  return JSON.parse(message.payload.toString()) as Record<string, unknown>;
}

describe('embedded platform clustered on Redis', () => {
  it("carries a gateway's events to an application on another node, and its commands back", async () => {
    const [a, b] = [await node(), await node()];
    const app = await applicationOn(a);
    await app.subscribeAsync(EVENTS, { qos: 1 });
    const gw = await gatewayOn(b);
    await gw.subscribeAsync('iot-2/type/sensor/id/s1/cmd/+/fmt/+', { qos: 1 });

    const event = nextMatching(messages$(app), (m) => m.topic.includes('/evt/'));
    await gw.publishAsync('iot-2/type/sensor/id/s1/evt/reading/fmt/json', '{"t":21}', { qos: 1 });
    expect(await event).toMatchObject({ topic: 'iot-2/type/sensor/id/s1/evt/reading/fmt/json' });
    expect((await event).payload.toString()).toBe('{"t":21}');

    const command = nextMatching(messages$(gw), (m) => m.topic.includes('/cmd/'));
    await app.publishAsync('iot-2/type/sensor/id/s1/cmd/blink/fmt/json', '{"times":2}', { qos: 1 });
    expect((await command).topic).toBe('iot-2/type/sensor/id/s1/cmd/blink/fmt/json');
  });

  it('keeps one connection per client id across the cluster: the newer one wins', async () => {
    const [a, b] = [await node(), await node()];
    const first = await gatewayOn(a);
    const closed = once(first, 'close');
    await gatewayOn(b, GATEWAY, { reconnectPeriod: 0 });
    await closed;
    expect(a.activeDevices(GATEWAY)).toBe(0);
  });

  it('a durable session roams: a command sent while the gateway was away arrives on the node it comes back to', async () => {
    const [a, b] = [await node(), await node()];
    const durable = { clean: false, clientId: `g:${ORG}:${GATEWAY.typeId}:${GATEWAY.deviceId}` };
    const away = await gatewayOn(a, GATEWAY, durable);
    await away.subscribeAsync('iot-2/type/rpi/id/gw1/cmd/+/fmt/+', { qos: 1 });
    await away.endAsync();

    const app = await applicationOn(b);
    await app.publishAsync('iot-2/type/rpi/id/gw1/cmd/restart/fmt/txt', 'now', { qos: 1 });
    // Listening before the CONNACK: the queued command may come in the same read.
    const back = mqtt.connect(b.url(), { ...durable, username: 'use-token-auth', password: GATEWAY.token, reconnectPeriod: 0 });
    clients.push(back);
    const command = nextMatching(messages$(back), (m) => m.topic.includes('/cmd/'), 5000);
    const received = await command;
    expect(received.topic).toBe('iot-2/type/rpi/id/gw1/cmd/restart/fmt/txt');
    expect(received.payload.toString()).toBe('now');
  });

  it("registers a device once for the organization: its limit counts every node's registrations", async () => {
    const [a, b] = [await node({ registration: { maxOrgDevices: 4 } }), await node({ registration: { maxOrgDevices: 4 } })];
    const app = await applicationOn(a);
    await app.subscribeAsync(EVENTS, { qos: 1 });
    const first = await gatewayOn(a);
    const second = await gatewayOn(b, SECOND);
    // The two gateways are devices of the organization too: two places left.
    await first.publishAsync('iot-2/type/sensor/id/s1/evt/e/fmt/json', '{}', { qos: 1 });
    await second.publishAsync('iot-2/type/sensor/id/s2/evt/e/fmt/json', '{}', { qos: 1 });
    const refused = nextNotification(second);
    await second.publishAsync('iot-2/type/sensor/id/s3/evt/e/fmt/json', '{}', { qos: 1 });
    expect(await refused).toMatchObject({ Id: 's3', Message: 'Maximum number of devices per organization has been reached.' });

    // s1, registered through node a, is known on node b: no registration, no refusal.
    const delivered = nextMatching(messages$(app), (m) => m.topic.includes('/id/s1/'));
    await second.publishAsync('iot-2/type/sensor/id/s1/evt/e/fmt/json', '{"via":"b"}', { qos: 1 });
    expect((await delivered).payload.toString()).toBe('{"via":"b"}');
    expect(b.registry.get({ typeId: 'sensor', deviceId: 's1' })).toMatchObject({ registeredBy: `g:${ORG}:rpi:gw1` });
  });

  it('refuses a device whose registration failed on every node, for the same while', async () => {
    const [a, b] = [await node({ registration: { retryAfterMs: 60_000 } }), await node()];
    a.registry.failNextRegistrations({ typeId: 'sensor', deviceId: 'flaky' });
    const onA = await gatewayOn(a);
    const failed = nextNotification(onA);
    await onA.publishAsync('iot-2/type/sensor/id/flaky/evt/e/fmt/json', '1', { qos: 1 });
    expect(await failed).toMatchObject({ Id: 'flaky', Message: 'Failed to create device due to internal errors.' });

    const onB = await gatewayOn(b, SECOND);
    const refused = nextNotification(onB);
    await onB.publishAsync('iot-2/type/sensor/id/flaky/evt/e/fmt/json', '2', { qos: 1 });
    expect(await refused).toMatchObject({ Id: 'flaky', Message: 'Failed to create device due to internal errors.' });
    expect(b.registry.isBackingOff({ typeId: 'sensor', deviceId: 'flaky' })).toBe(true);
  });

  it("manages a device from any node, one started later too: it reads the state another's gateway reported, and asks for a reboot", async () => {
    const [a, b] = [await node(), await node()];
    const esp = { typeId: 'mcu-sensor', deviceId: 'esp-01' };
    const devices = [
      { emulator: 'json-sensor', profile: 'json-sensor', channel: 'ttyACM0', intervalMs: 100, options: { id: 'esp-01' } },
    ];
    gateway = await startTestGateway(Number(b.url().split(':').pop()), [{ kind: 'simulated', devices }], {
      managed: { enabled: true, lifetime: 3600 },
      admission: { confirmWindowMs: 50 },
    });
    const state = await a.dm.until(esp, (s) => s.managed);
    expect(state).toMatchObject({ managedBy: `g:${ORG}:rpi:gw1`, deviceInfo: { deviceClass: 'microcontroller' } });
    // A node that starts later knows it too: the cluster keeps each device's last state.
    const later = await node();
    expect(later.dm.state(esp)).toMatchObject({ managed: true, managedBy: `g:${ORG}:rpi:gw1` });
    const actions$ = (runningAdapter(gateway.adapters[0]!) as SimulatedAdapter).actions$;
    const rebooting = nextMatching(actions$, (action) => action.action === 'rebooting');
    expect((await a.dm.request(esp, 'mgmt/initiate/device/reboot')).rc).toBe(DM_RC.ACCEPTED);
    await rebooting;
  });

  it('joins a Redis over TLS, checking its certificate: trusted with --redis-ca, refused without', async () => {
    const certificate = await makeCertificate();
    const tls = await RedisServer.start(certificate);
    try {
      const refused = startPlatform({ cluster: { redisUrl: tls.url } });
      await expect(refused).rejects.toThrow(`cannot reach Redis at ${tls.url}: self-signed certificate`);
      const [a, b] = [
        await node({ cluster: { redisUrl: tls.url, ca: certificate.cert } }),
        await node({ cluster: { redisUrl: tls.url, ca: certificate.cert } }),
      ];
      const app = await applicationOn(a);
      await app.subscribeAsync(EVENTS, { qos: 1 });
      const event = nextMatching(messages$(app), (m) => m.topic.includes('/evt/'));
      await (await gatewayOn(b)).publishAsync('iot-2/type/rpi/id/gw1/evt/tls/fmt/txt', 'over TLS', { qos: 1 });
      expect((await event).payload.toString()).toBe('over TLS');
    } finally {
      await Promise.all(nodes.splice(0).map((platform) => platform.close()));
      await tls.remove();
      rmSync(certificate.dir, { recursive: true, force: true });
    }
  });

  it('will not start without its Redis, and says where it looked', async () => {
    const gone = `redis://user:secret@127.0.0.1:${await freePort()}`;
    const start = startPlatform({ cluster: { redisUrl: gone } });
    await expect(start).rejects.toThrow(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    await expect(start).rejects.not.toThrow(/secret/);
  });

  it('turns clients away while Redis is unreachable, logging the outage once, and closes without waiting for it', async () => {
    const own = await RedisServer.start();
    try {
      const { logger, records } = capturingLogger('info');
      const platform = await startPlatform({ cluster: { redisUrl: own.url }, logger });
      const app = await connectApplication(platform.url(), 'app9');
      clients.push(app);
      expect(records(/^joined the cluster/)).toMatchObject([{ redis: own.url }]);
      const dropped = once(app, 'close');
      await own.stop();
      // What a client published now would reach nobody, yet be acknowledged: it goes, and a new one is refused.
      await dropped;
      await expect(connectApplication(platform.url(), 'app10')).rejects.toMatchObject({ code: 3 });
      await platform.close();
      expect(records(/^Redis unreachable/)).toHaveLength(1);
    } finally {
      await own.remove();
    }
  });

  it("loses none of a gateway's events through an outage: turned away, it keeps them, and sends them all once let back in", async () => {
    const own = await RedisServer.start();
    try {
      const { a, b, logs } = await twoNodesOn(own);
      proxy = await TcpProxy.start(Number(b.url().split(':').pop()));
      const pair = new VirtualSerialPair();
      pairs.push(pair);
      await pair.start();
      const device = await pair.openDevice();
      const serial = [{ kind: 'serial', ports: [{ path: pair.gatewayPath, profile: 'json-sensor' }] }];
      gateway = await startTestGateway(proxy.port, serial, { admission: { confirmWindowMs: 50 } });
      const seen: number[] = [];
      const listen = async () => {
        const app = await applicationOn(a);
        app.on('message', (_topic, payload: Buffer) => seen.push((JSON.parse(payload.toString()) as { uptime: number }).uptime));
        await app.subscribeAsync('iot-2/type/mcu-sensor/id/esp-7/evt/+/fmt/json', { qos: 1 });
      };
      const line = (n: number) => device.write(`{"id":"esp-7","temperature":20,"uptime":${n}}\n`);
      await listen();
      await line(1);
      await until(() => seen.includes(1), 5000, 'the first event');

      const offline = nextMatching(gateway.session.status$, (status) => status.state !== 'online');
      await own.stop();
      await offline;
      for (let n = 2; n <= 6; n++) await line(n);
      await until(() => gateway!.queue.stats().depth >= 5, 5000, 'five events queued');
      const refusals = logs[1].records(/^connection refused: Redis is unreachable/);
      await until(() => logs[1].records(/^connection refused: Redis is unreachable/).length > refusals.length, 5000, 'a refusal');

      // The gateway waits behind the proxy until an application listens again (the restarted Redis is empty).
      proxy.cut();
      await own.restart();
      for (const { records } of logs) await until(() => records(/^Redis reachable again/).length > 0, 10_000, 'Redis back');
      await listen();
      proxy.restore();
      await until(() => [2, 3, 4, 5, 6].every((n) => seen.includes(n)), 10_000, 'the events of the outage');
      expect(seen.filter((n) => n >= 2)).toEqual([2, 3, 4, 5, 6]);
    } finally {
      await gateway?.close();
      gateway = undefined;
      await Promise.all(nodes.splice(0).map((platform) => platform.close()));
      await own.remove();
    }
  });

  it('takes clients again once Redis is back, and carries their messages between nodes', async () => {
    const own = await RedisServer.start();
    try {
      const { a, b, logs } = await twoNodesOn(own);
      const before = await gatewayOn(b);
      const dropped = once(before, 'close');
      await own.stop();
      await dropped;
      await own.restart();
      for (const { records } of logs) await until(() => records(/^Redis reachable again/).length > 0, 10_000, 'Redis back');
      const app = await applicationOn(a);
      await app.subscribeAsync(EVENTS, { qos: 1 });
      const gw = await gatewayOn(b);
      const after = nextMatching(messages$(app), (m) => m.topic.includes('/evt/after/'));
      await gw.publishAsync('iot-2/type/rpi/id/gw1/evt/after/fmt/txt', '2', { qos: 1 });
      expect((await after).payload.toString()).toBe('2');
    } finally {
      await Promise.all(nodes.splice(0).map((platform) => platform.close()));
      await own.remove();
    }
  });
});
