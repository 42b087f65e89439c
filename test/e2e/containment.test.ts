import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayStatus } from '../../src/pipeline/gateway-view.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { runCli } from '../support/cli.js';
import { GatewayProcess } from '../support/gateway-process.js';
import { connectApplication, startPlatform } from '../support/platform.js';
import { freePort } from '../support/ports.js';
import { type DeviceEnd, VirtualSerialPair } from '../support/socat.js';
import { until } from '../support/wait.js';

const PLUGIN = fileURLToPath(new URL('../support/faulty-plugin/index.mjs', import.meta.url));
const PROFILE = fileURLToPath(new URL('../support/faulty-plugin/faulty-sensor.yaml', import.meta.url));

let platform: EmbeddedPlatform | undefined;
let app: MqttClient | undefined;
let gateway: GatewayProcess | undefined;
let pair: VirtualSerialPair | undefined;
let device: DeviceEnd | undefined;
let cadence: NodeJS.Timeout | undefined;
const dirs: string[] = [];

afterEach(async () => {
  clearInterval(cadence);
  await gateway?.dispose();
  await device?.close();
  await pair?.stop();
  app?.end(true);
  await platform?.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  platform = app = gateway = pair = device = cadence = undefined;
});

/** An event the application received, in arrival order. */
interface Received {
  topic: string;
  payload: { id?: string; sensor?: string; seq: number; instance?: string };
}

/** A file the plugin watches: once it exists, the plugin fails (once: it removes the file). */
function triggerFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-fault-'));
  dirs.push(dir);
  return join(dir, 'fail-now');
}

const channelOf = (status: GatewayStatus, adapter: string, channel: string) =>
  status.adapters.find((a) => a.name === adapter)?.channels.find((c) => c.channel === channel);

/** A serial JSON-lines device on a socat pty, its port in the gateway config. */
async function serialDevice(): Promise<{ kind: 'serial'; ports: unknown[] }> {
  pair = new VirtualSerialPair('containment');
  await pair.start();
  device = await pair.openDevice(115200);
  return { kind: 'serial', ports: [{ path: pair.gatewayPath, profile: 'json-sensor' }] };
}

/** The device writes a numbered line every 20 ms, as a sensor would, until the test ends. */
function keepWriting(id: string): void {
  let seq = 0;
  cadence = setInterval(() => void device?.write(`{"id":"${id}","seq":${++seq}}\n`).catch(() => undefined), 20);
}

/** The platform, an application collecting every event, and the daemon with a serial device and the faulty plugin. */
async function gatewayNextToSerial(pluginOptions: Record<string, unknown>, ready: (status: GatewayStatus) => boolean) {
  platform = await startPlatform();
  app = await connectApplication(platform.url());
  const events: Received[] = [];
  app.on('message', (topic, payload) => events.push({ topic, payload: JSON.parse(payload.toString()) }));
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
  const serial = await serialDevice();
  gateway = new GatewayProcess({
    mqttPort: Number(platform.url().split(':').pop()),
    adapters: [serial, { kind: 'plugin', module: PLUGIN, options: { id: 'fs-1', intervalMs: 20, ...pluginOptions } }],
    extra: { profilePaths: [PROFILE], adapterRestart: { initialMs: 1000, maxMs: 2000 } },
  });
  await gateway.start(ready);
  keepWriting('esp-c');
  return events;
}

const fromSerial = (event: Received) => event.payload.id === 'esp-c';
const fromPlugin = (event: Received) => event.payload.sensor === 'fs-1';
const serialOnline = (status: GatewayStatus) => channelOf(status, 'serial', pair!.gatewayPath)?.state === 'online';

