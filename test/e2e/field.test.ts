import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { runCli } from '../support/cli.js';
import { GatewayProcess } from '../support/gateway-process.js';
import { connectApplication, GATEWAY, messages$, ORG, startPlatform } from '../support/platform.js';
import { freePort } from '../support/ports.js';
import { parsePrometheusText } from '../support/prometheus.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { nextMatching, until } from '../support/wait.js';
import { wakeUps } from '../support/wake-ups.js';

let platform: EmbeddedPlatform | undefined;
let proxy: TcpProxy | undefined;
let app: MqttClient | undefined;
const gateways: GatewayProcess[] = [];
const dirs: string[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.dispose();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  app?.end(true);
  await proxy?.close();
  await platform?.close();
  platform = proxy = app = undefined;
});

const SIMULATED = [
  {
    kind: 'simulated',
    devices: [{ emulator: 'json-sensor', profile: 'json-sensor', channel: 'ttyACM0', intervalMs: 50, options: { id: 'esp-01' } }],
  },
];

async function runningGateway(extra: Record<string, unknown> = {}) {
  platform = await startPlatform();
  proxy = await TcpProxy.start(Number(platform.url().split(':').pop()));
  app = await connectApplication(platform.url());
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
  const gateway = new GatewayProcess({ mqttPort: proxy.port, adapters: SIMULATED, extra });
  gateways.push(gateway);
  await gateway.start();
  return gateway;
}

const get = (url: string) => fetch(url).then(async (response) => ({ status: response.status, body: await response.text() }));

/** A loopback port that is certainly taken, for a gateway that must fail to listen on it. */
async function takenPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function writeConfig(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-field-'));
  dirs.push(dir);
  const file = join(dir, 'gateway.json');
  writeFileSync(
    file,
    JSON.stringify({
      org: ORG,
      gateway: { typeId: GATEWAY.typeId, deviceId: GATEWAY.deviceId },
      auth: { token: GATEWAY.token },
      connection: { transport: 'tcp', host: '127.0.0.1', port: 1, reconnect: { initialMs: 50, maxMs: 200 } },
      store: { path: join(dir, 'state') },
      adapters: SIMULATED,
      ...config,
    }),
  );
  return file;
}