describe('containment: a failing plugin never stops the gateway or its other devices', () => {
  it.each([
    ['frames-error', 'frames$ errored: sensor bus parity error'],
    ['timer-throw', 'frames$ errored: plugin thread ended by an uncaught Error: plugin bug in a timer callback'],
    ['unhandled-rejection', 'frames$ errored: plugin thread ended by an uncaught Error: plugin bug: a promise nobody awaits'],
  ])('a plugin with a %s goes offline and is restarted while the serial events keep arriving', async (fault, reason) => {
    const trigger = triggerFile();
    const events = await gatewayNextToSerial(
      { fault, trigger },
      (status) => serialOnline(status) && channelOf(status, 'faulty-sensor', 'fs-1')?.state === 'online',
    );
    await until(() => events.filter(fromPlugin).length >= 3 && events.filter(fromSerial).length >= 3, 10_000, 'events from both');
    const firstInstance = events.find(fromPlugin)!.payload.instance;
    writeFileSync(trigger, '');
    // Offline, with the reason, in /api/status and as a warning in /readyz (the back-off is 0.5–1 s).
    const offline = await gateway!.waitFor(
      (status) => channelOf(status, 'faulty-sensor', 'fs-1')?.state === 'offline',
      'the plugin reported offline',
    );
    expect(channelOf(offline, 'faulty-sensor', 'fs-1')!.reason).toMatch(
      new RegExp(`^${reason.replace(/[$()]/g, '\\$&')}; restart 1 in \\d+ ms$`),
    );
    const ready = await fetch(`${gateway!.url}/readyz`);
    const body = (await ready.json()) as { status: string; checks: Array<{ name: string; status: string; detail: string }> };
    expect(ready.status).toBe(200);
    expect(body.status).toBe('warn');
    expect(body.checks.find((check) => check.name === 'channels')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining(`faulty-sensor fs-1 offline (${reason}`),
    });
    // Online again, and frames from a new instance arrive.
    await gateway!.waitFor((status) => channelOf(status, 'faulty-sensor', 'fs-1')?.state === 'online', 'the plugin online again');
    await until(
      () => events.some((e) => fromPlugin(e) && e.payload.instance !== firstInstance),
      10_000,
      'frames of the new instance',
    );
    // While the plugin was down, the serial device's events went on arriving, none lost.
    const lastOld = events.map((e) => fromPlugin(e) && e.payload.instance === firstInstance).lastIndexOf(true);
    const firstNew = events.findIndex((e) => fromPlugin(e) && e.payload.instance !== firstInstance);
    expect(events.slice(lastOld + 1, firstNew).filter(fromSerial).length).toBeGreaterThan(5);
    const serialSeqs = events.filter(fromSerial).map((e) => e.payload.seq);
    expect(serialSeqs).toEqual(serialSeqs.map((_, index) => serialSeqs[0]! + index));
    expect(gateway!.log).toContain(`adapter faulty-sensor failed (${reason})`);
    expect(gateway!.log).toContain('adapter faulty-sensor restarted');
    expect(gateway!.child!.exitCode).toBeNull();
  });

  it('a plugin that throws inside start() is retried with back-off; the daemon and the serial device go on', async () => {
    platform = await startPlatform();
    app = await connectApplication(platform.url());
    const serialEvents: number[] = [];
    app.on('message', (_topic, payload) => serialEvents.push(JSON.parse(payload.toString()).seq));
    await app.subscribeAsync('iot-2/type/mcu-sensor/id/+/evt/+/fmt/+', { qos: 1 });
    const serial = await serialDevice();
    gateway = new GatewayProcess({
      mqttPort: Number(platform.url().split(':').pop()),
      adapters: [serial, { kind: 'plugin', module: PLUGIN, options: { id: 'fs-1', fault: 'start-throw' } }],
      extra: { profilePaths: [PROFILE], adapterRestart: { initialMs: 100, maxMs: 400 } },
    });
    await gateway.start(serialOnline);
    keepWriting('esp-c');
    const failing = await gateway.waitFor(
      (status) => /restart 3 /.test(channelOf(status, 'faulty-sensor', 'fs-1')?.reason ?? ''),
      'a third restart',
    );
    expect(channelOf(failing, 'faulty-sensor', 'fs-1')).toMatchObject({
      state: 'offline',
      reason: expect.stringMatching(/^start\(\) failed: cannot open the sensor bus; restart 3 in \d+ ms$/),
    });
    await until(() => serialEvents.length >= 10, 10_000, 'serial events');
    expect((await fetch(`${gateway.url}/livez`)).status).toBe(200);
    expect(gateway.child!.exitCode).toBeNull();
  });

  it('2 MB of random bytes on a JSON-lines port: rejected and counted, then the valid lines arrive, and the daemon stays up', async () => {
    platform = await startPlatform();
    app = await connectApplication(platform.url());
    const events: Received[] = [];
    app.on('message', (topic, payload) => events.push({ topic, payload: JSON.parse(payload.toString()) }));
    await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
    gateway = new GatewayProcess({ mqttPort: Number(platform.url().split(':').pop()), adapters: [await serialDevice()] });
    await gateway.start();
    const noise = randomBytes(2 * 1024 * 1024);
    for (let offset = 0; offset < noise.length; offset += 64 * 1024)
      await device!.write(noise.subarray(offset, offset + 64 * 1024));
    // A newline ends whatever the noise left unfinished, as a device that resynchronises would send.
    await device!.write('\n{"id":"esp-after","seq":1}\n{"id":"esp-after","seq":2}\n{"id":"esp-after","seq":3}\n');
    await until(() => events.filter((e) => e.payload.id === 'esp-after').length === 3, 30_000, 'the three valid lines');
    expect(events.filter((e) => e.payload.id === 'esp-after').map((e) => e.payload.seq)).toEqual([1, 2, 3]);
    // Nothing from the noise became an event.
    expect(events.every((e) => e.payload.id === 'esp-after')).toBe(true);
    const status = await gateway.status();
    expect(status.pipeline.rejects.decode + status.pipeline.rejects.device + status.pipeline.rejects.framing).toBeGreaterThan(
      1000,
    );
    expect((await fetch(`${gateway.url}/livez`)).status).toBe(200);
    expect(gateway.child!.exitCode).toBeNull();
  });
});

describe('containment: a bug in the gateway’s own thread ends the process, with the queue saved', () => {
  it.each([
    ['unhandled-rejection', 'unhandled rejection', 'plugin bug: a promise nobody awaits'],
    ['timer-throw', 'uncaught exception', 'plugin bug in a timer callback'],
  ])(
    'a %s in the gateway’s thread: logged with its stack, exit 1, and every queued event is in the file',
    async (fault, kind, message) => {
      // A plugin run in the gateway's own thread (isolate: false) stands for a bug of the gateway's own:
      // nothing contains it but the process handlers. The service is unreachable, so events stay queued.
      const trigger = triggerFile();
      const serial = await serialDevice();
      gateway = new GatewayProcess({
        mqttPort: await freePort(),
        adapters: [serial, { kind: 'plugin', module: PLUGIN, isolate: false, options: { id: 'fs-1', fault, trigger } }],
        extra: { profilePaths: [PROFILE] },
      });
      await gateway.start();
      for (let seq = 1; seq <= 20; seq++) await device!.write(`{"id":"esp-q","seq":${seq}}\n`);
      await gateway.waitFor(
        (status) => status.devices.find((d) => d.deviceId === 'esp-q')?.events === 20,
        'the 20 serial events',
      );
      const child = gateway.child!;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      writeFileSync(trigger, '');
      expect(await exited).toBe(1);
      const fatal = gateway.log.split('\n').find((line) => line.includes('"level":60'));
      expect(fatal).toBeDefined();
      expect(JSON.parse(fatal!)).toMatchObject({
        fault: kind,
        msg: `${kind} in the gateway: ${message}; committing the queue and exiting so that a supervisor restarts the gateway`,
        err: { message, stack: expect.stringContaining('faulty-plugin/index.mjs') },
      });
      // The plugin's last frame came in the same tick as the fault: only the handler's commit saved it.
      const failing = gateway.log.split('\n').find((line) => line.includes('failing on purpose'));
      const lastSeq = (JSON.parse(failing!) as { seq: number }).seq;
      const exported = await runCli(['store', 'export', '--config', gateway.configFile]);
      expect(exported.code).toBe(0);
      const queued = exported.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(JSON.parse(line).payload) as Received['payload']);
      expect(queued.filter((p) => p.id === 'esp-q').map((p) => p.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(queued.filter((p) => p.sensor === 'fs-1').map((p) => p.seq)).toContain(lastSeq);
      const stats = await runCli(['store', 'stats', '--config', gateway.configFile]);
      expect(stats.stdout).toMatch(/mcu-sensor\/esp-q\s+20\s/);
    },
  );
});