describe('a gateway in the field: health, metrics, status', () => {
  it('serves Prometheus metrics with the gateway’s own counters and the process defaults', async () => {
    const gateway = await runningGateway();
    await gateway.waitFor((status) => status.sender.published >= 3, 'three events published');
    const { status, body } = await get(`${gateway.url}/metrics`);
    expect(status).toBe(200);
    const metrics = parsePrometheusText(body);
    expect(metrics.type('wiotp_frames_total')).toBe('counter');
    expect(metrics.value('wiotp_frames_total', { profile: 'json-sensor' })).toBeGreaterThanOrEqual(3);
    expect(metrics.value('wiotp_events_published_total')).toBeGreaterThanOrEqual(3);
    expect(metrics.value('wiotp_session_online')).toBe(1);
    expect(metrics.value('wiotp_queue_durable')).toBe(1);
    expect(metrics.value('wiotp_queue_retained_events')).toBeLessThanOrEqual(metrics.value('wiotp_queue_events') ?? -1);
    expect(metrics.value('wiotp_queue_sync_failures_total')).toBe(0);
    expect(metrics.value('wiotp_devices', { state: 'active' })).toBe(1);
    expect(metrics.value('process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    // Never a device id as a label: series stay bounded whatever the devices behind the gateway.
    expect(body).not.toContain('esp-01');
  });

  it('once scraped, an idle gateway still sleeps: a few wake-ups a second, not the 100 of a 10-ms sampler', async () => {
    // One quiet device (a reading a minute): after its first, the gateway has nothing to do but its timers.
    const quiet = [{ ...SIMULATED[0], devices: [{ ...SIMULATED[0]!.devices[0]!, intervalMs: 60_000 }] }];
    const gateway = await runningGateway({ adapters: quiet });
    await gateway.waitFor((status) => status.sender.published >= 1, 'the first event published');
    expect((await get(`${gateway.url}/metrics`)).status).toBe(200);
    const pid = gateway.child!.pid!;
    const before = wakeUps(`/proc/${pid}/status`);
    const windowMs = 1500;
    // A rate over a window of time: there is no event to wait for.
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const perSecond = ((wakeUps(`/proc/${pid}/status`) - before) * 1000) / windowMs;
    expect(perSecond).toBeLessThan(30);
  });

  it('/readyz fails while the service is unreachable and passes again after; /livez passes throughout', async () => {
    const gateway = await runningGateway();
    await gateway.waitFor((status) => status.session.state === 'online', 'online');
    const ready = await get(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'pass' });
    proxy!.cut();
    await until(async () => (await get(`${gateway.url}/readyz`)).status === 503, 10_000, '/readyz 503');
    const failing = JSON.parse((await get(`${gateway.url}/readyz`)).body);
    expect(failing.status).toBe('fail');
    expect(failing.checks).toContainEqual(expect.objectContaining({ name: 'session', status: 'fail' }));
    expect((await get(`${gateway.url}/livez`)).status).toBe(200);
    proxy!.restore();
    await until(async () => (await get(`${gateway.url}/readyz`)).status === 200, 10_000, '/readyz 200 again');
  });

  it('publishes its health event, which an application receives', async () => {
    const gateway = await runningGateway({ health: { intervalSeconds: 1 } });
    const event = await nextMatching(
      messages$(app!),
      (m) => m.topic === `iot-2/type/${GATEWAY.typeId}/id/${GATEWAY.deviceId}/evt/health/fmt/json`,
      5000,
    );
    const payload = JSON.parse(event.payload.toString());
    expect(payload).toMatchObject({ session: 'online', queue: { durable: true }, channels: { online: 1 } });
    // Of the queued events, those delivered and kept while their device settles (a new device here).
    expect(payload.queue.retained).toBeTypeOf('number');
    expect(payload.queue.retained).toBeLessThanOrEqual(payload.queue.events);
    expect(payload.rssBytes).toBeGreaterThan(10_000_000);
    expect(payload.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(gateway.url).toMatch(/^http:/);
  });

  it('`status` prints a running gateway readably and exits 0 when ready, 1 when not', async () => {
    const gateway = await runningGateway();
    await gateway.waitFor((status) => status.devices.length === 1 && status.session.state === 'online', 'the device seen');
    const ready = await runCli(['status', '--url', gateway.url]);
    expect(ready.code).toBe(0);
    expect(ready.stdout).toMatch(/^gateway\s+g:abc123:rpi:gw1/m);
    expect(ready.stdout).toMatch(/^ready\s+pass/m);
    expect(ready.stdout).toMatch(/mcu-sensor\/esp-01\s+(active|pending|settling)\s+json-sensor on ttyACM0/);
    const json = await runCli(['status', '--url', gateway.url, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ready: { status: 'pass' }, gateway: { deviceId: 'gw1' } });
    proxy!.cut();
    await until(async () => (await get(`${gateway.url}/readyz`)).status === 503, 10_000, 'not ready');
    const notReady = await runCli(['status', '--url', gateway.url]);
    expect(notReady.code).toBe(1);
    expect(notReady.stdout).toMatch(/^ready\s+fail\s+session:/m);
    const nobody = await runCli(['status', '--url', `http://127.0.0.1:${await freePort()}`]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no gateway answers/);
    expect((await runCli(['status', '--url', 'not a url'])).code).toBe(2);
  });
});

describe('a gateway in the field: starting and stopping as a service expects', () => {
  it('a plugin that returns nothing usable: one line naming it, exit 1, and nothing left open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiotp-plugin-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'broken.mjs'), 'export function createAdapter() { return { name: "broken" }; }\n');
    const port = await freePort();
    const config = writeConfig({
      http: { listen: `127.0.0.1:${port}` },
      adapters: [{ kind: 'plugin', module: join(dir, 'broken.mjs') }],
    });
    const result = await runCli(['run', '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /adapters\[0\] \(.*broken\.mjs\): createAdapter returned an object without frames\$, rejects\$, status\$, start\(\), close\(\)/,
    );
    // The queue file is free again (a stopped gateway's store can be read) and the HTTP port was never left bound.
    const stats = await runCli(['store', 'stats', '--config', config]);
    expect(stats.code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/livez`)).rejects.toThrow();
  });

  it('an HTTP port that cannot be opened: exit 1 naming it, the queue closed', async () => {
    const port = await takenPort();
    const config = writeConfig({ http: { listen: `127.0.0.1:${port}` } });
    const result = await runCli(['run', '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${port}`));
    expect((await runCli(['store', 'stats', '--config', config])).code).toBe(0);
  });

  it('a token refused at the first connection: exit 77 with a clear line, no retries', async () => {
    platform = await startPlatform();
    const config = writeConfig({
      auth: { token: 'not-the-token' },
      connection: { transport: 'tcp', host: '127.0.0.1', port: Number(platform.url().split(':').pop()) },
      http: false,
    });
    const result = await runCli(['run', '--config', config]);
    expect(result.code).toBe(77);
    expect(result.stderr).toMatch(
      /refused the gateway's token at the first connection \(the service refused the token \(CONNACK 4/,
    );
    expect(result.stderr).not.toContain('not-the-token');
  });

  it('refuses to serve HTTP beyond loopback without a token, before anything listens (exit 2)', async () => {
    const config = writeConfig({ http: { listen: '0.0.0.0:0' } });
    const result = await runCli(['run', '--config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/reachable from other machines: set http.token/);
  });

  it('SIGHUP is logged and ignored; SIGTERM stops with exit 0 and the counters', async () => {
    const gateway = await runningGateway();
    gateway.child!.kill('SIGHUP');
    await until(() => gateway.log.includes('SIGHUP ignored'), 5000, 'the SIGHUP line');
    expect((await get(`${gateway.url}/livez`)).status).toBe(200);
    const stopped = await gateway.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(gateway.log).toMatch(
      /"frames":\d+,"events":\d+,"published":\d+,"rejects":\d+,"commands":\d+,"queued":\d+.*"msg":"stopped"/,
    );
  });
});
